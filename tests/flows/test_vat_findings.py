"""Invalid VAT ids in a silo: findings with silo, row, field and the value as written; the run
goes on, and check-config says what the run does."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flows.checks import config_checks
from flows.pipeline import PlainRunner, run_pipeline
from rules.config import load_config

# A B2B list whose VAT column was typed by hand: a wrong length (ATU + 7 digits), a wrong Swiss
# check digit, an Austrian id failing its check digit; every fourth id is a real one.
_WRITTEN = ("ATU1234567", "CHE-123.456.789 MWST", "ATU99999999", "DE 129 273 398")


def _project(folder: Path) -> Path:
    lines = ["Kundennr;Firma;Strasse;PLZ;Ort;USt-IdNr"]
    for number in range(1, 25):
        vat = _WRITTEN[(number - 1) % 4]
        lines.append(f"K{number};Firma {number} GmbH;Hauptstraße {number};10115;Berlin;{vat}")
    (folder / "crm.csv").write_text("\n".join(lines) + "\n", "utf-8")
    config = folder / "golden.toml"
    config.write_text(
        """[project]
output_dir = "out"
[silos.crm]
connector = "csv"
path = "crm.csv"
delimiter = ";"
[silos.crm.mapping]
source_id = "Kundennr"
organisation_name = "Firma"
street_line = "Strasse"
postal_code = "PLZ"
city = "Ort"
vat_id = "USt-IdNr"
""",
        "utf-8",
    )
    return config


def test_invalid_vat_ids_are_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path))
    assert all(check.ok for check in config_checks(config, offline=True))

    result = run_pipeline(config, PlainRunner())  # 18 of 24 ids invalid: no blocking rule

    crosswalk = pl.read_csv(result.folder / "crosswalk.csv", infer_schema=False)
    assert crosswalk.height == 24  # every row kept
    findings = pl.read_csv(result.folder / "findings.csv", infer_schema=False).filter(
        pl.col("field") == "vat_id"
    )
    assert findings.height == 18
    first = findings.filter(pl.col("source_id") == "K2").row(0, named=True)
    assert (first["silo"], first["row_number"], first["status"]) == ("crm", "2", "invalid")
    assert first["value"] == "CHE-123.456.789 MWST"  # as written
    assert "check digit" in first["reason"]
    golden = pl.read_csv(result.folder / "golden.csv", infer_schema=False)
    assert set(golden["vat_id"].drop_nulls()) == {"DE129273398"}
