"""Given names of the international list (matching/data/given_names_international.csv): two of
them a slip apart are one name mistyped, further apart two people; their sex, none where both
sexes carry the name."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from matching.first_names import name_sexes, one_slip, other_given_names

OTHER_NAME_CASES: list[dict[str, Any]] = [
    {"description": "both only in the international list, a consonant replaced",
     "left": "goran", "right": "zoran", "other": True},
    {"description": "a vowel replaced (twin sisters Ivana / Ivona)",
     "left": "ivana", "right": "ivona", "other": True},
    {"description": "hand-written Matteo beside international Mattia",
     "left": "matteo", "right": "mattia", "other": True},
    {"description": "two letters apart (Selin / Sevim)",
     "left": "selin", "right": "sevim", "other": True},
    {"description": "hand-written names keep their strength: Lena / Lea, a letter dropped",
     "left": "lena", "right": "lea", "other": True},
    {"description": "a letter dropped that lands on a name (Marija / Maria): a slip",
     "left": "marija", "right": "maria", "other": False},
    {"description": "two letters swapped that land on a name (Micheal / Michael): a slip",
     "left": "micheal", "right": "michael", "other": False},
    {"description": "one name spelt in two languages (Christoph / Kristof)",
     "left": "christoph", "right": "kristof", "other": False},
    {"description": "Alexander / Aleksander: x and ks",
     "left": "alexander", "right": "aleksander", "other": False},
    {"description": "Wladimir / Vladimir: w and v",
     "left": "wladimir", "right": "vladimir", "other": False},
    {"description": "Michaela / Micaela: ch between vowels said k",
     "left": "michaela", "right": "micaela", "other": False},
    {"description": "Yasmin / Jasmin: an initial y before a vowel",
     "left": "yasmin", "right": "jasmin", "other": False},
    {"description": "a name beside a word no list holds: a typo",
     "left": "zoran", "right": "zorna", "other": False},
]  # fmt: skip


@pytest.mark.parametrize(
    "case", OTHER_NAME_CASES, ids=[case["description"] for case in OTHER_NAME_CASES]
)
def test_other_given_names(case: dict[str, Any]) -> None:
    frame = pl.DataFrame({"left": [case["left"]], "right": [case["right"]]})
    for left, right in (("left", "right"), ("right", "left")):
        other = frame.select(other_given_names(pl.col(left), pl.col(right))).item()
        assert other is case["other"]


SEX_CASES: list[dict[str, Any]] = [
    {"description": "men's names of the international list", "keys": ["goran", "emre", "mattia"],
     "sex": "m"},
    {"description": "women's names of the international list",
     "keys": ["dragana", "ivona", "selin"], "sex": "f"},
    {"description": "names both sexes carry (Andrea and Simone: women in Germany, men in Italy)",
     "keys": ["andrea", "simone", "nicola", "kim"], "sex": None},
    {"description": "a typo next to a name of both sexes", "keys": ["simmone"], "sex": None},
    {"description": "a typo of a long established name", "keys": ["chritsiane"], "sex": "f"},
    {"description": "a typo one letter from an international name only (Olavi) says nothing",
     "keys": ["olavii"], "sex": None},
]  # fmt: skip


@pytest.mark.parametrize("case", SEX_CASES, ids=[case["description"] for case in SEX_CASES])
def test_name_sexes(case: dict[str, Any]) -> None:
    sexes = name_sexes(pl.Series(case["keys"], dtype=pl.String)).to_list()
    assert sexes == [case["sex"]] * len(case["keys"])


SLIP_CASES: list[dict[str, Any]] = [
    {"description": "a letter dropped", "left": "bella", "right": "bela", "slip": True},
    {"description": "two letters swapped", "left": "zoran", "right": "zorna", "slip": True},
    {"description": "one name spelt two ways", "left": "ellie", "right": "elie", "slip": True},
    {"description": "cut short", "left": "luci", "right": "lucia", "slip": True},
    {"description": "a letter replaced", "left": "goran", "right": "zoran", "slip": False},
    {"description": "two letters apart", "left": "selin", "right": "sevim", "slip": False},
]  # fmt: skip


@pytest.mark.parametrize("case", SLIP_CASES, ids=[case["description"] for case in SLIP_CASES])
def test_one_slip(case: dict[str, Any]) -> None:
    frame = pl.DataFrame({"left": [case["left"]], "right": [case["right"]]})
    for left, right in (("left", "right"), ("right", "left")):
        assert frame.select(one_slip(pl.col(left), pl.col(right))).item() is case["slip"]
