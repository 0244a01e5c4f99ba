"""Nothing of an address is lost: what fits no address column (c/o, Hinterhaus, 2. OG, Gebäude
B, a post box beside the street) reaches golden.csv's address_extra, from one-line and from
split addresses."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flows.pipeline import PlainRunner, run_pipeline
from rules.config import load_config

CONFIG = """[project]
output_dir = "out"
[silos.shop]
connector = "csv"
path = "shop.csv"
delimiter = ";"
[silos.shop.mapping]
source_id = "Bestellnr"
full_name = "Name"
address_line = "Lieferadresse"
[silos.crm]
connector = "csv"
path = "crm.csv"
delimiter = ";"
[silos.crm.mapping]
source_id = "Kundennr"
first_name = "Vorname"
last_name = "Nachname"
street = "Strasse"
house_number = "Hausnr"
address_extra = "Adresszusatz"
postal_code = "PLZ"
city = "Ort"
"""

SHOP = """Bestellnr;Name;Lieferadresse
S1;Anna Keller;Lindenstr. 4 Hinterhaus, 10115 Berlin
S2;Jonas Brandt;c/o Schreinerei Vogt, Am Anger 7, 2. OG, 04109 Leipzig
S3;Mira Sommer;Postfach 12 34, Bahnhofstr. 9, 8001 Zürich
"""

CRM = """Kundennr;Vorname;Nachname;Strasse;Hausnr;Adresszusatz;PLZ;Ort
K1;Paul;Hartmann;Industriestr. 12 Gebäude B;;;70565;Stuttgart
K2;Lea;Wolf;Gartenweg;3, 1. Stock;bei Schulz;80331;München
"""


def test_address_extra_reaches_golden_csv(tmp_path: Path) -> None:
    (tmp_path / "golden.toml").write_text(CONFIG, "utf-8")
    (tmp_path / "shop.csv").write_text(SHOP, "utf-8")
    (tmp_path / "crm.csv").write_text(CRM, "utf-8")
    result = run_pipeline(load_config(tmp_path / "golden.toml"), PlainRunner())

    golden = pl.read_csv(result.folder / "golden.csv", infer_schema=False)
    extras = dict(zip(golden["last_name"], golden["address_extra"], strict=True))
    assert extras == {
        "Keller": "Hinterhaus",
        "Brandt": "c/o Schreinerei Vogt, 2. OG",
        "Sommer": "Postfach 12 34",
        "Hartmann": "Gebäude B",
        "Wolf": "bei Schulz, 1. Stock",
    }
    streets = dict(zip(golden["last_name"], golden["house_number"], strict=True))
    assert streets["Hartmann"] == "12" and streets["Wolf"] == "3"
    findings = pl.read_csv(result.folder / "findings.csv", infer_schema=False)
    moved = findings.filter(pl.col("field") == "address_extra")
    assert sorted(moved["source_id"]) == ["K1", "K2"]
    assert moved["row_number"].to_list() == ["1", "2"]
