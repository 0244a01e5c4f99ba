"""Large CSV outputs written from the last run's file where their rows did not change.

A night that changed 1 % of the records changes about as few rows of golden.csv, lineage.csv
and crosswalk.csv, yet formatting every row as Excel-safe text (reports.csv_safe) was a large
part of publishing (lineage.csv at 200,000 rows: 1.0 s CPU of escaping and formatting against
0.1 s to hash its rows). So each such file is cut into groups of rows with the same key (a
golden id: its golden record, its lineage rows; a crosswalk row), and the run keeps, beside the
file, an index (``csv_cache/<file>.parquet``): per group a 128-bit hash of the key, a 128-bit
hash of its rows' values (in order) and where its bytes are in the file. The next run hashes its
own groups the same way; a group whose key and values hashed the same takes the last file's
bytes, only the others are formatted (csv_safe.write_csv, the same code), and the file is
assembled in the frame's order. Formatting is per cell, so the bytes are those of writing the
whole frame (tests/reports/test_csv_reuse.py, tests/flows/test_incremental_night.py).

The index holds hashes and byte offsets, no values and no identifiers. It is used only when
its manifest (written last) matches: the file's name, columns and types, the key columns, the
code of reports and polars' version, and the last file's size and modification time (a file
edited or scrubbed since, flows.scrub, is not read). The cache is published with its run
folder, so a run killed midway leaves the last run's file and index as they were; it is pruned
with the other caches and deleted on an erasure. Anything unusual (a key whose rows are not
together, a line break inside a cell, no usable index) writes the whole file, as before.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from reports.csv_safe import write_csv
from rules.versions import json_digest, source_digest

CACHE_FOLDER = "csv_cache"
CACHE_FORMAT = 1
_SEEDS = (2_718_281, 3_141_592)
_INDEX_SCHEMA = {
    "key_1": pl.UInt64(),
    "key_2": pl.UInt64(),
    "value_1": pl.UInt64(),
    "value_2": pl.UInt64(),
    "start": pl.Int64(),
    "length": pl.Int64(),
}
_NEWLINE = 10


@dataclass(frozen=True)
class CsvReuse:
    """Where a run's CSV files may come from: the last published run folder (None: write
    every row) and this run's cache folder for the indexes."""

    previous: Path | None
    cache: Path


