# ruff: noqa: E501 -- one address per table row reads best.
"""One-line US addresses ("100 Main St Suite 200, Springfield, IL 62701") and English street words."""

from __future__ import annotations

import pytest

from cleaners.address_lines import parse_address_text
from cleaners.streets import street_key


@pytest.mark.parametrize(
    ("text", "street", "number", "postal", "city", "extra"),
    [
        (
            "100 Main St Suite 200, Springfield, IL 62701",
            "Main St",
            "100",
            "62701",
            "Springfield",
            "Suite 200",
        ),
        (
            "100 Main Street, Ste 200, Springfield, IL 62701",
            "Main Street",
            "100",
            "62701",
            "Springfield",
            "Ste 200",
        ),
        ("12 River Road #3, Davenport, IA 52801", "River Road", "12", "52801", "Davenport", "#3"),
        (
            "800 N Lake Shore Drive 5B, Chicago, IL 60611",
            "N Lake Shore Drive 5B",
            "800",
            "60611",
            "Chicago",
            None,
        ),
        (
            "1500 Market St Fl 12, Philadelphia, PA 19102-1234",
            "Market St",
            "1500",
            "19102",
            "Philadelphia",
            "Fl 12",
        ),
        ("9 Palm Dr, Tucson, AZ 85701, USA", "Palm Dr", "9", "85701", "Tucson", None),
    ],
)
def test_us_one_line_address(
    text: str, street: str, number: str, postal: str, city: str, extra: str | None
) -> None:
    parts = parse_address_text(text)
    assert (parts.street, parts.house_number, parts.postal_code, parts.city) == (
        street,
        number,
        postal,
        city,
    )
    assert parts.country == "US"
    assert parts.address_extra == extra


@pytest.mark.parametrize(
    "text",
    [
        "Musterstraße 12, 10115 Berlin",
        "Via Lugano 12, 6900 Lugano, CH",
        "Hauptstr. 1, DE 12345",  # "DE" is no US state here: no city segment before it
    ],
)
def test_dach_addresses_are_not_read_as_american(text: str) -> None:
    assert parse_address_text(text).country != "US"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Main St", "Main Street"),
        ("W Lawrence Ave", "West Lawrence Avenue"),
        ("Valley Pkwy", "Valley Parkway"),
        ("Musterstraße", "Muster Str."),
    ],
)
def test_street_words_in_full_and_abbreviated_share_a_key(left: str, right: str) -> None:
    assert street_key(left) == street_key(right)


@pytest.mark.parametrize(
    ("text", "street", "number", "postal", "city", "country", "extra"),
    [
        # Site lists leave out city and state: the number comes first, "N." or "St." says street.
        ("3436 N. Osceola", "N. Osceola", "3436", None, None, None, None),
        ("221 E. 51st St. ", "E. 51st St.", "221", None, None, None, None),
        ("8938-40 S. Cottage Grove ", "S. Cottage Grove", "8938-40", None, None, None, None),
        ("78 West Van Buren Floor 1 ", "West Van Buren", "78", None, None, None, "Floor 1"),
        # State and ZIP without commas; the city after the street type.
        (
            "1001 W Roosevelt Rd Chicago IL 60608",
            "W Roosevelt Rd",
            "1001",
            "60608",
            "Chicago",
            "US",
            None,
        ),
        ("27 Washington Oak Park IL 60302", "Washington Oak Park", "27", "60302", None, "US", None),
        # A program line above the street: the American street line is the street.
        (
            "Early Head Start Home Based\n11 E. Adams, Suite 1500",
            "E. Adams",
            "11",
            None,
            None,
            None,
            "Early Head Start Home Based, Suite 1500",
        ),
        # "PLZ Ort" stays "PLZ Ort".
        ("1010 Wien", None, None, "1010", "Wien", None, None),
        ("8010 Graz, Herrengasse 3", "Herrengasse", "3", "8010", "Graz", None, None),
    ],
)
def test_american_street_lines_without_state(
    text: str,
    street: str | None,
    number: str | None,
    postal: str | None,
    city: str | None,
    country: str | None,
    extra: str | None,
) -> None:
    assert tuple(parse_address_text(text)) == (street, number, postal, city, country, extra)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("N. Rockwell", "N Rockwell Street"),  # street type left out on one side
        ("E. 51st St.", "East 51 Street"),  # ordinal suffix
        ("N Lake Shore Drive 5B", "N Lake Shore Dr"),  # a unit after the type
    ],
)
def test_american_street_spellings_share_a_key(left: str, right: str) -> None:
    assert street_key(left) == street_key(right)


def test_different_streets_keep_different_keys() -> None:
    assert street_key("W 43rd St") != street_key("E 43rd St")
    assert street_key("Main St") != street_key("Maine St")


@pytest.mark.parametrize(
    ("text", "street", "number", "extra"),
    [
        # A company name or department as the first line of the address is no street.
        ("Huber Bau GmbH, Werkstraße 3, 80331 München", "Werkstraße", "3", "Huber Bau GmbH"),
        (
            "Huber Bau GmbH\nz. Hd. Buchhaltung\nWerkstr. 3\n80331 München",
            "Werkstr.",
            "3",
            "Huber Bau GmbH, z. Hd. Buchhaltung",
        ),
        ("Schreinerei Vogt, Am Markt 2, 6020 Innsbruck", "Am Markt", "2", "Schreinerei Vogt"),
        ("Am Markt, 6020 Innsbruck", "Am Markt", None, None),  # no number anywhere
    ],
)
def test_the_street_is_the_line_with_a_house_number(
    text: str, street: str, number: str | None, extra: str | None
) -> None:
    parts = parse_address_text(text)
    assert (parts.street, parts.house_number, parts.address_extra) == (street, number, extra)


@pytest.mark.parametrize(
    ("description", "text", "expected"),
    [
        (
            "state as the last part, ZIP in a column of its own",
            "312 S 6th St Ste. 201, Raleigh, NC",
            ("S 6th St", "312", None, "Raleigh", "US", "Ste. 201"),
        ),
        (
            "unit as a part of its own, street words in full",
            "312 South 6th Street, Unit 103, Raleigh, NC",
            ("South 6th Street", "312", None, "Raleigh", "US", "Unit 103"),
        ),
        (
            "a state code that is also a country code (CA is Canada too)",
            "3498 Jefferson St, Sacramento, CA",
            ("Jefferson St", "3498", None, "Sacramento", "US", None),
        ),
        (
            "a German address ending in DE stays German (no number first)",
            "Hauptstr. 5, 10115 Berlin, DE",
            ("Hauptstr.", "5", "10115", "Berlin", "DE", None),
        ),
        (
            "a city with a postal code before the code is no US city",
            "12 Main Street, 10115 Berlin, DE",
            ("Main Street", "12", "10115", "Berlin", "DE", None),
        ),
    ],
)
def test_us_address_with_state_but_no_zip(
    description: str, text: str, expected: tuple[str | None, ...]
) -> None:
    assert tuple(parse_address_text(text)) == expected, description
