# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""A firm's mailboxes, departments and contacts, end to end (issue 13): CRM, shop and newsletter
files through the whole pipeline, DQ checks included, then golden.csv, lineage and findings.

Hand-written from how DACH customer files look: a CRM that keeps one row per contact person of
a firm, each with the firm's info@; an invoice address "z. Hd. Buchhaltung"; a newsletter tool
that holds only the address someone typed (kontakt@ of the firm, zentrale@ of a group whose two
companies share a domain, a person's own address at the firm); a shop whose name field says
"z. Hd. Buchhaltung" on a company order; and a private customer entered twice.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.pipeline import PlainRunner, run_pipeline
from rules.canonical import CONTACT_ID_SUFFIX
from rules.config import GoldenConfig
from tests.flows.csv_silos import (
    CONTACT_COLUMNS,
    CRM_COLUMNS,
    SHOP_MAPPING,
    CsvSilo,
    csv_project,
    golden_ids_of,
)

CRM = """Kundennr;Anrede;Firma;Ansprechpartner;Vorname;Nachname;Straße;PLZ;Ort;Land;Telefon;E-Mail
K1;Firma;Brandner Haustechnik GmbH;z. Hd. Buchhaltung;;;Industriestraße 12;93055;Regensburg;DE;0941 784120;buchhaltung@brandner-haustechnik.de
K2;Herr;Brandner Haustechnik GmbH;;Josef;Brandner;Industriestraße 12;93055;Regensburg;DE;0941 784120;info@brandner-haustechnik.de
K3;Frau;Brandner Haustechnik GmbH;;Maria;Brandner;Industriestraße 12;93055;Regensburg;DE;0941 784120;info@brandner-haustechnik.de
K4;Firma;Kessler Holding AG;;;;Bahnhofstrasse 21;8001;Zürich;CH;044 211 22 33;info@kessler-gruppe.ch
K5;Firma;Kessler Immobilien AG;;;;Seestrasse 5;8002;Zürich;CH;044 211 22 40;immobilien@kessler-gruppe.ch
K6;Frau;;;Lisa;Lang;Hauptstraße 3;80331;München;DE;;lisa.lang@web.de
K7;Frau;;;Lisa;Lang;Hauptstraße 3;80331;München;DE;;lisa.lang@web.de
"""

SHOP = """order_id,name,company,street,postal_code,city,country,email
S1,z. Hd. Buchhaltung,Brandner Haustechnik GmbH,Industriestr. 12,93055,Regensburg,DE,buchhaltung@brandner-haustechnik.de
"""

NEWSLETTER = """id,email
N1,kontakt@brandner-haustechnik.de
N2,zentrale@kessler-gruppe.ch
N3,j.brandner@brandner-haustechnik.de
"""


def _config(folder: Path) -> GoldenConfig:
    crm = {**CRM_COLUMNS, **CONTACT_COLUMNS}
    shop = {field: column for field, column in SHOP_MAPPING.items() if field != "phones"}
    silos = {
        "crm": CsvSilo(CRM, crm, {"delimiter": ";"}),
        "shop": CsvSilo(SHOP, shop),
        "newsletter": CsvSilo(NEWSLETTER, {"source_id": "id", "emails": ["email"]}),
    }
    return csv_project(folder, "firm mailboxes", silos, run_checks=True, default_country="DE")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = _config(tmp_path_factory.mktemp("firm_mailboxes"))
    return run_pipeline(config, PlainRunner()).folder


def _golden(folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / "golden.csv", infer_schema=False)


SAME = [
    ("kontakt@ on a newsletter row and the firm's buchhaltung@ and info@", "N1", "K1"),
    ("the firm's rows of its two contact persons", "K2", "K1"),
    ("the shop's company order for the Buchhaltung", "S1", "K1"),
]
APART = [
    ("zentrale@ of a group domain joins neither company", "N2", "K4"),
    ("zentrale@ of a group domain joins neither company", "N2", "K5"),
    ("two companies of one group", "K4", "K5"),
    ("a person's own address at the firm: its contact, not the firm", "N3", "K1"),
    ("two contacts who share the firm's info@", f"K2{CONTACT_ID_SUFFIX}", f"K3{CONTACT_ID_SUFFIX}"),
]


@pytest.mark.parametrize(("description", "left", "right"), SAME)
def test_one_firm(folder: Path, description: str, left: str, right: str) -> None:
    ids = golden_ids_of(folder)
    assert ids[left] == ids[right], description


@pytest.mark.parametrize(("description", "left", "right"), APART)
def test_kept_apart(folder: Path, description: str, left: str, right: str) -> None:
    ids = golden_ids_of(folder)
    assert ids[left] != ids[right], description


def test_the_persons_address_at_the_firm_makes_a_contact(folder: Path) -> None:
    ids = golden_ids_of(folder)
    golden = _golden(folder)
    row = golden.filter(pl.col("golden_id") == ids["N3"]).row(0, named=True)
    assert (row["record_type"], row["account_golden_id"]) == ("person", ids["K1"])


def test_a_department_becomes_no_person(folder: Path) -> None:
    golden = _golden(folder)
    names = pl.concat_str(["first_name", "last_name"], separator=" ", ignore_nulls=True)
    assert not golden.filter(names.str.contains("(?i)buchhaltung|z\\. ?hd")).height
    persons = golden.filter(pl.col("record_type") == "person")
    assert sorted(persons["first_name"].drop_nulls()) == ["Josef", "Lisa", "Maria"]
    # Nothing lost: each department is reported with its record.
    findings = pl.read_csv(folder / "findings.csv", infer_schema=False)
    reported = findings.filter(pl.col("reason").str.starts_with("department Buchhaltung"))
    assert sorted(reported["source_id"]) == ["K1", "S1"]
    # golden.csv shows it, with its source in lineage.csv.
    ids = golden_ids_of(folder)
    departments = dict(zip(golden["golden_id"], golden["department"], strict=True))
    assert departments[ids["K1"]] == "Buchhaltung"
    lineage = pl.read_csv(folder / "lineage.csv", infer_schema=False)
    kept = lineage.filter((pl.col("golden_id") == ids["K1"]) & (pl.col("field") == "department"))
    assert kept["value"].to_list() == ["Buchhaltung"]


def test_firma_is_no_salutation_of_an_organisation_or_its_contacts(folder: Path) -> None:
    ids = golden_ids_of(folder)
    golden = _golden(folder)
    salutations = dict(zip(golden["golden_id"], golden["salutation"], strict=True))
    assert salutations[ids["K1"]] is None and salutations[ids["K4"]] is None
    assert salutations[ids[f"K2{CONTACT_ID_SUFFIX}"]] == "Herr"
    assert salutations[ids[f"K3{CONTACT_ID_SUFFIX}"]] == "Frau"
    # Not lost: the lineage keeps the value and the record it came from.
    lineage = pl.read_csv(folder / "lineage.csv", infer_schema=False)
    kept = lineage.filter((pl.col("golden_id") == ids["K1"]) & (pl.col("field") == "salutation"))
    assert kept["value"].to_list() == ["Firma"]
    assert "record_type" in kept["rule"][0]


def test_the_firms_mailbox_on_contact_rows_is_no_duplicate_e_mail(folder: Path) -> None:
    failures = pl.read_csv(folder / "dq_failures.csv", infer_schema=False)
    unique = failures.filter(pl.col("rule") == "uniqueness.unique_in_silo")
    # The private customer entered twice is still found; the firm's info@ on the rows of its
    # contacts (and the contacts split off them) is not.
    assert sorted(unique["source_id"]) == ["K6", "K7"]
    assert set(unique["value"]) == {"lisa.lang@web.de"}
