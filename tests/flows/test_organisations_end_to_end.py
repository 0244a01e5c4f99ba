# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""Organisations across silos, end to end: CRM, ERP and newsletter files through the whole
pipeline (golden.toml, PlainRunner), then golden.csv and a Salesforce export.

Hand-written DACH cases: legal forms spelled differently in CRM and ERP, a contact named on the
company record ("z. Hd.", an Ansprechpartner column) with a private record of the same person
elsewhere, newsletter rows with only an e-mail, and free-mail addresses that must never tie two
companies together.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.export import export_profile
from flows.pipeline import PlainRunner, run_pipeline
from rules.canonical import CONTACT_ID_SUFFIX
from rules.config import GoldenConfig
from tests.flows.csv_silos import (
    CONTACT_COLUMNS,
    ERP_MAPPING,
    FIRM_CRM_MAPPING,
    CsvSilo,
    csv_project,
    golden_ids_of,
)

CRM = """Kundennr;Anrede;Firma;Ansprechpartner;Vorname;Nachname;Straße;PLZ;Ort;Land;Telefon;E-Mail;USt-IdNr
C1;Firma;Huber Bau GmbH z. Hd. Frau Anna Huber;;;;Werkstraße 3;80331;München;DE;089 4455660;a.huber@huber-bau.de;
C2;Firma;Boulangerie Dubois Sàrl;;;;Rue du Lac 12;1003;Lausanne;CH;021 311 22 33;info@boulangerie-dubois.ch;
C3;;Schreinerei Vogt GmbH;Thomas Vogt;;;Holzweg 7;79098;Freiburg im Breisgau;DE;0761 223344;info@vogt-holz.de;
C4;Frau;;;Anna;Huber;Lindenstraße 9;80333;München;DE;0171 2345678;anna.huber@gmx.de;
C5;Firma;Bäckerei Groß A.G.;;;;Marktplatz 1;8001;Zürich;CH;044 123 45 67;;
C6;Firma;Müller & Söhne GmbH & Co. KG;;;;Industriestraße 5;73730;Esslingen;DE;0711 334455;info@mueller-soehne.de;
C7;Firma;Gruber Holz GesmbH;;;;Dorfplatz 1;6020;Innsbruck;AT;0512 445566;office@gruber-holz.at;
C8;Firma;Sonnen-Apotheke e.K.;;;;Bahnhofstraße 2;90402;Nürnberg;DE;0911 998877;sonnen-apotheke@t-online.de;
C9;Firma;Mond-Apotheke e.K.;;;;Hauptstraße 44;90403;Nürnberg;DE;0911 112233;mond-apotheke@t-online.de;
C10;Firma;Blumen Koch;;;;Gartenweg 2;50667;Köln;DE;;info@gmx.de;
C11;Firma;Fahrschule Berg;;;;Ringstraße 8;50668;Köln;DE;;info@gmx.de;
C12;;Schreinerei Vogt GmbH;Lisa Vogt;;;Holzweg 7;79098;Freiburg im Breisgau;DE;0761 223344;l.vogt@vogt-holz.de;
C13;Firma;Tischlerei Berger e.U.;;;;Gewerbestraße 4;4020;Linz;AT;0732 556677;;
C14;Firma;Pasticceria Rossi Sagl;;;;Via Nassa 5;6900;Lugano;CH;091 922 33 44;;
C15;Firma;Kessler Maschinenbau GmbH;;;;Bahnhofstraße 10;89073;Ulm;DE;0731 445566;;DE812345673
C16;Firma;Brunner Druck GmbH;;;;Papierweg 3;93047;Regensburg;DE;0941 223311;;
C17;Firma;Kessler Maschinenbau GmbH;;;;Kaiserstraße 1;76133;Karlsruhe;DE;0721 998811;;DE712345602
"""

ERP = """kundennr,firmenname,rechtsform,strasse,plz,ort,land,telefon,email,ustid
E1,Huber Bau,G.m.b.H.,Werkstr. 3,80331,München,DE,+49 89 4455660,buchhaltung@huber-bau.de,
E2,Boulangerie Dubois,S.à r.l.,Rue du Lac 12,1003,Lausanne,CH,+41 21 311 22 33,,
E3,Baeckerei Gross,AG,Marktplatz 1,8001,Zuerich,CH,+41 44 123 45 67,,
E4,Mueller und Soehne,GmbH u. Co. KG,Industriestr. 5,73730,Esslingen,DE,0711/334455,,
E5,Gruber Holz,Ges.m.b.H.,Dorfplatz 1,6020,Innsbruck,AT,+43 512 445566,,
E6,Mond-Apotheke,e.K.,Hauptstr. 44,90403,Nürnberg,DE,0911 112233,mond-apotheke@t-online.de,
E7,Tischlerei Berger,e.U.,Gewerbestr. 4,4020,Linz,AT,+43 732 556677,,
E8,Pasticceria Rossi,SAGL,Via Nassa 5,6900,Lugano,CH,+41 91 922 33 44,,
E9,KMB Kessler Maschinenbau,GmbH,Lagerstraße 2,89079,Ulm,DE,,,DE812345673
E10,Brunner Druck,,,93047,Regensburg,DE,0941/223311,,
"""

NEWSLETTER = """id,email
N1,info@vogt-holz.de
N2,t.vogt@vogt-holz.de
N3,office@a1.net
N4,anna.huber@gmx.de
"""


