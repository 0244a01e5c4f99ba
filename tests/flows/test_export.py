"""`golden export` end to end: profile files from a real run, deltas over runs, the round trip.

The demo data (flows.demo.write_demo) runs through the pipeline with flows.pipeline.PlainRunner
(no Prefect server). The delta test uses a six-record CSV silo, so that each change (new,
changed, merged, removed) is made on purpose.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from cleaners.emails import household_address
from flows.cli import app
from flows.demo import write_demo
from flows.export import export_profile
from flows.export_state import (
    ExportRecord,
    last_export,
    load_exported,
    record_export,
    run_status,
)
from flows.pipeline import PipelineResult, PlainRunner, run_pipeline
from flows.state import StateStore
from reports.exports import (
    CHANGES_SCHEMA,
    HASHES_SCHEMA,
    ExportProfile,
    load_profile,
    profile_names,
)
from rules.config import GoldenConfig, load_config
from rules.errors import ConfigError, StateError

PERSONS = 100

#: CRM import profiles (every golden record); the Listenprivileg postal list selects persons and
#: has its own tests (tests/flows/test_marketing_exports.py).
CRM_PROFILES = [name for name in profile_names() if load_profile(name).selection == "all"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, PipelineResult]:
    directory = tmp_path_factory.mktemp("export-demo")
    write_demo(directory, persons=PERSONS, seed=7)
    config = load_config(directory / "golden.toml")
    return config, run_pipeline(config, PlainRunner())


def read_export(path: Path, delimiter: str = ",") -> pl.DataFrame:
    return pl.read_csv(path, separator=delimiter, infer_schema=False, encoding="utf8")


# -- every profile on the demo run -------------------------------------------------------------
@pytest.mark.parametrize("name", CRM_PROFILES)
def test_full_export_holds_every_golden_record_once(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path, name: str
) -> None:
    config, run = demo
    result = export_profile(config, name, out_dir=tmp_path)
    profile = load_profile(name)
    golden = pl.read_parquet(run.folder / "golden.parquet")
    exported: list[str] = []
    for export_object in profile.objects:
        raw = (tmp_path / export_object.file).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
        header = raw.decode("utf-8-sig").splitlines()[0]
        assert header == ",".join(_quoted(h) for h in export_object.headers)
        rows = read_export(tmp_path / export_object.file)
        wanted = golden.filter(
            (pl.col("record_type") == "organisation")
            == (export_object.record_type == "organisation")
        )
        exported += rows[export_object.external_id].to_list()
        rejected_here = set(
            read_export(tmp_path / f"rejected_{name}.csv").filter(
                pl.col("object") == export_object.name
            )["golden_id"]
        )
        # every record of the object is in its file, or (once) in rejected_<profile>.csv
        assert sorted([*rows[export_object.external_id], *rejected_here]) == sorted(
            wanted["golden_id"]
        )
    rejected = read_export(tmp_path / f"rejected_{name}.csv")
    assert sorted(exported + rejected["golden_id"].unique().to_list()) == sorted(
        golden["golden_id"]
    )
    assert result.rejected == rejected["golden_id"].n_unique()
    assert (tmp_path / "IMPORT.md").read_text("utf-8").startswith("# Import into")
    assert result.run_id == run.summary.run_id
    manifest = json.loads((tmp_path / "export.json").read_text("utf-8"))
    assert manifest["profile"] == name and manifest["run_id"] == run.summary.run_id
    merge = read_export(tmp_path / "merge_map.csv")
    crosswalk = pl.read_parquet(run.folder / "crosswalk.parquet")
    assert merge.filter(pl.col("silo") != "retired_golden_id").height == crosswalk.height


def _quoted(header: str) -> str:
    return f'"{header}"' if "," in header or '"' in header else header


def test_persons_go_to_contacts_with_consent_and_phones(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path
) -> None:
    config, run = demo
    export_profile(config, "salesforce", out_dir=tmp_path)
    golden = pl.read_parquet(run.folder / "golden.parquet")
    contacts = read_export(tmp_path / "contacts.csv")
    given = golden.filter(pl.col("consent_email"))["golden_id"]
    allowed = contacts.filter(pl.col("HasOptedOutOfEmail") == "false")["Golden_ID__c"]
    # only recorded consent allows marketing e-mail
    assert len(allowed) > 0 and set(allowed) == set(given) & set(contacts["Golden_ID__c"])
    persons = golden.filter(pl.col("record_type") != "organisation")
    unknown = persons.filter(pl.col("consent_email").is_null())["golden_id"]
    unknown_rows = contacts.filter(pl.col("Golden_ID__c").is_in(unknown.implode()))
    # no marketing e-mail without consent (§ 7 UWG): unknown consent is an opt-out
    assert unknown_rows.height > 0
    assert (unknown_rows["HasOptedOutOfEmail"] == "true").all()
    phones = pl.concat([contacts["Phone"], contacts["MobilePhone"]]).drop_nulls()
    assert phones.str.contains(r"^\+[1-9][0-9]+$").all()  # importable, no apostrophe
    mobiles = contacts["MobilePhone"].drop_nulls()
    assert len(mobiles) > 0 and mobiles.str.contains(r"^\+(4915|4916|4917|436|417)").all()


def test_semicolon_without_bom(demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path) -> None:
    config, _ = demo
    export_profile(config, "zoho", out_dir=tmp_path, delimiter=";", bom=False)
    raw = (tmp_path / "contacts.csv").read_bytes()
    assert raw.startswith(b"Golden ID;Salutation;")
    dates = read_export(tmp_path / "contacts.csv", ";")["Date of Birth"].drop_nulls()
    assert len(dates) > 0 and dates.str.contains(r"^\d{4}-\d{2}-\d{2}$").all()


#: What each CRM refuses a record without, from its import documentation (not from the profiles:
#: the test checks the profiles against it). Header groups: at least one must be filled.
REQUIRED_BY_CRM: dict[str, dict[str, list[list[str]]]] = {
    # Salesforce Object Reference: Contact.LastName, Account.Name are required on create.
    "salesforce": {"contacts.csv": [["LastName"]], "accounts.csv": [["Name"]]},
    "salesforce-person-accounts": {
        "person_accounts.csv": [["LastName"]],
        "accounts.csv": [["Name"]],
    },
    # HubSpot KB "Import records": contacts need first name, last name or e-mail; companies a
    # name or domain.
    "hubspot": {
        "contacts.csv": [["firstname", "lastname", "email"]],
        "companies.csv": [["name", "domain"]],
    },
    # Dataverse: contact.lastname and account.name are business required.
    "dynamics": {"contacts.csv": [["lastname"]], "accounts.csv": [["name"]]},
    # Zoho CRM: Last Name (Contacts) and Account Name (Accounts) are mandatory.
    "zoho": {"contacts.csv": [["Last Name"]], "accounts.csv": [["Account Name"]]},
    # Pipedrive "Importing: mandatory fields": a person needs a name, an organization a name.
    "pipedrive": {"people.csv": [["Name"]], "organizations.csv": [["Name"]]},
    "generic": {},
    # A postal list: every row must be addressable (matching.listenprivileg).
    "listenprivileg": {
        "listenprivileg.csv": [["Last Name"], ["Street"], ["Postal Code"], ["City"]]
    },
}
EMAIL_HEADERS = {"Email", "PersonEmail", "email", "emailaddress1", "emailaddress2", "Email__c"}
EMAIL = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s.]+$"


@pytest.mark.parametrize("name", profile_names())
def test_import_files_meet_the_crms_required_fields(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path, name: str
) -> None:
    config, _ = demo
    export_profile(config, name, out_dir=tmp_path)
    assert set(REQUIRED_BY_CRM) == set(profile_names())
    for file, groups in REQUIRED_BY_CRM[name].items():
        rows = read_export(tmp_path / file)
        assert rows.height > 0
        for group in groups:
            filled = pl.any_horizontal(pl.col(header).fill_null("") != "" for header in group)
            assert rows.filter(~filled).height == 0, (file, group)  # zero rows the CRM refuses
        for header in EMAIL_HEADERS & set(rows.columns):
            addresses = rows[header].drop_nulls()
            assert addresses.str.contains(EMAIL).all(), (file, header)


def test_rejected_records_say_why_and_the_console_counts_them(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path
) -> None:
    config, run = demo
    golden = pl.read_parquet(run.folder / "golden.parquet")
    nameless = golden.filter(
        (pl.col("record_type") != "organisation") & pl.col("last_name").is_null()
    )["golden_id"]
    config_path = config.base_dir / "golden.toml"
    result = CliRunner().invoke(
        app,
        ["export", "-c", str(config_path), "--profile", "zoho", "--out", str(tmp_path),
         "--labels", "de"],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rejected = read_export(tmp_path / "rejected_zoho.csv")
    assert set(nameless) <= set(rejected["golden_id"])
    reasons = rejected.filter(pl.col("golden_id").is_in(nameless.implode()))["reason"]
    assert reasons.str.starts_with("Pflichtfeld leer (Nachname)").all()
    count = rejected["golden_id"].n_unique()
    if count:
        assert f"{count} record(s) the CRM would refuse" in result.output
    else:
        assert "0 records rejected" in result.output
    assert "IMPORT.md" in result.output
    notes = (tmp_path / "IMPORT.md").read_text("utf-8")
    assert notes.startswith("# Import nach Zoho CRM") and "§ 7 UWG" in notes
    header = (tmp_path / "contacts.csv").read_text("utf-8-sig").splitlines()[0]
    assert header.startswith("Golden-ID,Anrede,Akademischer Titel,Vorname,Nachname")


def test_default_folder_and_latest_link(demo: tuple[GoldenConfig, PipelineResult]) -> None:
    config, _ = demo
    result = export_profile(config, "hubspot")
    assert result.folder.parent == config.output_dir / "exports" / "hubspot"
    assert (result.folder.parent / "latest").resolve() == result.folder
    assert sorted(path.name for path in result.folder.iterdir()) == [
        "IMPORT.md",
        "changes.csv",
        "companies.csv",
        "contacts.csv",
        "export.json",
        "merge_map.csv",
        "rejected_hubspot.csv",
    ]


# -- errors ------------------------------------------------------------------------------------
def test_unknown_profile(demo: tuple[GoldenConfig, PipelineResult]) -> None:
    with pytest.raises(ConfigError, match="export profile 'sap' is unknown — choose one of"):
        export_profile(demo[0], "sap")


def test_unknown_run_id(demo: tuple[GoldenConfig, PipelineResult]) -> None:
    with pytest.raises(StateError, match="unknown run id '20990101T000000Z-abcdef'"):
        export_profile(demo[0], "generic", since="20990101T000000Z-abcdef")


def test_no_published_run_yet(tmp_path: Path) -> None:
    config = _delta_config(tmp_path)
    with pytest.raises(StateError, match="no published run yet in .*latest — run `golden run"):
        export_profile(config, "generic")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--profile", "sap"], "export profile 'sap' is unknown"),
        (["--profile", "generic", "--since", "nope"], "unknown run id 'nope'"),
        (["--profile", "generic", "--delimiter", ";;"], "--delimiter must be one character"),
    ],
)
def test_cli_errors_are_one_line(
    demo: tuple[GoldenConfig, PipelineResult], arguments: list[str], message: str
) -> None:
    config_path = demo[0].base_dir / "golden.toml"
    result = CliRunner().invoke(app, ["export", "--config", str(config_path), *arguments])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 2  # rich wraps


def test_cli_export(demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path) -> None:
    config_path = demo[0].base_dir / "golden.toml"
    result = CliRunner().invoke(
        app,
        ["export", "-c", str(config_path), "--profile", "dynamics", "--out", str(tmp_path)],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "contacts.csv" in result.output and "merge_map.csv" in result.output
    assert (tmp_path / "accounts.csv").is_file()


# -- deltas over runs --------------------------------------------------------------------------
DELTA_HEADER = ["id", "vorname", "nachname", "strasse", "plz", "ort", "email", "geburtsdatum"]
#: id -> first name, last name, street, postal code, city, e-mail, birth date.
DELTA_ROWS = {
    "1": "Anna|Becker|Lindenweg 3|10115|Berlin|anna.becker@example.de|1980-02-01".split("|"),
    "2": "Bernd|Fischer|Hauptstraße 7|80331|München|b.fischer@example.de|1975-06-12".split("|"),
    "3": "Carla|Hofmann|Ringstraße 21|50667|Köln|carla.h@example.de|1991-11-30".split("|"),
    "4": "Dieter|Krause|Am Markt 1|04109|Leipzig|d.krause@example.de|1968-03-15".split("|"),
    "5": "Eva|Lorenz|Seestraße 9|70173|Stuttgart|eva.lorenz@example.de|1987-09-09".split("|"),
}


def _write_silo(directory: Path, rows: dict[str, list[str]]) -> None:
    with (directory / "crm.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(DELTA_HEADER)
        writer.writerows([key, *values] for key, values in rows.items())


def _delta_config(directory: Path, extra: str = "") -> GoldenConfig:
    (directory / "golden.toml").write_text(
        f"""
