"""Atomic publishing of a run's outputs into ``<output>/runs/<run id>/`` and ``<output>/latest``.

Files are written into a hidden staging folder first; only a complete folder is renamed into
place, and ``latest`` is a symbolic link switched with one atomic rename. A run that fails or is
killed midway therefore leaves the previous ``latest`` exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from cleaners.distinct_memo import CACHE_FOLDER as MAP_CACHE_FOLDER
from cleaners.incremental import CACHE_FOLDER as CLEAN_CACHE_FOLDER
from matching.cluster_reuse import CACHE_FOLDER as CLUSTER_CACHE_FOLDER
from matching.golden_reuse import CACHE_FOLDER as GOLDEN_CACHE_FOLDER
from matching.incremental import CACHE_FOLDER
from reports.csv_reuse import CACHE_FOLDER as CSV_CACHE_FOLDER
from reports.csv_reuse import CsvReuse, CsvWritten, write_csv_reusing
from reports.csv_safe import write_csv
from reports.dq_reuse import CACHE_FOLDER as DQ_CACHE_FOLDER

#: The caches a run folder holds for the next run (only the latest run's are kept).
CACHE_FOLDERS = (
    CACHE_FOLDER,
    CLEAN_CACHE_FOLDER,
    DQ_CACHE_FOLDER,
    CLUSTER_CACHE_FOLDER,
    MAP_CACHE_FOLDER,
    GOLDEN_CACHE_FOLDER,
    CSV_CACHE_FOLDER,
)

#: Output file name -> what it holds (also documented in the README).
OUTPUT_FILES = {
    "golden.csv": "golden records, one row per entity (also golden.parquet)",
    "crosswalk.csv": "silo, source_id -> golden_id for every record (also crosswalk.parquet)",
    "lineage.csv": "per golden record and field: the source record and rule that supplied it",
    "quarantine.csv": "every source row that did not go on, with silo, row number and reason",
    "findings.csv": "every value a cleaner corrected or removed, with the reason",
    "review_queue.csv": "uncertain candidate pairs for a reviewer, with earlier decisions",
    "pairs.parquet": "scored pairs with per-field levels and weights: merged, reviewed or inside "
    "a cluster, plus a 1 % sample ([project] write_all_pairs: all)",
    "stale.csv": "golden records that need action: severity, reasons, due date, owner",
    "redirects.csv": "golden ids retired in this run and the id they now point to",
    "oversized_blocks.csv": "blocking keys with too many records to compare (not paired)",
    "dq_failures.csv": "every value failing a DQ rule, in full (masked in the report)",
    "dq_summary.json": "DQ scores per silo and dimension, top problems, change since last run",
    "reminders.csv": "flagged golden records per owner and silo, by severity",
    "retention_due.csv": "records due for deletion or kept only by law ([retention])",
    "summary.json": "counts of the run",
    "dq_report.html": "the data-quality report",
    "review.html": "uncertain pairs for reviewers: approve, reject or move a record out; export",
}


def write_frame(
    frame: pl.DataFrame,
    folder: Path,
    name: str,
    *,
    parquet: bool = False,
    reuse: CsvReuse | None = None,
    key: Sequence[str] = (),
) -> CsvWritten | None:
    """Write ``name``.csv (Excel-safe) and optionally ``name``.parquet into ``folder``.

    With ``reuse`` and ``key``, groups of rows (by ``key``) unchanged since the last run are
    copied from its file (reports.csv_reuse): the same bytes. Returns how, then.
    """
    written = None
    if reuse is not None and key:
        written = write_csv_reusing(frame, folder / f"{name}.csv", key, reuse)
    else:
        write_csv(frame, folder / f"{name}.csv")
    if parquet:
        frame.write_parquet(folder / f"{name}.parquet")
    return written


def write_json(data: object, path: Path) -> None:
    """Write pretty, sorted UTF-8 JSON."""
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n", "utf-8"
    )


def publish_run(output_dir: Path, run_id: str, write: Callable[[Path], None]) -> Path:
    """Write a run's files via ``write(folder)`` and publish them atomically; return the folder."""
    runs = output_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for leftover in runs.glob(".*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a run killed while writing
    staging = runs / f".{run_id}.partial"
    staging.mkdir()
    try:
        write(staging)
        final = runs / run_id
        os.replace(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.filename is None:  # polars' write errors name no file: name the folder
            raise OSError(exc.errno, exc.strerror or str(exc), str(runs / run_id)) from exc
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    switch_latest(output_dir, final)
    return final


def make_private(folder: Path) -> None:
    """Owner-only modes under ``folder`` (folders 0700, files 0600): outputs hold personal data.

    DSGVO Art. 32: other accounts on the machine have no business reading customer data;
    ``[privacy] private_files = false`` keeps the umask's modes (e.g. to serve reports).
    """
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def make_caches_private(folder: Path) -> None:
    """Owner-only modes on the caches of a run folder, whatever ``[privacy] private_files`` says.

    They are the next run's input, never a report to serve, and the clean and map caches hold
    names and address lines as the silos spell them.
    """
    for cache in CACHE_FOLDERS:
        if (folder / cache).is_dir() and not (folder / cache).is_symlink():
            make_private(folder / cache)


def switch_latest(output_dir: Path, run_folder: Path) -> None:
    """Point ``<output>/latest`` at ``run_folder`` with one atomic rename of a symlink."""
    latest = output_dir / "latest"
    temporary = output_dir / f".latest.{run_folder.name}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(Path("runs") / run_folder.name, target_is_directory=True)
    if latest.is_dir() and not latest.is_symlink():
        shutil.rmtree(latest)  # an older layout or a hand-made folder: replace it by the link
    os.replace(temporary, latest)


def prune_match_caches(output_dir: Path, keep: Path) -> None:
    """Remove the match, clean, map, DQ, cluster, golden and CSV caches of every run folder but
    ``keep``: only the latest one's are read."""
    for run_folder in (output_dir / "runs").iterdir():
        if run_folder.name == keep.name:
            continue
        for name in CACHE_FOLDERS:
            cache = run_folder / name
            if cache.is_dir() and not cache.is_symlink():
                shutil.rmtree(cache, ignore_errors=True)


def prune_run_folders(output_dir: Path, keep: Path, keep_runs: int) -> list[Path]:
    """Remove all but the newest ``keep_runs`` run folders (never ``keep``); return the removed.

    Run ids sort in start order (flows.pipeline.new_run_id), so name order is age order.
    """
    folders = sorted(
        (path for path in (output_dir / "runs").iterdir() if path.is_dir()),
        key=lambda path: path.name,
        reverse=True,
    )
    folders = [path for path in folders if not path.name.startswith(".")]
    removed = [path for path in folders[keep_runs:] if path.name != keep.name]
    for path in removed:
        shutil.rmtree(path)
    return removed
