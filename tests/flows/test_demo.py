"""Tests for flows.demo: determinism, parseable silos, truth coverage, realistic noise."""

from __future__ import annotations

import ast
import builtins
import collections
import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import phonenumbers
import pytest
from stdnum.at import uid as at_uid
from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.de import vat as de_vat

from flows.demo import DEMO_TODAY, DemoSummary, write_demo
from flows.demo.reference import load_reference
from flows.demo.silos import CRM_COLUMNS, ERP_COLUMNS, NEWSLETTER_COLUMNS, SHOP_KEYS
from flows.demo.variants import transliterate
from rules.config import load_config

FILES = ("crm.csv", "shop.json", "erp.sqlite", "newsletter.csv", "truth.csv", "golden.toml")
PERSONS = 200
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}$")
REGIONS = {"Deutschland": "DE", "D": "DE", "Germany": "DE", "": "DE", "Österreich": "AT", "A": "AT",
           "Oesterreich": "AT", "Austria": "AT", "Schweiz": "CH", "Switzerland": "CH",
           "Suisse": "CH"}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return write_demo(tmp_path_factory.mktemp("demo"), persons=PERSONS, seed=42)


def _crm_rows(directory: Path) -> list[list[str]]:
    text = (directory / "crm.csv").read_bytes().decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _crm_records(directory: Path) -> list[dict[str, str]]:
    """CRM rows with the right number of fields, as dicts."""
    header, *rows = _crm_rows(directory)
    return [dict(zip(header, row, strict=True)) for row in rows if len(row) == len(header)]


