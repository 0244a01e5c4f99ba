"""Parsed values a run keeps for the next (issue 18.4): a night parses only new values.

Mapping splits every distinct address line and full name with Python parsers each run, though
after a night of 1 % changes nearly all of them are yesterday's. A ``DistinctMemo`` holds, per
memoized parser (``MEMOIZED``: module-level functions of their arguments alone, reading no
setting and no date), a frame of the distinct inputs seen and their results. ``map_distinct``
given a memo parses only the inputs the memo lacks and records every input it saw this run, so
the memo a run publishes (``map_cache/`` in its run folder, the manifest written last) holds
this run's values only. A memo made with other cleaners code or another polars version, or a
damaged one, is not used: every value is parsed, the result is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rules.cache_files import read_frame, read_manifest, row_counts, write_manifest
from rules.versions import json_digest, source_digest

#: Bump when the memo's files or their meaning change.
CACHE_FORMAT = 1
#: Folder of the memo inside a run folder.
CACHE_FOLDER = "map_cache"
#: The parsers whose results may be kept, by the name their frame is stored under.
MEMOIZED = frozenset({"parse_address_text", "parse_full_name"})


class MemoUnusable(Exception):
    """Raised when a map cache cannot be used (missing, damaged, other code); never leaves
    this module's callers: the run parses every value instead."""


def memo_key() -> str:
    """What makes kept results valid: the cleaners code and data, the polars version."""
    return json_digest(
        {"format": CACHE_FORMAT, "code": source_digest("cleaners"), "polars": pl.__version__}
    )


@dataclass
class DistinctMemo:
    """Per memoized parser: yesterday's inputs and results, and this run's (``current``).

    Inputs are stored as columns ``in_0``, ``in_1`` ... so one parser's results serve every
    column it is called on.
    """

    previous: dict[str, pl.DataFrame] = field(default_factory=dict)
    current: dict[str, pl.DataFrame] = field(default_factory=dict)
    parsed: int = 0
    reused: int = 0

    def results(
        self,
        distinct: pl.DataFrame,
        func: Callable[..., tuple[Any, ...]],
        schema: Mapping[str, pl.DataType],
    ) -> pl.DataFrame:
        """``func`` over the rows of ``distinct`` (distinct input tuples), as a frame of
        ``schema`` in ``distinct``'s row order; kept results are looked up, not computed."""
        name = func.__name__
        inputs = [f"in_{index}" for index in range(distinct.width)]
        generic = distinct.rename(dict(zip(distinct.columns, inputs, strict=True)))
        outputs = [f"out_{index}" for index in range(len(schema))]
        result_schema = dict(zip(outputs, schema.values(), strict=True))
        known = self.previous.get(name)
        expected = {**generic.schema, **result_schema}
        if name not in MEMOIZED:
            raise ValueError(f"{name} is not a memoized parser: {', '.join(sorted(MEMOIZED))}")
        if known is None or dict(known.schema) != expected:
            known = pl.DataFrame(schema=expected)
        joined = generic.join(
            known.with_columns(pl.lit(True).alias("__kept")),
            on=inputs,
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        missing = joined.filter(pl.col("__kept").is_null()).select(inputs)
        rows = [func(*values) for values in missing.iter_rows()]
        fresh = pl.concat(
            [missing, pl.DataFrame(rows, schema=result_schema, orient="row")],
            how="horizontal",
        )
        found = joined.filter(pl.col("__kept").is_not_null()).drop("__kept")
        table = pl.concat([found, fresh])
        self.parsed += fresh.height
        self.reused += found.height
        seen = self.current.get(name)
        self.current[name] = table if seen is None else pl.concat([seen, table]).unique(inputs)
        ordered = generic.join(
            table, on=inputs, how="left", nulls_equal=True, maintain_order="left"
        )
        return ordered.select(outputs).rename(dict(zip(outputs, schema, strict=True)))

    def to_dict(self) -> dict[str, object]:
        """summary.json ``mapping``: values parsed this run and values taken from the memo."""
        return {"parsed_values": self.parsed, "reused_values": self.reused}


def write_memo(folder: Path, memo: DistinctMemo, run_id: str = "") -> None:
    """Write this run's results (``memo.current``) into ``folder``; the manifest last."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in sorted(memo.current.items()):
        frame.write_parquet(folder / f"{name}.parquet")
    rows = {name: frame.height for name, frame in memo.current.items()}
    write_manifest(
        folder, {"format": CACHE_FORMAT, "run_id": run_id, "key": memo_key(), "rows": rows}
    )


def load_memo(folder: Path | None) -> tuple[DistinctMemo, str]:
    """The memo in ``folder`` (None: none wanted), or an empty one and why it is not used."""
    if folder is None:
        return DistinctMemo(), "a full run (--full) or no earlier run"
    try:
        data = read_manifest(folder, CACHE_FORMAT, MemoUnusable)
        if data.get("key") != memo_key():
            raise MemoUnusable("made with other cleaners code or another polars version")
        rows = data.get("rows")
        names: Sequence[str] = sorted(rows) if isinstance(rows, dict) else ()
        if any(name not in MEMOIZED for name in names):
            raise MemoUnusable("manifest.json names an unknown parser")
        counts = row_counts(data, names, MemoUnusable)
        previous = {
            name: read_frame(folder / f"{name}.parquet", counts[name], None, MemoUnusable)
            for name in names
        }
    except MemoUnusable as exc:
        return DistinctMemo(), f"no usable map cache ({exc})"
    return DistinctMemo(previous=previous), ""
