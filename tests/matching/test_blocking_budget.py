"""Blocking budget: rules whose block sizes promise too many pairs are split or capped, before
any pair is built, and the report says which rule, by which keys, and how many pairs it saved."""

from __future__ import annotations

from datetime import date
from itertools import combinations
from typing import Any

import polars as pl
import pytest

from matching.blocking import BlockingBudget, candidate_pairs, plan_rule
from matching.blocking_estimate import estimate_blocking

SURNAMES = ("meier", "huber", "schmidt", "keller", "nowak", "wagner")
FIRST_NAMES = ("anna", "bernd", "clara", "dieter", "erik", "frieda")


def _born_same_day(make_records: Any, count: int) -> pl.DataFrame:
    """``count`` people born on one day, names cycling through a few initials."""
    return make_records(
        [
            {
                "record_key": f"crm:{index:03d}",
                "record_type": "person",
                "first_name_key": FIRST_NAMES[index % len(FIRST_NAMES)],
                "last_name_key": SURNAMES[(index // len(FIRST_NAMES)) % len(SURNAMES)],
                "birth_date": date(1980, 3, 1),
            }
            for index in range(count)
        ]
    )


def _initials(row: dict[str, Any]) -> set[str]:
    return {row["first_name_key"][0], row["last_name_key"][0]}


def _pairs(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("left_key", "right_key").iter_rows())


def test_rule_within_budget_is_left_as_it_is(make_records: Any) -> None:
    frame = _born_same_day(make_records, 30)
    generous = BlockingBudget(max_block_size=200, pairs_per_record=100, split_block_size=5)
    plain = candidate_pairs(frame, ["birth_date"], 200)
    budgeted = candidate_pairs(frame, ["birth_date"], 200, generous)
    assert _pairs(budgeted.pairs) == _pairs(plain.pairs)
    assert plain.pairs.height == 30 * 29 // 2
    assert budgeted.adjustments == ()


def test_rule_over_budget_is_split_by_initials(make_records: Any) -> None:
    frame = _born_same_day(make_records, 36)
    budget = BlockingBudget(max_block_size=200, pairs_per_record=2, split_block_size=10)
    result = candidate_pairs(frame, ["birth_date"], 200, budget)
    rows = {row["record_key"]: row for row in frame.iter_rows(named=True)}
    expected = {
        (left, right)
        for left, right in combinations(sorted(rows), 2)
        if _initials(rows[left]) & _initials(rows[right])
    }
    assert _pairs(result.pairs) == expected
    (adjustment,) = result.adjustments
    assert adjustment.rule == "birth_date"
    assert adjustment.refined_by == ("initials",)
    assert adjustment.blocks_split == 1
    assert adjustment.pairs_before == 36 * 35 // 2
    assert adjustment.pairs_avoided == adjustment.pairs_before - adjustment.pairs_after > 0
    # Sub-blocks may overlap (same both initials): the report is an upper bound.
    assert result.pairs_per_rule["birth_date"] <= adjustment.pairs_after
    assert "birth_date" in adjustment.describe() and "avoided" in adjustment.describe()


def test_swapped_names_share_an_initial(make_records: Any) -> None:
    others = [
        {"record_key": f"crm:{index:02d}", "first_name_key": name, "last_name_key": name}
        for index, name in enumerate(("bert", "carl", "dora", "egon", "fritz", "gerd", "ida"))
    ]
    swapped = [
        {"record_key": "crm:90", "first_name_key": "anna", "last_name_key": "ziegler"},
        {"record_key": "crm:91", "first_name_key": "ziegler", "last_name_key": "anna"},
        {"record_key": "crm:92", "first_name_key": "anna", "last_name_key": "ziegler"},
    ]
    frame = make_records([{**row, "birth_date": date(1980, 3, 1)} for row in others + swapped])
    budget = BlockingBudget(max_block_size=200, pairs_per_record=1, split_block_size=5)
    result = candidate_pairs(frame, ["birth_date"], 200, budget)
    assert result.adjustments[0].blocks_split == 1
    assert _pairs(result.pairs) == {
        ("crm:90", "crm:91"),
        ("crm:90", "crm:92"),
        ("crm:91", "crm:92"),
    }


def test_sub_blocks_still_too_large_are_capped(make_records: Any) -> None:
    # 40 records, all "a" first names and "m" surnames: the initials split nothing.
    frame = make_records(
        [
            {
                "record_key": f"crm:{index:03d}",
                "first_name_key": "anna",
                "last_name_key": "meier",
                "birth_date": date(1980, 3, 1),
            }
            for index in range(40)
        ]
    )
    budget = BlockingBudget(max_block_size=200, pairs_per_record=2, split_block_size=10)
    result = candidate_pairs(frame, ["birth_date"], 200, budget)
    assert result.pairs.height == 0
    (adjustment,) = result.adjustments
    assert adjustment.blocks_capped == 2  # the "a" and the "m" sub-block
    assert adjustment.pairs_after == 0
    assert adjustment.pairs_avoided == 40 * 39 // 2


def test_rules_without_refinements_are_capped(make_records: Any) -> None:
    frame = make_records(
        [{"record_key": f"crm:{index:03d}", "phones": ["+4930123456"]} for index in range(12)]
        + [{"record_key": f"web:{index}", "phones": ["+4940999999"]} for index in range(3)]
    )
    budget = BlockingBudget(max_block_size=200, pairs_per_record=1, split_block_size=5)
    result = candidate_pairs(frame, ["phone"], 200, budget)
    assert _pairs(result.pairs) == {("web:0", "web:1"), ("web:0", "web:2"), ("web:1", "web:2")}
    (adjustment,) = result.adjustments
    assert (adjustment.refined_by, adjustment.blocks_split, adjustment.blocks_capped) == ((), 0, 1)


@pytest.mark.parametrize("records", [200, 400, 800])
def test_budgeted_pairs_grow_linearly_with_the_records(make_records: Any, records: int) -> None:
    """Without the budget a birth date shared by a fixed share of the records makes pairs
    quadratic in the records; with it, at most budget x records."""
    frame = _born_same_day(make_records, records)
    budget = BlockingBudget(max_block_size=10_000, pairs_per_record=3, split_block_size=10)
    plan = plan_rule(frame, "birth_date", budget)
    assert plan.adjustment is not None
    assert plan.adjustment.pairs_before == records * (records - 1) // 2
    # Sub-blocks above 10 records are capped: each record is in at most two sub-blocks (its
    # two initials) of at most 10, so at most 2 x 9 / 2 pairs per record.
    assert plan.adjustment.pairs_after <= 9 * records


def test_estimate_reports_the_adjustment_the_run_makes(make_records: Any) -> None:
    frame = _born_same_day(make_records, 36)
    budget = BlockingBudget(max_block_size=200, pairs_per_record=2, split_block_size=10)
    estimate = estimate_blocking(frame, ["birth_date", "email"], 200, budget)
    run = candidate_pairs(frame, ["birth_date", "email"], 200, budget)
    by_rule = {rule.rule: rule for rule in estimate.rules}
    assert by_rule["birth_date"].adjustment == run.adjustments[0]
    assert by_rule["birth_date"].pairs == 36 * 35 // 2
    assert by_rule["birth_date"].planned_pairs == run.adjustments[0].pairs_after
    assert by_rule["email"].adjustment is None
    assert estimate.to_dict()["rules"][0]["adjustment"]["pairs_avoided"] > 0


def test_oversized_blocks_of_a_rule_over_budget_are_split_not_skipped(make_records: Any) -> None:
    frame = _born_same_day(make_records, 36)
    plain = candidate_pairs(frame, ["birth_date"], 30)
    assert plain.pairs.height == 0 and plain.oversized_blocks.height == 1
    budget = BlockingBudget(max_block_size=30, pairs_per_record=2, split_block_size=10)
    split = candidate_pairs(frame, ["birth_date"], 30, budget)
    unlimited = candidate_pairs(frame, ["birth_date"], 200, budget)
    assert split.oversized_blocks.height == 0
    assert _pairs(split.pairs) == _pairs(unlimited.pairs) != set()


def _sharing_a_partial_key(make_records: Any, rule: str, count: int) -> pl.DataFrame:
    """``count`` people who share one key of a partial-name rule and differ in the rest."""
    rows = []
    for index in range(count):
        first, last = FIRST_NAMES[index % 6], SURNAMES[(index // 6) % 6]
        born = date(1950 + index % 40, 3, 5)
        if rule.startswith("first_name"):
            first = "johannes"
        if rule.startswith("last_name"):
            last = "schneider"
        if rule.endswith("birth_month"):
            born = date(1978, 3, 1 + index % 28)
        if rule == "name_parts_birth_year":
            first, last, born = "anna", "schneider", date(1978, 1 + index % 12, 1 + index % 28)
        rows.append(
            {
                "record_key": f"crm:{index:03d}",
                "record_type": "person",
                "first_name_key": first,
                "last_name_key": last,
                "birth_date": born,
            }
        )
    return make_records(rows)


def _agree_on_a_refinement(rule: str, left: dict[str, Any], right: dict[str, Any]) -> bool:
    born_left, born_right = left["birth_date"], right["birth_date"]
    checks = {
        "first_name_birth_day": [
            left["last_name_key"][0] == right["last_name_key"][0],
            born_left.year == born_right.year,
        ],
        "last_name_birth_day": [
            left["first_name_key"][0] == right["first_name_key"][0],
            born_left.year == born_right.year,
        ],
        "first_name_birth_month": [
            left["last_name_key"][0] == right["last_name_key"][0],
            born_left.day == born_right.day,
        ],
        "last_name_birth_month": [
            left["first_name_key"][0] == right["first_name_key"][0],
            born_left.day == born_right.day,
        ],
        "name_parts_birth_year": [
            born_left.month == born_right.month,
            born_left.day == born_right.day,
        ],
    }
    return any(checks[rule])


@pytest.mark.parametrize(
    "rule",
    [
        "first_name_birth_day",
        "last_name_birth_day",
        "first_name_birth_month",
        "last_name_birth_month",
        "name_parts_birth_year",
    ],
)
def test_partial_name_rules_over_budget_are_split_and_capped(make_records: Any, rule: str) -> None:
    """A partial key shared by many people (a common first name at a million records) is split
    by keys the rule's own key leaves free; pairs stay linear in the records."""
    records = 240
    frame = _sharing_a_partial_key(make_records, rule, records)
    budget = BlockingBudget(max_block_size=10_000, pairs_per_record=2, split_block_size=10)
    plain = candidate_pairs(frame, [rule], 10_000)
    assert plain.pairs.height == records * (records - 1) // 2  # one block: all of them
    result = candidate_pairs(frame, [rule], 10_000, budget)
    (adjustment,) = result.adjustments
    # One block per key of the rule (the month rules and name parts have two: start and end).
    assert adjustment.blocks_split in (1, 2) and adjustment.pairs_before >= plain.pairs.height
    # Each record is in at most two sub-blocks (two refinements) of at most 10 records per key.
    assert 0 < result.pairs.height <= 2 * 9 * records < plain.pairs.height
    rows = {row["record_key"]: row for row in frame.iter_rows(named=True)}
    for left, right in _pairs(result.pairs):
        assert _agree_on_a_refinement(rule, rows[left], rows[right])


def test_sub_block_keys_are_those_of_the_members_alone(make_records: Any) -> None:
    """A split block's sub-blocks depend on its members only: refining them in a frame of
    many more records (an incremental night refines the blocks it touches) gives the keys
    refining them alone gives."""
    from matching.blocking_budget import refined_keys

    frame = _born_same_day(make_records, 60)
    members = frame.head(12).select("record_key", pl.lit("1980-03-01").alias("block_key"))
    alone = frame.join(members, on="record_key", how="semi")
    for refined_by in (("initials",), ("birth_year", "postal_region")):
        among_all = refined_keys(frame, members, refined_by).sort("record_key", "block_key")
        assert among_all.height > 0
        assert among_all["record_key"].is_in(members["record_key"].implode()).all()
        assert among_all.equals(
            refined_keys(alone, members, refined_by).sort("record_key", "block_key")
        )
