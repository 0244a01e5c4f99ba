"""Blocking estimate: pairs per rule from key frequencies equal the pairs blocking builds."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.blocking import BLOCKING_RULES, candidate_pairs
from matching.blocking_estimate import estimate_blocking, estimate_rule
from rules.config import MatchingConfig

BORN_1980 = date(1980, 1, 1)
BORN_1990 = date(1990, 5, 5)


def test_block_sizes_give_pairs_oversized_blocks_and_largest_sizes(make_records: Any) -> None:
    births = [BORN_1980, BORN_1980, BORN_1980, BORN_1990, BORN_1990, None]
    frame = make_records(
        [{"record_key": f"crm:{n}", "birth_date": born} for n, born in enumerate(births)]
    )

    roomy = estimate_rule(frame, "birth_date", max_block_size=3)
    tight = estimate_rule(frame, "birth_date", max_block_size=2)

    assert (roomy.records, roomy.blocks, roomy.pairs) == (5, 2, 3 + 1)
    assert (roomy.oversized_blocks, roomy.skipped_pairs, roomy.largest_blocks) == (0, 0, (3, 2))
    assert (tight.pairs, tight.oversized_blocks, tight.oversized_records) == (1, 1, 3)
    assert tight.skipped_pairs == 3


def test_union_bound_sums_the_rules_and_all_pairs_is_n_choose_2(make_records: Any) -> None:
    rows = [
        {"record_key": "crm:1", "birth_date": BORN_1980, "city_key": "berlin"},
        {"record_key": "crm:2", "birth_date": BORN_1980, "city_key": "berlin"},
        {"record_key": "crm:3", "birth_date": BORN_1990, "city_key": "berlin"},
    ]
    frame = make_records(
        [{**row, "last_name_phonetic": "67", "first_name_group": "anna"} for row in rows]
    )

    estimate = estimate_blocking(frame, ["birth_date", "name_city"], max_block_size=200)

    assert [rule.pairs for rule in estimate.rules] == [1, 3]
    assert estimate.union_bound == 4
    assert estimate.all_pairs == 3
    assert estimate.to_dict()["union_bound"] == 4


def test_a_pair_sharing_two_keys_of_one_rule_is_counted_twice(make_records: Any) -> None:
    emails = ["anna@x.de", "anna.m@y.de"]
    frame = make_records(
        [{"record_key": "crm:1", "emails": emails}, {"record_key": "crm:2", "emails": emails}]
    )

    built = candidate_pairs(frame, ["email"], max_block_size=200)

    assert built.pairs_per_rule["email"] == 1
    assert estimate_rule(frame, "email", max_block_size=200).pairs == 2


def test_unknown_rule_is_named(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1"}])
    with pytest.raises(ValueError, match="unknown blocking rule postcode"):
        estimate_rule(frame, "postcode", max_block_size=200)


_VALUES: dict[str, list[Any]] = {
    "last_name_phonetic": ["67", "682"],
    "first_name_group": ["anna", "max"],
    "first_name_key": ["hans", "meier"],
    "last_name_key": ["meier", "hans", "mayer"],
    "city_key": ["berlin", "wien"],
    "birth_date": [BORN_1980, BORN_1990],
    "postal_code": ["10115", "80331"],
    "street_key": ["haupt", "bahnhof"],
    "vat_id": ["DE1", "DE2"],
    "organisation_key": ["acme"],
}


@st.composite
def _one_key_per_rule(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records with at most one e-mail and phone (person rules then have one key a record)."""
    count = draw(st.integers(min_value=0, max_value=12))
    rows = []
    for number in range(count):
        row: dict[str, Any] = {"record_key": f"s:{number:02d}"}
        for column, values in _VALUES.items():
            row[column] = draw(st.none() | st.sampled_from(values))
        row["emails"] = draw(
            st.none() | st.lists(st.sampled_from(["anna@x.de", "anna@y.de"]), max_size=1)
        )
        row["phones"] = draw(st.none() | st.lists(st.sampled_from(["+491", "+492"]), max_size=1))
        rows.append(row)
    return rows


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_one_key_per_rule(), max_block_size=st.integers(min_value=2, max_value=6))
def test_estimate_equals_the_pairs_blocking_builds_per_rule(
    rows: list[dict[str, Any]], max_block_size: int, make_records: Any
) -> None:
    frame = make_records(rows)
    rule_names = sorted(BLOCKING_RULES)

    estimate = estimate_blocking(frame, rule_names, max_block_size)
    built = candidate_pairs(frame, rule_names, max_block_size)

    for rule in estimate.rules:
        keys = BLOCKING_RULES[rule.rule](frame)
        most_keys = keys.group_by("record_key").len()["len"].max() if keys.height else 0
        if most_keys is None or most_keys <= 1:  # no pair can share two keys: exact
            assert rule.pairs == built.pairs_per_rule[rule.rule], rule.rule
        else:  # e.g. an organisation's name, first word and address: an upper bound
            assert rule.pairs >= built.pairs_per_rule[rule.rule], rule.rule
    assert estimate.union_bound >= built.pairs.height
    oversized = built.oversized_blocks.group_by("rule").agg(pl.len(), pl.col("size").sum())
    expected = {rule: (blocks, size) for rule, blocks, size in oversized.iter_rows()}
    assert {
        rule.rule: (rule.oversized_blocks, rule.oversized_records)
        for rule in estimate.rules
        if rule.oversized_blocks
    } == expected


def test_default_rules_on_a_small_frame_match_blocking(make_records: Any) -> None:
    people = [
        {"first_name_group": "anna", "last_name_phonetic": "67", "city_key": "berlin"},
        {"first_name_group": "max", "last_name_phonetic": "67", "city_key": "berlin"},
        {"first_name_group": "anna", "last_name_phonetic": "682", "city_key": "wien"},
    ]
    rows = [
        {"record_key": f"crm:{n}", "birth_date": BORN_1980 if n % 2 else BORN_1990, **person}
        for n, person in enumerate(people * 3)
    ]
    frame = make_records(rows)
    rules = MatchingConfig().blocking_rules

    estimate = estimate_blocking(frame, rules, max_block_size=200)

    assert {rule.rule: rule.pairs for rule in estimate.rules} == candidate_pairs(
        frame, rules, 200
    ).pairs_per_rule
    assert estimate.records == 9