@dataclass(frozen=True)
class CsvWritten:
    """How one file was written: rows formatted now, rows taken from the last file."""

    formatted: int
    reused: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def write_csv_reusing(
    frame: pl.DataFrame, path: Path, key: Sequence[str], reuse: CsvReuse
) -> CsvWritten:
    """Write ``frame`` to ``path`` as csv_safe.write_csv does, taking the bytes of unchanged
    key groups from the last run's file; leave the index for the next run in ``reuse.cache``."""
    groups = _groups(frame, key)
    manifest_key = _manifest_key(frame, key, path.name)
    previous: tuple[Path, pl.DataFrame] | None = None
    if groups is None:
        reason = "the rows of a key are not together"
    elif reuse.previous is None:
        reason = "no earlier run"
    else:
        previous, reason = _previous_index(
            reuse.previous / path.name, reuse.cache.name, manifest_key
        )
    if groups is None or previous is None:
        write_csv(frame, path)
        if groups is not None:
            _index_full_file(path, groups, frame.height, reuse.cache, manifest_key)
        return CsvWritten(frame.height, 0, reason)
    old_path, old_index = previous
    same = groups.join(
        old_index.select("key_1", "key_2", "value_1", "value_2", "start", "length").rename(
            {"start": "old_start", "length": "old_length"}
        ),
        on=["key_1", "key_2", "value_1", "value_2"],
        how="left",
        maintain_order="left",
    )
    reused = same["old_start"].is_not_null().to_numpy()
    rows = groups["rows"].to_numpy()
    fresh_rows = np.repeat(~reused, rows)
    fresh = frame.filter(pl.Series(fresh_rows))
    staging = reuse.cache / f".{path.name}.fresh"
    reuse.cache.mkdir(parents=True, exist_ok=True)
    write_csv(fresh, staging)
    fresh_bytes = staging.read_bytes()
    staging.unlink()
    ends = np.flatnonzero(np.frombuffer(fresh_bytes, dtype=np.uint8) == _NEWLINE) + 1
    if len(ends) != fresh.height + 1:  # a line break inside a cell: lines are not rows
        write_csv(frame, path)
        return CsvWritten(frame.height, 0, "a cell holds a line break")
    header = int(ends[0])
    # Each fresh group's bytes in the fresh file, in order.
    fresh_group_rows = rows[~reused]
    row_ends = ends[1:]
    last_row = np.cumsum(fresh_group_rows) - 1
    group_end = row_ends[last_row] if len(last_row) else np.zeros(0, dtype=np.int64)
    group_start = np.concatenate([[header], group_end[:-1]]) if len(group_end) else group_end
    source = np.where(reused, 1, 0)
    start = np.zeros(len(rows), dtype=np.int64)
    length = np.zeros(len(rows), dtype=np.int64)
    start[~reused] = group_start
    length[~reused] = group_end - group_start
    start[reused] = same["old_start"].to_numpy()[reused]
    length[reused] = same["old_length"].to_numpy()[reused]
    with old_path.open("rb") as handle, path.open("wb") as output:
        size = os.fstat(handle.fileno()).st_size
        old = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            views = (memoryview(fresh_bytes), memoryview(old))
            output.write(views[0][:header])
            for kind, begin, count in _segments(source, start, length):
                output.write(views[kind][begin : begin + count])
            del views
        finally:
            if isinstance(old, mmap.mmap):
                old.close()
    new_start = header + np.concatenate([[0], np.cumsum(length)[:-1]]) if len(length) else length
    _write_index(
        reuse.cache, path, groups.with_columns(start=new_start, length=length), manifest_key
    )
    formatted = int(fresh.height)
    return CsvWritten(formatted, frame.height - formatted, "the last run's file and index fit")


def _segments(
    source: np.ndarray, start: np.ndarray, length: np.ndarray
) -> list[tuple[int, int, int]]:
    """(source, start, length) runs: neighbouring groups from the same file whose bytes follow
    each other there are copied with one write."""
    if len(source) == 0:
        return []
    follows = (source[1:] == source[:-1]) & (start[1:] == start[:-1] + length[:-1])
    breaks = np.concatenate([[0], np.flatnonzero(~follows) + 1])
    totals = np.add.reduceat(length, breaks)
    return list(zip(source[breaks].tolist(), start[breaks].tolist(), totals.tolist(), strict=True))


