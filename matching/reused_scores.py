"""Scoring an incremental night's pairs without scoring the ones yesterday already dropped.

With the match model frozen between full runs (matching.frozen_model) a pair's probability
depends on its two records, its levels and the domain owners alone. The match cache keeps
every compared pair's probability beside its numbers and levels (compared.parquet's
``probability`` column, with ``same_owner``: whether the pair's domain owners were the same),
so they are renumbered, filtered and erased with the pair's row; a night knows the probability
of each reused pair whose domain owners did not change (``known``), and matching.kept_pairs'
decision "keep it?" needs only that number for most of them: a pair below the review
threshold, outside the sample and outside every component of accepted pairs is dropped
without being scored, and so is a pair matching.cascade pruned (known below the threshold
from the levels it was compared on, outside the sample by construction). Only the pairs that
are new, rescored, kept, sampled or inside a component are scored (term frequencies and
weights, the same code as kept_pairs), so the kept pairs and their values are those
``score_and_keep`` gives, row for row.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from matching.chunked_match import CompactCompared
from matching.kept_pairs import (
    SAMPLE_SEED,
    SAMPLE_SHARE,
    ComparedFrame,
    KeptPairs,
    pair_scorer,
    scored_chunks,
    with_component_pairs,
)
from matching.scoring import MatchWeights
from matching.term_frequency import RecordFrequencies
from rules.config import MatchingConfig


def _sample(source: ComparedFrame | CompactCompared, chunk_pairs: int) -> pl.Series:
    """Per pair: in kept_pairs' seeded sample (the hash of its two keys), a chunk at a time."""
    sample = pl.struct("left_key", "right_key").hash(SAMPLE_SEED) % SAMPLE_SHARE == 0
    parts = []
    for start in range(0, source.height, chunk_pairs):
        if isinstance(source, CompactCompared):
            numbers = source.numbered.pairs.slice(start, chunk_pairs)
            keys = source.numbered.keys
            chunk = pl.DataFrame(
                {
                    "left_key": keys.gather(numbers["left"]),
                    "right_key": keys.gather(numbers["right"]),
                }
            )
        else:
            chunk = source.chunk(start, chunk_pairs)
        parts.append(chunk.select(sample.alias("s"))["s"])
    return pl.concat(parts) if parts else pl.Series("s", [], dtype=pl.Boolean)


def score_reusing(
    settings: MatchingConfig,
    compared: pl.DataFrame | CompactCompared,
    known: pl.Series | None,
    records: pl.DataFrame,
    weights: MatchWeights,
    *,
    frequencies: RecordFrequencies | None,
    chunk_pairs: int,
    unscored: np.ndarray | None = None,
) -> tuple[KeptPairs, pl.Series]:
    """kept_pairs.score_and_keep (without keep_all) for ``compared`` (sorted by pair; a frame
    as compare_pairs makes it or the compact pairs) whose probabilities are ``known`` where not
    null; returns the kept pairs and every compared pair's probability, in ``compared``'s
    order (for the next night's cache). ``unscored``: per pair, known to stay below the review
    threshold and outside the sample (matching.cascade's pruned pairs): scored only inside a
    component of accepted pairs, its probability NaN in the returned one."""
    source = ComparedFrame(compared) if isinstance(compared, pl.DataFrame) else compared
    score = pair_scorer(
        records,
        weights,
        settings.hard_rules,
        term_frequency=settings.term_frequency,
        frequencies=frequencies,
    )
    height = source.height
    if height == 0:
        empty = score(source.chunk(0, 0))
        return KeptPairs(empty, 0, 0), pl.Series("probability", [], dtype=pl.Float64)
    review = settings.review_threshold
    sample = _sample(source, chunk_pairs)
    if known is None:
        known = pl.Series("known", [None] * height, dtype=pl.Float64)
    unknown_or_needed = (known.is_null() | (known >= review) | sample).fill_null(True)
    needed = unknown_or_needed.to_numpy()
    if unscored is not None:
        needed = needed & ~unscored
    rows = np.flatnonzero(needed)
    probability = known.fill_null(np.nan).to_numpy().astype(np.float64, copy=True)
    kept_mask = np.zeros(height, dtype=bool)
    in_sample = sample.to_numpy()
    kept: list[pl.DataFrame] = []
    for chunk_rows, scored in scored_chunks(source, rows, score, chunk_pairs):
        values = scored["probability"].to_numpy()
        probability[chunk_rows] = values
        keep = (values >= review) | in_sample[chunk_rows]
        kept_mask[chunk_rows] = keep
        kept.append(scored.filter(pl.Series(keep)))
    first = pl.concat(kept) if kept else score(source.chunk(0, 0))
    # Pairs inside a component of accepted pairs that the first pass dropped: scored too.
    pairs = with_component_pairs(
        source, first, ~kept_mask, records, settings.match_threshold, score, chunk_pairs
    )
    return (
        KeptPairs(pairs, height, height - pairs.height),
        pl.Series("probability", probability, dtype=pl.Float64),
    )
