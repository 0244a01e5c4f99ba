"""`golden dedupe` with defaults only on twins whose given names are not in the hand-written list
(matching/data/given_names.csv) but in the international one (given_names_international.csv).

Written record by record: each pair shares last name, address, landline and birth date and has
no salutation, mobile or e-mail, so only the first names can tell twins from one person. Twins'
names are two names of their own (Goran / Zoran); one person's are one slip apart (a letter
dropped or two swapped: Marija / Maria, Zoran / Zorna), even where the slip lands on a name.
"""

from __future__ import annotations

import pytest

from tests.flows.dedupe_rows import golden_ids

HEADER = "Nr;Vorname;Nachname;Straße;PLZ;Ort;Telefon;Geburtsdatum"
ROWS = [
    # twins Goran and Zoran: both names only in the international list -> apart
    ("1", "Goran;Babić;Ahornweg 3;70173;Stuttgart;0711 2233445;12.06.1991"),
    ("2", "Zoran;Babić;Ahornweg 3;70173;Stuttgart;0711 2233445;12.06.1991"),
    # twins Matteo (hand-written list) and Mattia (international list) -> apart
    ("3", "Matteo;Ferrari;Seestrasse 14;8002;Zürich;044 2011122;03.02.2008"),
    ("4", "Mattia;Ferrari;Seestrasse 14;8002;Zürich;044 2011122;03.02.2008"),
    # twin sisters Ivana and Ivona: one vowel apart, both names -> apart
    ("5", "Ivana;Kovačević;Lindenstraße 8;4020;Linz;0732 775533;27.09.1996"),
    ("6", "Ivona;Kovačević;Lindenstraße 8;4020;Linz;0732 775533;27.09.1996"),
    # one person: Marija in one system, Maria (a name too) in the other, a letter dropped
    ("7", "Marija;Horvat;Bahnhofstraße 2;9020;Klagenfurt;0463 512233;14.04.1975"),
    ("8", "Maria;Horvat;Bahnhofstraße 2;9020;Klagenfurt;0463 512233;14.04.1975"),
    # one person: Zoran with two letters swapped
    ("9", "Zoran;Marković;Kirchgasse 5;6020;Innsbruck;0512 443322;02.12.1968"),
    ("10", "Zorna;Marković;Kirchgasse 5;6020;Innsbruck;0512 443322;02.12.1968"),
    # one person: Bella with a letter dropped is Bela, a man's name in Hungary
    ("11", "Bella;Schuster;Rosenweg 9;5020;Salzburg;0662 871122;30.01.1990"),
    ("12", "Bela;Schuster;Rosenweg 9;5020;Salzburg;0662 871122;30.01.1990"),
    # one person: Ahmed in one system, Ahmad in the other (two transliterations of one name)
    ("13", "Ahmed;Haddad;Wiener Straße 40;4020;Linz;0732 661144;05.07.1983"),
    ("14", "Ahmad;Haddad;Wiener Straße 40;4020;Linz;0732 661144;05.07.1983"),
    # one person: the Serbian Petar and the German Peter
    ("15", "Petar;Jovanović;Hauptstraße 12;3100;St. Pölten;02742 35577;19.11.1959"),
    ("16", "Peter;Jovanović;Hauptstraße 12;3100;St. Pölten;02742 35577;19.11.1959"),
]
APART = [
    ("1", "2", "twins Goran and Zoran"),
    ("3", "4", "twins Matteo and Mattia"),
    ("5", "6", "twins Ivana and Ivona"),
]
TOGETHER = [
    ("7", "8", "Marija / Maria: one letter dropped"),
    ("9", "10", "Zoran / Zorna: two letters swapped"),
    ("11", "12", "Bella / Bela: a letter dropped lands on a name of the other sex"),
    ("13", "14", "Ahmed / Ahmad: one name transliterated two ways"),
    ("15", "16", "Petar / Peter: one name in two languages"),
]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return golden_ids(tmp_path_factory.mktemp("international_names"), HEADER, ROWS)


@pytest.mark.parametrize(("left", "right", "description"), APART, ids=[c[2] for c in APART])
def test_twins_with_international_names_stay_apart(
    golden: dict[str, str], left: str, right: str, description: str
) -> None:
    assert golden[left] != golden[right], description


@pytest.mark.parametrize(("left", "right", "description"), TOGETHER, ids=[c[2] for c in TOGETHER])
def test_one_person_with_a_slip_in_the_first_name_merges(
    golden: dict[str, str], left: str, right: str, description: str
) -> None:
    assert golden[left] == golden[right], description
