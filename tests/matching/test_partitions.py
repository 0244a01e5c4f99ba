"""Partitions of candidate pairs: every pair in exactly one, a record's pairs never split, each
partition with exactly the records its pairs name, concatenation in order gives the pair list."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.blocking import PAIR_SCHEMA
from matching.partitions import concat_compared, pair_partitions


def _pairs(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "left_key": [left for left, _ in pairs],
            "right_key": [right for _, right in pairs],
            "rules": ["email"] * len(pairs),
        },
        schema=PAIR_SCHEMA,
    ).sort("left_key", "right_key")


def _records(keys: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"record_key": keys, "last_name": [f"n{key}" for key in keys]})


RECORDS = _records([f"r{index}" for index in range(8)])
PAIRS = _pairs([("r0", "r1"), ("r0", "r2"), ("r0", "r3"), ("r1", "r2"), ("r4", "r5"), ("r6", "r7")])


CUTS = [
    {"description": "one partition holds everything", "size": 100, "heights": [6]},
    {"description": "r0's three pairs stay together", "size": 2, "heights": [3, 1, 2]},
    {"description": "a cut moves forward to the next left key", "size": 4, "heights": [4, 2]},
    {"description": "one left record a partition", "size": 1, "heights": [3, 1, 1, 1]},
]


@pytest.mark.parametrize("case", CUTS, ids=[case["description"] for case in CUTS])
def test_partitions_cut_between_left_records(case: dict[str, Any]) -> None:
    partitions = pair_partitions(PAIRS, RECORDS, case["size"])

    assert [part.size for part in partitions] == case["heights"]
    assert_frame_equal(concat_compared([part.pairs for part in partitions]), PAIRS)


def test_each_partition_carries_exactly_the_records_its_pairs_name() -> None:
    partitions = pair_partitions(PAIRS, RECORDS, 4)

    assert [sorted(part.records["record_key"]) for part in partitions] == [
        ["r0", "r1", "r2", "r3"],
        ["r4", "r5", "r6", "r7"],
    ]
    assert partitions[0].records.columns == RECORDS.columns


def test_no_pairs_give_one_empty_partition_with_the_schemas() -> None:
    [part] = pair_partitions(PAIRS.head(0), RECORDS, 10)

    assert part.size == 0 and part.pairs.schema == PAIRS.schema
    assert part.records.height == 0 and part.records.schema == RECORDS.schema


def test_a_partition_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        pair_partitions(PAIRS, RECORDS, 0)


@settings(max_examples=60, deadline=None)
@given(
    edges=st.sets(
        st.tuples(st.integers(0, 30), st.integers(0, 30)).filter(lambda edge: edge[0] < edge[1]),
        max_size=120,
    ),
    size=st.integers(1, 40),
)
def test_every_pair_lands_in_exactly_one_partition(edges: set[tuple[int, int]], size: int) -> None:
    pairs = _pairs([(f"k{left:02d}", f"k{right:02d}") for left, right in edges])
    records = _records([f"k{index:02d}" for index in range(31)])

    partitions = pair_partitions(pairs, records, size)

    assert_frame_equal(concat_compared([part.pairs for part in partitions]), pairs)
    lefts = [set(part.pairs["left_key"]) for part in partitions]
    assert sum(len(keys) for keys in lefts) == len(set().union(*lefts))  # no left key split
    for part in partitions:
        named = set(part.pairs["left_key"]) | set(part.pairs["right_key"])
        assert set(part.records["record_key"]) == named