[project]
output_dir = "out"

[silos.crm]
connector = "csv"
path = "crm.csv"
delimiter = ";"
encoding = "utf-8"
date_format = "%Y-%m-%d"

[silos.crm.mapping]
source_id = "id"
first_name = "vorname"
last_name = "nachname"
street_line = "strasse"
postal_code = "plz"
city = "ort"
emails = ["email"]
birth_date = "geburtsdatum"

[matching]
estimate_weights = false

[dq]
required_fields = []
{extra}
""",
        encoding="utf-8",
    )
    return load_config(directory / "golden.toml")


def _changes(result_folder: Path) -> dict[str, list[tuple[str, str | None]]]:
    changes = read_export(result_folder / "changes.csv")
    grouped: dict[str, list[tuple[str, str | None]]] = {}
    for row in changes.iter_rows(named=True):
        grouped.setdefault(row["change"], []).append((row["golden_id"], row["surviving_golden_id"]))
    return grouped


def test_delta_new_changed_merged_removed(tmp_path: Path) -> None:
    config = _delta_config(tmp_path)
    _write_silo(tmp_path, DELTA_ROWS)
    first = run_pipeline(config, PlainRunner())
    ids = dict(
        pl.read_parquet(first.folder / "crosswalk.parquet")
        .select("source_id", "golden_id")
        .iter_rows()
    )
    assert len(set(ids.values())) == 5  # five different people

    initial = export_profile(config, "generic", since="last", out_dir=tmp_path / "e1")
    assert initial.counts["persons"] == {
        "rows": 5,
        "new": 5,
        "changed": 0,
        "merged": 0,
        "removed": 0,
        "delete": 0,
    }
    again = export_profile(config, "generic", since="last", out_dir=tmp_path / "e2")
    assert again.counts["persons"]["rows"] == 0 and again.files["changes.csv"] == 0
    assert read_export(tmp_path / "e2" / "persons.csv").height == 0  # header only

    # Anna moves (changed), Bernd leaves (removed), Eva's record becomes a second copy of
    # Carla's (merged), Franz arrives (new).
    rows = dict(DELTA_ROWS)
    rows["1"] = "Anna|Becker|Lindenweg 3|20095|Hamburg|anna.becker@example.de|1980-02-01".split("|")
    del rows["2"]
    rows["5"] = list(DELTA_ROWS["3"])
    rows["6"] = "Franz|Maier|Bahnhofstraße 2|01067|Dresden|franz@example.de|1999-01-01".split("|")
    _write_silo(tmp_path, rows)
    second = run_pipeline(config, PlainRunner())
    now = dict(
        pl.read_parquet(second.folder / "crosswalk.parquet")
        .select("source_id", "golden_id")
        .iter_rows()
    )
    assert now["3"] == now["5"]
    survivor = now["3"]
    retired = ({ids["3"], ids["5"]} - {survivor}).pop()

    delta = export_profile(config, "generic", since="last", out_dir=tmp_path / "e3")
    changes = _changes(tmp_path / "e3")
    assert changes["new"] == [(now["6"], None)]
    # Anna's new address; the survivor now has two members (member_count is a generic column).
    assert changes["changed"] == sorted([(ids["1"], None), (survivor, None)])
    assert changes["merged"] == [(retired, survivor)]
    assert changes["removed"] == [(ids["2"], None)]
    written = read_export(tmp_path / "e3" / "persons.csv")
    assert sorted(written["golden_id"]) == sorted(
        [golden_id for golden_id, _ in changes["new"] + changes["changed"]]
    )
    assert written.filter(pl.col("golden_id") == ids["1"])["city"].to_list() == ["Hamburg"]
    assert delta.counts["persons"]["merged"] == 1 and delta.counts["persons"]["removed"] == 1
    merge = read_export(tmp_path / "e3" / "merge_map.csv")
    assert merge.filter(pl.col("silo") == "retired_golden_id").select(
        "source_id", "golden_id"
    ).rows() == [(retired, survivor)]
    assert merge.filter(pl.col("golden_id") == survivor)["records_in_silo"].to_list()[0] == "2"

    # Recorded in the state store: nothing is reported twice ...
    after = export_profile(config, "generic", since="last", out_dir=tmp_path / "e4")
    assert after.files["changes.csv"] == 0
    # ... while --since RUN_ID compares with that run's golden records directly.
    since_run = export_profile(
        config, "generic", since=first.summary.run_id, out_dir=tmp_path / "e5"
    )
    assert _changes(tmp_path / "e5") == changes
    assert since_run.since.endswith(f"run {first.summary.run_id}")


# -- nightly step ------------------------------------------------------------------------------
def test_nightly_flow_writes_configured_exports(tmp_path: Path) -> None:
    extra = '[export]\nprofiles = ["generic", "pipedrive"]\ndelimiter = ";"\n'
    config = _delta_config(tmp_path, extra)
    _write_silo(tmp_path, DELTA_ROWS)
    run_pipeline(config, PlainRunner())
    for name, file in (("generic", "persons.csv"), ("pipedrive", "people.csv")):
        latest = tmp_path / "out" / "exports" / name / "latest"
        manifest = json.loads((latest / "export.json").read_text("utf-8"))
        assert manifest["counts"][manifest_object(name)]["new"] == 5
        assert (latest / file).read_bytes().startswith(b"\xef\xbb\xbf")
        assert ";" in (latest / file).read_text("utf-8-sig").splitlines()[0]
    run_pipeline(config, PlainRunner())  # nothing changed: the nightly delta is empty
    manifest = json.loads(
        (tmp_path / "out" / "exports" / "generic" / "latest" / "export.json").read_text("utf-8")
    )
    assert manifest["files"]["persons.csv"] == 0
    assert manifest["baseline"].startswith("changed records only; changes since export")


def manifest_object(profile: str) -> str:
    return load_profile(profile).object_for("person").name


def test_nightly_export_failure_keeps_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = _delta_config(tmp_path, '[export]\nprofiles = ["generic"]\n')
    _write_silo(tmp_path, DELTA_ROWS)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise StateError("state store (exports): OperationalError: disk I/O error")

    monkeypatch.setattr("flows.export.export_profile", broken)
    result = run_pipeline(config, PlainRunner())
    assert (tmp_path / "out" / "latest").resolve() == result.folder
    assert "export generic failed: state store (exports)" in caplog.text


# -- round trip: export, read it back as a silo, re-run: no new duplicates ---------------------
#: Profile value -> canonical field, to map an export file back as a silo.
BACK = {
    "golden_id": "source_id",
    "salutation": "salutation",
    "title": "title",
    "first_name": "first_name",
    "last_name": "last_name",
    "display_name": "full_name",
    "organisation": "organisation_name",
    "organisation_name": "organisation_name",
    "legal_form": "legal_form",
    "street_line": "street_line",
    "street": "street",
    "house_number": "house_number",
    "postal_code": "postal_code",
    "city": "city",
    "country": "country",
    "country_name": "country",
    "postal_address": "address_line",
    "birth_date": "birth_date",
    "vat_id": "vat_id",
    **{
        f"consent_{channel}{suffix}": f"consent_{channel}{suffix}"
        for channel in ("email", "post", "phone")
        for suffix in ("", "_date", "_source")
    },
}
PHONES = ("phone", "mobile", "phone_other", "phone_1", "phone_2", "phones")
EMAILS = ("email", "email_2", "email_3", "emails")


def _silo_toml(
    profile: ExportProfile, export_object_name: str, folder: Path, linked: bool = False
) -> str:
    """The export file as a silo; ``linked``: its golden id column also as linked_golden_id."""
    export_object = next(item for item in profile.objects if item.name == export_object_name)
    mapping: dict[str, Any] = {}
    if linked:
        mapping["linked_golden_id"] = next(
            column.header for column in export_object.columns if column.value == "golden_id"
        )
    phones, emails = [], []
    for column in export_object.columns:
        if column.value in PHONES:
            phones.append(column.header)
        elif column.value in EMAILS:
            emails.append(column.header)
        elif column.value in BACK and BACK[column.value] not in mapping:
            if column.value == "consent_email" and column.header == "Marketing status":
                continue  # same consent as "Consent Email"
            mapping[BACK[column.value]] = column.header
    if phones:
        mapping["phones"] = phones
    if emails:
        mapping["emails"] = emails
    lines = [
        f"[silos.export_{export_object.name}]",
        'connector = "csv"',
        f"path = {json.dumps(str(folder / export_object.file))}",
        'delimiter = ","',
        "trust_rank = 20",
        f"date_format = {json.dumps(profile.date_format)}",
        f"[silos.export_{export_object.name}.defaults]",
        f'record_type = "{export_object.record_type}"',
        f"[silos.export_{export_object.name}.mapping]",
        *(f"{json.dumps(field)} = {json.dumps(column)}" for field, column in mapping.items()),
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hand_weighted_demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GoldenConfig, PipelineResult]:
    """The demo with the hand-set match weights: runs differ only by the silos they read.

    With weights estimated per run (EM), adding a silo that copies every entity shifts the
    weights, and that alone can split or join a borderline pair of the original silos.
    """
    directory = tmp_path_factory.mktemp("round-trip-demo")
    write_demo(directory, persons=PERSONS, seed=7)
    path = directory / "golden.toml"
    text = path.read_text("utf-8").replace("[matching]\n", "[matching]\nestimate_weights = false\n")
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    return config, run_pipeline(config, PlainRunner())


#: Golden records with none of these cannot be paired with anything (no blocking key): a
#: re-imported copy of one stays a separate record. The demo has a few (newsletter sign-ups whose
#: only e-mail address was invalid); they are counted, not asserted on.
MATCHABLE = ("emails", "phones", "street", "postal_code", "birth_date", "vat_id")


@pytest.mark.parametrize("linked", [False, True], ids=["values only", "golden id linked"])
@pytest.mark.parametrize("name", CRM_PROFILES)
def test_round_trip_adds_no_duplicates(
    hand_weighted_demo: tuple[GoldenConfig, PipelineResult],
    tmp_path: Path,
    name: str,
    linked: bool,
) -> None:
    config, first = hand_weighted_demo
    export_folder = tmp_path / "export"
    export_profile(config, name, out_dir=export_folder)
    profile = load_profile(name)
    original = (config.base_dir / "golden.toml").read_text("utf-8")
    # Same silos (paths made absolute), a fresh output folder, plus the export files as silos.
    text = re.sub(
        r'(?m)^path = "([^"/][^"]*)"', lambda m: f'path = "{config.base_dir / m[1]}"', original
    )
    text = text.replace('output_dir = "out"', f'output_dir = "{tmp_path / "out"}"')
    text += "".join(
        _silo_toml(profile, item.name, export_folder, linked) for item in profile.objects
    )
    (tmp_path / "golden.toml").write_text(text, encoding="utf-8")
    second_config = load_config(tmp_path / "golden.toml")
    if linked:  # the same installation: the state store knows the exported golden ids
        second_config.output_dir.mkdir(parents=True)
        shutil.copy(config.output_dir / "state.db", second_config.output_dir / "state.db")
    second = run_pipeline(second_config, PlainRunner())

    # Records the CRM would refuse were not exported (rejected_<profile>.csv): not round-tripped.
    rejected = read_export(export_folder / f"rejected_{name}.csv")["golden_id"]
    golden = pl.read_parquet(first.folder / "golden.parquet").filter(
        ~pl.col("golden_id").is_in(rejected.implode())
    )
    before = pl.read_parquet(first.folder / "crosswalk.parquet")
    after = pl.read_parquet(second.folder / "crosswalk.parquet")
    exported = after.filter(pl.col("silo").str.starts_with("export_"))
    assert exported.height == golden.height  # every exported row went into matching
    # Every re-imported record joins the golden record it was exported from, and nothing else.
    origin = before.select("silo", "source_id", pl.col("golden_id").alias("origin"))
    now = after.join(origin, on=["silo", "source_id"], how="left").with_columns(
        pl.when(pl.col("silo").str.starts_with("export_"))
        .then(pl.col("source_id"))
        .otherwise(pl.col("origin"))
        .alias("origin")
    )
    # A household mailbox (familie.haas@) alone says "this household", not "this person".
    personal_emails = pl.col("emails").list.filter(~household_address(pl.element()))
    unmatchable = golden.filter(
        pl.all_horizontal(
            (personal_emails.list.len() == 0)
            if column == "emails"
            else (pl.col(column).list.len() == 0)
            if column == "phones"
            else pl.col(column).is_null()
            for column in MATCHABLE
        )
    )["golden_id"]
    assert len(unmatchable) <= 6
    if linked:  # the golden id brings every re-imported record home, matchable or not
        unmatchable = unmatchable.clear()
    per_entity = now.group_by("golden_id").agg(pl.col("origin").n_unique().alias("origins"))
    per_origin = (
        now.filter(~pl.col("origin").is_in(unmatchable.implode()))
        .group_by("origin")
        .agg(pl.col("golden_id").n_unique().alias("entities"))
    )
    assert per_entity["origins"].max() == 1, "an exported record merged two golden records"
    split = per_origin.filter(pl.col("entities") > 1)["origin"].to_list()
    assert split == [], f"exported records that became new duplicates: {split}"
    assert second.summary.golden_records == first.summary.golden_records + len(unmatchable)


# -- state store: SQLite and real PostgreSQL ------------------------------------------------------


def _record(
    export_id: str, written: list[tuple[str, str, str]], retired: list[Any]
) -> ExportRecord:
    return ExportRecord(
        export_id=export_id,
        profile="salesforce",
        run_id=f"run-{export_id}",
        since="test",
        exported_at=datetime(2026, 11, int(export_id), 3, 0, tzinfo=UTC),
        folder="/tmp/x",
        counts={"contacts": {"rows": len(written)}},
        written=pl.DataFrame(written, schema=HASHES_SCHEMA, orient="row"),
        retired=pl.DataFrame(retired, schema=CHANGES_SCHEMA, orient="row"),
    )


def _exercise_export_state(url: str) -> None:
    store = StateStore.open(url)
    try:
        assert load_exported(store, "salesforce").height == 0 and last_export(store, "x") is None
        record_export(store, _record("1", [("A", "contacts", "h1"), ("B", "contacts", "h2")], []))
        record_export(
            store,
            _record(
                "2",
                [("B", "accounts", "h3")],  # B became an organisation: moved, not removed
                [("contacts", "A", "merged", "B"), ("contacts", "B", "removed", None)],
            ),
        )
        assert load_exported(store, "salesforce").rows() == [("B", "accounts", "h3")]
        assert load_exported(store, "hubspot").height == 0  # per profile
        assert last_export(store, "salesforce") == ("2", "run-2")
        assert run_status(store, "nope") is None
    finally:
        store.close()


def test_export_state_on_sqlite(tmp_path: Path) -> None:
    _exercise_export_state(f"sqlite:///{tmp_path / 'state.db'}")


@pytest.mark.db
def test_export_state_on_postgresql(postgres_url: str) -> None:
    _exercise_export_state(postgres_url)


def test_an_unexpected_export_failure_logs_no_value(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The nightly export step logs the error's type and place, never its message: polars'
    errors quote the values they could not read."""
    from types import SimpleNamespace

    import flows.export

    def fail(*args: Any, **kwargs: Any) -> None:
        raise pl.exceptions.InvalidOperationError("conversion failed for ['Mustermann']")

    monkeypatch.setattr(flows.export, "export_profile", fail)
    config = SimpleNamespace(export=SimpleNamespace(profiles=["generic"], delta=True))

    with caplog.at_level("DEBUG", logger="golden"):
        assert flows.export.export_after_run(config) == []  # type: ignore[arg-type]

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "export generic failed unexpectedly: InvalidOperationError at" in logged
    assert "Mustermann" not in logged and not any(record.exc_info for record in caplog.records)
