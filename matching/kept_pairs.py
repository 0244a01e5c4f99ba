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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from matching.clustering import connected_components
from matching.scoring import MatchWeights, score_pairs
from matching.term_frequency import (
    RecordFrequencies,
    record_frequencies,
    term_frequency_adjustments,
)
from matching.threads import in_threads
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


def _score(
    chunk: pl.DataFrame,
    records: pl.DataFrame,
    weights: MatchWeights,
    hard_rules: Sequence[HardRule],
    frequencies: RecordFrequencies | None,
) -> pl.DataFrame:
    if frequencies is not None:
        chunk = term_frequency_adjustments(chunk, records, frequencies)
    return score_pairs(chunk, weights, hard_rules)


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
) -> KeptPairs:
    """Score ``compared`` (sorted by left_key, right_key) chunk by chunk; keep what matters.

    ``compared``: a frame as compare_pairs makes it, or any ``ComparedPairs``. Returns the
    kept pairs sorted by left_key, right_key, as ``score_pairs`` makes them. ``frequencies``:
    the records' term frequencies when not counted from ``records`` (matching.frozen_model).
    """
    source = ComparedFrame(compared) if isinstance(compared, pl.DataFrame) else compared
    if not term_frequency:
        frequencies = None
    elif frequencies is None:
        frequencies = record_frequencies(records)
    height = source.height
    if height == 0:
        scored = _score(source.chunk(0, 0), records, weights, hard_rules, frequencies)
        return KeptPairs(scored, 0, 0)

    def score_chunk(start: int) -> tuple[pl.DataFrame, pl.Series | None]:
        scored = _score(source.chunk(start, chunk_pairs), records, weights, hard_rules, frequencies)
        if keep_all:
            return scored, None
        sample = pl.struct("left_key", "right_key").hash(SAMPLE_SEED) % SAMPLE_SHARE == 0
        keep = scored.select((pl.col("probability") >= review_threshold) | sample).to_series()
        return scored.filter(keep), keep

    chunks = in_threads(score_chunk, range(0, height, chunk_pairs))
    kept = [chunk for chunk, _ in chunks]
    if keep_all:
        return KeptPairs(pl.concat(kept), height, 0)
    kept_rows = [keep for _, keep in chunks if keep is not None]
    del chunks
    first = pl.concat(kept)
    # Pairs inside a component of accepted pairs that the first pass dropped: scored again.
    components = connected_components(
        records["record_key"],
        first.filter(pl.col("probability") >= match_threshold).select("left_key", "right_key"),
    )
    dropped = ~pl.concat(kept_rows)
    inside = (
        pl.DataFrame({"inside": dropped & source.same_component(components)})
        .with_row_index("row")
        .filter("inside")["row"]
    )
    extra = in_threads(
        lambda start: _score(
            source.take(inside.slice(start, chunk_pairs)), records, weights, hard_rules, frequencies
        ),
        range(0, inside.len(), chunk_pairs),
    )
    pairs = pl.concat([first, *extra]).sort("left_key", "right_key") if extra else first
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
    )
