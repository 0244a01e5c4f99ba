"""Ordinal words as numbers in street and organisation keys (cleaners.ordinals)."""

from __future__ import annotations

import pytest

from cleaners.ordinals import numeric_ordinals, ordinal_suffix
from cleaners.organisations import organisation_key


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal_suffix(number: int, written: str) -> None:
    assert ordinal_suffix(number) == written


@pytest.mark.parametrize(
    ("description", "words", "expected"),
    [
        ("a single ordinal word", ["south", "sixth", "street"], ["south", "6th", "street"]),
        ("a compound ordinal", ["twenty", "first", "ave"], ["21st", "ave"]),
        ("a tens word alone stays a word", ["twenty", "oaks"], ["twenty", "oaks"]),
        (
            "a tens word before a tens ordinal is no compound",
            ["twenty", "thirtieth"],
            ["twenty", "30th"],
        ),
        ("numbers are left as they are", ["6th", "st"], ["6th", "st"]),
        ("nothing to change", ["main", "st"], ["main", "st"]),
    ],
)
def test_numeric_ordinals(description: str, words: list[str], expected: list[str]) -> None:
    assert numeric_ordinals(words) == expected, description


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        (
            "an ordinal word and its number",
            "Sixteenth Street Community Health Center",
            "16th Street Community Health Ctr",
        ),
        ("second / 2nd", "Second Chance Learning Center", "2nd Chance Learning Center"),
        ("first / 1st", "First Baptist Church Preschool", "1st Baptist Church Preschool"),
    ],
)
def test_ordinals_share_an_organisation_key(description: str, left: str, right: str) -> None:
    assert organisation_key(left) == organisation_key(right), description


def test_other_ordinals_keep_other_organisation_keys() -> None:
    assert organisation_key("Sixth Street Clinic") != organisation_key("Seventh Street Clinic")
