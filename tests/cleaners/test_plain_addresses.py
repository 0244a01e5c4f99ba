"""The plain address shape read in polars is the parser's reading (cleaners.plain_addresses)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import parse_address_line
from cleaners.address_lines import parse_address_text, split_street_line_text
from cleaners.countries import _country_names
from cleaners.plain_addresses import plain_address_lines, plain_street_lines
from flows.demo import write_demo

PHONE_COUNTRIES = (None, "DE", "AT", "CH", "US", "AU", "JO", "GE", "TD")

# Words the parser's other rules look for (post boxes, "c/o", building parts, "Nr.", Mannheim
# blocks, US units, compass and street-type words, state codes and names, ambiguous countries)
# beside ordinary ones.
STREET_WORDS = [
    "Hauptstraße",
    "Alte",
    "Poststraße",
    "Gartenstr.",
    "Am",
    "Markt",
    "Karl-Marx-Allee",
    "Straße",
    "des",
    "Postfach",
    "PF",
    "Pf.",
    "Postlagernd",
    "Case",
    "postale",
    "PO",
    "P.O.",
    "Box",
    "Bei",
    "bei",
    "der",
    "Huber",
    "c.o.",
    "z.",
    "Hd.",
    "zu",
    "Händen",
    "attn",
    "Haus",
    "Gebäude",
    "Whg.",
    "Hinterhaus",
    "EG",
    "Aufgang",
    "Nr.",
    "No",
    "nr",
    "NO.",
    "Via",
    "Lugano",
    "A",
    "Q",
    "C",
    "Suite",
    "Ste",
    "Apt",
    "Unit",
    "Fl",
    "Floor",
    "St",
    "St.",
    "Ave",
    "N",
    "North",
    "West",
    "Street",
    "Rd",
    "Dr",
    "OH",
    "WA",
    "Main",
    "Ring",
    "Steinweg",
    "U",
]
CITY_WORDS = [
    "Berlin",
    "Bad",
    "Steben",
    "Halle",
    "a.S.",
    "a.M.",
    "(Saale)",
    "Frankfurt/Main",
    "am",
    "Main",
    "OH",
    "oh",
    "WA",
    "Wa",
    "NSW",
    "North",
    "South",
    "N",
    "St.",
    "Gallen",
    "Ave",
    "Street",
    "Floor",
    "Apt",
    "Stein",
    "Ste",
    "Suite",
    "Unit",
    "Dr",
    "Rd",
    "Wien",
    "Zürich",
    "Jordan",
    "Georgia",
    "Washington",
    "Texas",
    "USA",
    "Perth",
    "Vic",
    "Lake",
    "Shore",
    "B",
    "Rapperswil-Jona",
]
COUNTRY_WORDS = [
    "Schweiz",
    "Österreich",
    "Deutschland",
    "Germany",
    "Jordan",
    "Georgia",
    "Georgien",
    "Texas",
    "USA",
    "Australia",
    "Australien",
    "Chad",
    "Vic",
    "NSW",
    "Washington",
    "Niger",
    "Liechtenstein",
    "Italien",
    "Foo",
    "Main",
    "United",
]
LETTERS = "abcdefgnorstuäößAOSUXÉ.-"


def _words(choices: list[str]) -> st.SearchStrategy[str]:
    word = st.one_of(st.sampled_from(choices), st.text(alphabet=LETTERS, min_size=1, max_size=6))
    return st.lists(word, min_size=1, max_size=3).map(" ".join)


LINES = st.builds(
    lambda street, number, prefix, postal, city, country: (
        f"{street} {number}, {prefix}{postal} {city}{country}"
    ),
    _words(STREET_WORDS),
    st.from_regex(r"\A[0-9]{1,4}[a-zA-Z]?\Z"),
    st.sampled_from(["", "", "D-", "A-", "CH-", "AT-", "XY-", "US-", "J-"]),
    st.from_regex(r"\A[0-9]{4,5}\Z"),
    _words(CITY_WORDS),
    st.one_of(st.just(""), st.sampled_from(COUNTRY_WORDS).map(", {}".format)),
)


def _assert_parser_result(lines: list[str]) -> int:
    """Every line the plain path takes is read so by the parser too; returns how many it took."""
    plain = plain_address_lines(pl.Series(lines, dtype=pl.String))
    for line, (taken, *parts) in zip(lines, plain.iter_rows(), strict=True):
        if taken:
            for phone_country in PHONE_COUNTRIES:
                assert tuple(parse_address_text(line, phone_country)) == tuple(parts), line
        else:
            assert parts == [None] * 6
    return int(plain["taken"].sum())


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=20))
def test_plain_lines_are_the_parsers_reading(lines: list[str]) -> None:
    _assert_parser_result(lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Uhlandstraße 38, 68159 Mannheim", ("Uhlandstraße", "38", "68159", "Mannheim", None)),
        ("Gartenstr. 15a, A-8010 Graz", ("Gartenstr.", "15a", "8010", "Graz", "AT")),
        ("Langstraße 4, 8004 Zürich, Schweiz", ("Langstraße", "4", "8004", "Zürich", "CH")),
        ("Am Markt 1, CH-9000 St. Gallen", ("Am Markt", "1", "9000", "St. Gallen", "CH")),
    ],
)
def test_common_lines_are_taken(line: str, expected: tuple[str | None, ...]) -> None:
    plain = plain_address_lines(pl.Series([line]))
    assert plain.row(0) == (True, *expected, None)
    assert tuple(parse_address_text(line)) == (*expected, None)


@pytest.mark.parametrize(
    "line",
    [
        "Postfach 12, 10115 Berlin",  # a post box, no street
        "Bei Huber 3, 10115 Berlin",  # where the person gets mail
        "Haus 5, 10115 Berlin",  # a building part
        "A 5, 68159 Mannheim",  # a Mannheim block
        "Hauptstraße Nr. 5, 10115 Berlin",  # "Nr." is no part of the street
        "Hauptstraße 5, 10115 North Berlin",  # an American street after the ZIP
        "Hauptstraße 5, 06108 Halle a.S.",  # a US state code at the end
        "Hauptstraße 5, 10115 Amman, Jordan",  # a country that is also a person's name
        "Hauptstraße 5, A-1010 Wien, Österreich",  # the country after a plate prefix: extra
        "Hauptstraße 5 b, 10115 Berlin",  # the letter apart
        "Hauptstraße 5, 10115 Berlin 2",  # a district number
        "Hauptstraße  5, 10115 Berlin",  # not single-spaced
    ],
)
def test_other_lines_go_to_the_parser(line: str) -> None:
    assert plain_address_lines(pl.Series([line])).row(0)[0] is False


def test_no_country_name_holds_a_digit() -> None:
    """A "PLZ Ort" part is never a country name (the plain path relies on it)."""
    assert not any(character.isdigit() for name in _country_names() for character in name)


def test_demo_lines_are_the_parsers_reading(tmp_path: Path) -> None:
    demo = write_demo(tmp_path, persons=300, seed=3)
    customers = json.loads((demo.directory / "shop.json").read_text(encoding="utf-8"))
    lines = sorted({row["address"] for row in customers if row["address"]})
    assert _assert_parser_result(lines) > 0.9 * len(lines)


def test_parse_address_line_unchanged_by_the_plain_path() -> None:
    lines = [
        "Uhlandstraße 38, 68159 Mannheim",
        "Postfach 12, 10115 Berlin",
        None,
        "Uhlandstraße 38, 68159 Mannheim",
    ]
    frame = pl.DataFrame(
        {"line": lines, "phone": ["DE", None, None, "JO"]},
        schema={"line": pl.String, "phone": pl.String},
    )
    parsed = parse_address_line(frame, "line", phone_country="phone")
    expected = [
        parse_address_text(line, phone) for line, phone in zip(lines, frame["phone"], strict=True)
    ]
    assert parsed.select(
        "street", "house_number", "postal_code", "city", "country", "address_extra"
    ).rows() == [tuple(parts) for parts in expected]


STREET_LINES = st.builds(
    "{} {}".format, _words(STREET_WORDS), st.from_regex(r"\A[0-9]{1,4}[a-zA-Z]?\Z")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STREET_LINES, min_size=1, max_size=20))
def test_plain_street_lines_are_the_splitters_reading(lines: list[str]) -> None:
    plain = plain_street_lines(pl.Series(lines, dtype=pl.String))
    for line, (taken, *parts) in zip(lines, plain.iter_rows(), strict=True):
        if taken:
            assert tuple(split_street_line_text(line)) == tuple(parts), line
        else:
            assert parts == [None] * 3


@pytest.mark.parametrize(
    ("line", "taken"),
    [
        ("Hauptstr. 12a", True),
        ("Alte Poststraße 3", True),
        ("Postfach 12", False),
        ("Haus 5", False),
        ("Hauptstr. 5 Hinterhaus", False),
        ("Hauptstr. 5, 2. OG", False),
        ("Q 7, 24", False),
    ],
)
def test_street_lines_taken(line: str, taken: bool) -> None:
    assert plain_street_lines(pl.Series([line])).row(0)[0] is taken
    if taken:
        street, number = line.rsplit(" ", 1)
        assert tuple(split_street_line_text(line)) == (street, number, None)
