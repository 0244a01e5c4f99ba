"""Scoring a chunk of pairs at a time, keeping only the pairs a run needs (issue 18).

A run at a million records compares tens of millions of candidate pairs, nearly all of them
plain non-matches. Their levels are what the EM counts (matching.estimation); once the weights
are known they are scored ``chunk_pairs`` at a time, so the wide frame of weights exists for one
chunk only, and a pair is kept when

- its probability reaches the review threshold (merged, or in the review queue);
- its two records fall in one component of accepted pairs: clustering weighs every pair inside
  a component (average linkage, conflicts such as birth dates a generation apart), so the
  clusters are the same as with every pair kept;
- it falls in a seeded sample of the rest (``SAMPLE_SHARE``), so pairs.parquet still shows what
  the dropped pairs look like.

``keep_all`` keeps every scored pair (``[project] write_all_pairs``). The kept pairs, their
order and their values do not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from matching.clustering import connected_components
from matching.scoring import MatchWeights, score_pairs
from matching.term_frequency import (
    RecordFrequencies,
    record_frequencies,
    term_frequency_adjustments,
)
from matching.threads import in_threads, thread_count
from rules.config import HardRule, MatchingConfig

#: Share of the pairs below the review threshold kept as a sample (1 in SAMPLE_SHARE).
SAMPLE_SHARE = 100
#: Seed of the pair hash that picks the sample (the same pairs on every run).
SAMPLE_SEED = 20_261_204
#: Bytes one pair in flight costs while compared and scored: both records' attributes joined
#: (about 1.5 KB, see matching.comparisons) plus the levels, weights and copies made meanwhile.
BYTES_PER_PAIR_IN_FLIGHT = 3_000
#: One chunk may take 1/CHUNK_SHARE_OF_LIMIT of the memory limit: the rest holds the records,
#: every pair's levels (for the EM), the kept pairs and blocking's keys.
CHUNK_SHARE_OF_LIMIT = 32
MIN_CHUNK_PAIRS = 10
#: Larger chunks save no time (the work per pair is the same) and only raise the peak.
MAX_CHUNK_PAIRS = 250_000


def chunk_pairs_for(memory_limit: int) -> int:
    """Pairs compared and scored at a time so one chunk stays within its share of the limit."""
    pairs = memory_limit // CHUNK_SHARE_OF_LIMIT // BYTES_PER_PAIR_IN_FLIGHT
    return int(min(max(pairs, MIN_CHUNK_PAIRS), MAX_CHUNK_PAIRS))


@dataclass(frozen=True)
class KeptPairs:
    """The scored pairs kept, and how many were scored and dropped."""

    pairs: pl.DataFrame
    scored: int
    dropped: int


class ComparedFrame:
    """Compared pairs held as one frame (what compare_pairs returns), read a chunk at a time."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    @property
    def height(self) -> int:
        return self.frame.height

    def chunk(self, start: int, length: int) -> pl.DataFrame:
        return self.frame.slice(start, length)

    def take(self, rows: pl.Series) -> pl.DataFrame:
        return self.frame.select(pl.all().gather(rows))

    def same_component(self, components: pl.DataFrame) -> pl.Series:
        """Per pair: both records in one component (record_key, cluster_key)."""
        return (
            self.frame.select("left_key", "right_key")
            .join(
                components,
                left_on="left_key",
                right_on="record_key",
                how="left",
                maintain_order="left",
            )
            .join(
                components,
                left_on="right_key",
                right_on="record_key",
                how="left",
                suffix="_r",
                maintain_order="left",
            )
            .select((pl.col("cluster_key") == pl.col("cluster_key_r")).fill_null(False))
            .to_series()
        )


class ComparedPairs(Protocol):
    """Compared pairs sorted by left_key, right_key, handed out a chunk at a time:
    ``ComparedFrame`` or matching.chunked_match's ``CompactCompared``."""

    @property
    def height(self) -> int: ...

    def chunk(self, start: int, length: int) -> pl.DataFrame: ...

    def take(self, rows: pl.Series) -> pl.DataFrame: ...

    def same_component(self, components: pl.DataFrame) -> pl.Series: ...


