"""A full match whose memory does not grow with the candidate pairs' comparisons (issue 18).

At a million records blocking makes over ten million candidate pairs. Held as one compared
frame (keys, rule names, record types and every level, about 110 bytes a pair, plus the copy a
concatenation makes), they set the run's peak: 9.9 GiB for 16 million pairs. Here a pair is
held as numbers from blocking to scoring:

1. blocking numbers the pairs (matching.blocking.numbered_candidate_pairs: 16 bytes a pair);
2. the pairs are compared ``batch_pairs`` at a time, batches side by side on the machine's
   cores (``matching.threads``: polars and rapidfuzz release the GIL); of each batch
   only the levels stay (one byte per comparison and pair), and the batch's level patterns
   are counted for the EM
   (matching.estimation.level_patterns: a few thousand rows whatever the pairs);
3. the EM estimates the weights from the summed patterns, as it would from all pairs at once;
4. matching.kept_pairs scores the pairs a chunk at a time, rebuilding each chunk's compared
   frame from the numbers (``CompactCompared``), and keeps the pairs that matter.

The kept pairs, their values and the weights are the same as with the whole compared frame
(tests/matching/test_chunked_match.py): the patterns' counts are integers, and every chunk is
rebuilt row for row as compare_pairs made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import polars as pl

from matching.blocking import BlockingResult, NumberedPairs, numbered_candidate_pairs
from matching.blocking_budget import BlockingBudget
from matching.comparisons import COMPARISONS, TOWN_BRANCH, comparison_attributes
from matching.estimation import (
    add_patterns,
    candidate_sample,
    estimate_from_patterns,
    level_patterns,
)
from matching.kept_pairs import KeptPairs, score_and_keep_as
from matching.scoring import MatchWeights
from matching.threads import in_threads, thread_count
from rules.config import MatchingConfig

Compare = Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame]

#: Told, before the first batch, how many candidate pairs all batches compare together: each
#: batch's compare runs its own partitions (flows.stages), so a progress display would otherwise
#: start again at every batch (flows.progress shows one progress over all of them).
_BATCHES_TOTAL: ContextVar[Callable[[int], None] | None] = ContextVar("batches_total", default=None)


@contextmanager
def announcing_batch_total(listener: Callable[[int], None]) -> Iterator[None]:
    """Within the block, ``compare_in_batches`` calls ``listener(pairs of all batches)``."""
    token = _BATCHES_TOTAL.set(listener)
    try:
        yield
    finally:
        _BATCHES_TOTAL.reset(token)


LEVEL_COLUMNS = [f"{comparison.name}_level" for comparison in COMPARISONS]
#: Pairs compared per batch, in chunks: a batch's keys and levels exist at once (about 110
#: bytes a pair), so a batch of this many chunks stays a small share of the memory limit.
CHUNKS_PER_BATCH = 8


@dataclass(frozen=True)
class CompactCompared:
    """Compared pairs as numbers and levels; hands out chunks as compare_pairs made them."""

    numbered: NumberedPairs
    levels: pl.DataFrame  # LEVEL_COLUMNS (Int8), one row per numbered pair, in its order
    record_types: pl.Series  # record_type of each record, in numbered.keys' order
    #: domain_owner of each record, in numbered.keys' order (compare_pairs' same_domain_owner)
    domain_owners: pl.Series
    #: town_branch of each record, in numbered.keys' order (None: not known here); with the
    #: domain owners what matching.incremental keeps of the organisations for the next night
    town_branches: pl.Series | None = None

    @property
    def height(self) -> int:
        return self.numbered.height

    def _rebuild(self, numbers: pl.DataFrame, levels: pl.DataFrame) -> pl.DataFrame:
        named = self.numbered.name(numbers)
        types = pl.DataFrame(
            {
                "record_type_l": self.record_types.gather(numbers["left"]),
                "record_type_r": self.record_types.gather(numbers["right"]),
            }
        ).with_columns(
            (
                self.domain_owners.gather(numbers["left"])
                == self.domain_owners.gather(numbers["right"])
            )
            .fill_null(False)
            .alias("same_domain_owner")
        )
        return pl.concat([named, types, levels], how="horizontal")

    def chunk(self, start: int, length: int) -> pl.DataFrame:
        return self._rebuild(
            self.numbered.pairs.slice(start, length), self.levels.slice(start, length)
        )

    def take(self, rows: pl.Series) -> pl.DataFrame:
        return self._rebuild(
            self.numbered.pairs.select(pl.all().gather(rows)),
            self.levels.select(pl.all().gather(rows)),
        )

    def same_component(self, components: pl.DataFrame) -> pl.Series:
        """Per pair: both records in one component (record_key, cluster_key)."""
        # Components numbered from 1 in record order, 0 for a record in none.
        cluster = (
            pl.DataFrame({"record_key": self.numbered.keys})
            .join(components, on="record_key", how="left", maintain_order="left")
            .select(pl.col("cluster_key").rank("dense").fill_null(0).cast(pl.UInt32))
            .to_series()
            .to_numpy()
        )
        left = cluster[self.numbered.pairs["left"].to_numpy()]
        right = cluster[self.numbered.pairs["right"].to_numpy()]
        return pl.Series("same_component", (left == right) & (left != 0))


@dataclass(frozen=True)
class ChunkedMatch:
    """What a chunked full match made: the kept pairs, the weights, blocking's counts."""

    kept: KeptPairs
    weights: MatchWeights
    blocking: BlockingResult  # its pairs left empty
    #: record_owners of the compared pairs (clustering completes components with them)
    owners: pl.DataFrame | None = None


