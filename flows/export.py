"""`golden export`: CRM import files from the published run, all records or only the changes.

Reads the run ``<output_dir>/latest`` points at (golden.parquet, crosswalk.parquet) and the state
store (golden ids with their redirects; what the profile's CRM was given before), renders with
reports.exports, writes everything into a staging folder that is renamed into place whole, and
then records in the state store what the CRM now holds. One folder per export:

    <object file>.csv   upserts keyed by golden_id (external id): every record, or with --since
                        only new and changed ones
    rejected_<profile>.csv  records the CRM would refuse (required field empty, invalid e-mail),
                        with the reason; they are left out of the object files
    IMPORT.md           the set-up and import steps, in the export's language (--labels)
    changes.csv         object, golden_id, change (new / changed / merged / removed / delete),
                        surviving_golden_id, compared with the baseline
    merge_map.csv       silo, source_id -> golden_id (+ retired golden ids -> surviving id)
    export.json         profile, run, baseline, counts, files, fields to create, import notes

Baselines: no --since compares with the profile's last export (the files hold every record);
``--since last`` the same, files with changes only; ``--since RUN_ID`` compares with the golden
records that run published.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from cleaners.phone_metadata import with_phone_type
from flows.export_state import ExportRecord, last_export, load_exported, record_export, run_status
from flows.privacy_state import erased_golden_ids, load_flags
from flows.publish import make_private, write_json
from flows.retention import FILE as RETENTION_FILE
from flows.state import StateStore
from matching.listenprivileg import group_attribute, listenprivileg_persons
from matching.objections import objected_golden_ids, restricted_golden_ids
from matching.retention import gesperrt_golden_ids
from reports.csv_safe import write_csv
from reports.exports import (
    ROW_KEY,
    ExportProfile,
    change_counts,
    classify_changes,
    content_hashes,
    load_profile,
    mark_erased,
    merge_map,
    render_object,
    resolve_redirects,
    retired_changes,
    rows_to_write,
    sink_csv,
    with_phone_types,
)
from reports.exports.checks import rejected_rows
from reports.exports.import_notes import import_notes
from rules.config import GoldenConfig
from rules.errors import ConfigError, GoldenError, StateError

log = logging.getLogger("golden.export")

LAST: Final = "last"


@dataclass(frozen=True)
class ExportResult:
    """One finished export: where its files are and what they hold."""

    export_id: str
    profile: str
    run_id: str
    since: str
    folder: Path
    #: object -> change -> records (changes.csv); "rows" -> records in the object's file.
    counts: dict[str, dict[str, int]]
    #: file name -> data rows.
    files: dict[str, int]
    seconds: float
    #: records left out because the CRM would refuse them (rejected_<profile>.csv)
    rejected: int = 0
    #: the set-up notes next to the files
    import_notes: Path | None = None


def published_run(output_dir: Path) -> tuple[str, Path]:
    """(run id, folder) of the run ``latest`` points at, or StateError when there is none."""
    latest = output_dir / "latest"
    if not (latest / "golden.parquet").is_file():
        raise StateError(
            f"no published run yet in {latest} — run `golden run --config golden.toml` first"
        )
    folder = latest.resolve()
    return folder.name, folder


@dataclass(frozen=True)
class _Plan:
    """Everything one export writes, computed before the first file is."""

    profile: ExportProfile
    export_id: str
    run_id: str
    since: str
    exported_at: datetime
    golden: pl.LazyFrame
    #: golden_id, object, content_hash of the records the objects' files hold.
    upserts: pl.DataFrame
    changes: pl.DataFrame
    merge_map: pl.DataFrame
    delimiter: str
    bom: bool
    #: records the CRM would refuse (REJECTED_SCHEMA), one row per problem
    rejected: pl.DataFrame

    @property
    def rejected_file(self) -> str:
        """rejected_<profile>.csv"""
        return f"rejected_{self.profile.name}.csv"

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per object: rows in its file and records per kind of change."""
        names = [item.name for item in self.profile.objects]
        return change_counts(self.changes, self.upserts, names)


