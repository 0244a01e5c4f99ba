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