def _config(folder: Path) -> GoldenConfig:
    crm = {**FIRM_CRM_MAPPING, **CONTACT_COLUMNS}
    erp = {**ERP_MAPPING, "legal_form": "rechtsform"}
    newsletter = CsvSilo(NEWSLETTER, {"source_id": "id", "emails": ["email"]})
    silos = {"crm": CsvSilo(CRM, crm), "erp": CsvSilo(ERP, erp), "newsletter": newsletter}
    return csv_project(folder, "organisations", silos)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, Path]:
    folder = tmp_path_factory.mktemp("organisations")
    config = _config(folder)
    result = run_pipeline(config, PlainRunner())
    return config, result.folder


SAME = [
    ("the contact-person record and the ERP record of one company", "C1", "E1"),
    ("Sàrl and S.à r.l.", "C2", "E2"),
    ("A.G. with umlaut and ß, AG transliterated", "C5", "E3"),
    ("GmbH & Co. KG and 'und' ... GmbH u. Co. KG", "C6", "E4"),
    ("Austrian GesmbH and Ges.m.b.H.", "C7", "E5"),
    ("one company with two contacts", "C3", "C12"),
    ("a newsletter row with the company's info@ mailbox", "C3", "N1"),
    ("a private newsletter row and the private customer", "C4", "N4"),
    ("a pharmacy with its free-mail address in both silos", "C9", "E6"),
    ("Austrian e.U. written out and as a legal-form column", "C13", "E7"),
    ("Ticino Sagl and SAGL", "C14", "E8"),
    ("one VAT id, another name and a warehouse address", "C15", "E9"),
    ("the phone and the town, no street in the ERP", "C16", "E10"),
]


@pytest.mark.parametrize(("description", "left", "right"), SAME, ids=[s[0] for s in SAME])
def test_one_organisation_across_silos(
    run: tuple[GoldenConfig, Path], description: str, left: str, right: str
) -> None:
    ids = golden_ids_of(run[1])
    assert ids[left] == ids[right], description


APART = [
    ("the contact and the private record of Anna Huber", f"C1{CONTACT_ID_SUFFIX}", "C4"),
    ("the contact and the company it was named on", f"C1{CONTACT_ID_SUFFIX}", "C1"),
    ("two contacts of one company", f"C3{CONTACT_ID_SUFFIX}", f"C12{CONTACT_ID_SUFFIX}"),
    ("two pharmacies on one free-mail provider", "C8", "C9"),
    ("two companies sharing a free-mail info@ address", "C10", "C11"),
    ("a person at the company's domain is not the company", "N2", "C3"),
    ("a person at the company's domain is not its named contact", "N2", f"C3{CONTACT_ID_SUFFIX}"),
    ("a role mailbox at A1 joins no company", "N3", "C7"),
    ("one name, two VAT ids in two towns: two companies", "C15", "C17"),
]


@pytest.mark.parametrize(("description", "left", "right"), APART, ids=[a[0] for a in APART])
def test_kept_apart(
    run: tuple[GoldenConfig, Path], description: str, left: str, right: str
) -> None:
    ids = golden_ids_of(run[1])
    assert ids[left] != ids[right], description


def test_contacts_link_to_their_organisation_in_golden_csv(run: tuple[GoldenConfig, Path]) -> None:
    folder = run[1]
    ids = golden_ids_of(folder)
    golden = pl.read_csv(folder / "golden.csv", infer_schema=False)
    account = dict(zip(golden["golden_id"], golden["account_golden_id"], strict=True))
    # The contact named with "z. Hd." is kept (not lost) and points to the merged company.
    contact = golden.filter(pl.col("golden_id") == ids[f"C1{CONTACT_ID_SUFFIX}"]).row(0, named=True)
    assert (contact["first_name"], contact["last_name"]) == ("Anna", "Huber")
    assert contact["record_type"] == "person"
    assert account[ids[f"C1{CONTACT_ID_SUFFIX}"]] == ids["C1"] == ids["E1"]
    # An Ansprechpartner column: both contacts of Vogt point to the one Vogt golden record.
    assert account[ids[f"C3{CONTACT_ID_SUFFIX}"]] == ids["C3"]
    assert account[ids[f"C12{CONTACT_ID_SUFFIX}"]] == ids["C3"]
    # A newsletter row with a personal address at the company's domain: its contact.
    assert account[ids["N2"]] == ids["C3"]
    # The private customer and organisations have no account.
    assert account[ids["C4"]] is None
    assert account[ids["C1"]] is None
    assert account[ids["N3"]] is None


def test_every_row_is_accounted_for(run: tuple[GoldenConfig, Path]) -> None:
    ids = golden_ids_of(run[1])
    rows = {line.split(";")[0] for line in CRM.splitlines()[1:]}
    rows |= {line.split(",")[0] for line in ERP.splitlines()[1:] + NEWSLETTER.splitlines()[1:]}
    contacts = {f"C{n}{CONTACT_ID_SUFFIX}" for n in (1, 3, 12)}
    assert set(ids) == rows | contacts


def test_salesforce_contacts_carry_the_account_external_id(
    run: tuple[GoldenConfig, Path], tmp_path: Path
) -> None:
    config, folder = run
    ids = golden_ids_of(folder)
    export_profile(config, "salesforce", out_dir=tmp_path)
    contacts = pl.read_csv(next(tmp_path.rglob("contacts.csv")), infer_schema=False)
    account = dict(zip(contacts["Golden_ID__c"], contacts["Account.Golden_ID__c"], strict=True))
    assert account[ids[f"C1{CONTACT_ID_SUFFIX}"]] == ids["E1"]
    assert account[ids["C4"]] is None
    accounts = pl.read_csv(next(tmp_path.rglob("accounts.csv")), infer_schema=False)
    # Every account a contact points to is in the accounts file of the same export.
    linked = {value for value in account.values() if value is not None}
    assert linked <= set(accounts["Golden_ID__c"])
