"""The match model frozen between full runs: weights and term-frequency tables (issue 18.4).

A name's term frequency is n(name) / n(all records), and the adjustment of an exact name
agreement, log2(u / tf) with u = sum of tf^2, moves a little for *every* pair agreeing on a name
whenever any record is added, removed or renamed. Recounted every night, no scored pair and no
cluster of yesterday could be reused. So a full run counts the frequencies once and keeps them
with its weights (``FrequencyTables``, in the match cache); incremental nights score with both,
frozen, until the next full run (``golden run --full``, the first run, a change of settings,
code or versions, more than ``[matching] incremental_max_changed_percent`` of the records new
or changed, or weights older than ``full_run_every_days``) counts them afresh.

The tables hold no names: per adjusted comparison a 128-bit hash of each value (two seeded
64-bit hashes, stable within one polars version, which is part of the cache's settings
fingerprint), its count, the number of values counted and the average u. A value the full run
never saw (a new surname) counts as seen once (``UNSEEN_COUNT``): as rare as the rarest value
then, so an exact agreement on it weighs as much as on any unique name (the adjustment is
clamped at ±4 bits anyway). Its frequency depends on the frozen tables only, never on today's
other records, so every pair's score depends on its two records and the frozen model alone:
the pairs of two unchanged records score today as they did yesterday.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from matching.term_frequency import ADJUSTED, RecordFrequencies

#: Files in the match cache folder (written before its manifest; not in its row counts).
TABLES_FILE = "term_frequencies.parquet"
TOTALS_FILE = "term_frequencies.json"
#: Two seeds: a 128-bit hash per value.
VALUE_SEEDS = (424_242, 171_717)
#: Count given to a value the frozen tables do not know.
UNSEEN_COUNT = 1

_TABLE_SCHEMA = {
    "comparison": pl.String(),
    "value_hash_1": pl.UInt64(),
    "value_hash_2": pl.UInt64(),
    "n": pl.UInt32(),
}


class TablesUnusable(Exception):
    """The frozen tables are missing or damaged (the match cache is then unusable)."""


@dataclass(frozen=True)
class FrequencyTables:
    """Per adjusted comparison: value hash -> count, the total counted and the average tf."""

    counts: pl.DataFrame  # _TABLE_SCHEMA
    #: comparison -> (total, average), or None when no record had a value
    totals: dict[str, tuple[int, float] | None]


def _value_hashes(column: str) -> list[pl.Expr]:
    return [
        pl.col(column).hash(seed).alias(f"value_hash_{index}")
        for index, seed in enumerate(VALUE_SEEDS, start=1)
    ]


def frequency_tables(records: pl.DataFrame) -> FrequencyTables:
    """Count the values as matching.term_frequency does, keyed by hash instead of value."""
    counts: list[pl.DataFrame] = []
    totals: dict[str, tuple[int, float] | None] = {}
    for name, (column, _) in ADJUSTED.items():
        # As record_frequencies counts: sorted by value, so the average adds up alike.
        table = records.select(column).drop_nulls().group_by(column).len("n").sort(column)
        total = table["n"].sum()
        if not total:
            totals[name] = None
            continue
        average = float(((table["n"] / total) ** 2).sum())
        totals[name] = (int(total), average)
        counts.append(table.select(pl.lit(name).alias("comparison"), *_value_hashes(column), "n"))
    frame = pl.concat(counts) if counts else pl.DataFrame(schema=_TABLE_SCHEMA)
    frame = frame.cast(_TABLE_SCHEMA).sort("comparison", "value_hash_1", "value_hash_2")  # type: ignore[arg-type]
    return FrequencyTables(frame, totals)


def tables_without(tables: FrequencyTables, records: pl.DataFrame) -> FrequencyTables:
    """``tables`` with ``records`` (an erased person's) no longer counted (DSGVO Art. 17).

    Each of their values counts once less per record, a value only they had loses its hash, and
    the totals and averages are those a full run would count without them. A value the tables
    do not hold (changed since the full run) takes nothing from anybody's count.
    """
    erased = frequency_tables(records).counts.rename({"n": "erased"})
    keys = ["comparison", "value_hash_1", "value_hash_2"]
    counts = (
        tables.counts.join(erased, on=keys, how="left", maintain_order="left")
        .with_columns(pl.col("n").cast(pl.Int64) - pl.col("erased").fill_null(0).cast(pl.Int64))
        .filter(pl.col("n") > 0)
        .drop("erased")
        .cast(_TABLE_SCHEMA)  # type: ignore[arg-type]
    )
    totals: dict[str, tuple[int, float] | None] = {}
    for name in ADJUSTED:
        n = counts.filter(pl.col("comparison") == name)["n"]
        total = int(n.sum())
        if tables.totals.get(name) is None or not total:
            totals[name] = None
            continue
        totals[name] = (total, float(((n / total) ** 2).sum()))
    return FrequencyTables(counts, totals)


def frozen_record_frequencies(records: pl.DataFrame, tables: FrequencyTables) -> RecordFrequencies:
    """``record_frequencies`` of ``records`` read from the frozen tables (unseen values count
    ``UNSEEN_COUNT``); with tables counted from these very records the values are the same."""
    found: RecordFrequencies = {}
    for name, (column, _) in ADJUSTED.items():
        totals = tables.totals.get(name)
        if totals is None:
            found[name] = None
            continue
        total, average = totals
        table = tables.counts.filter(pl.col("comparison") == name).drop("comparison")
        per_record = (
            records.select("record_key", column, *_value_hashes(column))
            .join(table, on=["value_hash_1", "value_hash_2"], how="left", maintain_order="left")
            .select(
                "record_key",
                pl.when(pl.col(column).is_not_null())
                .then(pl.col("n").fill_null(UNSEEN_COUNT) / total)
                .alias("tf"),
            )
        )
        found[name] = (per_record, average)
    return found


def write_tables(folder: Path, tables: FrequencyTables, suffix: str = "") -> None:
    """Write the tables into the match cache folder (before its manifest); ``suffix`` ends the
    file names (an erasure's copies, moved into place once it is recorded)."""
    tables.counts.write_parquet(folder / f"{TABLES_FILE}{suffix}")
    totals = {
        name: None if value is None else {"total": value[0], "average": value[1]}
        for name, value in tables.totals.items()
    }
    document = {"rows": tables.counts.height, "totals": totals}
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    (folder / f"{TOTALS_FILE}{suffix}").write_text(text)


def load_tables(folder: Path) -> FrequencyTables:
    """Read what ``write_tables`` wrote; raise TablesUnusable saying what is wrong."""
    try:
        document = json.loads((folder / TOTALS_FILE).read_text("utf-8"))
        counts = pl.read_parquet(folder / TABLES_FILE)
        totals: dict[str, tuple[int, float] | None] = {}
        for name in ADJUSTED:
            value = document["totals"][name]
            totals[name] = None if value is None else (int(value["total"]), float(value["average"]))
        rows = int(document["rows"])
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
        raise TablesUnusable(f"term-frequency tables unreadable: {type(exc).__name__}") from None
    if counts.schema != pl.Schema(_TABLE_SCHEMA) or counts.height != rows:
        raise TablesUnusable("term-frequency tables damaged (columns or row count)")
    return FrequencyTables(counts, totals)
