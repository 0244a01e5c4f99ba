"""The state of CRM exports: what each export profile's CRM has been given, kept across runs.

Tables (defined with the others in flows.state): ``golden_exports`` holds one row per profile and
golden id (status ``exported`` with the content hash of the row the CRM got, or ``merged`` /
``removed`` once the CRM was told so); ``golden_export_runs`` one row per export. What the CRM
holds after an export is reports.exports' ``crm_holdings``; here it is read and stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import polars as pl
from sqlalchemy import and_, delete, insert, select

from flows.state import StateStore, export_runs, golden_exports, runs
from reports.exports import HASHES_SCHEMA
from reports.exports.delta import EXPORTED, crm_holdings

#: Rows per INSERT, ids per DELETE ... IN (...): far below SQLite's 32,766 bound parameters.
_CHUNK: Final = 5000


@dataclass(frozen=True)
class ExportRecord:
    """What one export gave a CRM: the rows written and the retired ids it reported."""

    export_id: str
    profile: str
    run_id: str
    since: str
    exported_at: datetime
    folder: str
    counts: dict[str, dict[str, int]]
    #: golden_id, object, content_hash of every row in the objects' files.
    written: pl.DataFrame
    #: object, golden_id, change (merged / removed), surviving_golden_id.
    retired: pl.DataFrame


def load_exported(store: StateStore, profile: str) -> pl.DataFrame:
    """golden_id, object, content_hash of every record the profile's CRM holds (HASHES_SCHEMA)."""
    with store.transaction("exports") as connection:
        rows = connection.execute(
            select(
                golden_exports.c.golden_id, golden_exports.c.object, golden_exports.c.content_hash
            ).where(and_(golden_exports.c.profile == profile, golden_exports.c.status == EXPORTED))
        ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=HASHES_SCHEMA, orient="row")


def run_status(store: StateStore, run_id: str) -> str | None:
    """Status of a pipeline run (completed, failed, running), None when there is no such run."""
    with store.transaction("exports") as connection:
        return connection.execute(select(runs.c.status).where(runs.c.run_id == run_id)).scalar()


def last_export(store: StateStore, profile: str) -> tuple[str, str] | None:
    """(export id, run id) of the profile's most recent export, None before the first."""
    with store.transaction("exports") as connection:
        row = connection.execute(
            select(export_runs.c.export_id, export_runs.c.run_id)
            .where(export_runs.c.profile == profile)
            .order_by(export_runs.c.exported_at.desc(), export_runs.c.export_id.desc())
            .limit(1)
        ).first()
    return None if row is None else (row.export_id, row.run_id)


def record_export(store: StateStore, record: ExportRecord) -> None:
    """Store what the CRM holds after this export, in one transaction."""
    holdings = crm_holdings(record.written, record.retired)
    touched = holdings["golden_id"].unique().sort().to_list()
    common = {"profile": record.profile, "run_id": record.run_id}
    moment = record.exported_at.astimezone(UTC).replace(tzinfo=None)
    with store.transaction("exports") as connection:
        for start in range(0, len(touched), _CHUNK):
            chunk = touched[start : start + _CHUNK]
            connection.execute(
                delete(golden_exports).where(
                    and_(
                        golden_exports.c.profile == record.profile,
                        golden_exports.c.golden_id.in_(chunk),
                    )
                )
            )
        rows = [{**row, **common, "exported_at": moment} for row in holdings.to_dicts()]
        for start in range(0, len(rows), _CHUNK):
            connection.execute(insert(golden_exports), rows[start : start + _CHUNK])
        connection.execute(
            insert(export_runs).values(
                export_id=record.export_id,
                profile=record.profile,
                run_id=record.run_id,
                since=record.since,
                exported_at=moment,
                folder=record.folder,
                counts=json.dumps(record.counts, sort_keys=True),
            )
        )
