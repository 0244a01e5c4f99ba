# ruff: noqa: E501 -- one address per table row reads best.
"""One-line US addresses ("100 Main St Suite 200, Springfield, IL 62701") and English street words."""

from __future__ import annotations

import polars as pl
import pytest

from cleaners.address_lines import house_building, house_door, house_unit, parse_address_text
from cleaners.streets import street_key


@pytest.mark.parametrize(
    ("text", "street", "number", "postal", "city", "extra"),
    [
        (
            "100 Main St Suite 200, Springfield, IL 62701",
            "Main St",
            "100 Suite 200",
            "62701",
            "Springfield",
            None,
        ),
        (
            "100 Main Street, Ste 200, Springfield, IL 62701",
            "Main Street",
            "100 Ste 200",
            "62701",
            "Springfield",
            None,
        ),
        (
            "12 River Road #3, Davenport, IA 52801",
            "River Road",
            "12 #3",
            "52801",
            "Davenport",
            None,
        ),
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
            "1500 Fl 12",
            "19102",
            "Philadelphia",
            None,
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
        # Site lists leave out city and state: the number comes first, "N." or "St." says street;
        # a unit rides in the house number (one building, many organisations).
        ("3436 N. Osceola", "N. Osceola", "3436", None, None, None, None),
        ("221 E. 51st St. ", "E. 51st St.", "221", None, None, None, None),
        ("8938-40 S. Cottage Grove ", "S. Cottage Grove", "8938-40", None, None, None, None),
        ("78 West Van Buren Floor 1 ", "West Van Buren", "78 Floor 1", None, None, None, None),
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
            "11 Suite 1500",
            None,
            None,
            None,
            "Early Head Start Home Based",
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
            ("S 6th St", "312 Ste. 201", None, "Raleigh", "US", None),
        ),
        (
            "unit as a part of its own, street words in full",
            "312 South 6th Street, Unit 103, Raleigh, NC",
            ("South 6th Street", "312 Unit 103", None, "Raleigh", "US", None),
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


@pytest.mark.parametrize(
    ("description", "text", "expected"),
    [
        (
            "a numbered street right after the house number",
            "1709 2nd Avenue, Suite 105, Denver, CO",
            ("2nd Avenue", "1709 Suite 105", None, "Denver", "US", None),
        ),
        (
            "upper case, unit without comma, state and ZIP",
            "1709 2ND AVE STE 105, Denver, CO 80202",
            ("2ND AVE", "1709 STE 105", "80202", "Denver", "US", None),
        ),
        (
            "a unit as a line of its own, no state",
            "11 E. Adams, Suite 1500",
            ("E. Adams", "11 Suite 1500", None, None, None, None),
        ),
        (
            "no commas: the unit after the street type stays with the street, not the city",
            "312 S 6th St Suite 201 Raleigh NC 27601",
            ("S 6th St", "312 Suite 201", "27601", "Raleigh", "US", None),
        ),
        (
            "city and state in one part, no ZIP",
            "9 Palm Dr Ste 4, Tucson AZ",
            ("Palm Dr", "9 Ste 4", None, "Tucson", "US", None),
        ),
        (
            "a German town with a Bavarian plate code stays no US city",
            "Am Markt 2, Bad Tölz BY",
            ("Am Markt", "2", None, None, None, "Bad Tölz BY"),
        ),
        (
            "a floor written ordinal first, as a part of its own",
            "312 S 6th St, 2nd Floor, Raleigh, NC",
            ("S 6th St", "312 2nd Floor", None, "Raleigh", "US", None),
        ),
        (
            "the state written out, with ZIP",
            "312 S 6th St., Suite 200, Raleigh, North Carolina 27601",
            ("S 6th St.", "312 Suite 200", "27601", "Raleigh", "US", None),
        ),
        (
            "the state written out after a city, no ZIP",
            "100 Main St, Seattle, Washington",
            ("Main St", "100", None, "Seattle", "US", None),
        ),
        (
            "a city that is also a state's name stays the city",
            "100 Main St, Washington, DC 20001",
            ("Main St", "100", "20001", "Washington", "US", None),
        ),
        (
            "two unit lines: the first is the unit, the second is kept as extra",
            "11 E. Adams Suite 3, Suite 1500",
            ("E. Adams", "11 Suite 3", None, None, None, "Suite 1500"),
        ),
    ],
)
def test_us_unit_rides_in_the_house_number(
    description: str, text: str, expected: tuple[str | None, ...]
) -> None:
    assert tuple(parse_address_text(text)) == expected, description


@pytest.mark.parametrize(
    ("description", "house_number", "unit", "building"),
    [
        ("suite with a period", "312 Ste. 103", "103", "312"),
        ("number sign", "312 #103", "103", "312"),
        ("unit word, letter and digit", "171 Unit 3A", "3a", "171"),
        ("suite letter, upper case", "1365 SUITE B", "b", "1365"),
        ("floor", "1500 Fl 12", "12", "1500"),
        ("floor written ordinal first", "1500 12th Floor", "12", "1500"),
        ("a plain number has no unit", "312", None, "312"),
        ("a letter suffix is no unit", "12a", None, "12a"),
        # The door is no US unit (house_door reads it), and the building is its number alone.
        ("an Austrian Stiege/Tür number: building 12, no unit", "12/3/5", None, "12"),
        ("a range is no unit", "8938-40", None, "8938-40"),
    ],
)
def test_house_unit_and_building(
    description: str, house_number: str, unit: str | None, building: str
) -> None:
    found = pl.select(
        house_unit(pl.lit(house_number)).alias("unit"),
        house_building(pl.lit(house_number)).alias("building"),
    ).row(0)
    assert found == (unit, building), description


@pytest.mark.parametrize(
    ("house_number", "door", "building"),
    [
        ("29/4", "4", "29"),  # Vienna: door 4 of number 29
        ("29/2/4", "4", "29"),  # staircase 2, door 4
        ("29 / 5", "5", "29"),
        ("3/12a", "12a", "3"),
        ("29", None, "29"),
        ("12-14", None, "12-14"),  # a range, no door
        ("12a", None, "12a"),
    ],
)
def test_house_door(house_number: str, door: str | None, building: str) -> None:
    found = pl.select(
        house_door(pl.lit(house_number)).alias("door"),
        house_building(pl.lit(house_number)).alias("building"),
    ).row(0)
    assert found == (door, building)


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        ("ordinal written out", "South Sixth Street", "S 6th St"),
        ("compound ordinal with a hyphen", "Twenty-First Avenue", "21st Ave"),
        ("compound ordinal in two words", "West Twenty Second Street", "W 22nd St"),
        ("second", "Second Avenue", "2nd Ave"),
    ],
)
def test_ordinal_words_share_a_street_key(description: str, left: str, right: str) -> None:
    assert street_key(left) == street_key(right), description