def export_profile(
    config: GoldenConfig,
    profile_name: str,
    *,
    since: str | None = None,
    out_dir: Path | None = None,
    delimiter: str | None = None,
    bom: bool | None = None,
    labels: str | None = None,
) -> ExportResult:
    """Write one profile's import files for the published run and record them in the state.

    ``labels`` ("en", "de"; default [export] labels): header language where the CRM has no
    API name, and the language of IMPORT.md and of the rejection reasons.
    """
    clock = time.perf_counter()
    profile = (
        load_profile(profile_name)
        .with_group_attribute(listenprivileg_group(config))
        .with_date_format(config.export.date_formats.get(profile_name))
        .with_labels(labels or config.export.labels)
        .with_unknown_consent(config.export.unknown_consent)
    )
    delimiter = config.export.delimiter if delimiter is None else delimiter
    if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise ConfigError(f"--delimiter must be one character such as ';' — got {delimiter!r}")
    run_id, run_folder = published_run(config.output_dir)
    state = StateStore.open(config.state_url)
    try:
        plan = replace(
            _plan(config, state, profile, run_id, run_folder, since),
            delimiter=delimiter,
            bom=config.export.bom if bom is None else bom,
        )
        files: dict[str, int] = {}
        folder = _publish(
            config,
            profile.name,
            plan.export_id,
            out_dir,
            lambda staging: files.update(_write_files(plan, staging)),
        )
        record_export(
            state,
            ExportRecord(
                export_id=plan.export_id,
                profile=profile.name,
                run_id=run_id,
                since=plan.since,
                exported_at=plan.exported_at,
                folder=str(folder),
                counts=plan.counts,
                written=plan.upserts,
                retired=retired_changes(plan.changes),
            ),
        )
    finally:
        state.close()
    return ExportResult(
        export_id=plan.export_id,
        profile=profile.name,
        run_id=run_id,
        since=plan.since,
        folder=folder,
        counts=plan.counts,
        files=files,
        seconds=round(time.perf_counter() - clock, 3),
        rejected=plan.rejected["golden_id"].n_unique(),
        import_notes=folder / "IMPORT.md",
    )


def _plan(
    config: GoldenConfig,
    state: StateStore,
    profile: ExportProfile,
    run_id: str,
    run_folder: Path,
    since: str | None,
) -> _Plan:
    """Hash every golden record, compare with the baseline, pick the rows to write."""
    exported_at = datetime.now(UTC)
    crosswalk = pl.read_parquet(run_folder / "crosswalk.parquet")
    flags = load_flags(state)
    # Left out of every export: restricted (DSGVO Art. 18) and "gesperrt" (kept only for a legal
    # retention duty); a CRM that holds them gets them as "removed" in changes.csv.
    excluded = restricted_golden_ids(crosswalk, flags) + _gesperrt(run_folder)
    golden = pl.scan_parquet(run_folder / "golden.parquet")
    if profile.selection == "listenprivileg":
        golden = listenprivileg_persons(golden, excluded + objected_golden_ids(crosswalk, flags))
    else:
        golden = golden.filter(~pl.col("golden_id").is_in(excluded))
    golden = with_phone_types(golden, with_phone_type)
    current = content_hashes(golden, profile)
    baseline, since_text = _baseline(state, config, profile, since)
    redirects = resolve_redirects(state.load_golden_ids())
    changes = classify_changes(current, baseline, redirects)
    changes = mark_erased(changes, sorted(erased_golden_ids(state)))  # DSGVO Art. 17, 19
    rejected = pl.concat([rejected_rows(golden, item, profile.labels) for item in profile.objects])
    upserts = rows_to_write(current, changes, rejected, changes_only=since is not None)
    return _Plan(
        profile=profile,
        export_id=f"{exported_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        run_id=run_id,
        since=since_text,
        exported_at=exported_at,
        golden=golden,
        upserts=upserts,
        changes=changes,
        merge_map=merge_map(
            crosswalk,
            redirects,
            current.select("golden_id", "object"),
            listed_only=profile.selection == "listenprivileg",
        ),
        delimiter=config.export.delimiter,
        bom=config.export.bom,
        rejected=rejected,
    )


def listenprivileg_group(config: GoldenConfig) -> str | None:
    """The Listenprivileg list's one group attribute ([privacy] listenprivileg_group)."""
    mapped = {field for silo in config.silos.values() for field in (*silo.mapping, *silo.defaults)}
    return group_attribute(config.privacy.listenprivileg_group, mapped)


def _gesperrt(run_folder: Path) -> list[str]:
    """Golden ids the run's retention_due.csv lists as "gesperrt" (none without [retention])."""
    path = run_folder / RETENTION_FILE
    if not path.is_file():
        return []
    due = pl.read_csv(path, infer_schema=False, columns=["golden_id", "status"])
    return gesperrt_golden_ids(due)


def _write_files(plan: _Plan, folder: Path) -> dict[str, int]:
    """Write the objects' files (streamed), changes, merge map and manifest; rows per file."""
    files: dict[str, int] = {}
    for export_object in plan.profile.objects:
        keys = plan.upserts.filter(pl.col("object") == export_object.name)
        rows = (
            render_object(plan.golden, plan.profile, export_object)
            .join(keys.select(pl.col("golden_id").alias(ROW_KEY)).lazy(), on=ROW_KEY, how="semi")
            .sort(ROW_KEY)
            .drop(ROW_KEY)
        )
        sink_csv(rows, folder / export_object.file, delimiter=plan.delimiter, bom=plan.bom)
        files[export_object.file] = keys.height
    write_csv(plan.changes, folder / "changes.csv", delimiter=plan.delimiter, bom=plan.bom)
    files["changes.csv"] = plan.changes.height
    write_csv(plan.merge_map, folder / "merge_map.csv", delimiter=plan.delimiter, bom=plan.bom)
    files["merge_map.csv"] = plan.merge_map.height
    write_csv(plan.rejected, folder / plan.rejected_file, delimiter=plan.delimiter, bom=plan.bom)
    files[plan.rejected_file] = plan.rejected.height
    notes = import_notes(
        plan.profile,
        export_id=plan.export_id,
        run_id=plan.run_id,
        rows=files,
        rejected=plan.rejected["golden_id"].n_unique(),
        rejected_file=plan.rejected_file,
        encoding="UTF-8 with BOM" if plan.bom else "UTF-8",
        delimiter=plan.delimiter,
    )
    (folder / "IMPORT.md").write_text(notes, encoding="utf-8", newline="\n")
    manifest = _manifest(plan) | {"counts": plan.counts, "files": files}
    write_json(manifest, folder / "export.json")
    return files


