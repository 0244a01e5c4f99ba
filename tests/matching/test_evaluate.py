"""Tests for matching.evaluate: hand-computed examples, edge cases and properties."""

from __future__ import annotations

import json
import random
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.evaluate import Evaluation, evaluate


def _truth(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"silo": pl.String, "source_id": pl.String, "entity_id": pl.String},
        orient="row",
    )


def _crosswalk(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"silo": pl.String, "source_id": pl.String, "golden_id": pl.String},
        orient="row",
    )


def _frames(entities: list[str], goldens: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Truth and crosswalk for records crm:1..n with the given entity and golden labels."""
    ids = [str(index + 1) for index in range(len(entities))]
    truth = _truth([("crm", i, e) for i, e in zip(ids, entities, strict=True)])
    return truth, _crosswalk([("crm", i, g) for i, g in zip(ids, goldens, strict=True)])


CASES: list[dict[str, Any]] = [
    {
        "description": "perfect prediction",
        "entities": ["E1", "E1", "E2"],
        "goldens": ["G1", "G1", "G2"],
        "expected": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "bcubed_precision": 1.0,
                     "bcubed_recall": 1.0, "true_pairs": 1, "predicted_pairs": 1,
                     "true_positive_pairs": 1},
    },
    {
        "description": "all singletons: nothing predicted, precision 1 by convention",
        "entities": ["E1", "E1", "E2"],
        "goldens": ["G1", "G2", "G3"],
        "expected": {"precision": 1.0, "recall": 0.0, "f1": 0.0, "bcubed_precision": 1.0,
                     "bcubed_recall": 2 / 3, "bcubed_f1": 0.8, "predicted_pairs": 0},
    },
    {
        "description": "all in one cluster",
        "entities": ["E1", "E1", "E2"],
        "goldens": ["G", "G", "G"],
        "expected": {"precision": 1 / 3, "recall": 1.0, "f1": 0.5, "bcubed_precision": 5 / 9,
                     "bcubed_recall": 1.0, "bcubed_f1": 5 / 7, "predicted_clusters": 1},
    },
    {
        "description": "one entity split, one record merged into another entity",
        "entities": ["E1", "E1", "E1", "E2", "E2"],
        "goldens": ["G1", "G1", "G2", "G2", "G2"],
        "expected": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "bcubed_precision": 11 / 15,
                     "bcubed_recall": 11 / 15, "bcubed_f1": 11 / 15, "true_pairs": 4,
                     "predicted_pairs": 4, "true_positive_pairs": 2},
    },
    {
        "description": "no true pairs: recall 1 by convention, a false merge costs precision",
        "entities": ["E1", "E2", "E3"],
        "goldens": ["G1", "G1", "G2"],
        "expected": {"precision": 0.0, "recall": 1.0, "f1": 0.0, "bcubed_precision": 2 / 3,
                     "bcubed_recall": 1.0, "true_pairs": 0},
    },
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_hand_computed_examples(case: dict[str, Any]) -> None:
    truth, crosswalk = _frames(case["entities"], case["goldens"])
    result = evaluate(truth, crosswalk).to_dict()
    for name, value in case["expected"].items():
        assert result[name] == pytest.approx(value), name


def test_missing_records_are_singletons_and_counted() -> None:
    truth = _truth([("crm", "1", "E1"), ("crm", "2", "E1"), ("shop", "1", "E2")])
    crosswalk = _crosswalk([("crm", "1", "G1"), ("shop", "1", "G2")])
    result = evaluate(truth, crosswalk)
    assert result.missing == 1
    assert result.records == 3
    assert result.predicted_clusters == 3
    assert (result.precision, result.recall) == (1.0, 0.0)
    assert result.bcubed_recall == pytest.approx((0.5 + 0.5 + 1) / 3)


def test_crosswalk_rows_not_in_truth_are_ignored_and_counted() -> None:
    truth = _truth([("crm", "1", "E1"), ("crm", "2", "E1")])
    crosswalk = _crosswalk([("crm", "1", "G1"), ("crm", "2", "G1"), ("crm", "9", "G1")])
    result = evaluate(truth, crosswalk)
    assert result.not_in_truth == 1
    assert (result.precision, result.recall, result.predicted_pairs) == (1.0, 1.0, 1)


def test_same_source_id_in_two_silos_are_two_records() -> None:
    truth = _truth([("crm", "1", "E1"), ("shop", "1", "E2")])
    crosswalk = _crosswalk([("crm", "1", "G1"), ("shop", "1", "G1")])
    result = evaluate(truth, crosswalk)
    assert (result.true_pairs, result.predicted_pairs, result.true_positive_pairs) == (0, 1, 0)
    assert result.precision == 0.0


def test_missing_singletons_never_collide_with_real_golden_ids() -> None:
    truth = _truth([("crm", "1", "E1"), ("crm", "2", "E2")])
    # A golden id that looks like the label a missing record would get must not merge them.
    crosswalk = _crosswalk([("crm", "1", "missing\x1fcrm\x1f2")])
    result = evaluate(truth, crosswalk)
    assert result.predicted_pairs == 0


def test_empty_truth_scores_one() -> None:
    result = evaluate(_truth([]), _crosswalk([("crm", "1", "G1")]))
    assert (result.precision, result.recall, result.bcubed_precision, result.bcubed_recall) == (
        1.0, 1.0, 1.0, 1.0,
    )  # fmt: skip
    assert (result.records, result.not_in_truth) == (0, 1)


def test_integer_ids_are_compared_as_text() -> None:
    truth = pl.DataFrame({"silo": ["erp", "erp"], "source_id": [1, 2], "entity_id": ["E", "E"]})
    crosswalk = pl.DataFrame({"silo": ["erp", "erp"], "source_id": ["1", "2"], "golden_id": [7, 7]})
    assert evaluate(truth, crosswalk).f1 == 1.0


@pytest.mark.parametrize(
    ("description", "truth", "crosswalk", "message"),
    [
        ("truth without entity_id", pl.DataFrame({"silo": ["a"], "source_id": ["1"]}),
         _crosswalk([]), "entity_id"),
        ("crosswalk without golden_id", _truth([]),
         pl.DataFrame({"silo": ["a"], "source_id": ["1"]}), "golden_id"),
        ("repeated record in truth", _truth([("a", "1", "E"), ("a", "1", "F")]), _crosswalk([]),
         "repeated"),
    ],
)  # fmt: skip
def test_bad_input_is_reported(
    description: str, truth: pl.DataFrame, crosswalk: pl.DataFrame, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(truth, crosswalk)


def test_to_dict_is_json_ready() -> None:
    truth, crosswalk = _frames(["E1", "E1"], ["G1", "G1"])
    result = evaluate(truth, crosswalk)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["f1"] == 1.0
    assert set(data) == set(Evaluation.__dataclass_fields__)


labels = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(pairs=labels, seed=st.integers(0, 2**32 - 1))
def test_scores_are_bounded_and_invariant_under_relabelling(
    pairs: list[tuple[int, int]], seed: int
) -> None:
    entities = [f"E{entity}" for entity, _ in pairs]
    goldens = [f"G{golden}" for _, golden in pairs]
    truth, crosswalk = _frames(entities, goldens)
    result = evaluate(truth, crosswalk)
    for name in ("precision", "recall", "f1", "bcubed_precision", "bcubed_recall", "bcubed_f1"):
        assert 0.0 <= getattr(result, name) <= 1.0, name
    assert result.true_positive_pairs <= min(result.true_pairs, result.predicted_pairs)

    rng = random.Random(seed)
    names = sorted(set(goldens))
    renamed = dict(zip(names, rng.sample(names, len(names)), strict=True))
    relabelled = crosswalk.with_columns(pl.col("golden_id").replace_strict(renamed))
    shuffled = relabelled.sample(fraction=1.0, shuffle=True, seed=seed % 2**31)
    assert evaluate(truth, shuffled) == result


@settings(max_examples=50, deadline=None)
@given(entities=st.lists(st.integers(0, 6), max_size=30))
def test_prediction_equal_to_truth_is_perfect(entities: list[int]) -> None:
    names = [f"E{entity}" for entity in entities]
    truth, crosswalk = _frames(names, [f"golden-{name}" for name in names])
    result = evaluate(truth, crosswalk)
    assert (result.precision, result.recall, result.bcubed_precision, result.bcubed_recall) == (
        1.0, 1.0, 1.0, 1.0,
    )  # fmt: skip