def per_record(
    numbered: NumberedPairs, attributes: pl.DataFrame
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """record_type, domain_owner and town_branch of each of ``numbered``'s records, in its keys'
    order, from the comparison attributes: what CompactCompared keeps per record."""
    columns = pl.DataFrame({"record_key": numbered.keys}).join(
        attributes.select("record_key", "record_type", "domain_owner", TOWN_BRANCH),
        on="record_key",
        how="left",
        maintain_order="left",
    )
    return (
        columns.get_column("record_type"),
        columns.get_column("domain_owner"),
        columns.get_column(TOWN_BRANCH),
    )


def record_owners(compact: CompactCompared) -> pl.DataFrame | None:
    """record_key, domain_owner, town_branch of every record in a compared pair, as compare_pairs
    decided them over all records: what comparison_attributes needs to compare more pairs of
    these records without deciding the owners again (clustering.complete_pairs). None when
    ``compact`` does not know the town branches."""
    if compact.town_branches is None:
        return None
    return pl.DataFrame(
        [
            compact.numbered.keys.alias("record_key"),
            compact.domain_owners.alias("domain_owner"),
            compact.town_branches.alias(TOWN_BRANCH),
        ]
    )


def compare_in_batches(
    records: pl.DataFrame,
    settings: MatchingConfig,
    compare: Compare,
    batch_pairs: int,
) -> tuple[BlockingResult, CompactCompared, pl.DataFrame]:
    """Block, then compare ``batch_pairs`` at a time: the compact pairs and their patterns."""
    result, numbered = numbered_candidate_pairs(
        records,
        settings.blocking_rules,
        settings.max_block_size,
        BlockingBudget.from_settings(settings),
        keep_keys=settings.incremental,  # a run that leaves a match cache keeps them there
    )
    listener = _BATCHES_TOTAL.get()
    if listener is not None:
        listener(numbered.height)
    # Prepared once: each batch's compare would otherwise prepare every record again.
    attributes = comparison_attributes(records)

    # The EM learns from a seeded sample of the pairs when there are many (matching.cascade).
    sample = candidate_sample(numbered.height, settings.em_candidate_pairs)

    def compare_batch(start: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        compared = compare(numbered.named(start, batch_pairs), attributes)
        learned = compared
        if sample is not None:
            learned = compared.filter(pl.Series(sample[start : start + compared.height]))
        return level_patterns(learned, settings.hard_rules), compared.select(LEVEL_COLUMNS)

    # Enough batches to keep every thread busy: the pairs of 100,000 records fit one batch.
    batch_pairs = max(min(batch_pairs, -(-numbered.height // thread_count())), 1)
    batches = in_threads(compare_batch, range(0, max(numbered.height, 1), batch_pairs))
    patterns = [batch_patterns for batch_patterns, _ in batches]
    levels = [batch_levels for _, batch_levels in batches]
    del batches
    compact = CompactCompared(numbered, pl.concat(levels), *per_record(numbered, attributes))
    return result, compact, add_patterns(patterns)


def compared_and_weighed(
    records: pl.DataFrame,
    settings: MatchingConfig,
    compare: Compare,
    batch_pairs: int,
    frozen: MatchWeights | None = None,
) -> tuple[BlockingResult, CompactCompared, MatchWeights]:
    """``compare_in_batches``, then the weights: ``frozen`` as given, else the EM's estimate
    from the pairs' patterns (``[matching] estimate_weights``), else the defaults."""
    blocking, compact, patterns = compare_in_batches(records, settings, compare, batch_pairs)
    weights = MatchWeights.defaults() if frozen is None else frozen
    if frozen is None and settings.estimate_weights and compact.height > 0:
        weights = estimate_from_patterns(
            records,
            patterns,
            weights,
            sample_size=settings.em_sample_size,
            candidate_pairs=compact.height,
        ).weights
    return blocking, compact, weights


def match_in_chunks(
    records: pl.DataFrame,
    settings: MatchingConfig,
    compare: Compare,
    *,
    chunk_pairs: int,
    keep_all: bool = False,
) -> ChunkedMatch:
    """Block, compare, estimate and score every pair of ``records`` in chunks (module text).

    With ``[matching] prune_pairs`` (and not ``keep_all``: every pair's score is wanted then)
    the costly fields are compared only on the pairs that may still matter (matching.cascade);
    the kept pairs are the same.
    """
    if settings.prune_pairs and not keep_all and settings.review_threshold > 0:
        # Imported here: matching.cascade builds on this module's CompactCompared.
        from matching.cascade import compare_in_stages

        staged = compare_in_stages(
            records, settings, compare, chunk_pairs * CHUNKS_PER_BATCH, chunk_pairs
        )
        kept = score_and_keep_as(
            settings,
            staged.compared,
            records,
            staged.weights,
            chunk_pairs=chunk_pairs,
            unscored=staged.pruned,
        )
        return ChunkedMatch(kept, staged.weights, staged.blocking, record_owners(staged.compared))
    blocking, compact, weights = compared_and_weighed(
        records, settings, compare, chunk_pairs * CHUNKS_PER_BATCH
    )
    kept = score_and_keep_as(
        settings, compact, records, weights, chunk_pairs=chunk_pairs, keep_all=keep_all
    )
    return ChunkedMatch(kept, weights, blocking, record_owners(compact))
