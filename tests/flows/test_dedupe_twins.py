"""`golden dedupe` with defaults only on a file with a salutation column: twins with similar
first names stay apart, one person with a mistyped first name or salutation merges.

Written record by record (issue 13): twins share last name, address, landline and birth date,
and their first names are one letter apart or a masculine and feminine form.
"""

from __future__ import annotations

import pytest

from tests.flows.dedupe_rows import golden_ids

HEADER = "Nr;Anrede;Vorname;Nachname;Straße;PLZ;Ort;Telefon;Mobil;E-Mail;Geburtsdatum"
ROWS = [
    # twins Noah (Herr) and Nora (Frau): one address, landline and birth date -> apart
    ("1", "Herr;Noah;Hofer;Amselweg 7;80995;München;089 1502233;;;03.09.2004"),
    ("2", "Frau;Nora;Hofer;Amselweg 7;80995;München;089 1502233;;;03.09.2004"),
    # twins Jan (Herr) and Jana (Frau), no phones, no e-mails -> apart
    ("3", "Herr;Jan;Keller;Gartenstraße 21;50667;Köln;;;;17.05.1999"),
    ("4", "Frau;Jana;Keller;Gartenstraße 21;50667;Köln;;;;17.05.1999"),
    # twins Lena and Lea, both Frau: each her own mobile and e-mail -> apart
    (
        "5",
        "Frau;Lena;Brandl;Hauptstraße 40;94032;Passau;0851 334455;0170 1234567;"
        "lena.brandl@gmx.de;21.11.2002",
    ),
    (
        "6",
        "Frau;Lea;Brandl;Hauptstraße 40;94032;Passau;0851 334455;0176 7654321;"
        "lea.b02@web.de;21.11.2002",
    ),
    # twins Lina and Lisa, both Frau, no mobiles: each e-mail names its own first name -> apart
    (
        "11",
        "Frau;Lina;Gerber;Mozartgasse 22;80331;München;089 3188283;;lina.gerber@web.de;01.05.1989",
    ),
    (
        "12",
        "Frau;Lisa;Gerber;Mozartgasse 22;80331;München;089 3188283;;lisa.gerber@gmx.de;01.05.1989",
    ),
    # one person, first name mistyped, two addresses of her own that name her -> merge
    (
        "13",
        "Frau;Kathrin;Stolz;Lindenweg 5;90402;Nürnberg;0911 224466;;kathrin.stolz@web.de;"
        "08.08.1981",
    ),
    (
        "14",
        "Frau;Kathirn;Stolz;Lindenweg 5;90402;Nürnberg;0911 224466;;kathrin.stolz@gmx.de;"
        "08.08.1981",
    ),
    # one person: first name mistyped, same e-mail -> merge
    ("7", "Frau;Sabine;Lang;Rosenweg 3;97070;Würzburg;;;sabine.lang@t-online.de;14.02.1978"),
    ("8", "Frau;Sabien;Lang;Rosenweg 3;97070;Würzburg;;;sabine.lang@t-online.de;"),
    # one person: first name mistyped and Herr typed for Frau, same e-mail and mobile -> merge
    ("9", "Frau;Monika;Eder;Bergstraße 11;83022;Rosenheim;;0151 2223334;m.eder@gmx.net;"),
    ("10", "Herr;Monkia;Eder;Bergstraße 11;83022;Rosenheim;;0151 2223334;m.eder@gmx.net;"),
]
APART = [
    ("1", "2", "twins Noah (Herr) and Nora (Frau)"),
    ("3", "4", "twins Jan (Herr) and Jana (Frau)"),
    ("5", "6", "twins Lena and Lea with own mobiles and e-mails"),
    ("11", "12", "twins Lina and Lisa, no mobiles, each e-mail with her own first name"),
]
TOGETHER = [
    ("7", "8", "Sabine / Sabien with one e-mail"),
    ("9", "10", "Monika / Monkia, Frau / Herr, one e-mail and mobile"),
    ("13", "14", "Kathrin / Kathirn: both e-mails name Kathrin, so the record has the typo"),
]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return golden_ids(tmp_path_factory.mktemp("twins"), HEADER, ROWS)


@pytest.mark.parametrize(("left", "right", "description"), APART)
def test_twins_with_similar_first_names_stay_apart(
    golden: dict[str, str], left: str, right: str, description: str
) -> None:
    assert golden[left] != golden[right], description


@pytest.mark.parametrize(("left", "right", "description"), TOGETHER)
def test_one_person_with_a_mistyped_name_or_salutation_merges(
    golden: dict[str, str], left: str, right: str, description: str
) -> None:
    assert golden[left] == golden[right], description
