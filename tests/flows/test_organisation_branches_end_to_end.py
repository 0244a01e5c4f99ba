# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""Organisations across silos, end to end (issue 13): franchise branches and their town
mailboxes, a group's sister companies at one address and domain, a firm without e-mail and the
mailbox at the domain its name spells, a typo in one silo's name, and owners or persons named
beside the firm ("Inh.", "Huber Bau, Anna Huber") who become contacts, apart from their
private records.

Hand-written DACH cases, as CRM, ERP and newsletter exports hold them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.pipeline import PlainRunner, run_pipeline
from rules.canonical import CONTACT_ID_SUFFIX
from rules.config import GoldenConfig
from tests.flows.csv_silos import (
    ERP_MAPPING,
    FIRM_CRM_MAPPING,
    CsvSilo,
    csv_project,
    golden_ids_of,
)

CRM = """Kundennr;Firma;Straße;PLZ;Ort;Land;Telefon;E-Mail;USt-IdNr
C1;Veloblitz AG;Limmatquai 10;8001;Zürich;CH;044 111 22 33;info@veloblitz.ch;
C2;Veloblitz AG;Marktgasse 5;3011;Bern;CH;031 222 33 44;office@veloblitz.ch;
C3;Reiter Bau GmbH;Seestraße 58;80331;München;DE;089 0587092;l.winkler@reiter-gruppe.de;
C4;Reiter Immobilien GmbH;Seestraße 58;80331;München;DE;089 014079;info@reiter-gruppe.de;
C5;Auer Immobnlien OHG;Untere Hauptstraße 13;48143;Münster;DE;0251 3353491;g.eder@auerimmobilien.de;
C6;Huber Bau Inh. Anton Huber e.K.;Werkstraße 3;80331;München;DE;089 4455660;;
C7;Elektro Maier, Anna Gruber;Dorfplatz 1;6020;Innsbruck;AT;0512 445566;;
C8;;Lindenstraße 9;80333;München;DE;0171 2345678;anton.huber@gmx.de;
"""

ERP = """kundennr,firmenname,strasse,plz,ort,land,telefon,email,ustid
E1,Veloblitz Bern,Marktgasse 5,3011,Bern,CH,+41 31 222 33 44,,
E2,Auer Immobilien oHG,Untere Hauptstr. 13,48143,Münster,DE,+49 251 3353491,kontakt@auerimmobilien.de,
E3,Maier Transporte GmbH & Co. KG,Wiesenweg 93,80331,München,DE,+49 89 5344861,,DE701164653
E4,Huber Bau e.K.,Werkstr. 3,80331,München,DE,+49 89 4455660,,
"""

NEWSLETTER = """id,email
N1,zuerich@veloblitz.ch
N2,bern@veloblitz.ch
N3,office@auerimmobilien.de
N4,kontakt@maiertransporte.de
N5,kontakt@reiter-gruppe.de
"""


def _config(folder: Path) -> GoldenConfig:
    newsletter = CsvSilo(NEWSLETTER, {"source_id": "id", "emails": ["email"]})
    silos = {
        "crm": CsvSilo(CRM, FIRM_CRM_MAPPING),
        "erp": CsvSilo(ERP, ERP_MAPPING),
        "newsletter": newsletter,
    }
    return csv_project(folder, "organisation branches", silos)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = _config(tmp_path_factory.mktemp("organisation_branches"))
    return run_pipeline(config, PlainRunner()).folder


SAME = [
    ("a branch's town mailbox and the branch in that town", "N1", "C1"),
    ("a town mailbox and the branch named after its town, without e-mail", "N2", "E1"),
    ("one branch in CRM and ERP (name with and without its town)", "C2", "E1"),
    ("a typo in one silo's name: one firm, and its newsletter mailbox", "C5", "N3"),
    ("the firm across silos despite the typo", "C5", "E2"),
    ("a firm without e-mail and the mailbox at the domain its name spells", "E3", "N4"),
    ("an 'Inh.' owner's firm with and without the owner", "C6", "E4"),
]


@pytest.mark.parametrize(("description", "left", "right"), SAME, ids=[s[0] for s in SAME])
def test_one_organisation(folder: Path, description: str, left: str, right: str) -> None:
    ids = golden_ids_of(folder)
    assert ids[left] == ids[right], description


APART = [
    ("franchise branches in two towns sharing the brand's domain", "C1", "C2"),
    ("a town mailbox and the branch of another town", "N1", "C2"),
    ("two town mailboxes of one brand", "N1", "N2"),
    ("sister companies at one address and domain", "C3", "C4"),
    ("a group's mailbox joins neither sister company", "N5", "C3"),
    ("the owner named with 'Inh.' and his private record", f"C6{CONTACT_ID_SUFFIX}", "C8"),
]


@pytest.mark.parametrize(("description", "left", "right"), APART, ids=[a[0] for a in APART])
def test_kept_apart(folder: Path, description: str, left: str, right: str) -> None:
    ids = golden_ids_of(folder)
    assert ids[left] != ids[right], description


def test_owners_and_persons_beside_a_firm_are_its_contacts(folder: Path) -> None:
    ids = golden_ids_of(folder)
    golden = pl.read_csv(folder / "golden.csv", infer_schema=False)
    rows = {row["golden_id"]: row for row in golden.iter_rows(named=True)}
    owner = rows[ids[f"C6{CONTACT_ID_SUFFIX}"]]
    assert (owner["first_name"], owner["last_name"], owner["record_type"]) == (
        "Anton",
        "Huber",
        "person",
    )
    assert owner["account_golden_id"] == ids["C6"] == ids["E4"]
    assert rows[ids["C6"]]["organisation_name"].startswith("Huber Bau")
    beside = rows[ids[f"C7{CONTACT_ID_SUFFIX}"]]
    assert (beside["first_name"], beside["last_name"]) == ("Anna", "Gruber")
    assert beside["account_golden_id"] == ids["C7"]
    assert rows[ids["C8"]]["account_golden_id"] is None