def pair_scorer(
    records: pl.DataFrame,
    weights: MatchWeights,
    hard_rules: Sequence[HardRule],
    *,
    term_frequency: bool,
    frequencies: RecordFrequencies | None,
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """Scores a chunk of compared pairs: term-frequency adjustments (when ``term_frequency``;
    ``frequencies``, else counted from ``records``), weights and hard rules."""
    if not term_frequency:
        frequencies = None
    elif frequencies is None:
        frequencies = record_frequencies(records)

    def score(chunk: pl.DataFrame) -> pl.DataFrame:
        if frequencies is not None:
            chunk = term_frequency_adjustments(chunk, records, frequencies)
        return score_pairs(chunk, weights, hard_rules)

    return score


def scored_chunks(
    source: ComparedPairs,
    rows: np.ndarray | None,
    score: Callable[[pl.DataFrame], pl.DataFrame],
    chunk_pairs: int,
) -> Iterator[tuple[np.ndarray | slice, pl.DataFrame]]:
    """``score`` of the pairs at ``rows`` (ascending; None: every pair) of ``source``,
    ``chunk_pairs`` at a time: each chunk's rows and its scored pairs, in ``rows``' order.
    Every pair: contiguous chunks, sliced rather than gathered."""
    every = rows is None or len(rows) == source.height
    count = source.height if rows is None else len(rows)

    def one(start: int) -> tuple[np.ndarray | slice, pl.DataFrame]:
        if every:
            length = min(chunk_pairs, count - start)
            return slice(start, start + length), score(source.chunk(start, length))
        assert rows is not None
        chunk_rows = rows[start : start + chunk_pairs]
        return chunk_rows, score(source.take(pl.Series(chunk_rows, dtype=pl.UInt32)))

    # thread_count() chunks side by side (matching.threads), handed out in order: at most that
    # many scored chunks are in flight, so the peak stays set by the chunk size.
    starts = range(0, count, chunk_pairs)
    window = thread_count() * chunk_pairs
    for first in range(0, count, window):
        yield from in_threads(one, starts[first // chunk_pairs : (first + window) // chunk_pairs])


def with_component_pairs(
    source: ComparedPairs,
    first: pl.DataFrame,
    dropped: np.ndarray,
    records: pl.DataFrame,
    match_threshold: float,
    score: Callable[[pl.DataFrame], pl.DataFrame],
    chunk_pairs: int,
) -> pl.DataFrame:
    """``first`` (the pairs a first pass kept, sorted by pair) with the ``dropped`` pairs
    (a mask over ``source``) whose two records fall in one component of ``first``'s accepted
    pairs, scored; sorted by left_key, right_key."""
    components = connected_components(
        records["record_key"],
        first.filter(pl.col("probability") >= match_threshold).select("left_key", "right_key"),
    )
    inside = np.flatnonzero(dropped & source.same_component(components).to_numpy())
    extra = [scored for _, scored in scored_chunks(source, inside, score, chunk_pairs)]
    return pl.concat([first, *extra]).sort("left_key", "right_key") if extra else first


def score_and_keep(
    compared: pl.DataFrame | ComparedPairs,
    records: pl.DataFrame,
    weights: MatchWeights,
    *,
    hard_rules: Sequence[HardRule],
    term_frequency: bool,
    review_threshold: float,
    match_threshold: float,
    chunk_pairs: int,
    keep_all: bool = False,
    frequencies: RecordFrequencies | None = None,
    unscored: np.ndarray | None = None,
) -> KeptPairs:
    """Score ``compared`` (sorted by left_key, right_key) chunk by chunk; keep what matters.

    ``compared``: a frame as compare_pairs makes it, or any ``ComparedPairs``. Returns the
    kept pairs sorted by left_key, right_key, as ``score_pairs`` makes them. ``frequencies``:
    the records' term frequencies when not counted from ``records`` (matching.frozen_model).
    ``unscored``: per pair, known to stay below the review threshold and outside the sample
    (matching.cascade's pruned pairs); such a pair is scored only when it falls inside a
    component of accepted pairs, so the kept pairs are the same as with every pair scored.
    """
    source = ComparedFrame(compared) if isinstance(compared, pl.DataFrame) else compared
    score = pair_scorer(
        records, weights, hard_rules, term_frequency=term_frequency, frequencies=frequencies
    )
    height = source.height
    if height == 0:
        return KeptPairs(score(source.chunk(0, 0)), 0, 0)
    if keep_all and unscored is not None and unscored.any():
        raise ValueError("score_and_keep: keep_all scores every pair; pass no unscored pairs")
    rows = None if unscored is None else np.flatnonzero(~unscored)
    kept: list[pl.DataFrame] = []
    dropped = np.ones(height, dtype=bool)
    for chunk_rows, scored in scored_chunks(source, rows, score, chunk_pairs):
        if keep_all:
            kept.append(scored)
            continue
        sample = pl.struct("left_key", "right_key").hash(SAMPLE_SEED) % SAMPLE_SHARE == 0
        keep = scored.select((pl.col("probability") >= review_threshold) | sample).to_series()
        dropped[chunk_rows] = ~keep.to_numpy()
        kept.append(scored.filter(keep))
    if keep_all:
        return KeptPairs(pl.concat(kept), height, 0)
    first = pl.concat(kept) if kept else score(source.chunk(0, 0))
    # Pairs inside a component of accepted pairs that the first pass dropped: scored again.
    pairs = with_component_pairs(
        source, first, dropped, records, match_threshold, score, chunk_pairs
    )
    return KeptPairs(pairs, height, height - pairs.height)


def score_and_keep_as(
    settings: MatchingConfig,
    compared: pl.DataFrame | ComparedPairs,
    records: pl.DataFrame,
    weights: MatchWeights,
    *,
    chunk_pairs: int,
    keep_all: bool = False,
    frequencies: RecordFrequencies | None = None,
    unscored: np.ndarray | None = None,
) -> KeptPairs:
    """``score_and_keep`` with the hard rules, term-frequency switch and thresholds of
    ``[matching]`` (the chunked and the incremental match score alike)."""
    return score_and_keep(
        compared,
        records,
        weights,
        hard_rules=settings.hard_rules,
        term_frequency=settings.term_frequency,
        review_threshold=settings.review_threshold,
        match_threshold=settings.match_threshold,
        chunk_pairs=chunk_pairs,
        keep_all=keep_all,
        frequencies=frequencies,
        unscored=unscored,
    )
