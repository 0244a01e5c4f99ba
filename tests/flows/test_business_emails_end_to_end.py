# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""Business e-mails and contacts, end to end (issue 13): CRM, shop and newsletter files through
the whole pipeline, then golden.csv and a Salesforce export.

Hand-written DACH cases: a newsletter row with nothing but the company's info@ mailbox; a shop
order by a person for a company, sent from the company's mailbox; a contact named on the
company record ("z. Hd. Frau Schröder") whose newsletter sign-up uses her address at the
company's domain, and her private record at a free-mail provider, which must stay apart.
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
    CRM_MAPPING,
    CRM_OPTIONS,
    NEWSLETTER_MAPPING,
    SHOP_MAPPING,
    CsvSilo,
    csv_project,
    golden_ids_of,
)

CRM = """Kundennr;Anrede;Firma;Vorname;Nachname;Straße;PLZ;Ort;Land;Telefon;E-Mail;Geburtsdatum
C1;Firma;Nordlicht Logistik AG z. Hd. Frau Schröder;;;Goethestraße 11;22767;Hamburg;DE;040 2265075;info@nordlicht-logistik.de;
C2;Frau;;Bärbel;Schröder;Elbchaussee 140;22763;Hamburg;DE;0171 4455667;baerbel.s@gmx.de;14.03.1971
C3;Firma;Rheinhafen Transporte GmbH z. Hd. Herrn Roger Sutter;;;Rosenweg 48;4051;Basel;CH;061 525 71 27;info@rheinhafen-transporte.ch;
C4;Firma;Traisen Bau GmbH;;;Hauptplatz 164;3100;St. Pölten;AT;02742 828376;office@traisenbau.at;
C5;Herr;;Roger;Sutter;Birsigstrasse 3;4054;Basel;CH;079 555 12 34;roger.sutter@bluewin.ch;02.05.1969
"""

SHOP = """order_id,name,company,street,postal_code,city,country,phone,email
S1,Roger Sutter,Rheinhafen Transporte,Rosenweg 48,4051,Basel,CH,+41 61 525 71 27,info@rheinhafen-transporte.ch
"""

NEWSLETTER = """id,email,first_name,last_name
N1,office@traisenbau.at,,
N2,baerbel.schroeder@nordlicht-logistik.de,Bärbel,Schröder
N3,info@nordlicht-logistik.de,,
"""


def _config(folder: Path) -> GoldenConfig:
    silos = {
        "crm": CsvSilo(CRM, CRM_MAPPING, CRM_OPTIONS),
        "shop": CsvSilo(SHOP, SHOP_MAPPING),
        "newsletter": CsvSilo(NEWSLETTER, NEWSLETTER_MAPPING),
    }
    return csv_project(folder, "business e-mails", silos)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, Path]:
    folder = tmp_path_factory.mktemp("business_emails")
    config = _config(folder)
    return config, run_pipeline(config, PlainRunner()).folder


SAME = [
    ("a newsletter row with only the firm's office@ and the firm", "N1", "C4"),
    ("a newsletter row with only the firm's info@ and the firm", "N3", "C1"),
    ("a shop order from the firm's info@ is the firm's record", "S1", "C3"),
    (
        "the contact's two records: z. Hd. on the CRM and the shop order",
        f"C3{CONTACT_ID_SUFFIX}",
        f"S1{CONTACT_ID_SUFFIX}",
    ),
    (
        "the contact and her sign-up with her address at the firm's domain",
        f"C1{CONTACT_ID_SUFFIX}",
        "N2",
    ),
]
APART = [
    ("the contact and her private record (free-mail)", f"C1{CONTACT_ID_SUFFIX}", "C2"),
    ("her business sign-up and her private record", "N2", "C2"),
    ("the shop contact and his private record", f"S1{CONTACT_ID_SUFFIX}", "C5"),
    ("a person at the firm's domain and the firm", "N2", "C1"),
]


@pytest.mark.parametrize(("description", "left", "right"), SAME)
def test_linked(run: tuple[GoldenConfig, Path], description: str, left: str, right: str) -> None:
    ids = golden_ids_of(run[1])
    assert ids[left] == ids[right], description


@pytest.mark.parametrize(("description", "left", "right"), APART)
def test_kept_apart(
    run: tuple[GoldenConfig, Path], description: str, left: str, right: str
) -> None:
    ids = golden_ids_of(run[1])
    assert ids[left] != ids[right], description


def test_contacts_point_to_their_organisation(
    run: tuple[GoldenConfig, Path], tmp_path: Path
) -> None:
    config, folder = run
    ids = golden_ids_of(folder)
    golden = pl.read_csv(folder / "golden.csv", infer_schema=False)
    account = dict(zip(golden["golden_id"], golden["account_golden_id"], strict=True))
    contact = golden.filter(pl.col("golden_id") == ids[f"S1{CONTACT_ID_SUFFIX}"]).row(0, named=True)
    assert (contact["record_type"], contact["first_name"], contact["last_name"]) == (
        "person",
        "Roger",
        "Sutter",
    )
    assert account[ids[f"S1{CONTACT_ID_SUFFIX}"]] == ids["C3"]
    assert account[ids["N2"]] == ids["C1"]
    assert account[ids["C2"]] is None and account[ids["C5"]] is None
    export_profile(config, "salesforce", out_dir=tmp_path)
    contacts = pl.read_csv(next(tmp_path.rglob("contacts.csv")), infer_schema=False)
    exported = dict(zip(contacts["Golden_ID__c"], contacts["Account.Golden_ID__c"], strict=True))
    assert exported[ids[f"C1{CONTACT_ID_SUFFIX}"]] == ids["C1"]
    assert exported[ids[f"S1{CONTACT_ID_SUFFIX}"]] == ids["C3"]
    assert exported[ids["C2"]] is None
