"""Remove an erased person from every published file still on disk (DSGVO Art. 17).

``plan_scrub`` prepares, without touching a published file, the rewritten copy of every file that
holds the person (``.<name>.scrub`` next to it) and the list of files and folders to delete;
``apply_scrub`` then moves the copies into place and deletes, after the erasure is recorded in
the state store. ``discard_scrub`` removes the copies when the erasure could not be recorded.

Which rows and texts belong to the person is decided in matching.erasure (``person_rows``,
``holds_person``: their golden id, record keys, or a distinctive value of theirs). Those rows are
dropped from CSV and Parquet files. Reports
(HTML) and other files holding the person are replaced by a short notice (the next run writes them
anew); the match cache loses the person's rows (it stays usable: the next run stays incremental)
and its frozen term-frequency tables stop counting the person's names (a name only they had
loses its hash); the clean, map and golden caches are deleted (the next run cleans and parses
every row and survives every golden record again).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from matching.block_keys import KEYS_FILE, keys_without, write_key_frame
from matching.erasure import Person, holds_person, holds_short_value, person_rows
from matching.frozen_model import (
    TABLES_FILE,
    TOTALS_FILE,
    TablesUnusable,
    load_tables,
    tables_without,
    write_tables,
)
from matching.incremental import PAIRS_PER_ROW_GROUP, pairs_without
from reports.csv_safe import write_csv

CACHE_FOLDER: Final = "match_cache"
#: cleaners.incremental's cache: deleted whole on an erasure (the next run cleans every row).
CLEAN_CACHE_FOLDER: Final = "clean_cache"
#: reports.dq_reuse's cache (fingerprints of values, verdicts): deleted whole on an erasure too.
DQ_CACHE_FOLDER: Final = "dq_cache"
#: matching.cluster_reuse's cache (record keys, clusters): deleted whole too (the next run
#: clusters every component).
CLUSTER_CACHE_FOLDER: Final = "cluster_cache"
#: cleaners.distinct_memo's cache (address lines and full names as parsed): deleted whole too
#: (the next run parses every value again).
MAP_CACHE_FOLDER: Final = "map_cache"
#: matching.golden_reuse's cache (golden records and lineage: values): deleted whole too (the
#: next run survives every golden record).
GOLDEN_CACHE_FOLDER: Final = "golden_cache"
#: reports.csv_reuse's indexes (hashes and byte offsets of CSV rows): deleted whole too (the
#: next run formats every row; a scrubbed file would not match its index anyway).
CSV_CACHE_FOLDER: Final = "csv_cache"
CACHE_FOLDERS: Final = (
    CACHE_FOLDER,
    CLEAN_CACHE_FOLDER,
    DQ_CACHE_FOLDER,
    CLUSTER_CACHE_FOLDER,
    MAP_CACHE_FOLDER,
    GOLDEN_CACHE_FOLDER,
    CSV_CACHE_FOLDER,
)
SUFFIX: Final = ".scrub"
NOTICE: Final = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Entfernt / removed</title></head>
<body><p>Dieser Bericht enthielt Daten einer Person, die nach Art. 17 DSGVO gelöscht wurde
(Antrag {ref}); er wurde entfernt. Der nächste Lauf erstellt ihn neu.</p>
<p>This report held data of a person erased under Art. 17 GDPR (request {ref}); it was removed.
The next run writes a new one.</p></body></html>
"""


@dataclass
class ScrubPlan:
    """Prepared copies (final path -> copy) and what to delete; nothing published changed yet."""

    replace: dict[Path, Path] = field(default_factory=dict)
    delete: list[Path] = field(default_factory=list)
    #: published file -> rows removed (or -1: the file was replaced by a notice)
    changes: dict[str, int] = field(default_factory=dict)


def plan_scrub(
    folders: Iterable[Path],
    person: Person,
    request_ref: str,
    delete_folders: Iterable[Path] = (),
    counted: pl.DataFrame | None = None,
) -> ScrubPlan:
    """Prepare the removal of ``person`` from every file under ``folders`` (run or export).

    ``counted``: the person's cleaned records, taken out of a match cache's frozen
    term-frequency tables (their name's hash and count would stay there until a full run).
    """
    plan = ScrubPlan()
    for folder in delete_folders:
        plan.delete.append(folder)
        plan.changes[str(folder)] = -1
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or path.is_symlink() or path.name.endswith(SUFFIX):
                continue
            parts = path.relative_to(folder).parts
            if set(CACHE_FOLDERS) & set(parts):
                continue
            _plan_file(path, person, request_ref, plan)
        for deleted in (
            folder / CLEAN_CACHE_FOLDER,
            folder / DQ_CACHE_FOLDER,
            folder / CLUSTER_CACHE_FOLDER,
            folder / MAP_CACHE_FOLDER,
            folder / GOLDEN_CACHE_FOLDER,
            folder / CSV_CACHE_FOLDER,
        ):
            if deleted.is_dir() and not deleted.is_symlink():
                plan.delete.append(deleted)
                plan.changes[str(deleted)] = -1
        cache = folder / CACHE_FOLDER
        if cache.is_dir() and not cache.is_symlink():
            _plan_cache(cache, person, plan, counted)
    return plan


