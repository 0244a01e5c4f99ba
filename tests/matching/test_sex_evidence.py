"""Brothers and sisters whose records carry their sex: a salutation, a first name of one sex, or
a first name mistyped from one.

The records are cleaned by the real cleaners, every pair compared and scored with the default
weights and hard rules, and clustered as a run does. Each case has a counterpart that must stay
one person, so a rule that merely split everything would fail.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl
import pytest

from matching.clustering import coherent_clusters, complete_pairs
from matching.comparisons import COMPARISONS, compare_pairs
from matching.scoring import MatchWeights, score_pairs
from rules.config import MatchingConfig
from tests.matching.cleaned_records import cleaned

THRESHOLD = 0.9
LINKAGE = 0.5
FIRST_NAME = next(c for c in COMPARISONS if c.name == "first_name")
HOUSE = {"street": "Lindenweg", "house_number": "7", "postal_code": "79098", "city": "Freiburg"}


def _run(*rows: dict[str, Any]) -> tuple[set[frozenset[str]], pl.DataFrame]:
    """The groups of ``rows`` (source ids) and the scored pairs."""
    records = cleaned(
        *({"silo": "crm", "source_id": str(index), **row} for index, row in enumerate(rows))
    )
    keys = sorted(records["record_key"].to_list())
    candidates = pl.DataFrame(
        [(left, right, "test") for left, right in combinations(keys, 2)],
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
        orient="row",
    )
    rules = MatchingConfig().hard_rules
    weights = MatchWeights.defaults()
    scored = score_pairs(compare_pairs(candidates, records), weights, rules)
    completed = complete_pairs(records["record_key"], scored, records, weights, rules, THRESHOLD)
    result = coherent_clusters(records["record_key"], completed, THRESHOLD, LINKAGE)
    groups: dict[str, set[str]] = {}
    for key, cluster in result.clusters.iter_rows():
        groups.setdefault(cluster, set()).add(key.split(":")[1])
    return {frozenset(group) for group in groups.values()}, scored


def _pair(scored: pl.DataFrame, left: int, right: int) -> dict[str, Any]:
    keys = {f"crm:{left}", f"crm:{right}"}
    return scored.filter(
        pl.col("left_key").is_in(list(keys)) & pl.col("right_key").is_in(list(keys))
    ).row(0, named=True)


def _first_name_level(scored: pl.DataFrame, left: int, right: int) -> str:
    return FIRST_NAME.levels[_pair(scored, left, right)["first_name_level"]]


def _together(groups: set[frozenset[str]], *ids: int) -> bool:
    return any({str(i) for i in ids} <= group for group in groups)


TWIN = {"last_name": "Berger", "birth_date": "1990-03-14", **HOUSE}


def test_a_short_form_beside_herr_is_the_masculine_name_not_the_sisters() -> None:
    # Andi is short for Andreas and for Andrea. "Herr Andi" beside "Frau Andrea", born the same
    # day at one house with the family's landline: brother and sister, not a nickname.
    groups, scored = _run(
        {"salutation": "Herr", "first_name": "Andi", "phones": ["0761 445566"], **TWIN},
        {"salutation": "Frau", "first_name": "Andrea", "phones": ["0761 445566"], **TWIN},
    )
    assert _first_name_level(scored, 0, 1) == "opposite_sex"
    assert not _together(groups, 0, 1)


def test_a_short_form_beside_the_same_salutation_stays_a_nickname() -> None:
    groups, scored = _run(
        {"salutation": "Frau", "first_name": "Andi", "phones": ["0761 445566"], **TWIN},
        {"salutation": "Frau", "first_name": "Andrea", "phones": ["0761 445566"], **TWIN},
    )
    assert _first_name_level(scored, 0, 1) == "nickname"
    assert _together(groups, 0, 1)


def test_herr_beside_a_close_feminine_name_without_salutation_is_two_people() -> None:
    # Milo is no listed name, Mila is a girl's: Herr Milo and Mila (no salutation) are twins.
    groups, scored = _run(
        {"salutation": "Herr", "first_name": "Milo", **TWIN},
        {"first_name": "Mila", **TWIN},
    )
    assert _first_name_level(scored, 0, 1) == "opposite_sex"
    assert not _together(groups, 0, 1)


def test_a_mistyped_salutation_does_not_make_a_name_the_other_sex() -> None:
    # "Frau Sepp" (Sepp is only ever Josef): the salutation and the name disagree, so neither
    # says the sex; beside Herr Josef it is the same man's nickname.
    groups, scored = _run(
        {"salutation": "Herr", "first_name": "Josef", "phones": ["0761 445566"], **TWIN},
        {"salutation": "Frau", "first_name": "Sepp", "phones": ["0761 445566"], **TWIN},
    )
    assert _first_name_level(scored, 0, 1) == "nickname"
    assert _together(groups, 0, 1)


def test_a_mistyped_feminine_name_beside_the_masculine_one_is_two_people() -> None:
    # Stefnaie is Stefanie with two letters swapped (one typo), two from Stefan: a sister.
    groups, scored = _run(
        {"first_name": "Stefnaie", "phones": ["0761 445566"], **TWIN},
        {"salutation": "Herr", "first_name": "Stefan", **TWIN},
    )
    assert _first_name_level(scored, 0, 1) == "opposite_sex"
    assert not _together(groups, 0, 1)


def test_a_mistyped_feminine_name_beside_herself_stays_one_person() -> None:
    groups, scored = _run(
        {"first_name": "Stefnaie", "phones": ["0761 445566"], **TWIN},
        {"salutation": "Frau", "first_name": "Stefanie", "phones": ["0761 445566"], **TWIN},
    )
    assert _first_name_level(scored, 0, 1) != "opposite_sex"
    assert _together(groups, 0, 1)


def test_a_first_name_spelled_like_the_shared_last_name_is_no_swap() -> None:
    # Ilse has the letters of Seil: beside Karl Seil that is no sign of first and last name
    # swapped, so Karl and Ilse are two first names (their household's mailbox aside).
    groups, scored = _run(
        {
            "salutation": "Herr",
            "first_name": "Karl",
            "last_name": "Seil",
            "emails": ["familie.seil@web.de"],
            **HOUSE,
        },
        {
            "salutation": "Frau",
            "first_name": "Ilse",
            "last_name": "Seil",
            "emails": ["familie.seil@web.de"],
            **HOUSE,
        },
    )
    assert _first_name_level(scored, 0, 1) == "different"
    assert not _together(groups, 0, 1)


def test_first_and_last_name_swapped_still_cross() -> None:
    groups, scored = _run(
        {"first_name": "Karl", "last_name": "Seil", "birth_date": "1970-01-02", **HOUSE},
        {"first_name": "Seil", "last_name": "Karl", "birth_date": "1970-01-02", **HOUSE},
    )
    assert _first_name_level(scored, 0, 1) in {"exact", "unlike"}
    assert _together(groups, 0, 1)


def test_jannis_and_jonas_born_the_same_day_at_one_house_are_twins() -> None:
    # Both established boys' names: a typo seldom lands on the other, twins are often given
    # such a pair. The e-mail j.meier@ fits both.
    groups, scored = _run(
        {"first_name": "Jannis", "last_name": "Meier", "birth_date": "1995-06-01", **HOUSE},
        {
            "first_name": "Jonas",
            "last_name": "Meier",
            "birth_date": "1995-06-01",
            "emails": ["j.meier@bluewin.ch"],
            "phones": ["0171 2345678"],
            **HOUSE,
        },
    )
    assert _first_name_level(scored, 0, 1) == "other_given_name"
    assert not _together(groups, 0, 1)


@pytest.mark.parametrize("swapped_first", [True, False])
def test_a_swapped_record_is_turned_round_on_whichever_side_it_is(swapped_first: bool) -> None:
    # "Wagner Timo" (first and last name swapped) beside "Tim Wagner": the first names compared
    # are Timo and Tim, not Wagner and Wagner, on either side of the pair; the last names agree.
    swapped = {"first_name": "Wagner", "last_name": "Timo", **HOUSE}
    straight = {"first_name": "Tim", "last_name": "Wagner", **HOUSE}
    rows = (swapped, straight) if swapped_first else (straight, swapped)
    _, scored = _run(*rows)
    assert _first_name_level(scored, 0, 1) not in {"exact", "nickname"}
    last_name = next(c for c in COMPARISONS if c.name == "last_name")
    assert last_name.levels[_pair(scored, 0, 1)["last_name_level"]] == "exact"
