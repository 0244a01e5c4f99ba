# ruff: noqa: E501 -- the CSV silos below are written as the files would hold them.
"""A company's contact person across silos, end to end (issue 13, "Organisations").

Hand-written DACH cases: the contact named on the company's CRM record ("z. Hd. Frau Anna
Huber") signs up for the newsletter with her address at the company's domain and only her first
name, with only her last name or with no name at all; her private record at a free-mail provider stays apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.pipeline import PlainRunner, run_pipeline
from rules.canonical import CONTACT_ID_SUFFIX
from rules.config import GoldenConfig
from tests.flows.csv_silos import (
    CRM_MAPPING,
    CRM_OPTIONS,
    NEWSLETTER_MAPPING,
    CsvSilo,
    csv_project,
    golden_ids_of,
)

CRM = """Kundennr;Anrede;Firma;Vorname;Nachname;Straße;PLZ;Ort;Land;Telefon;E-Mail;Geburtsdatum
C1;Firma;Huber Bau GmbH z. Hd. Frau Anna Huber;;;Werkstraße 3;80331;München;DE;089 123456;info@huber-bau.de;
C2;Frau;;Anna;Huber;Leopoldstraße 70;80802;München;DE;0171 4455667;anna.huber77@gmx.de;14.03.1977
C3;Firma;Zöllner Elektrotechnik AG;Thomas;Zöllner;Bahnhofstrasse 5;8001;Zürich;CH;044 234 56 78;info@zoellner-elektro.ch;
C4;Firma;Käser Treuhand AG z. Hd. Frau Franziska Bachmann;;;Hohlstrasse 40;8050;Zürich;CH;044 266 62 84;office@kaeser-treuhand.ch;
C5;Firma;Velo Blitz z.Hd. Hanna-Lena Baumann;;;Seefeldstrasse 63;8001;Zürich;CH;044 262 15 01;zuerich@veloblitz.ch;
C6;Firma;Druckerei Meier GmbH Attn. Paul Schmid;;;Bahrenfelder Str. 114;22765;Hamburg;DE;040 489907472;;
C7;Firma;Schreinerei Käser GmbH z.Hd. Elena Schneider;;;Feldbergstr. 53;4051;Basel;CH;061 380 39 57;info@schreinerei-kaeser.ch;
"""

NEWSLETTER = """id,email,first_name,last_name
N1,anna.huber@huber-bau.de,Anna,
N2,thomas.zoellner@zoellner-elektro.ch,,Zöllner
N3,franziska.bachmann@kaeser-treuhand.ch,,
N4,zuerich@veloblitz.ch,,
N5,paul.schmid@druckerei-meier.de,,
N6,e.schneider@schreinerei-kaeser.ch,,
"""


def _config(folder: Path) -> GoldenConfig:
    silos = {
        "crm": CsvSilo(CRM, CRM_MAPPING, CRM_OPTIONS),
        "newsletter": CsvSilo(NEWSLETTER, NEWSLETTER_MAPPING),
    }
    return csv_project(folder, "contact sign-ups", silos)


@pytest.fixture(scope="module")
def golden_ids(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("contact_sign_ups")
    return golden_ids_of(run_pipeline(_config(folder), PlainRunner()).folder)


def test_a_first_name_only_sign_up_at_the_firms_domain_joins_the_contact(
    golden_ids: dict[str, str],
) -> None:
    assert golden_ids["N1"] == golden_ids[f"C1{CONTACT_ID_SUFFIX}"]


def test_a_last_name_only_sign_up_at_the_firms_domain_joins_the_contact(
    golden_ids: dict[str, str],
) -> None:
    assert golden_ids["N2"] == golden_ids[f"C3{CONTACT_ID_SUFFIX}"]


def test_the_private_record_stays_apart(golden_ids: dict[str, str]) -> None:
    assert golden_ids["C2"] not in (golden_ids["N1"], golden_ids[f"C1{CONTACT_ID_SUFFIX}"])


def test_a_sign_up_with_only_the_contacts_business_address_joins_the_contact(
    golden_ids: dict[str, str],
) -> None:
    assert golden_ids["N3"] == golden_ids[f"C4{CONTACT_ID_SUFFIX}"]


def test_the_shops_mailbox_on_the_contact_is_the_companys_not_hers(
    golden_ids: dict[str, str],
) -> None:
    # zuerich@ names no person: a sign-up with only that mailbox is not Hanna-Lena Baumann.
    assert golden_ids["N4"] != golden_ids[f"C5{CONTACT_ID_SUFFIX}"]


def test_a_sign_up_at_the_domain_named_after_the_contacts_firm_joins_the_contact(
    golden_ids: dict[str, str],
) -> None:
    # The firm's record has no e-mail; its name is the domain's.
    assert golden_ids["N5"] == golden_ids[f"C6{CONTACT_ID_SUFFIX}"]


def test_an_initial_and_surname_at_the_firms_domain_join_the_contact(
    golden_ids: dict[str, str],
) -> None:
    assert golden_ids["N6"] == golden_ids[f"C7{CONTACT_ID_SUFFIX}"]
