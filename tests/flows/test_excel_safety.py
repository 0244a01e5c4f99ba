"""Issue 15 end to end: a damaged, hostile CRM silo through the real pipeline and exports.

Every published CSV (run outputs and every CRM export, comma and semicolon) is read the way
comma-locale Excel and German Excel split it; no cell may start a formula. Ids stay exact
(``+1+1`` maps to ``+1+1``), phones are written alike in golden.csv and the exports, and the
damaged rows are in quarantine or findings, never silently changed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from flows.demo import write_demo
from flows.export import export_profile
from flows.pipeline import PipelineResult, PlainRunner, run_pipeline
from reports.exports import profile_names
from rules.config import load_config

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Cells that start with + or - and are values: numbers, and plain E.164 phone cells (documented
#: in reports.csv_safe: digits cannot carry a formula).
_NUMBER = re.compile(r"^[-+]?[0-9]+([.,][0-9]+)?([eE][-+]?[0-9]+)?$")
_E164_CELL = re.compile(r"^\+[1-9][0-9]{6,14}(; \+[1-9][0-9]{6,14})*$")

HOSTILE_ID = "+1+1"
HOSTILE_LAST_NAME = "Meier;=1+1"
HOSTILE_CITY = 'Berlin,=HYPERLINK("http://x")'


def _row(values: dict[str, str], header: list[str]) -> str:
    return ";".join(values.get(name, "") for name in header)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PipelineResult, Path]:
    directory = tmp_path_factory.mktemp("excel-safety")
    write_demo(directory, persons=60, seed=3)
    crm = directory / "crm.csv"
    text = crm.read_bytes().decode("cp1252")
    header = text.split("\r\n", 1)[0].split(";")
    hostile = {
        "Kundennr": HOSTILE_ID,
        "Vorname": "Hans",
        "Nachname": f'"{HOSTILE_LAST_NAME}"',
        "Ort": f'"{HOSTILE_CITY}"',
        "Telefon": "+49 30 1234567",
        "E-Mail": "@cmd@example.de",
    }
    extra = [
        _row(hostile, header),
        # too few fields: quarantined with its raw line
        "99001;Frau;;Anna;=SUM(A1);;;Weg;1;10115;-Berlin, Mitte;DE",
        _row({"Kundennr": "99002", "Vorname": "Ursula", "Nachname": "JÃ¼rgens"}, header),
    ]
    data = text.encode("cp1252") + "\r\n".join(extra).encode("cp1252")
    data += b"\r\n" + _row({"Kundennr": "99003", "Nachname": "Groß"}, header).encode() + b"\r\n"
    crm.write_bytes(data)
    config = load_config(directory / "golden.toml")
    result = run_pipeline(config, PlainRunner())
    exports = directory / "exports"
    for name in profile_names():
        export_profile(config, name, out_dir=exports / name)
    export_profile(config, "salesforce", out_dir=exports / "semicolon", delimiter=";")
    return directory, result, exports


def _published_csvs(result: PipelineResult, exports: Path) -> list[Path]:
    files = sorted(result.folder.glob("*.csv")) + sorted(exports.rglob("*.csv"))
    assert len(files) > 15
    return files


def _identifiers(result: PipelineResult) -> set[str]:
    crosswalk = pl.read_parquet(result.folder / "crosswalk.parquet")
    return set(crosswalk["source_id"]) | set(crosswalk["golden_id"])


def test_no_cell_starts_a_formula_in_either_locale(
    published: tuple[Path, PipelineResult, Path],
) -> None:
    _, result, exports = published
    identifiers = _identifiers(result)
    offending = []
    for path in _published_csvs(result, exports):
        text = path.read_text(encoding="utf-8-sig")
        for delimiter in (",", ";"):
            for number, row in enumerate(csv.reader(text.splitlines(), delimiter=delimiter)):
                for cell in row:
                    if not cell.startswith(FORMULA_START):
                        continue
                    if _NUMBER.match(cell) or _E164_CELL.match(cell) or cell in identifiers:
                        continue
                    offending.append((path.name, delimiter, number, cell[:40]))
    assert offending == []


def test_cells_with_either_separator_are_quoted(
    published: tuple[Path, PipelineResult, Path],
) -> None:
    _, result, _ = published
    findings = (result.folder / "findings.csv").read_text("utf-8-sig").splitlines()
    values = [line for line in findings if line.startswith(f'"crm:{HOSTILE_ID}"')]
    assert any(line.endswith('"Meier;\'=1+1"') for line in values)  # a comma file
    quarantine = (result.folder / "quarantine.csv").read_text("utf-8-sig")
    assert "\"99001;Frau;;Anna;'=SUM(A1);;;Weg;1;10115;'-Berlin, Mitte;DE\"" in quarantine


def test_ids_stay_exact_in_crosswalk_and_merge_map(
    published: tuple[Path, PipelineResult, Path],
) -> None:
    _, result, exports = published
    crosswalk = pl.read_csv(result.folder / "crosswalk.csv", infer_schema=False)
    golden_id = crosswalk.filter(pl.col("source_id") == HOSTILE_ID)["golden_id"].item()
    merge = pl.read_csv(exports / "salesforce" / "merge_map.csv", infer_schema=False)
    assert merge.filter(pl.col("source_id") == HOSTILE_ID)["golden_id"].to_list() == [golden_id]
    assert f'"crm","{HOSTILE_ID}"' in (result.folder / "crosswalk.csv").read_text("utf-8-sig")


def test_phones_are_written_alike_in_golden_csv_and_exports(
    published: tuple[Path, PipelineResult, Path],
) -> None:
    _, result, exports = published
    golden = pl.read_csv(result.folder / "golden.csv", infer_schema=False)
    contacts = pl.read_csv(exports / "generic" / "persons.csv", infer_schema=False)
    pairs = golden.select("golden_id", "phones").join(
        contacts.select(pl.col("golden_id"), pl.col("phones").alias("exported")), on="golden_id"
    )
    assert pairs.height > 10
    assert pairs.filter(pl.col("phones") != pl.col("exported")).is_empty()
    listed = pairs["phones"].drop_nulls().filter(pairs["phones"].drop_nulls() != "")
    assert listed.len() > 10 and listed.str.starts_with("+").all()


def test_damaged_rows_are_quarantined_or_found_never_silent(
    published: tuple[Path, PipelineResult, Path],
) -> None:
    _, result, _ = published
    quarantine = pl.read_csv(result.folder / "quarantine.csv", infer_schema=False)
    raw = quarantine.filter(pl.col("raw").str.starts_with("99001"))["raw"]
    assert raw.to_list() == ["99001;Frau;;Anna;'=SUM(A1);;;Weg;1;10115;'-Berlin, Mitte;DE"]
    findings = pl.read_csv(result.folder / "findings.csv", infer_schema=False)
    crm = findings.filter(pl.col("silo") == "crm", pl.col("field") == "(row)")
    # "JÃ¼rgens" written in Windows-1252 is the UTF-8 of "Jürgens": the line is read as UTF-8.
    for source_id in ("99002", "99003"):
        reason = crm.filter(pl.col("source_id") == source_id)["reason"].item()
        assert reason.startswith("row was encoded as UTF-8"), source_id
    golden = pl.read_csv(result.folder / "golden.csv", infer_schema=False)
    assert "Jürgens" in golden["last_name"].to_list()
    assert "Groß" in golden["last_name"].to_list()
    summary = result.summary.silos
    crm_counts = next(silo for silo in summary if silo.name == "crm")
    assert crm_counts.rows_read == crm_counts.quarantined + crm_counts.records
