"""Unsupervised Fellegi-Sunter parameters: u from random pairs, m and the prior by EM.

u(level) — how often a *random* pair of records agrees at that level — is counted on a seeded
random sample of record pairs (almost all non-matches). m(level) — how often a *true* match does
— and lambda, the share of matches, are estimated by expectation maximisation over the
candidate pairs' comparison vectors with u held fixed (as in Splink). Pairs outside every block
count as non-matches, so lambda is the share of matches among ALL record pairs. Estimating
lambda within the blocks instead drifts to 1: blocked non-matches agree far more often than
random pairs, and the u of random pairs cannot explain them.
Pairs a hard rule decides take part with their decision as a fixed posterior (1 for "match",
0 for "no match"): dropping them would bias m, since a "same e-mail -> match" rule would then
hide exactly the matches whose e-mails agree, and m(e-mail differs) would look like the norm
among matches. Fixed at 0, a "no match" pair (twins) teaches m nothing.
The weight of a level is log2(m / u); the prior is log2(lambda / (1 - lambda)). The EM works
on the distinct comparison vectors with their counts, so its cost does not grow with the data.
The hand-set defaults (matching/data/weights.toml) only start the EM: a level the data never
shows ends with the smoothing's weight, which scores nothing since no pair has that level.
Levels listed under [pinned] in weights.toml keep their default weight: the EM assumes fields
agree independently of each other given the match status, and where that fails badly (a
family's members agree on name and address, so the EM takes them for matches and concludes
that one person often carries two mobile numbers) the estimate is worse than the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from matching.comparisons import COMPARISONS, MISSING, compare_pairs
from matching.scoring import MatchWeights, hard_rule_decisions, pinned_levels
from rules.config import HardRule

#: Weights are clamped so a single field can never decide alone beyond this (log2 units).
MAX_WEIGHT = 16.0
#: Fewer undecided candidate pairs than this: the EM has too little to learn from, the hand-set
#: defaults are used as they are (a 20-row file, a first small silo).
MIN_CANDIDATE_PAIRS = 200
#: A comparison present in fewer random or candidate pairs than this keeps its default weights
#: (e.g. organisation names in a file of persons with three companies).
MIN_EVIDENCE = 50


@dataclass(frozen=True)
class Estimate:
    """Estimated weights and what they came from."""

    weights: MatchWeights
    match_share: float  # lambda: estimated share of matches among all record pairs
    iterations: int
    u: dict[str, dict[str, float]]
    m: dict[str, dict[str, float]]
    #: Comparisons that kept their default weights for lack of evidence.
    defaults_kept: tuple[str, ...] = ()


def random_pairs(record_keys: pl.Series, size: int, seed: int) -> pl.DataFrame:
    """A seeded sample of distinct record pairs (left_key < right_key)."""
    keys = record_keys.sort()
    count = keys.len()
    if count < 2:
        return pl.DataFrame(schema={"left_key": pl.String(), "right_key": pl.String()})
    generator = np.random.default_rng(seed)
    left = generator.integers(0, count, size)
    right = generator.integers(0, count, size)
    keep = left != right
    low, high = np.minimum(left[keep], right[keep]), np.maximum(left[keep], right[keep])
    return pl.DataFrame({"left_key": keys.gather(low), "right_key": keys.gather(high)}).unique(
        maintain_order=True
    )


#: Seed of the candidate pairs the EM learns from (``candidate_sample``).
CANDIDATE_SAMPLE_SEED = 20_261_205


def candidate_sample(pairs: int, size: int) -> np.ndarray | None:
    """Per candidate pair (in blocking's order): in the seeded sample of ``size`` the EM
    learns from; None when there are no more than ``size`` pairs (the EM reads them all)."""
    if pairs <= size:
        return None
    chosen = np.random.default_rng(CANDIDATE_SAMPLE_SEED).choice(pairs, size, replace=False)
    mask = np.zeros(pairs, dtype=bool)
    mask[chosen] = True
    return mask


def _normalized(values: np.ndarray) -> np.ndarray:
    return values / values.sum()


def _level_shares(levels: pl.DataFrame, weights: pl.Series | None) -> dict[str, np.ndarray]:
    """Per comparison: the (weighted) share of each level among pairs where it is not missing."""
    shares = {}
    for comparison in COMPARISONS:
        column = levels[f"{comparison.name}_level"].to_numpy()
        w = np.ones(len(column)) if weights is None else weights.to_numpy()
        counts = np.array(
            [w[column == index].sum() for index in range(len(comparison.levels))], dtype=float
        )
        # Laplace-style smoothing keeps every level possible (no log of zero).
        smoothed = counts + 0.5
        shares[comparison.name] = smoothed / smoothed.sum()
    return shares


def level_patterns(compared: pl.DataFrame, hard_rules: Sequence[HardRule] = ()) -> pl.DataFrame:
    """The distinct comparison vectors of ``compared`` with their counts: what the EM reads.

    One row per ``<comparison>_level`` pattern and ``decision`` (a hard rule's: 1 match,
    -1 no match, 0 none) with its ``count``. Counted a chunk of pairs at a time, the patterns
    add up (``add_patterns``): the EM needs them, not every pair's levels.
    """
    level_columns = [f"{comparison.name}_level" for comparison in COMPARISONS]
    # A hard rule's decision is a known posterior (1 match, 0 no match), see the module text.
    decided = hard_rule_decisions(compared, hard_rules)["hard_decision"]
    return (
        compared.select(level_columns)
        .with_columns(decision=decided.fill_null(0))
        .group_by([*level_columns, "decision"])
        .len("count")
        .with_columns(pl.col("count").cast(pl.Int64))
    )


def add_patterns(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Patterns counted on several chunks of pairs (at least one), as ``level_patterns`` of all
    of them."""
    level_columns = [f"{comparison.name}_level" for comparison in COMPARISONS]
    return pl.concat(parts).group_by([*level_columns, "decision"]).agg(pl.col("count").sum())


def estimate_weights(
    records: pl.DataFrame,
    compared: pl.DataFrame,
    start: MatchWeights,
    hard_rules: Sequence[HardRule] = (),
    *,
    sample_size: int = 50_000,
    seed: int = 42,
    max_iterations: int = 40,
    min_candidate_pairs: int = MIN_CANDIDATE_PAIRS,
    min_evidence: int = MIN_EVIDENCE,
) -> Estimate:
    """Estimate level weights and the prior from the data itself (no labels)."""
    return estimate_from_patterns(
        records,
        level_patterns(compared, hard_rules),
        start,
        sample_size=sample_size,
        seed=seed,
        max_iterations=max_iterations,
        min_candidate_pairs=min_candidate_pairs,
        min_evidence=min_evidence,
    )


def estimate_from_patterns(
    records: pl.DataFrame,
    patterns: pl.DataFrame,
    start: MatchWeights,
    *,
    sample_size: int = 50_000,
    seed: int = 42,
    max_iterations: int = 40,
    min_candidate_pairs: int = MIN_CANDIDATE_PAIRS,
    min_evidence: int = MIN_EVIDENCE,
    candidate_pairs: int | None = None,
) -> Estimate:
    """``estimate_weights`` from the candidate pairs' ``level_patterns`` (or ``add_patterns``).

    ``candidate_pairs``: how many candidate pairs there are when ``patterns`` count a random
    sample of them (matching.cascade): the counts are scaled up to all pairs, so the share of
    matches among all record pairs is estimated as from all of them.
    """
    sample = random_pairs(records["record_key"], sample_size, seed)
    # Only the sampled records are prepared for comparing (a sample names few of a million).
    sampled_keys = pl.concat([sample["left_key"], sample["right_key"]]).unique()
    sample_levels = compare_pairs(
        sample.with_columns(pl.lit("").alias("rules")),
        records.filter(pl.col("record_key").is_in(sampled_keys.implode())),
    )
    sampled = _level_shares(sample_levels, None)
    u = dict(sampled)
    level_columns = [f"{comparison.name}_level" for comparison in COMPARISONS]
    open_patterns = patterns.filter(pl.col("decision") == 0)
    if int(open_patterns["count"].sum()) < min_candidate_pairs:
        return Estimate(
            weights=start,
            match_share=float(2.0**start.prior / (1.0 + 2.0**start.prior)),
            iterations=0,
            u={},
            m={},
            defaults_kept=tuple(c.name for c in COMPARISONS),
        )
    random_present = {
        c.name: int((sample_levels[f"{c.name}_level"] != MISSING).sum()) for c in COMPARISONS
    }
    candidate_present = {
        c.name: int(open_patterns.filter(pl.col(f"{c.name}_level") != MISSING)["count"].sum())
        for c in COMPARISONS
    }
    # Sorted: group_by returns the patterns in any order, and the float sums below must add up
    # in the same order on every run for the weights to be the same byte for byte.
    patterns = patterns.sort([*level_columns, "decision"])
    counts = patterns["count"].to_numpy().astype(float)
    sampled_pairs = int(patterns["count"].sum())
    if candidate_pairs is not None and candidate_pairs > sampled_pairs > 0:
        counts = counts * (candidate_pairs / sampled_pairs)
    fixed = patterns["decision"].to_numpy()
    codes = {name: patterns[f"{name}_level"].to_numpy() for name in (c.name for c in COMPARISONS)}

    m = {}
    for comparison in COMPARISONS:
        table = start.levels[comparison.name]
        start_m = np.array(
            [
                u[comparison.name][i] * 2.0 ** table[label]
                for i, label in enumerate(comparison.levels)
            ]
        )
        m[comparison.name] = start_m / start_m.sum()
    all_pairs = records.height * (records.height - 1) / 2
    share = float(np.clip(counts[fixed != -1].sum() / 2 / max(all_pairs, 1.0), 1e-12, 0.5))
    iterations = 0
    floor = 0.5 / max(sample.height, 1)
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported below)
        log_ratio = np.full(len(counts), np.log(share / (1.0 - share)))
        for name, levels in codes.items():
            present = levels != MISSING
            index = np.where(present, levels, 0)
            log_ratio += np.where(present, np.log(m[name][index]) - np.log(u[name][index]), 0.0)
        probability = 1.0 / (1.0 + np.exp(-np.clip(log_ratio, -500, 500)))
        probability = np.where(fixed == 1, 1.0, np.where(fixed == -1, 0.0, probability))
        expected = probability * counts
        # Pairs outside every block are taken as non-matches: the share is over ALL pairs.
        new_share = float(np.clip(expected.sum() / all_pairs, 1e-12, 0.5))
        new_m = {}
        for name, levels in codes.items():
            size = len(m[name])
            totals = np.array([expected[levels == i].sum() for i in range(size)]) + 0.5
            new_m[name] = totals / totals.sum()
        change = max(float(np.abs(new_m[n] - m[n]).max()) for n in m)
        m, share = new_m, new_share
        # Random pairs are matches with probability lambda; in small data sets that is not
        # negligible, so take the matches' share out: sampled = lambda*m + (1-lambda)*u.
        u = {
            name: _normalized(np.maximum((sampled[name] - share * m[name]) / (1 - share), floor))
            for name in sampled
        }
        if change < 1e-5:
            break

    levels_out = {}
    kept = []
    pinned = pinned_levels()
    for comparison in COMPARISONS:
        name = comparison.name
        if min(random_present[name], candidate_present[name]) < min_evidence:
            levels_out[name] = dict(start.levels[name])
            kept.append(name)
            continue
        ratio = np.log2(m[comparison.name] / u[comparison.name])
        levels_out[comparison.name] = {
            label: start.levels[name][label]
            if label in pinned.get(name, ())
            else float(np.clip(ratio[i], -MAX_WEIGHT, MAX_WEIGHT))
            for i, label in enumerate(comparison.levels)
        }
    return Estimate(
        weights=MatchWeights(prior=float(np.log2(share / (1.0 - share))), levels=levels_out),
        match_share=share,
        iterations=iterations,
        u={c.name: dict(zip(c.levels, u[c.name].tolist(), strict=True)) for c in COMPARISONS},
        m={c.name: dict(zip(c.levels, m[c.name].tolist(), strict=True)) for c in COMPARISONS},
        defaults_kept=tuple(kept),
    )
