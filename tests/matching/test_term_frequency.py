"""Term-frequency adjustments: exact agreement on a rare name weighs more than on a common one.

Expected values are worked out from the formula, not copied from a run: with tf(v) the share of
records whose name is v (records without a name not counted) and u = sum of tf(x)^2 over all
names, an exact agreement on v moves the weight by log2(u / tf(v)), clamped to +-MAX_ADJUSTMENT.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from matching.comparisons import COMPARISONS, compare_pairs
from matching.scoring import MatchWeights, score_pairs
from matching.term_frequency import ADJUSTED, MAX_ADJUSTMENT, term_frequency_adjustments

LADDERS = {comparison.name: comparison.levels for comparison in COMPARISONS}

# Ten last names: mueller 6, zwicky 2, mueler 1, weber 1 -> tf 0.6, 0.2, 0.1, 0.1;
# u = 0.36 + 0.04 + 0.01 + 0.01 = 0.42. Nobody has a first name (those adjustments are all 0).
LAST_NAMES = {
    **{f"m:{index}": "mueller" for index in range(6)},
    "z:0": "zwicky",
    "z:1": "zwicky",
    "t:0": "mueler",
    "w:0": "weber",
}
U_LAST = 0.42


def _records(make_records: Any, last_names: dict[str, str | None]) -> pl.DataFrame:
    return make_records(
        [
            {"record_key": key, "last_name_key": name, "last_name_phonetic": name}
            for key, name in last_names.items()
        ]
    )


def _adjusted(
    records: pl.DataFrame, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    frame = pl.DataFrame(
        {
            "left_key": [left for left, _ in pairs],
            "right_key": [right for _, right in pairs],
            "rules": ["test"] * len(pairs),
        },
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
    )
    adjusted = term_frequency_adjustments(compare_pairs(frame, records), records)
    return {(row["left_key"], row["right_key"]): row for row in adjusted.to_dicts()}


CASES = [
    {
        "description": "common name (mueller, tf 0.6): negative",
        "pair": ("m:0", "m:1"),
        "level": "exact",
        "adjustment": math.log2(U_LAST / 0.6),
    },
    {
        "description": "rare name (zwicky, tf 0.2): positive",
        "pair": ("z:0", "z:1"),
        "level": "exact",
        "adjustment": math.log2(U_LAST / 0.2),
    },
    {
        "description": "phonetic level (mueller / mueler): no adjustment",
        "pair": ("m:0", "t:0"),
        "level": "phonetic",
        "adjustment": 0.0,
    },
    {
        "description": "different names: no adjustment",
        "pair": ("m:0", "w:0"),
        "level": "different",
        "adjustment": 0.0,
    },
    {
        "description": "no name on one side: no adjustment",
        "pair": ("m:0", "n:0"),
        "level": "missing",
        "adjustment": 0.0,
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_adjustment_of_one_pair(case: dict[str, Any], make_records: Any) -> None:
    records = _records(make_records, {**LAST_NAMES, "n:0": None})
    row = _adjusted(records, [case["pair"]])[case["pair"]]
    level = row["last_name_level"]
    assert (LADDERS["last_name"][level] if level >= 0 else "missing") == case["level"]
    assert row["last_name_tf_adjustment"] == pytest.approx(case["adjustment"])
    # No record has a first name: the first-name adjustment is 0, not null.
    assert row["first_name_tf_adjustment"] == 0.0


def test_signs_of_the_worked_examples() -> None:
    # The worked values above say what the test is about: rare up, common down.
    assert math.log2(U_LAST / 0.2) > 1.0
    assert math.log2(U_LAST / 0.6) < -0.5


def test_all_pairs_at_once_keep_their_own_adjustment(make_records: Any) -> None:
    # The tf column is joined by record key: in one frame, in any order, each pair keeps its own.
    records = _records(make_records, {**LAST_NAMES, "n:0": None})
    pairs = [case["pair"] for case in CASES][::-1]
    adjusted = _adjusted(records, pairs)
    for case in CASES:
        assert adjusted[case["pair"]]["last_name_tf_adjustment"] == pytest.approx(
            case["adjustment"]
        ), case["description"]


def test_records_without_a_name_do_not_count_towards_frequencies(make_records: Any) -> None:
    pairs = [("m:0", "m:1"), ("z:0", "z:1")]
    without = _adjusted(_records(make_records, LAST_NAMES), pairs)
    nameless = {f"n:{index}": None for index in range(50)}
    with_nameless = _adjusted(_records(make_records, {**LAST_NAMES, **nameless}), pairs)
    for pair in pairs:
        assert (
            with_nameless[pair]["last_name_tf_adjustment"]
            == without[pair]["last_name_tf_adjustment"]
        )


@pytest.mark.parametrize(
    ("description", "names", "pair", "bound"),
    [
        (
            # tf 0.02, u = 0.98^2 + 0.02^2 = 0.9608: log2(48.04) = 5.59 -> +4
            "a rare name among one dominant name: clamped to +MAX_ADJUSTMENT",
            {"r:0": "zwicky", "r:1": "zwicky", **{f"c:{i:03}": "mueller" for i in range(98)}},
            ("r:0", "r:1"),
            MAX_ADJUSTMENT,
        ),
        (
            # tf 0.02, u = 0.02^2 + 1960 / 2000^2 = 0.00089: log2(0.0445) = -4.49 -> -4
            "a common name among unique ones: clamped to -MAX_ADJUSTMENT",
            {
                **{f"c:{i:04}": "mueller" for i in range(40)},
                **{f"u:{i:04}": f"name{i}" for i in range(1960)},
            },
            ("c:0000", "c:0001"),
            -MAX_ADJUSTMENT,
        ),
    ],
)
def test_adjustment_is_clamped(
    description: str,
    names: dict[str, str],
    pair: tuple[str, str],
    bound: float,
    make_records: Any,
) -> None:
    row = _adjusted(_records(make_records, names), [pair])[pair]
    assert row["last_name_tf_adjustment"] == bound, description


def test_adjusted_comparisons_are_the_name_comparisons() -> None:
    for name, (column, label) in ADJUSTED.items():
        assert label in LADDERS[name]
        assert column.startswith(name)


def _swapped_names(make_records: Any, swapped_key: str, straight_key: str) -> pl.DataFrame:
    """Hans Meier is common (20 records); one record has him as "Meier Hans"."""
    rows = [
        {"record_key": f"x:{index:02}", "first_name_key": "hans", "last_name_key": "meier"}
        for index in range(20)
    ]
    rows += [
        {"record_key": f"y:{index:02}", "first_name_key": f"f{index}", "last_name_key": f"l{index}"}
        for index in range(20)
    ]
    rows += [
        {"record_key": swapped_key, "first_name_key": "meier", "last_name_key": "hans"},
        {"record_key": straight_key, "first_name_key": "hans", "last_name_key": "meier"},
    ]
    return make_records(rows)


@pytest.mark.parametrize(
    ("swapped_key", "straight_key"), [("a:1", "b:1"), ("b:1", "a:1")], ids=["left", "right"]
)
def test_swapped_names_are_adjusted_by_the_common_names_they_share(
    swapped_key: str, straight_key: str, make_records: Any
) -> None:
    # "Meier Hans" vs "Hans Meier": compare_pairs aligns the names, so both agree exactly. The
    # pair shares the common names Hans and Meier, whichever of the two records sorts first;
    # "meier" as a first name is rare only because the names were entered the wrong way round.
    records = _swapped_names(make_records, swapped_key, straight_key)
    row = _adjusted(records, [("a:1", "b:1")])[("a:1", "b:1")]
    straight = _adjusted(records, [("x:00", "x:01")])[("x:00", "x:01")]
    assert (row["first_name_level"], row["last_name_level"]) == (0, 0)
    for name in ("first_name", "last_name"):
        assert straight[f"{name}_tf_adjustment"] < 0
        assert row[f"{name}_tf_adjustment"] == pytest.approx(straight[f"{name}_tf_adjustment"])


def test_score_adds_the_adjustment_to_the_level_weight(make_records: Any) -> None:
    records = _records(make_records, LAST_NAMES)
    weights = MatchWeights.defaults()
    adjusted = _adjusted(records, [("m:0", "m:1"), ("z:0", "z:1"), ("m:0", "w:0")])
    compared = pl.DataFrame(list(adjusted.values()))
    scored = {
        (row["left_key"], row["right_key"]): row
        for row in score_pairs(compared, weights).to_dicts()
    }
    exact, different = (
        weights.levels["last_name"]["exact"],
        weights.levels["last_name"]["different"],
    )
    assert scored[("m:0", "m:1")]["last_name_weight"] == pytest.approx(
        exact + math.log2(U_LAST / 0.6)
    )
    assert scored[("z:0", "z:1")]["last_name_weight"] == pytest.approx(
        exact + math.log2(U_LAST / 0.2)
    )
    assert scored[("m:0", "w:0")]["last_name_weight"] == different
    # The rare name scores higher than the common one, everything else being equal.
    assert scored[("z:0", "z:1")]["score"] > scored[("m:0", "m:1")]["score"]
    # Without the adjustment columns the plain level weights are used.
    plain = score_pairs(
        compared.drop("first_name_tf_adjustment", "last_name_tf_adjustment"), weights
    )
    assert set(plain["last_name_weight"].to_list()) == {exact, different}


def test_no_pairs_give_an_empty_frame_with_the_adjustment_columns(make_records: Any) -> None:
    records = _records(make_records, LAST_NAMES)
    empty = pl.DataFrame(
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()}
    )
    adjusted = term_frequency_adjustments(compare_pairs(empty, records), records)
    assert adjusted.height == 0
    assert {f"{name}_tf_adjustment" for name in ADJUSTED} <= set(adjusted.columns)