def test_a_tens_word_without_ordinal_stays_a_word() -> None:
    assert street_key("Twenty Oaks Rd") != street_key("20 Oaks Rd")


# One site written the ways hand-kept lists and web forms write it: with and without ZIP, ZIP+4,
# a suite, commas or none, the state in lower case or with dots, the state written out.
@pytest.mark.parametrize(
    ("description", "text", "expected"),
    [
        (
            "commas, no ZIP",
            "1450 E Broad St, Columbus, OH",
            ("E Broad St", "1450", None, "Columbus"),
        ),
        (
            "commas, ZIP",
            "1450 E Broad St, Columbus, OH 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "ZIP+4 (compared by its ZIP)",
            "1450 E Broad St, Columbus, OH 43205-1234",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "no comma between city and state",
            "1450 E Broad St, Columbus OH 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "no comma between city and state, no ZIP",
            "1450 E Broad St, Columbus OH",
            ("E Broad St", "1450", None, "Columbus"),
        ),
        (
            "no commas at all",
            "1450 E Broad St Columbus OH 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "no commas at all, no ZIP",
            "1450 E Broad St Columbus OH",
            ("E Broad St", "1450", None, "Columbus"),
        ),
        (
            "state in lower case",
            "1450 E Broad St, Columbus, oh 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "state in lower case, no ZIP",
            "1450 E Broad St, Columbus, oh",
            ("E Broad St", "1450", None, "Columbus"),
        ),
        (
            "state in lower case after the city",
            "1450 E Broad St, Columbus oh 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "everything in lower case",
            "1450 e broad st, columbus, oh 43205",
            ("e broad st", "1450", "43205", "columbus"),
        ),
        (
            "state with dots",
            "1450 E Broad St, Columbus, O.H. 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "state with a period",
            "1450 E. Broad St., Columbus, OH. 43205",
            ("E. Broad St.", "1450", "43205", "Columbus"),
        ),
        (
            "suite as a part of its own",
            "1450 E Broad St, Suite 200, Columbus, OH 43205",
            ("E Broad St", "1450 Suite 200", "43205", "Columbus"),
        ),
        (
            "suite after the street, no ZIP",
            "1450 E Broad St Ste 200, Columbus, OH",
            ("E Broad St", "1450 Ste 200", None, "Columbus"),
        ),
        (
            "state written out, no ZIP",
            "1450 E Broad St, Columbus, Ohio",
            ("E Broad St", "1450", None, "Columbus"),
        ),
        (
            "USA at the end",
            "1450 E Broad St, Columbus, OH 43205, USA",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
        (
            "a street without street type, no ZIP",
            "1450 Broad, Columbus, OH",
            ("Broad", "1450", None, "Columbus"),
        ),
        (
            "a quadrant after the street type",
            "100 Peachtree St NE, Atlanta, GA",
            ("Peachtree St NE", "100", None, "Atlanta"),
        ),
        (
            "two lines",
            "1450 E Broad St\nColumbus, OH 43205",
            ("E Broad St", "1450", "43205", "Columbus"),
        ),
    ],
)
def test_one_line_us_address_variants_keep_the_city(
    description: str, text: str, expected: tuple[str | None, ...]
) -> None:
    parts = parse_address_text(text)
    assert (parts.street, parts.house_number, parts.postal_code, parts.city) == expected, (
        description
    )
    assert (parts.country, parts.address_extra) == ("US", None), description


@pytest.mark.parametrize(
    "text",
    [
        "Hauptstr. 1, de 12345",  # lower-case "de" before a postal code: no Delaware
        "Am Markt 2, Bad Tölz, by",  # a Bavarian plate code in lower case
        "Hauptstr. 5, 10115 Berlin, de",
        "12 Main Street, 10115 Berlin, de",
        "3 Via Roma, Milano, MI",  # an Italian province code that is also Michigan's
        "12 rue du Lac, Lausanne, VD",
    ],
)
def test_state_like_codes_do_not_make_european_addresses_american(text: str) -> None:
    assert parse_address_text(text).country != "US"
