"""Scores a crosswalk (record -> golden id) against the known truth (record -> entity id).

Both frames are keyed by ``silo`` and ``source_id``. Two families of scores:

* **Pairwise**: every pair of records in one cluster is a predicted match. With group sizes
  counted by polars (never enumerating pairs):
  ``TP = sum over (entity, golden) groups of n(n-1)/2``, ``predicted = sum over golden groups``,
  ``true = sum over entity groups``; precision = TP / predicted, recall = TP / true.
* **B-cubed**: per record, precision = |cluster ∩ entity| / |cluster| and recall =
  |cluster ∩ entity| / |entity|, averaged over records; computed per (entity, golden) group
  of size n as ``sum n² / |cluster|`` and ``sum n² / |entity|``, divided by the record count.

Conventions: records of the truth missing from the crosswalk are predicted singletons (and
counted in ``missing``); crosswalk rows not in the truth are ignored (counted in
``not_in_truth``). A score whose denominator is zero is 1.0 — precision when nothing is
predicted to match (no false matches were made), recall when nothing truly matches (none was
missed), both B-cubed scores for an empty truth. F1 is the harmonic mean, 0.0 when both are 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

KEY = ("silo", "source_id")


@dataclass(frozen=True)
class Evaluation:
    """Pairwise and B-cubed scores of one crosswalk, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    records: int
    entities: int
    predicted_clusters: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    missing: int
    not_in_truth: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain values for JSON."""
        return asdict(self)


def _check_columns(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValueError(
            f"evaluate: {name} lacks column(s) {', '.join(absent)}; "
            f"expected {', '.join(columns)}, got {', '.join(frame.columns)}"
        )
    nulls = [column for column in columns if frame[column].null_count()]
    if nulls:
        raise ValueError(f"evaluate: {name} has empty values in {', '.join(nulls)}")
    duplicated = frame.select(KEY).is_duplicated().sum()
    if duplicated:
        raise ValueError(
            f"evaluate: {name} has {duplicated} rows with a repeated (silo, source_id); "
            f"each record must appear once"
        )


def _as_text(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return frame.select(pl.col(column).cast(pl.String) for column in columns)


def _pairs(sizes: pl.Expr) -> pl.Expr:
    return (sizes * (sizes - 1) // 2).sum()


def _ratio(numerator: float, denominator: float) -> float:
    # min() only guards against float rounding just above 1 in the B-cubed sums.
    return 1.0 if denominator == 0 else min(1.0, numerator / denominator)


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2 * precision * recall / total


def _labelled(truth: pl.DataFrame, crosswalk: pl.DataFrame) -> tuple[pl.DataFrame, int, int]:
    """Truth records with a cluster label; missing ones become singletons of their own."""
    truth = _as_text(truth, (*KEY, "entity_id"))
    crosswalk = _as_text(crosswalk, (*KEY, "golden_id"))
    joined = truth.join(crosswalk, on=list(KEY), how="left")
    missing = joined["golden_id"].null_count()
    not_in_truth = crosswalk.join(truth, on=list(KEY), how="anti").height
    # Prefixes keep real golden ids and invented singleton labels from ever colliding.
    cluster = (
        pl.when(pl.col("golden_id").is_null())
        .then(pl.concat_str(pl.lit("missing\x1f"), "silo", pl.lit("\x1f"), "source_id"))
        .otherwise(pl.concat_str(pl.lit("golden\x1f"), "golden_id"))
    )
    return joined.select("entity_id", cluster.alias("cluster")), missing, not_in_truth


def evaluate(truth: pl.DataFrame, crosswalk: pl.DataFrame) -> Evaluation:
    """Score a crosswalk (silo, source_id, golden_id) against truth (silo, source_id, entity_id)."""
    _check_columns(truth, "truth", (*KEY, "entity_id"))
    _check_columns(crosswalk, "crosswalk", KEY)
    if "golden_id" not in crosswalk.columns:
        raise ValueError("evaluate: crosswalk lacks column golden_id")
    labelled, missing, not_in_truth = _labelled(truth, crosswalk)
    both = labelled.group_by("entity_id", "cluster").len("n")
    both = both.join(labelled.group_by("cluster").len("cluster_size"), on="cluster").join(
        labelled.group_by("entity_id").len("entity_size"), on="entity_id"
    )
    share = pl.col("n").cast(pl.Float64) ** 2
    # Summing in an order independent of the labels keeps floats identical under relabelling.
    sums = (
        both.sort("n", "cluster_size", "entity_size")
        .select(
            _pairs(pl.col("n").cast(pl.Int64)).alias("tp"),
            (share / pl.col("cluster_size")).sum().alias("b_precision"),
            (share / pl.col("entity_size")).sum().alias("b_recall"),
        )
        .row(0, named=True)
    )
    predicted = labelled.group_by("cluster").len("n").select(_pairs(pl.col("n").cast(pl.Int64)))
    true = labelled.group_by("entity_id").len("n").select(_pairs(pl.col("n").cast(pl.Int64)))
    records = labelled.height
    tp = int(sums["tp"] or 0)
    predicted_pairs, true_pairs = int(predicted.item() or 0), int(true.item() or 0)
    precision, recall = _ratio(tp, predicted_pairs), _ratio(tp, true_pairs)
    bcubed_precision = _ratio(float(sums["b_precision"] or 0.0), records)
    bcubed_recall = _ratio(float(sums["b_recall"] or 0.0), records)
    return Evaluation(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        bcubed_precision=bcubed_precision,
        bcubed_recall=bcubed_recall,
        bcubed_f1=_f1(bcubed_precision, bcubed_recall),
        records=records,
        entities=labelled["entity_id"].n_unique(),
        predicted_clusters=labelled["cluster"].n_unique(),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
        missing=missing,
        not_in_truth=not_in_truth,
    )