def _plan_cache(
    cache: Path, person: Person, plan: ScrubPlan, counted: pl.DataFrame | None = None
) -> None:
    """Drop the person's rows from a match cache and fix its row counts; else delete it.

    Keeping the cache usable keeps the next run incremental, so an erasure does not by itself
    re-estimate the weights (and move other records between golden records).
    """
    manifest_path = cache / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        rows = manifest["rows"]
        frames = {name: pl.read_parquet(cache / f"{name}.parquet") for name in rows}
        tables = load_tables(cache) if (cache / TABLES_FILE).exists() else None
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError, TablesUnusable):
        plan.delete.append(cache)
        plan.changes[str(cache)] = -1
        return
    removed = 0
    if tables is not None and counted is not None and counted.height:
        kept = tables_without(tables, counted)
        write_tables(cache, kept, suffix=SUFFIX)
        for name in (TABLES_FILE, TOTALS_FILE):
            plan.replace[cache / name] = cache / f"{name}{SUFFIX}"
        plan.changes[str(cache / TABLES_FILE)] = tables.counts.height - kept.counts.height
    # The compared pairs hold places in records.parquet, no keys or values: they lose the
    # pairs of the records dropped there and are renumbered to the records kept.
    numbered = "compared" in frames and {"left", "right"} <= set(frames["compared"].columns)
    for name, frame in frames.items():
        if (numbered and name == "compared") or name == "keys":
            continue  # numbers only, renumbered with records.parquet below
        drop = frame.select(person_rows(frame, person).alias("x"))["x"]
        if drop.any():
            copy = cache / f"{name}.parquet{SUFFIX}"
            frame.filter(~drop).write_parquet(copy)
            plan.replace[cache / f"{name}.parquet"] = copy
            rows[name] = frame.height - int(drop.sum())
            removed += int(drop.sum())
            if numbered and name == "records":
                pairs = pairs_without(frames["compared"], drop)
                pairs_copy = cache / f"compared.parquet{SUFFIX}"
                pairs.write_parquet(pairs_copy, row_group_size=PAIRS_PER_ROW_GROUP)
                plan.replace[cache / "compared.parquet"] = pairs_copy
                rows["compared"] = pairs.height
                removed += frames["compared"].height - pairs.height
            if name == "records" and "keys" in frames:
                removed += _plan_keys(cache, frames["keys"], drop, manifest, plan)
    if removed:
        copy = manifest_path.with_name(manifest_path.name + SUFFIX)
        copy.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
        plan.replace[manifest_path] = copy
        plan.changes[str(cache)] = removed


def _plan_keys(
    cache: Path, keys: pl.DataFrame, dropped: pl.Series, manifest: dict[str, Any], plan: ScrubPlan
) -> int:
    """Drop the block-key hashes of the records ``dropped`` from keys.parquet (renumbered to
    the records kept, matching.block_keys) and fix the manifest's counts; the rows dropped."""
    kept = keys_without(keys, dropped)
    names = manifest.get("rule_names", [])
    counts = kept.group_by("rule").len()
    per_rule = dict(zip(counts["rule"].to_list(), counts["len"].to_list(), strict=True))
    manifest["key_rows"] = {
        name: per_rule.get(bit, 0)
        for bit, name in enumerate(names)
        if name in manifest.get("key_rows", {})
    }
    manifest["rows"]["keys"] = kept.height
    copy = cache / f"{KEYS_FILE}{SUFFIX}"
    write_key_frame(copy, kept)
    plan.replace[cache / KEYS_FILE] = copy
    return keys.height - kept.height


def apply_scrub(plan: ScrubPlan) -> None:
    """Move the prepared copies into place and delete what the plan deletes."""
    for final, copy in plan.replace.items():
        shutil.copymode(final, copy)  # a rewritten file keeps the original's (private) mode
        copy.replace(final)
    for path in plan.delete:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def discard_scrub(plan: ScrubPlan) -> None:
    """Remove the prepared copies (the erasure was not recorded)."""
    for copy in plan.replace.values():
        copy.unlink(missing_ok=True)


def _plan_file(path: Path, person: Person, request_ref: str, plan: ScrubPlan) -> None:
    copy = path.with_name(path.name + SUFFIX)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        drop = frame.select(person_rows(frame, person).alias("x"))["x"]
        if drop.any():
            frame.filter(~drop).write_parquet(copy)
            plan.replace[path] = copy
            plan.changes[str(path)] = int(drop.sum())
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if suffix == ".csv":
        table, delimiter = _read_csv(text)
        if table is not None:
            drop = table.select(person_rows(table, person).alias("x"))["x"]
            if drop.any():
                write_csv(
                    table.filter(~drop), copy, delimiter=delimiter, bom=raw[:3] == b"\xef\xbb\xbf"
                )
                plan.replace[path] = copy
                plan.changes[str(path)] = int(drop.sum())
            return
    if not (holds_person(text, person) or holds_short_value(text, person)):
        return
    if suffix in (".html", ".htm"):
        copy.write_text(NOTICE.format(ref=request_ref), "utf-8")
        plan.replace[path] = copy
    else:
        plan.delete.append(path)
    plan.changes[str(path)] = -1


def _read_csv(text: str) -> tuple[pl.DataFrame | None, str]:
    """All cells as text, with the delimiter that gives the most columns (, or ;)."""
    best: tuple[pl.DataFrame | None, str] = (None, ",")
    for delimiter in (",", ";"):
        try:
            frame = pl.read_csv(
                text.encode("utf-8"),
                separator=delimiter,
                infer_schema=False,
            )
        except pl.exceptions.PolarsError:
            continue
        if best[0] is None or frame.width > best[0].width:
            best = (frame, delimiter)
    return best
