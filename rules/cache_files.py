"""The files of the three caches a run leaves for the next (cleaners.incremental's clean cache,
reports.dq_reuse's DQ cache, matching.incremental's match cache): one ``manifest.json`` written
last, Parquet frames beside it. All three read them here and raise their own exception type,
which never leaves their module (a cache that cannot be used means a full run of that stage,
with the reason in the run's report).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

MANIFEST = "manifest.json"


def write_manifest(folder: Path, manifest: Mapping[str, object]) -> None:
    """Write ``manifest.json`` (sorted, indented): after the frames, so a half-written cache has
    no manifest and is not used."""
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")


def write_keyed_cache(
    folder: Path, frames: Mapping[str, pl.DataFrame], cache_format: int, key: str, run_id: str
) -> None:
    """Write a keyed cache's frames (``<name>.parquet``) into ``folder``, then its manifest
    (format, run id, key, rows per frame): matching.cluster_reuse's and golden_reuse's caches."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.write_parquet(folder / f"{name}.parquet")
    rows = {name: frame.height for name, frame in frames.items()}
    write_manifest(folder, {"format": cache_format, "run_id": run_id, "key": key, "rows": rows})


def read_manifest(folder: Path, cache_format: int, unusable: type[Exception]) -> dict[str, object]:
    """The manifest as a dict of the expected format; raise ``unusable`` saying what is wrong."""
    path = folder / MANIFEST
    if not path.is_file():
        raise unusable(f"{MANIFEST} missing")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise unusable(f"{MANIFEST} unreadable: {type(exc).__name__}") from None
    if not isinstance(data, dict) or data.get("format") != cache_format:
        found = data.get("format") if isinstance(data, dict) else None
        raise unusable(f"{MANIFEST}: format {found!r}, expected {cache_format}")
    return data


def row_counts(
    manifest: Mapping[str, object], names: Iterable[str], unusable: type[Exception]
) -> dict[str, int]:
    """The manifest's ``rows`` counts of the files ``names``; raise ``unusable`` when damaged."""
    rows = manifest.get("rows")
    names = tuple(names)
    if not isinstance(rows, dict) or not all(isinstance(rows.get(name), int) for name in names):
        raise unusable(f"{MANIFEST}: 'rows' missing or damaged")
    return {name: int(rows[name]) for name in names}


def read_frame(
    path: Path,
    rows: int,
    schema: Mapping[str, pl.DataType] | None,
    unusable: type[Exception],
) -> pl.DataFrame:
    """A cache's Parquet file with the row count the manifest gives and (unless ``schema`` is
    None) exactly these columns; raise ``unusable`` saying what is wrong."""
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise unusable(f"{path.name} unreadable: {type(exc).__name__}") from None
    if frame.height != rows:
        raise unusable(f"{path.name} holds {frame.height} rows, the manifest says {rows}")
    if schema is not None and dict(frame.schema) != dict(schema):
        raise unusable(f"{path.name} has other columns than expected")
    return frame