def _shop(directory: Path) -> list[dict[str, object]]:
    data = json.loads((directory / "shop.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _erp(directory: Path) -> list[dict[str, object]]:
    connection = sqlite3.connect(directory / "erp.sqlite")
    try:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM kunden ORDER BY kundennr")]
    finally:
        connection.close()


def _newsletter(directory: Path) -> list[dict[str, str]]:
    with (directory / "newsletter.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _truth(directory: Path) -> list[dict[str, str]]:
    with (directory / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _entity_of(directory: Path) -> dict[tuple[str, str], str]:
    return {(row["silo"], row["source_id"]): row["entity_id"] for row in _truth(directory)}


def test_same_seed_gives_identical_bytes(demo: DemoSummary, tmp_path: Path) -> None:
    again = write_demo(tmp_path / "again", persons=PERSONS, seed=42)
    for name in FILES:
        assert (again.directory / name).read_bytes() == (demo.directory / name).read_bytes(), name


def test_another_seed_gives_other_data(demo: DemoSummary, tmp_path: Path) -> None:
    other = write_demo(tmp_path / "other", persons=PERSONS, seed=7)
    assert (other.directory / "crm.csv").read_bytes() != (demo.directory / "crm.csv").read_bytes()


def test_every_file_exists_and_parses(demo: DemoSummary) -> None:
    for name in FILES:
        assert (demo.directory / name).is_file(), name
    header, *_ = _crm_rows(demo.directory)
    assert tuple(header) == CRM_COLUMNS
    crm_text = (demo.directory / "crm.csv").read_bytes().decode("cp1252")
    assert re.search("[äöüÄÖÜß]", crm_text)
    assert "\r\n" in crm_text
    assert all(tuple(item) == SHOP_KEYS for item in _shop(demo.directory))
    erp = _erp(demo.directory)
    assert tuple(erp[0]) == ERP_COLUMNS
    assert {row["kundentyp"] for row in erp} == {"Person", "Firma"}
    newsletter = _newsletter(demo.directory)
    assert tuple(newsletter[0]) == NEWSLETTER_COLUMNS
    assert {row["opt_in"] for row in newsletter} == {"yes", "no"}


def test_summary_matches_the_files(demo: DemoSummary) -> None:
    assert demo.records == {
        "crm": len(_crm_rows(demo.directory)) - 1,
        "erp": len(_erp(demo.directory)),
        "newsletter": len(_newsletter(demo.directory)),
        "shop": len(_shop(demo.directory)),
    }
    assert demo.persons == PERSONS
    assert demo.organisations == PERSONS // 10
    assert demo.truth_rows == demo.total_records - demo.rows_without_id
    assert 1.5 * PERSONS <= demo.total_records <= 2.1 * PERSONS


def test_truth_covers_every_record_with_an_id(demo: DemoSummary) -> None:
    truth = _truth(demo.directory)
    keys = [(row["silo"], row["source_id"]) for row in truth]
    assert len(keys) == len(set(keys))
    written = {("crm", row[0]) for row in _crm_rows(demo.directory)[1:] if row[0]}
    written |= {("shop", str(item["customer_id"])) for item in _shop(demo.directory)}
    written |= {("erp", str(row["kundennr"])) for row in _erp(demo.directory)}
    written |= {("newsletter", row["subscriber_id"]) for row in _newsletter(demo.directory)}
    assert set(keys) == written
    entity_ids = {row["entity_id"] for row in truth}
    assert any(entity.startswith("P") for entity in entity_ids)
    assert any(entity.startswith("O") for entity in entity_ids)


def test_duplicates_within_and_across_silos(demo: DemoSummary) -> None:
    silos_of: dict[str, set[str]] = collections.defaultdict(set)
    per_silo: collections.Counter[tuple[str, str]] = collections.Counter()
    for row in _truth(demo.directory):
        silos_of[row["entity_id"]].add(row["silo"])
        per_silo[(row["silo"], row["entity_id"])] += 1
    across = sum(len(silos) > 1 for silos in silos_of.values())
    assert across >= 0.25 * len(silos_of)
    assert any(count > 1 for count in per_silo.values())


def _last_name_key(text: str) -> str:
    return transliterate(text.lower()).removesuffix(" jun.").removesuffix(" sen.")


def _street_key(street: str, number: str) -> str:
    text = transliterate(f"{street}{number}".lower()).replace("str.", "strasse")
    return text.replace(" ", "")


def test_hard_negatives_share_last_name_and_address(demo: DemoSummary) -> None:
    entity_of = _entity_of(demo.directory)
    households: dict[tuple[str, str, str], set[str]] = collections.defaultdict(set)
    for row in _crm_records(demo.directory):
        if row["Kundennr"] and row["Nachname"]:
            key = (_last_name_key(row["Nachname"]), _street_key(row["Straße"], row["Hausnr"]),
                   row["PLZ"])  # fmt: skip
            households[key].add(entity_of[("crm", row["Kundennr"])])
    for erp_row in _erp(demo.directory):
        if erp_row["nachname"]:
            last_name, street = str(erp_row["nachname"]), str(erp_row["strasse"])
            key = (_last_name_key(last_name), _street_key(street, ""), str(erp_row["plz"]))
            households[key].add(entity_of[("erp", str(erp_row["kundennr"]))])
    assert any(len(entities) > 1 for entities in households.values())


def test_same_full_name_can_be_different_people(demo: DemoSummary) -> None:
    entity_of = _entity_of(demo.directory)
    names: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for row in _crm_records(demo.directory):
        if row["Kundennr"] and row["Vorname"]:
            key = (row["Vorname"].lower(), _last_name_key(row["Nachname"]))
            names[key].add(entity_of[("crm", row["Kundennr"])])
    assert any(len(entities) > 1 for entities in names.values())


def _vat_is_valid(vat_id: str) -> bool:
    if vat_id.startswith("CHE"):
        return ch_vat.is_valid(vat_id) if vat_id.endswith("MWST") else ch_uid.is_valid(vat_id)
    if vat_id.startswith("ATU"):
        return at_uid.is_valid(vat_id)
    return de_vat.is_valid(vat_id)


def test_vat_ids_are_valid_and_shared_across_silos(demo: DemoSummary) -> None:
    erp_vat = {str(row["ust_idnr"]) for row in _erp(demo.directory) if row["ust_idnr"]}
    crm_vat = {row["USt-IdNr"] for row in _crm_records(demo.directory) if row["USt-IdNr"]}
    assert erp_vat and crm_vat
    assert all(_vat_is_valid(vat_id) for vat_id in erp_vat | crm_vat)
    assert "DE" in {vat_id[:2] for vat_id in erp_vat} <= {"DE", "AT", "CH"}

    def compact(vat_id: str) -> str:
        return re.sub(r"[\s.\-]|MWST", "", vat_id)

    assert {compact(v) for v in erp_vat} & {compact(v) for v in crm_vat}


def test_clean_phone_numbers_are_valid(demo: DemoSummary) -> None:
    valid = total = 0
    for row in _crm_records(demo.directory):
        for column in ("Telefon", "Mobil"):
            if row[column]:
                total += 1
                region = REGIONS.get(row["Land"], row["Land"])
                try:
                    valid += phonenumbers.is_valid_number(phonenumbers.parse(row[column], region))
                except phonenumbers.NumberParseException:
                    pass
    assert total > 50
    assert valid / total >= 0.95


def test_deliberately_broken_inputs(demo: DemoSummary) -> None:
    header, *rows = _crm_rows(demo.directory)
    assert sum(len(row) != len(header) for row in rows) == 2
    assert sum(1 for row in rows if not row[0]) == demo.rows_without_id == 1
    assert any("31.02.1980" in row for row in rows)
    crm_emails = [row["E-Mail"] for row in _crm_records(demo.directory) if row["E-Mail"]]
    shop_emails = [str(item["email"]) for item in _shop(demo.directory)]
    newsletter_emails = [row["email"] for row in _newsletter(demo.directory)]
    for emails in (crm_emails, shop_emails, newsletter_emails):
        assert any(not EMAIL.match(email) for email in emails)
        assert sum(bool(EMAIL.match(email)) for email in emails) >= 0.9 * len(emails)
    assert any(item["birthday"] == "1985-02-30" for item in _shop(demo.directory))


def test_dates_never_after_the_fixed_today(demo: DemoSummary) -> None:
    today = DEMO_TODAY.isoformat()
    for item in _shop(demo.directory):
        for key in ("customer_since", "updated_at", "last_order"):
            assert item[key] is None or str(item[key]) <= today


def test_golden_toml_loads_and_maps_existing_columns(demo: DemoSummary) -> None:
    config = load_config(demo.config_path)
    assert sorted(config.silos) == ["crm", "erp", "newsletter", "shop"]
    assert config.project.output_dir == "out"
    assert config.silos["crm"].encoding == "cp1252"
    assert config.silos["crm"].delimiter == ";"
    columns = {"crm": CRM_COLUMNS, "erp": ERP_COLUMNS, "newsletter": NEWSLETTER_COLUMNS,
               "shop": SHOP_KEYS}  # fmt: skip
    for name, silo in config.silos.items():
        assert silo.path is not None
        assert config.resolve_path(silo.path).is_file()
        for mapped in silo.mapping.values():
            for column in mapped if isinstance(mapped, list) else [mapped]:
                assert column in columns[name], f"{name}: {column}"


def test_two_thousand_persons_give_the_documented_size(tmp_path: Path) -> None:
    # Speed is measured in benchmarks/, not here.
    summary = write_demo(tmp_path, persons=2000)
    assert 3000 <= summary.total_records <= 4000


DEMO_PACKAGE = Path(write_demo.__code__.co_filename).parent
MATCHER_PACKAGES = ("cleaners", "matching")


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_demo_code_never_imports_the_matcher() -> None:
    """The demo may not vouch for itself: its variants are not drawn from the matcher's code."""
    sources = sorted(DEMO_PACKAGE.glob("*.py"))
    assert sources
    for source in sources:
        borrowed = {
            name for name in _imported_modules(source) if name.split(".")[0] in MATCHER_PACKAGES
        }
        assert not borrowed, f"{source.name} imports {sorted(borrowed)}"
        text = source.read_text(encoding="utf-8")
        assert "cleaners/data" not in text and "matching/data" not in text, source.name


def test_demo_reads_only_its_own_reference_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every file the generator reads (nicknames, surnames, places ...) is in flows/demo/data."""
    read: list[Path] = []
    real_path_open, real_open = Path.open, builtins.open

    def path_open(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if not set(mode) & set("wax"):
            read.append(self.resolve())
        return real_path_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    def plain_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if isinstance(file, str | Path) and not set(mode) & set("wax"):
            read.append(Path(file).resolve())
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", path_open)
    monkeypatch.setattr(builtins, "open", plain_open)
    load_reference.cache_clear()
    try:
        write_demo(tmp_path / "demo", persons=20, seed=7)
    finally:
        load_reference.cache_clear()
    data = (DEMO_PACKAGE / "data").resolve()
    assert data / "nicknames.csv" in read
    assert [path for path in read if not path.is_relative_to(data)] == []