def _groups(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame | None:
    """Per run of equal keys, in frame order: key hashes, value hashes and its row count;
    None when a key's rows are not together (a key in two runs)."""
    if frame.height == 0:
        return pl.DataFrame(schema={**_hash_schema(), "rows": pl.Int64()})
    keys = frame.select(key)
    run = keys.select(pl.struct(list(key)).rle_id()).to_series().to_numpy()
    starts = np.concatenate([[0], np.flatnonzero(run[1:] != run[:-1]) + 1])
    rows = np.diff(np.append(starts, frame.height))
    # A row's place in its group weighs its hash (odd factors: a bijection modulo 2**64), so
    # the same rows in another order hash differently; the sums wrap around.
    place = np.arange(frame.height, dtype=np.uint64) - np.repeat(starts, rows).astype(np.uint64)
    weight = place * np.uint64(2) + np.uint64(1)
    first = keys[starts]
    columns: dict[str, object] = {}
    for i, seed in enumerate(_SEEDS, start=1):
        columns[f"key_{i}"] = first.hash_rows(seed)
        weighted = frame.hash_rows(seed).to_numpy() * weight
        columns[f"value_{i}"] = np.add.reduceat(weighted, starts) + rows.astype(np.uint64)
    groups = pl.DataFrame(columns).with_columns(rows=pl.Series(rows, dtype=pl.Int64))
    if groups.select(pl.struct("key_1", "key_2").n_unique()).item() != groups.height:
        return None
    return groups.select("key_1", "key_2", "value_1", "value_2", "rows")


def _hash_schema() -> dict[str, pl.DataType]:
    return {name: pl.UInt64() for name in ("key_1", "key_2", "value_1", "value_2")}


def _manifest_key(frame: pl.DataFrame, key: Sequence[str], name: str) -> str:
    """Digest of what the bytes of a group depend on besides its values."""
    return json_digest(
        {
            "format": CACHE_FORMAT,
            "file": name,
            "columns": [[column, str(dtype)] for column, dtype in frame.schema.items()],
            "key": list(key),
            "code": source_digest("reports"),
            "polars": pl.__version__,
        }
    )


def _previous_index(
    old_file: Path, cache_name: str, manifest_key: str
) -> tuple[tuple[Path, pl.DataFrame] | None, str]:
    """The last run's file and its index when they fit, else None and why not."""
    folder = old_file.parent / cache_name
    try:
        manifest = json.loads((folder / f"{old_file.name}.json").read_text("utf-8"))
        stat = old_file.stat()
    except (OSError, ValueError):
        return None, "no index of the last run's file"
    if not isinstance(manifest, dict) or manifest.get("key") != manifest_key:
        return None, "the last run's file was written with other columns, code or polars"
    if manifest.get("size") != stat.st_size or manifest.get("mtime_ns") != stat.st_mtime_ns:
        return None, "the last run's file changed since it was written"
    try:
        index = pl.read_parquet(folder / f"{old_file.name}.parquet")
    except (OSError, pl.exceptions.PolarsError):
        return None, "the index of the last run's file is unreadable"
    if index.height != manifest.get("groups") or dict(index.schema) != _INDEX_SCHEMA:
        return None, "the index of the last run's file is damaged"
    return (old_file, index), ""


def _index_full_file(
    path: Path, groups: pl.DataFrame, rows: int, cache: Path, manifest_key: str
) -> None:
    """Index a file written whole: its rows are its lines when no cell holds a line break."""
    ends = _line_ends(path)
    if len(ends) != rows + 1:
        return  # lines are not rows: no index, the next run writes the whole file
    counts = groups["rows"].to_numpy()
    group_end = ends[1:][np.cumsum(counts) - 1] if len(counts) else np.zeros(0, dtype=np.int64)
    group_start = np.concatenate([[ends[0]], group_end[:-1]]) if len(counts) else group_end
    _write_index(
        cache,
        path,
        groups.with_columns(
            start=pl.Series(group_start, dtype=pl.Int64),
            length=pl.Series(group_end - group_start, dtype=pl.Int64),
        ),
        manifest_key,
    )


def _line_ends(path: Path, block: int = 1 << 26) -> np.ndarray:
    """The offset after each line break of a file, read a block (64 MiB) at a time: lineage.csv
    of a million records is over half a GiB, and a mask of all its bytes at once as much again."""
    found = []
    with path.open("rb") as handle:
        offset = 0
        while chunk := handle.read(block):
            found.append(np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _NEWLINE) + offset)
            offset += len(chunk)
    return np.concatenate(found) + 1 if found else np.zeros(0, dtype=np.int64)


def _write_index(cache: Path, path: Path, groups: pl.DataFrame, manifest_key: str) -> None:
    """The index, then its manifest (last: a half-written index has none and is not read)."""
    cache.mkdir(parents=True, exist_ok=True)
    index = groups.select(pl.col(name).cast(dtype) for name, dtype in _INDEX_SCHEMA.items())
    index.write_parquet(cache / f"{path.name}.parquet")
    stat = path.stat()
    manifest = {
        "format": CACHE_FORMAT,
        "key": manifest_key,
        "groups": index.height,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }
    (cache / f"{path.name}.json").write_text(json.dumps(manifest, sort_keys=True) + "\n", "utf-8")
