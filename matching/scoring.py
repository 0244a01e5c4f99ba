"""Scoring: Fellegi-Sunter match weights per comparison level, summed into a match probability.

score = prior + sum of the level weights (log2 Bayes factors); probability = 1 / (1 + 2^-score).
Missing values weigh 0. Hard rules override the sum: records of different types (person vs
organisation) never match. Each pair keeps its per-field weights as the explanation.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import polars as pl

from matching.comparisons import COMPARISONS, MISSING


@dataclass(frozen=True)
class MatchWeights:
    """Prior log2 odds and the weight of every level of every comparison."""

    prior: float
    levels: dict[str, dict[str, float]]

    @classmethod
    def defaults(cls) -> MatchWeights:
        """The hand-set defaults in matching/data/weights.toml."""
        text = resources.files("matching").joinpath("data/weights.toml").read_text("utf-8")
        data = tomllib.loads(text)
        prior = float(data.pop("prior"))
        levels = {name: {k: float(v) for k, v in table.items()} for name, table in data.items()}
        for comparison in COMPARISONS:
            missing = set(comparison.levels) - set(levels.get(comparison.name, {}))
            if missing:
                raise ValueError(f"weights.toml: [{comparison.name}] lacks {sorted(missing)}")
        return cls(prior=prior, levels=levels)


def score_pairs(compared: pl.DataFrame, weights: MatchWeights) -> pl.DataFrame:
    """Add ``<comparison>_weight``, ``score`` and ``probability`` to compared pairs."""
    weight_columns = []
    for comparison in COMPARISONS:
        table = weights.levels[comparison.name]
        mapping = {index: table[label] for index, label in enumerate(comparison.levels)}
        mapping[MISSING] = 0.0
        weight_columns.append(
            pl.col(f"{comparison.name}_level")
            .replace_strict(mapping, return_dtype=pl.Float64)
            .alias(f"{comparison.name}_weight")
        )
    scored = compared.with_columns(weight_columns).with_columns(
        (
            pl.lit(weights.prior)
            + pl.sum_horizontal(f"{comparison.name}_weight" for comparison in COMPARISONS)
        ).alias("score")
    )
    different_types = (pl.col("record_type_l") != pl.col("record_type_r")).fill_null(False)
    probability = 1.0 / (1.0 + pl.lit(2.0).pow(-pl.col("score")))
    return scored.with_columns(
        pl.when(different_types).then(0.0).otherwise(probability).alias("probability"),
        pl.when(different_types)
        .then(pl.lit("different record types"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("hard_rule"),
    )
