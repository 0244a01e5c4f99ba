"""Retention in a run and on request: retention_due.csv, and `golden retention apply`.

The run computes (matching.retention) for every record of a silo named in ``[retention.silos]``
whether it is due for deletion or kept only for a legal duty ("gesperrt"), and publishes the
list as ``retention_due.csv`` (ids, dates, reasons, legal sources; no values). `golden retention
apply` turns the due records of the latest run into deletion tasks per silo owner, recorded in
the state store like an erasure's (`golden subject status R…`).
"""

from __future__ import annotations

import getpass
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from flows.privacy_state import Erasure, record_retention_tasks, tasked_records
from flows.publish import write_json
from flows.stages import Cleaned
from flows.state import StateStore
from matching.retention import DUE, RETENTION_SCHEMA, retention_due
from matching.stable_ids import IdAssignment
from reports.csv_safe import write_csv
from reports.retention import render_retention_section, with_retention_section
from rules.config import GoldenConfig
from rules.errors import ConfigError, PrivacyError
from rules.retention import retention_periods

FILE = "retention_due.csv"


def compute_retention(
    config: GoldenConfig, cleaned: Cleaned, ids: IdAssignment, today: date
) -> pl.DataFrame:
    """The run's due and "gesperrt" records (matching.retention.RETENTION_SCHEMA)."""
    unknown = sorted(set(config.retention.silos) - set(config.silos))
    if unknown:
        raise ConfigError(
            f"[retention.silos] names undeclared silo(s) {', '.join(unknown)} — declared: "
            f"{', '.join(sorted(config.silos))}"
        )
    return retention_due(
        cleaned.records,
        ids.assignment,
        config.retention,
        retention_periods(config.retention),
        config.project.default_country,
        today,
    )


def write_retention(folder: Path, due: pl.DataFrame, language: str = "de") -> None:
    """retention_due.csv and the "Löschfristen" section of dq_report.html in a staging folder."""
    write_csv(due, folder / FILE)
    report = folder / "dq_report.html"
    if report.is_file():
        section = render_retention_section(due, language)
        html = with_retention_section(report.read_text("utf-8"), section)
        report.write_text(html, encoding="utf-8", newline="\n")


def apply_retention(config: GoldenConfig, by: str | None = None) -> tuple[Erasure, Path]:
    """Deletion tasks for every due record of the latest run; PrivacyError when there is none."""
    from flows.export import published_run

    _, run_folder = published_run(config.output_dir)
    path = run_folder / FILE
    if not path.is_file():
        raise PrivacyError(
            f"{path} is missing — declare [retention.silos] in golden.toml and run once"
        )
    due = pl.read_csv(path, infer_schema=False).filter(pl.col("status") == DUE)
    store = StateStore.open(config.state_url)
    try:  # a record already handed to its owner by an earlier `apply` is not listed again
        due = due.join(tasked_records(store, "R"), on=["silo", "source_id"], how="anti")
    finally:
        store.close()
    if due.height == 0:
        raise PrivacyError(
            f"no record in {path} is due for deletion that an earlier `golden retention apply` "
            "did not hand over already — nothing to do"
        )
    now = datetime.now(UTC)
    ref = f"R{now:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    owners = {name: silo.owner or "" for name, silo in config.silos.items()}
    tasks = due.select(
        "silo",
        "source_id",
        pl.col("silo").replace_strict(owners, default="").alias("owner"),
        "reason",
        "due_on",
        "legal_source",
    ).sort("silo", "source_id")
    erasure = Erasure(
        request_ref=ref,
        golden_id="(retention)",
        requested_at=now.date(),
        erased_at=now,
        erased_by=by or getpass.getuser(),
        reason=f"retention periods ([retention]) of run {run_folder.name}",
        silos=tuple(sorted(set(tasks["silo"].to_list()))),
        profiles=(),
        records=tasks.height,
    )
    folder = config.output_dir / "privacy" / "retention" / ref
    if config.privacy.output_dir:
        folder = config.resolve_path(config.privacy.output_dir).resolve() / "retention" / ref
    folder.mkdir(parents=True, mode=0o700)
    write_csv(tasks, folder / "tasks.csv")
    write_json({"request_ref": ref, "tasks": tasks.to_dicts()}, folder / "tasks.json")
    for file in folder.iterdir():
        file.chmod(0o600)
    store = StateStore.open(config.state_url)
    try:
        record_retention_tasks(store, erasure, tasks)
    except BaseException:
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
        raise
    finally:
        store.close()
    return erasure, folder


__all__ = ["RETENTION_SCHEMA", "apply_retention", "compute_retention", "write_retention"]
