"""Partitions of the candidate pairs, so that comparing them can be spread over processes.

Blocking sees every record at once: a block's records may come from any silo and any row, so
pairs are generated over the whole frame (matching.blocking), never per partition of records —
that is what makes sure no candidate pair is lost. Comparing a pair, though, reads only its two
records, so the sorted pair list is cut into ranges of left records: every pair lands in exactly
one partition, with just the records its pairs name. A record's pairs with the records after it
(the pairs of its blocks where it is the left one) stay together, and the ranges follow the pair
list's order, so concatenating the compared partitions in order gives the same frame, row for
row, as comparing all pairs at once — whatever the partition size or the machine that ran each.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class PairPartition:
    """A range of candidate pairs and the records they name (both sides)."""

    pairs: pl.DataFrame  # left_key, right_key, rules: a contiguous range of the pair list
    records: pl.DataFrame  # the cleaned records whose record_key is in the pairs

    @property
    def size(self) -> int:
        """Pairs to compare: the unit of work and of progress."""
        return self.pairs.height


def pair_partitions(
    pairs: pl.DataFrame, records: pl.DataFrame, pairs_per_partition: int
) -> list[PairPartition]:
    """Cut ``pairs`` into ranges of about ``pairs_per_partition`` pairs, never inside one left
    record's pairs; each with the records it needs. Always at least one partition."""
    if pairs_per_partition < 1:
        raise ValueError(f"pairs_per_partition must be at least 1, not {pairs_per_partition}")
    bounds = _bounds(pairs["left_key"], pairs_per_partition)
    partitions = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        part = pairs.slice(start, end - start)
        keys = pl.concat([part["left_key"], part["right_key"]]).unique()
        partitions.append(
            PairPartition(part, records.filter(pl.col("record_key").is_in(keys.implode())))
        )
    return partitions or [PairPartition(pairs, records.head(0))]


def _bounds(left_keys: pl.Series, pairs_per_partition: int) -> list[int]:
    """Start offsets of the partitions plus the end: each cut moved forward to where the left
    key changes, so one record's pairs are never split."""
    height = left_keys.len()
    if height == 0:
        return []
    # Offsets where a new left key begins (the pair list may be in any order: a left key seen
    # again later only starts a new run, which is still a valid cut).
    starts = (
        left_keys.to_frame("left_key")
        .with_row_index("offset")
        .filter(pl.col("left_key") != pl.col("left_key").shift(1).fill_null(""))
        .get_column("offset")
    )
    bounds = [0]
    for target in range(pairs_per_partition, height, pairs_per_partition):
        cut = starts.search_sorted(target, side="left")
        offset = int(starts[cut]) if cut < starts.len() else height
        if offset > bounds[-1] and offset < height:
            bounds.append(offset)
    bounds.append(height)
    return bounds


def concat_compared(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The compared partitions in partition order: the pair list's order, as one frame.

    Rechunked into one contiguous block: frames that come back from other processes are cut
    into chunks differently, and at scale Parquet writes the same values into other bytes
    when the chunks differ (pairs.parquet of a 100,000-record run did).
    """
    if not parts:
        raise ValueError("concat_compared needs at least one compared partition")
    return pl.concat(parts, how="vertical", rechunk=True)