def export_after_run(config: GoldenConfig) -> list[ExportResult]:
    """The nightly export step: every profile in [export] profiles; failures are logged only.

    The run is published by then; a CRM export that fails must not mark it failed, so errors
    are logged (and the next night's delta export catches up).
    """
    results = []
    for name in config.export.profiles:
        try:
            result = export_profile(config, name, since=LAST if config.export.delta else None)
        except GoldenError as exc:
            log.error("export %s failed: %s", name, exc)
            continue
        except Exception as exc:
            # Type and place, not the message: an unexpected error may quote a value (polars'
            # cast and schema errors show the offending values), and logs hold no person's data.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            log.error(
                "export %s failed unexpectedly: %s at %s:%s — run `golden export --profile %s` "
                "by hand to see the whole error",
                name,
                type(exc).__name__,
                Path(frame.filename).name,
                frame.lineno,
                name,
            )
            continue
        log.info("export %s: %s (%s)", name, result.folder, result.files)
        results.append(result)
    return results


def _baseline(
    state: StateStore, config: GoldenConfig, profile: ExportProfile, since: str | None
) -> tuple[pl.DataFrame, str]:
    """What the CRM is taken to hold, and a description of it for export.json."""
    if since is None or since == LAST:
        previous = last_export(state, profile.name)
        compared = (
            f"changes since export {previous[0]} (run {previous[1]})"
            if previous
            else "first export of this profile: every record is new"
        )
        mode = "every record" if since is None else "changed records only"
        return load_exported(state, profile.name), f"{mode}; {compared}"
    status = run_status(state, since)
    folder = config.output_dir / "runs" / since
    if status is None:
        raise StateError(
            f"unknown run id '{since}' — `golden runs --config golden.toml` lists the runs"
        )
    if status != "completed" or not (folder / "golden.parquet").is_file():
        raise StateError(
            f"run '{since}' has no published golden records ({status}, {folder}) — pick a "
            f"completed run from `golden runs` (only the newest [project] keep_runs run "
            f"folders are kept)"
        )
    golden = with_phone_types(pl.scan_parquet(folder / "golden.parquet"), with_phone_type)
    return content_hashes(golden, profile), f"changed records only; changes since run {since}"


def _manifest(plan: _Plan) -> dict[str, object]:
    """export.json: what was exported from which run, how it is encoded, how to import it."""
    profile = plan.profile
    return {
        "export_id": plan.export_id,
        "profile": profile.name,
        "title": profile.title,
        "run_id": plan.run_id,
        "baseline": plan.since,
        "exported_at": plan.exported_at.isoformat(timespec="seconds"),
        "encoding": "UTF-8 with BOM" if plan.bom else "UTF-8",
        "delimiter": plan.delimiter,
        "date_format": profile.date_format,
        "labels": profile.labels,
        "unknown_consent": profile.unknown_consent,
        "rejected": plan.rejected["golden_id"].n_unique(),
        "rejected_file": plan.rejected_file,
        "objects": {
            item.name: {
                "crm_object": item.crm_object,
                "record_type": item.record_type,
                "file": item.file,
                "external_id": item.external_id,
                "custom_fields": list(item.custom_fields),
                "source": item.source,
            }
            for item in profile.objects
        },
        "notes": profile.notes,
    }


def _publish(
    config: GoldenConfig,
    profile: str,
    export_id: str,
    out_dir: Path | None,
    write: Callable[[Path], None],
) -> Path:
    """Write via ``write(staging)`` and move the complete result into place; return the folder."""
    if out_dir is None:
        root = (
            config.resolve_path(config.export.output_dir).resolve()
            if config.export.output_dir
            else config.output_dir / "exports"
        )
        target = root / profile / export_id
    else:
        target = out_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{export_id}.partial"
    staging.mkdir()
    try:
        write(staging)
        if config.privacy.private_files:
            make_private(staging)
        if out_dir is None:
            os.replace(staging, target)
            _switch_latest(target)
        else:
            target.mkdir(exist_ok=True)
            for path in sorted(staging.iterdir()):
                os.replace(path, target / path.name)
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _switch_latest(folder: Path) -> None:
    """Point ``<profile folder>/latest`` at the newest export with one atomic rename."""
    link = folder.parent / "latest"
    temporary = folder.parent / f".latest.{folder.name}"
    temporary.symlink_to(folder.name, target_is_directory=True)
    os.replace(temporary, link)
