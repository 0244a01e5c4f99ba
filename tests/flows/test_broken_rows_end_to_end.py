# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""A broken CSV row (a quote never closed) in quarantine.csv with its id, end to end.

A CRM export in Windows-1252 with semicolons and a shop export in UTF-8 with commas, each with a
line whose quote never closes: the row goes to quarantine, and its ``source_id`` is the id the
line shows before the quote (README, quarantine.csv), so a steward finds the customer and an
erased customer's broken line publishes no raw text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from flows.connectors import read_silo
from flows.pipeline import PlainRunner, run_pipeline
from matching.tombstones import hash_keys, screen_quarantine
from rules.config import GoldenConfig
from tests.flows.csv_silos import CsvSilo, csv_project

CRM = """Kundennr;Kundentyp;Anrede;Vorname;Nachname;Firma;Straße;PLZ;Ort;Telefon;E-Mail
100521;Privatkunde;Herr;Max;Müller;;Königstraße 5;01067;Dresden;0351 123456;max.mueller@web.de
100522;Privatkunde;Frau;Eva;Schröder;;Lindenweg 3;80331;München;;eva.schroeder@gmx.de
100523;Geschäftskunde;"Firma;;;Bäckerei Groß GmbH;Hauptstraße 1;28195;Bremen;0421 55501;info@baeckerei-gross.de
100524;Privatkunde;Herr;Jürgen;Weiß;;Schillerstraße 7;28195;Bremen;;j.weiss@web.de
100525;Geschäftskunde;Firma;;;Huber Bau GmbH;Industriestraße 12;93055;Regensburg;0941 784120;info@huber-bau.de
"""
CRM_MAPPING: Mapping[str, str | list[str]] = {
    "source_id": "Kundennr",
    "record_type": "Kundentyp",
    "salutation": "Anrede",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "organisation_name": "Firma",
    "street_line": "Straße",
    "postal_code": "PLZ",
    "city": "Ort",
    "phones": ["Telefon"],
    "emails": ["E-Mail"],
}
# The id is the second column: one broken line opens its quote after it, one before it.
SHOP = """name,order_id,company,street,postal_code,city,email
"Lang, Anna",S-1001,,Ringstraße 4,10115,Berlin,anna.lang@web.de
"Weiß, Jürgen",S-1002,"Weiß Bau, GmbH,Hauptstr. 1,80331,München,j.weiss@weiss-bau.de
Tim Wolf,S-1003,,Am Markt 1,01067,Dresden,tim.wolf@posteo.de
Sabine Roth,S-1004,,Bergstraße 2,70173,Stuttgart,s.roth@web.de
"Roth, Eva,S-1005,,Ring 3,10115,Berlin,eva.roth@gmx.de
Georg Huber,S-1006,,Feldgasse 9,80331,München,georg.huber@web.de
"""
SHOP_MAPPING: Mapping[str, str | list[str]] = {
    "source_id": "order_id",
    "full_name": "name",
    "organisation_name": "company",
    "street_line": "street",
    "postal_code": "postal_code",
    "city": "city",
    "emails": ["email"],
}


def _config(folder: Path) -> GoldenConfig:
    silos = {
        "crm": CsvSilo(CRM, CRM_MAPPING, {"delimiter": ";", "encoding": "cp1252"}),
        "shop": CsvSilo(SHOP, SHOP_MAPPING, {"delimiter": ","}),
    }
    return csv_project(folder, "broken rows", silos, default_country="DE")


def test_broken_rows_are_quarantined_with_the_id_their_line_shows(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert (tmp_path / "crm.csv").read_bytes().count("Geschäftskunde".encode("cp1252")) == 2

    result = run_pipeline(config, PlainRunner())

    quarantine = pl.read_csv(result.folder / "quarantine.csv", infer_schema=False)
    crm, shop = CRM.splitlines(), SHOP.splitlines()
    columns = ["silo", "source_id", "row_number", "field", "reason", "raw"]
    assert quarantine.select(columns).rows() == [
        ("crm", "100523", "3", None, "expected 11 fields, found 3 (unterminated quote)", crm[3]),
        ("shop", "S-1002", "2", None, "expected 7 fields, found 3 (unterminated quote)", shop[2]),
        # the quote opens before the id column: the id cannot be read, the column stays empty
        ("shop", None, "5", None, "expected 7 fields, found 1 (unterminated quote)", shop[5]),
    ]
    crosswalk = pl.read_csv(result.folder / "crosswalk.csv", infer_schema=False)
    assert sorted(crosswalk.filter(pl.col("silo") == "crm")["source_id"]) == [
        "100521",
        "100522",
        "100524",
        "100525",
    ]
    assert sorted(crosswalk.filter(pl.col("silo") == "shop")["source_id"]) == [
        "S-1001",
        "S-1003",
        "S-1004",
        "S-1006",
    ]


def test_an_erased_customers_broken_line_publishes_no_raw_text(tmp_path: Path) -> None:
    config = _config(tmp_path)
    extract = read_silo(config.silos["crm"], config)
    salt = b"test-salt-0123456789"
    keys = pl.DataFrame({"kind": ["source"], "key": ["crm:100523"]})
    tombstone = hash_keys(keys, salt).select(
        pl.lit("E1").alias("request_ref"),
        pl.lit("2026-12-01").str.to_date().alias("erased_on"),
        "kind",
        "key_hash",
    )

    screened = screen_quarantine(extract.quarantine, tombstone, salt)

    assert screened.select("source_id", "row_number", "reason", "raw").rows() == [
        ("100523", 3, "erased on 2026-12-01 (request E1)", None)
    ]
