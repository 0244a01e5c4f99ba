"""Addresses: streets, house numbers, postal codes, cities, countries and the split helpers."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean, clean_one
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import parse_address_line, split_postal_city, split_street_line
from cleaners.address_lines import parse_address_text, split_postal_city_text, split_street_text
from cleaners.addresses import (
    normalize_city,
    normalize_house_number,
    normalize_postal_code,
    postal_area,
)
from cleaners.countries import normalize_country
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.streets import normalize_street
from cleaners.text import clean_text

STREETS = [
    # (raw, country, street, split-off house number, street_key, status)
    ("Musterstr.", "DE", "Musterstraße", None, "musterstr", CORRECTED),
    ("Musterstr. 12a", "DE", "Musterstraße", "12a", "musterstr", CORRECTED),
    ("Musterstrasse", "DE", "Musterstraße", None, "musterstr", CORRECTED),
    ("Musterstraße", "DE", "Musterstraße", None, "musterstr", VALID),
    ("Berliner Str. 5", "DE", "Berliner Straße", "5", "berlinerstr", CORRECTED),
    ("Max-Planck-Str.", "DE", "Max-Planck-Straße", None, "maxplanckstr", CORRECTED),
    ("St.-Martin-Str.", "DE", "Sankt-Martin-Straße", None, "sanktmartinstr", CORRECTED),
    ("Straße des 17. Juni 135", "DE", "Straße des 17. Juni", "135", "strdes17juni", CORRECTED),
    ("MUSTERSTRASSE", "DE", "Musterstraße", None, "musterstr", CORRECTED),
    ("am markt", "DE", "Am Markt", None, "ammarkt", CORRECTED),
    ("Mariahilfer Str. 1/2/3", "AT", "Mariahilfer Straße", "1/2/3", "mariahilferstr", CORRECTED),
    ("Hauptpl.", "AT", "Hauptplatz", None, "hauptplatz", CORRECTED),
    ("Herrengasse", "AT", "Herrengasse", None, "herrengasse", VALID),
    ("Bahnhofstrasse", "CH", "Bahnhofstrasse", None, "bahnhofstr", VALID),
    ("Bahnhofstr. 5", "CH", "Bahnhofstrasse", "5", "bahnhofstr", CORRECTED),
    ("Seestraße", "CH", "Seestrasse", None, "seestr", CORRECTED),
    ("Rue du Rhône 12", "CH", "Rue du Rhône", "12", "ruedurhone", CORRECTED),
    ("Kärntner Straße", None, "Kärntner Straße", None, "kaerntnerstr", VALID),
    ("Neubaug. 5", "AT", "Neubaugasse", "5", "neubaugasse", CORRECTED),  # Wien
    ("Lerchenfelder G. 12", "AT", "Lerchenfelder Gasse", "12", "lerchenfeldergasse", CORRECTED),
    ("Herrengasse 6-8", "AT", "Herrengasse", "6-8", "herrengasse", CORRECTED),
    ("Hauptpl. 3", "AT", "Hauptplatz", "3", "hauptplatz", CORRECTED),
    ("Feldweg 2", "DE", "Feldweg", "2", "feldweg", CORRECTED),
    ("Am Weinberg.", "DE", "Am Weinberg.", None, "amweinberg", VALID),  # no "Weinbergasse"
    ("Lindenallee 5", "DE", "Lindenallee", "5", "lindenallee", CORRECTED),
    ("Königsallee", "DE", "Königsallee", None, "koenigsallee", VALID),
    ("Am Ring 3", "DE", "Am Ring", "3", "amring", CORRECTED),
    ("Kaiserring 12 a", "DE", "Kaiserring", "12 a", "kaiserring", CORRECTED),
    ("Bei der Kirche 3", "DE", "Bei der Kirche", "3", "beiderkirche", CORRECTED),
    ("C 3 54", "DE", "C 3", "54", "c3", CORRECTED),  # Mannheim Quadrat
    ("Q7, 24", "DE", "Q 7", "24", "q7", CORRECTED),
    ("PF 1234", "DE", "Postfach 1234", None, "postfach1234", CORRECTED),
    ("Postfach 10 01 23", "DE", "Postfach 10 01 23", None, "postfach100123", VALID),
    ("Case postale 12", "CH", "Case postale 12", None, "casepostale12", VALID),
    ("c/o Müller, Hauptstr. 1", "DE", "Hauptstraße", "1", "hauptstr", CORRECTED),
    ("z. Hd. Frau Huber; Ringstr. 4", "DE", "Ringstraße", "4", "ringstr", CORRECTED),
    ("Zürichstrasse 10", "CH", "Zürichstrasse", "10", "zuerichstr", CORRECTED),
    ("Limmatquai 1", "CH", "Limmatquai", "1", "limmatquai", CORRECTED),
]


def test_care_of_line_alone_is_no_street() -> None:
    parts = normalize_street("c/o Firma Huber", "DE")
    assert (parts.street, parts.status, parts.reason) == (None, INVALID, "c/o line, not a street")


@pytest.mark.parametrize(("raw", "country", "street", "number", "key", "status"), STREETS)
def test_streets(
    raw: str, country: str | None, street: str, number: str | None, key: str, status: str
) -> None:
    parts = normalize_street(raw, country)
    assert (parts.street, parts.house_number, parts.key, parts.status) == (
        street,
        number,
        key,
        status,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", "12"),
        ("12 a", "12a"),
        ("12A", "12a"),
        ("12 - 14", "12-14"),
        ("12/1", "12/1"),
        ("12 / 1", "12/1"),
        ("Nr. 5", "5"),
        ("12.0", "12"),
        ("3/2/5", "3/2/5"),
        ("3, Stiege 2", "3, Stiege 2"),
        ("12-14", "12-14"),
        ("7 b", "7b"),
        ("Nr. 12a", "12a"),
        ("4/2/13", "4/2/13"),  # Wien: Stiege/Tür
    ],
)
def test_house_numbers(raw: str, expected: str) -> None:
    outcome = normalize_house_number(raw)
    assert (outcome.value, outcome.status) == (expected, VALID)


@pytest.mark.parametrize(
    ("raw", "country", "expected", "status"),
    [
        ("10115", "DE", "10115", VALID),
        ("01067", "DE", "01067", VALID),
        ("D-10115", "DE", "10115", VALID),
        ("DE-10115", "DE", "10115", VALID),
        ("1067", "DE", "01067", CORRECTED),  # leading zero lost in Excel
        ("10115.0", "DE", "10115", VALID),
        ("101155", "DE", "101155", INVALID),  # kept as written, status invalid
        ("8010", "AT", "8010", VALID),
        ("A-8010", "AT", "8010", VALID),
        ("0123", "AT", "0123", INVALID),
        ("8001", "CH", "8001", VALID),
        ("CH-8001", "CH", "8001", VALID),
        ("9490", "LI", "9490", VALID),
        ("A-8010", "DE", "A-8010", INVALID),
        ("SW1A 1AA", "GB", "SW1A 1AA", VALID),  # not validated outside the listed countries
        ("6020", "AT", "6020", VALID),  # Innsbruck
        ("3000", "CH", "3000", VALID),  # Bern
        ("80331", "AT", "80331", INVALID),
        ("99084", "DE", "99084", VALID),  # Erfurt
    ],
)
def test_postal_codes(raw: str, country: str, expected: str, status: str) -> None:
    outcome = normalize_postal_code(raw, country)
    assert (outcome.value, outcome.status) == (expected, status)


@pytest.mark.parametrize(
    ("raw", "country", "city", "key"),
    [
        ("Berlin", "DE", "Berlin", "berlin"),
        ("BERLIN", "DE", "Berlin", "berlin"),
        ("Frankfurt a.M.", "DE", "Frankfurt am Main", "frankfurt am main"),
        ("Frankfurt a. M.", "DE", "Frankfurt am Main", "frankfurt am main"),
        ("Frankfurt/Main", "DE", "Frankfurt am Main", "frankfurt am main"),
        ("FRANKFURT AM MAIN", "DE", "Frankfurt am Main", "frankfurt am main"),
        ("Frankfurt (Oder)", "DE", "Frankfurt (Oder)", "frankfurt oder"),
        ("Freiburg i.Br.", "DE", "Freiburg im Breisgau", "freiburg im breisgau"),
        ("Rothenburg o.d.T.", "DE", "Rothenburg ob der Tauber", "rothenburg ob der tauber"),
        ("St. Ingbert", "DE", "Sankt Ingbert", "sankt ingbert"),
        ("St. Pölten", "AT", "Sankt Pölten", "sankt poelten"),
        ("Wien", "AT", "Wien", "wien"),
        ("St. Gallen", "CH", "St. Gallen", "sankt gallen"),  # Swiss official name kept
        ("Zürich", "CH", "Zürich", "zuerich"),
        ("münchen", "DE", "München", "muenchen"),
        ("Zurich", "CH", "Zürich", "zuerich"),
        ("ZÜRICH", "CH", "Zürich", "zuerich"),
        ("Genf", "CH", "Genève", "geneve"),
        ("Vienna", "AT", "Wien", "wien"),
        ("Muenchen", "DE", "München", "muenchen"),
        ("Klagenfurt", "AT", "Klagenfurt am Wörthersee", "klagenfurt am woerthersee"),
        ("Offenbach a.M.", "DE", "Offenbach am Main", "offenbach am main"),
        ("Frankfurt a. Main", "DE", "Frankfurt am Main", "frankfurt am main"),
        ("Sankt Gallen", "CH", "Sankt Gallen", "sankt gallen"),
        ("Halle (Saale)", "DE", "Halle (Saale)", "halle saale"),
    ],
)
def test_cities(raw: str, country: str, city: str, key: str) -> None:
    parts = normalize_city(raw, country)
    assert (parts.city, parts.key) == (city, key)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("BRD", "DE"),
        ("D", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Österreich", "AT"),
        ("Oesterreich", "AT"),
        ("Austria", "AT"),
        ("A", "AT"),
        ("Schweiz", "CH"),
        ("Switzerland", "CH"),
        ("Suisse", "CH"),
        ("CH", "CH"),
        ("Liechtenstein", "LI"),
        ("FL", "LI"),
        ("Italien", "IT"),
        ("Frankreich", "FR"),
    ],
)
def test_countries(raw: str, expected: str) -> None:
    assert normalize_country(raw).value == expected


def test_unknown_country_falls_back_with_finding() -> None:
    row, findings = clean_one({"country": "Lummerland"}, default_country="AT")
    assert row["country"] == "AT"
    assert (findings[0]["field"], findings[0]["status"]) == ("country", INVALID)


@pytest.mark.parametrize(
    ("record", "silo_countries", "expected"),
    [
        ({"country": "Schweiz", "postal_code": "8001"}, None, "CH"),
        ({"postal_code": "A-8010"}, None, "AT"),
        ({"postal_code": "CH-8001"}, {"crm": "DE"}, "CH"),
        ({"postal_code": "8010"}, {"crm": "AT"}, "AT"),
        ({"postal_code": "10115"}, None, "DE"),
        ({"city": "A-8010 Graz"}, None, "AT"),
        ({"postal_code": "10115"}, {"crm": "AT"}, "DE"),  # five digits cannot be AT or CH
        ({"postal_code": "80331"}, {"crm": "CH"}, "DE"),
        ({"postal_code": "3000"}, {"crm": "CH"}, "CH"),
        ({"country": "AT", "postal_code": "10115"}, None, "AT"),  # a stated country wins
        ({"country": "Deutschland", "postal_code": "8010"}, None, "DE"),
        # No country column: the data says where (city, phone prefix), the default only last.
        ({"postal_code": "8010", "phones": ["+43 316 123456"]}, None, "AT"),
        ({"phones": ["0041 44 668 18 00"]}, None, "CH"),
        ({"postal_code": "8001", "city": "Zürich"}, None, "CH"),
        ({"city": "Wien"}, None, "AT"),
        # A phone prefix the postal code contradicts (a German mobile in Vienna) does not count.
        ({"postal_code": "1010", "city": "Wien", "phones": ["+49 171 2345678"]}, None, "AT"),
        ({"postal_code": "80331", "phones": ["+43 316 123456"]}, None, "DE"),
        ({"postal_code": "8010"}, None, "DE"),  # no evidence: the default country
        # 3400 is Klosterneuburg (AT) and Burgdorf (CH): the city, phone or e-mail decides.
        ({"postal_code": "3400", "city": "Burgdorf"}, {"crm": "AT"}, "CH"),
        ({"postal_code": "3400", "city": "Klosterneuburg"}, {"crm": "CH"}, "AT"),
        ({"postal_code": "3400", "phones": ["+41 34 422 11 11"]}, None, "CH"),
        ({"postal_code": "3400", "emails": ["max@beispiel.ch"]}, None, "CH"),
        ({"postal_code": "3400", "emails": ["max@beispiel.at"]}, {"crm": "CH"}, "AT"),
        # A .de or mixed mail says nothing; a mail never overrides a five-digit code.
        ({"postal_code": "3400", "emails": ["max@web.de"]}, {"crm": "CH"}, "CH"),
        ({"postal_code": "3400", "emails": ["a@b.at", "a@c.ch"]}, {"crm": "CH"}, "CH"),
        ({"postal_code": "10115", "emails": ["max@beispiel.ch"]}, None, "DE"),
    ],
)
def test_country_resolution(
    record: dict[str, str], silo_countries: dict[str, str] | None, expected: str
) -> None:
    row, _ = clean_one(record, silo_countries=silo_countries)
    assert row["country"] == expected


def test_postal_code_in_city_moves_to_postal_code() -> None:
    row, findings = clean_one({"city": "10115 Berlin"})
    assert (row["postal_code"], row["city"]) == ("10115", "Berlin")
    assert findings[0]["reason"] == "postal code moved to postal_code"


def test_invalid_postal_code_is_kept_with_finding() -> None:
    row, findings = clean_one({"postal_code": "1234567", "country": "DE"})
    assert row["postal_code"] == "1234567"
    assert (findings[0]["field"], findings[0]["status"]) == ("postal_code", INVALID)


def test_street_number_moves_only_when_house_number_is_empty() -> None:
    moved, _ = clean_one({"street": "Musterstr. 12a"})
    kept, _ = clean_one({"street": "Musterstr. 12a", "house_number": "12 a"})
    assert (moved["street"], moved["house_number"]) == ("Musterstraße", "12a")
    assert (kept["street"], kept["house_number"]) == ("Musterstraße 12a", "12a")


ADDRESS_LINES = [
    ("Musterstr. 12a, 10115 Berlin", ("Musterstr.", "12a", "10115", "Berlin", None, None)),
    ("Hauptplatz 3, A-8010 Graz", ("Hauptplatz", "3", "8010", "Graz", "AT", None)),
    ("Bahnhofstrasse 5, CH-8001 Zürich", ("Bahnhofstrasse", "5", "8001", "Zürich", "CH", None)),
    ("Am Markt 1 · 01067 Dresden", ("Am Markt", "1", "01067", "Dresden", None, None)),
    ("Musterstraße 12-14\n10115 Berlin", ("Musterstraße", "12-14", "10115", "Berlin", None, None)),
    (
        "c/o Müller, Hauptstr. 1, 80331 München",
        ("Hauptstr.", "1", "80331", "München", None, "c/o Müller"),
    ),
    ("Musterstr. 12 10115 Berlin", ("Musterstr.", "12", "10115", "Berlin", None, None)),
    (
        "Straße des 17. Juni 135, 10623 Berlin, Deutschland",
        ("Straße des 17. Juni", "135", "10623", "Berlin", "DE", None),
    ),
    ("10115 Berlin, Musterstr. 1", ("Musterstr.", "1", "10115", "Berlin", None, None)),
    ("Herrengasse 1; 1010 Wien; Österreich", ("Herrengasse", "1", "1010", "Wien", "AT", None)),
    ("Rue du Rhône 12, 1204 Genève", ("Rue du Rhône", "12", "1204", "Genève", None, None)),
    ("Landstr. 5, FL-9490 Vaduz", ("Landstr.", "5", "9490", "Vaduz", "LI", None)),
    ("C 3 54, 68159 Mannheim", ("C 3", "54", "68159", "Mannheim", None, None)),
    ("Q 7, 24, 68161 Mannheim", ("Q 7", "24", "68161", "Mannheim", None, None)),
    (
        "Postfach 10 01 23, 10001 Berlin",
        ("Postfach 10 01 23", None, "10001", "Berlin", None, None),
    ),
    (
        "Hauptstr. 1, Postfach 12, 80331 München",
        ("Hauptstr.", "1", "80331", "München", None, "Postfach 12"),
    ),
    ("Case postale 12, CH-1211 Genève", ("Case postale 12", None, "1211", "Genève", "CH", None)),
    (
        "z. Hd. Frau Huber, Herrengasse 1, 1010 Wien",
        ("Herrengasse", "1", "1010", "Wien", None, "z. Hd. Frau Huber"),
    ),
    ("Bei den Mühren 1, 20457 Hamburg", ("Bei den Mühren", "1", "20457", "Hamburg", None, None)),
    (
        "Mariahilfer Straße 1/2/3, 1060 Wien",
        ("Mariahilfer Straße", "1/2/3", "1060", "Wien", None, None),
    ),
]


@pytest.mark.parametrize(("line", "expected"), ADDRESS_LINES)
def test_parse_address_text(line: str, expected: tuple[str | None, ...]) -> None:
    assert tuple(parse_address_text(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Musterstr. 12a", ("Musterstr.", "12a")),
        ("Musterstr.12", ("Musterstr.", "12")),
        ("Hauptstraße 12 a", ("Hauptstraße", "12 a")),
        ("Hauptstr. Nr. 5", ("Hauptstr.", "5")),
        ("Am Markt", ("Am Markt", None)),
        ("12 rue du Lac", ("rue du Lac", "12")),
    ],
)
def test_split_street_text(line: str, expected: tuple[str | None, ...]) -> None:
    assert tuple(split_street_text(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("10115 Berlin", ("10115", "Berlin", None)),
        ("A-8010 Graz", ("8010", "Graz", "AT")),
        ("CH-8001 Zürich", ("8001", "Zürich", "CH")),
        ("Berlin 10115", ("10115", "Berlin", None)),
        ("Berlin", (None, "Berlin", None)),
    ],
)
def test_split_postal_city_text(line: str, expected: tuple[str | None, ...]) -> None:
    assert tuple(split_postal_city_text(line)) == expected


def test_frame_split_helpers() -> None:
    frame = pl.DataFrame({"line": ["Hauptplatz 3, A-8010 Graz", None]})
    parsed = parse_address_line(frame, "line")
    assert parsed.columns == [
        "line",
        "street",
        "house_number",
        "postal_code",
        "city",
        "country",
        "address_extra",
    ]
    assert parsed.row(0) == (
        "Hauptplatz 3, A-8010 Graz",
        "Hauptplatz",
        "3",
        "8010",
        "Graz",
        "AT",
        None,
    )
    streets = split_street_line(
        pl.DataFrame({"s": ["Musterstr. 12a", "Musterstr. 12a, 2. OG"]}), "s"
    )
    assert streets.row(0) == ("Musterstr. 12a", "Musterstr.", "12a", None)
    assert streets.row(1) == ("Musterstr. 12a, 2. OG", "Musterstr.", "12a", "2. OG")
    places = split_postal_city(pl.DataFrame({"p": ["10115 Berlin"], "country": ["DE"]}), "p")
    assert places.select("postal_code", "city", "country").row(0) == ("10115", "Berlin", "DE")


@given(st.text(), st.sampled_from(["DE", "AT", "CH", "FR", None]))
def test_address_cleaners_never_raise_or_drop_silently(value: str, country: str | None) -> None:
    results = [
        normalize_street(value, country),
        normalize_city(value, country),
        normalize_house_number(value),
        normalize_postal_code(value, country),
        normalize_country(value),
    ]
    for result in results:
        if clean_text(value) and result[0] is None:
            assert result[-2] != VALID  # status sits before the reason in every result
    parse_address_text(value)
    split_street_text(value)
    split_postal_city_text(value)


ADDRESS_TEXT = st.lists(
    st.sampled_from(list("abcstrABSTR 0123456789.-/,"))
    | st.sampled_from(["str.", "Straße", "strasse", "St. ", "am ", "Pl.", "a.M.", "10115 "]),
    max_size=10,
).map("".join)


@settings(max_examples=300)
@given(ADDRESS_TEXT, st.sampled_from(["DE", "AT", "CH", None]))
def test_address_cleaning_is_idempotent(value: str, country: str | None) -> None:
    street = normalize_street(value, country, True)
    if street.street is not None:
        again = normalize_street(street.street, country, True)
        assert (again.street, again.status) == (street.street, VALID)
    city = normalize_city(value, country)
    if city.city is not None:
        assert normalize_city(city.city, country)[::2] == (city.city, VALID)
    number = normalize_house_number(value)
    if number.value is not None:
        assert normalize_house_number(number.value) == number._replace(status=VALID, reason=None)
    postal = normalize_postal_code(value, country)
    if postal.value is not None and postal.status != INVALID:
        assert normalize_postal_code(postal.value, country).value == postal.value


def test_cleaned_addresses_clean_to_themselves() -> None:
    records = [{"street": street, "country": country} for street, country, *_ in STREETS]
    first = clean(*records)
    again = clean(
        *(
            {
                "street": row["street"],
                "house_number": row["house_number"],
                "country": row["country"],
            }
            for row in first.frame.iter_rows(named=True)
        )
    )
    assert again.frame["street"].to_list() == first.frame["street"].to_list()
    assert again.findings.filter(pl.col("field") == "street").height == 0


def test_a_silo_of_american_addresses_is_american_without_a_country_column() -> None:
    # A Chicago site list: street lines without city or state, some ZIP codes, no country.
    result = clean(
        {"street": "N. Osceola", "house_number": "3436"},
        {"street": "E. 51st St.", "house_number": "221", "postal_code": "60615"},
        {"street": "Wentworth Ave", "house_number": "14424", "postal_code": "60827"},
        {"organisation_name": "Head Start Home Based"},  # nothing of its own: the silo's
    )
    assert result.frame["country"].to_list() == ["US"] * 4
    assert result.frame["postal_code"].to_list() == [None, "60615", "60827", None]


def test_a_few_american_records_leave_a_german_silo_german() -> None:
    result = clean(
        {"street": "N. Osceola", "house_number": "3436"},
        {"street": "Hauptstr.", "house_number": "1", "postal_code": "80331"},
        {"street": "Ringstr.", "house_number": "4", "postal_code": "1010"},
    )
    assert result.frame["country"].to_list() == ["DE", "DE", "DE"]


@pytest.mark.parametrize(
    ("description", "code", "area"),
    [
        ("US ZIP+4 compares by its ZIP", "27601-5790", "27601"),
        ("a five-digit ZIP unchanged", "27601", "27601"),
        ("a German code unchanged", "01067", "01067"),
        ("an Austrian code unchanged", "8010", "8010"),
        ("a British postcode unchanged", "SW1A 1AA", "SW1A 1AA"),
        ("no ZIP+4 without its dash", "276015790", "276015790"),
    ],
)
def test_postal_area(description: str, code: str, area: str) -> None:
    assert pl.select(postal_area(pl.lit(code))).item() == area, description


@pytest.mark.parametrize(
    ("description", "line", "expected"),
    [
        (
            "Georgia without ZIP stays as written: the record's phone decides",
            "12 Rustaveli Ave, Tbilisi, Georgia",
            ("Rustaveli Ave", "12", None, "Tbilisi", "Georgia", None),
        ),
        (
            "Georgia with a ZIP is the state",
            "100 Peachtree St, Atlanta, Georgia 30303",
            ("Peachtree St", "100", "30303", "Atlanta", "US", None),
        ),
        (
            "no postal code: the part before the country is the city",
            "Via Roma 1, Milano, Italia",
            ("Via Roma", "1", None, "Milano", "IT", None),
        ),
        (
            "Jersey is the Channel Island",
            "12 King Street, St Helier, Jersey",
            ("King Street", "12", None, "St Helier", "JE", None),
        ),
        (
            "Jordan after a street is a name or a town: no country without a postal code",
            "12 Elm St, Jordan",
            ("Elm St", "12", None, None, None, "Jordan"),
        ),
        (
            "Chad after a street is a first name",
            "12 Elm St, Chad",
            ("Elm St", "12", None, None, None, "Chad"),
        ),
        (
            "Jordan with a postal code of its shape is the country",
            "Rainbow St 5, 11181 Amman, Jordan",
            ("Rainbow St", "5", "11181", "Amman", "JO", None),
        ),
        (
            "a country name before a z. Hd. line is still the country",
            "Hauptstr. 5, Deutschland, z. Hd. Meier",
            ("Hauptstr.", "5", None, None, "DE", "z. Hd. Meier"),
        ),
        (
            "a c/o line before the country stays extra",
            "Hauptstr. 5, c/o Meier, Deutschland",
            ("Hauptstr.", "5", None, None, "DE", "c/o Meier"),
        ),
    ],
)
def test_country_at_the_end_of_a_one_line_address(
    description: str, line: str, expected: tuple[str | None, ...]
) -> None:
    assert tuple(parse_address_text(line)) == expected, description


@pytest.mark.parametrize(
    ("description", "line", "expected"),
    [
        (
            "a building part after the number",
            "Hauptstr. 5 Hinterhaus, 10115 Berlin",
            ("Hauptstr.", "5", "10115", "Berlin", None, "Hinterhaus"),
        ),
        (
            "a floor as a part of its own",
            "Hauptstr. 5, 2. OG, 10115 Berlin",
            ("Hauptstr.", "5", "10115", "Berlin", None, "2. OG"),
        ),
        (
            "a floor without commas",
            "Hauptstr. 5 2. OG 10115 Berlin",
            ("Hauptstr.", "5", "10115", "Berlin", None, "2. OG"),
        ),
        (
            "a building before the street (its letter is no house number)",
            "Gebäude B, Industriestr. 12, 70565 Stuttgart",
            ("Industriestr.", "12", "70565", "Stuttgart", None, "Gebäude B"),
        ),
        (
            "a house number of a building part before the street",
            "Haus 2, Hauptstr. 5, 10115 Berlin",
            ("Hauptstr.", "5", "10115", "Berlin", None, "Haus 2"),
        ),
        (
            "c/o and a floor",
            "c/o Steuerbüro Lang, Hauptstr. 5, 2. OG, 10115 Berlin",
            ("Hauptstr.", "5", "10115", "Berlin", None, "c/o Steuerbüro Lang, 2. OG"),
        ),
        (
            "a post box beside the street",
            "Postfach 123, Seestrasse 5, 8002 Zürich",
            ("Seestrasse", "5", "8002", "Zürich", None, "Postfach 123"),
        ),
        (
            "an apartment in Vienna",
            "Hauptstr. 5 Whg. 12, 1010 Wien",
            ("Hauptstr.", "5", "1010", "Wien", None, "Whg. 12"),
        ),
        (
            "a suite in Zürich",
            "Musterweg 3, Suite 4, 8001 Zürich",
            ("Musterweg", "3", "8001", "Zürich", None, "Suite 4"),
        ),
        (
            "a street named after a building word keeps its name",
            "Am Block 5, 10115 Berlin",
            ("Am Block", "5", "10115", "Berlin", None, None),
        ),
    ],
)
def test_the_extra_part_of_a_one_line_address_is_kept(
    description: str, line: str, expected: tuple[str | None, ...]
) -> None:
    assert tuple(parse_address_text(line)) == expected, description


@pytest.mark.parametrize(
    ("description", "record", "expected"),
    [
        (
            "a building part in the street column",
            {"street": "Hauptstr. 5 Hinterhaus", "postal_code": "10115", "city": "Berlin"},
            ("Hauptstraße", "5", "Hinterhaus"),
        ),
        (
            "a floor in the house number column",
            {"street": "Hauptstr.", "house_number": "5, 2. OG", "postal_code": "10115"},
            ("Hauptstraße", "5", "2. OG"),
        ),
        (
            "the silo's own Adresszusatz comes first",
            {
                "street": "Hauptstr. 5 Gebäude B",
                "address_extra": "c/o Meier",
                "postal_code": "10115",
            },
            ("Hauptstraße", "5", "c/o Meier, Gebäude B"),
        ),
        (
            "nothing to move",
            {"street": "Hauptstr.", "house_number": "5", "address_extra": " Hinterhof "},
            ("Hauptstraße", "5", "Hinterhof"),
        ),
    ],
)
def test_split_addresses_move_building_parts_to_address_extra(
    description: str, record: dict[str, str], expected: tuple[str, str, str]
) -> None:
    row, findings = clean_one(record)
    assert (row["street"], row["house_number"], row["address_extra"]) == expected, description
    moved = [f for f in findings if f["field"] == "address_extra"]
    assert len(moved) == (0 if description == "nothing to move" else 1), description
    assert all(f["status"] == CORRECTED and "moved" in f["reason"] for f in moved)
