"""The state of data-subject requests: erasures, their silo tasks, tombstones, and later sightings.

Tables (on the same metadata as flows.state, created on first use; SQLite and PostgreSQL):

    golden_erasures        request_ref -> golden_id, requested_at, erased_at, erased_by, reason,
                           silos (JSON), profiles (JSON), records  (the audit entry)
    golden_erasure_tasks   request_ref, silo, source_id -> owner, status (open | confirmed),
                           confirmed_at, confirmed_by  (what each silo owner must delete)
    golden_tombstones      request_ref, kind, key_hash -> erased_on  (matching.tombstones)
    golden_erasure_hits    request_ref, silo, source_id, run_id -> seen_at  (records a later run
                           stopped because they match a tombstone)
    golden_subject_flags   flag_id -> silo, source_id, kind (restrict | object), channel, since,
                           reason, recorded_by, recorded_at, lifted_at  (Art. 18 and 21)

No table holds a clear value of an erased person: ids, keyed hashes, dates and the steward's
reason only. ``record_erasure`` writes the audit entry, the tasks and the tombstone and removes
the person from the crosswalk, the review decisions, the survivorship overrides choosing one of
their records or made for their golden record, and the export hashes in one transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Final

import polars as pl
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from flows.state import (
    StateStore,
    crosswalk,
    golden_exports,
    golden_ids,
    metadata,
    review_decisions,
    survivorship_overrides,
)
from matching.erasure import CONFIRMED, OPEN, Erasure
from matching.objections import FLAGS_SCHEMA
from matching.subjects import ERASURE_PREFIX
from matching.tombstones import TOMBSTONE_SCHEMA

_CHUNK: Final = 1000

erasures = Table(
    "golden_erasures",
    metadata,
    Column("request_ref", String(40), primary_key=True),
    Column("golden_id", String(40), nullable=False, index=True),
    Column("requested_at", Date, nullable=False),
    Column("erased_at", DateTime, nullable=False),
    Column("erased_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("silos", Text, nullable=False),
    Column("profiles", Text, nullable=False),
    Column("records", Integer, nullable=False),
)

erasure_tasks = Table(
    "golden_erasure_tasks",
    metadata,
    Column("request_ref", String(40), primary_key=True),
    Column("silo", String(100), primary_key=True),
    Column("source_id", String(300), primary_key=True),
    Column("owner", String(200)),
    Column("status", String(20), nullable=False),
    Column("confirmed_at", DateTime),
    Column("confirmed_by", String(200)),
)

tombstones = Table(
    "golden_tombstones",
    metadata,
    Column("request_ref", String(40), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("key_hash", String(64), primary_key=True),
    Column("erased_on", Date, nullable=False),
)

erasure_hits = Table(
    "golden_erasure_hits",
    metadata,
    Column("request_ref", String(40), primary_key=True),
    Column("silo", String(100), primary_key=True),
    Column("source_id", String(300), primary_key=True),
    Column("run_id", String(40), primary_key=True),
    Column("seen_at", DateTime, nullable=False),
)

subject_flags = Table(
    "golden_subject_flags",
    metadata,
    Column("flag_id", String(60), primary_key=True),
    Column("silo", String(100), nullable=False),
    Column("source_id", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("channel", String(20)),
    Column("since", Date, nullable=False),
    Column("reason", Text),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("lifted_at", DateTime),
)

_TABLES = [erasures, erasure_tasks, tombstones, erasure_hits, subject_flags]


#: One row per source record a silo owner must delete.
TASKS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "request_ref": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "owner": pl.String(),
    "status": pl.String(),
    "confirmed_at": pl.Datetime("us"),
    "confirmed_by": pl.String(),
}


def ensure_tables(store: StateStore) -> None:
    """Create the privacy tables when missing (a store opened before this module was loaded)."""
    metadata.create_all(store.engine, tables=_TABLES)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def record_erasure(
    store: StateStore,
    erasure: Erasure,
    tasks: pl.DataFrame,
    tombstone: pl.DataFrame,
) -> None:
    """Store the erasure and forget the person, all in one transaction (all or nothing).

    ``tasks`` has silo, source_id, owner; ``tombstone`` kind, key_hash. Removes the person's
    crosswalk rows, the review decisions naming one of their records, the survivorship overrides
    choosing one of their records or made for their golden id, the content hashes the
    export state keeps of their rendered rows, and retires their golden id (no redirect: the
    next delta export of every profile that received it reports it as deleted).
    """
    ensure_tables(store)
    keys = [tuple(row) for row in tasks.select("silo", "source_id").iter_rows()]
    with store.transaction("erasure") as connection:
        connection.execute(
            insert(erasures).values(
                request_ref=erasure.request_ref,
                golden_id=erasure.golden_id,
                requested_at=erasure.requested_at,
                erased_at=_naive(erasure.erased_at),
                erased_by=erasure.erased_by,
                reason=erasure.reason,
                silos=json.dumps(list(erasure.silos)),
                profiles=json.dumps(list(erasure.profiles)),
                records=erasure.records,
            )
        )
        connection.execute(
            insert(erasure_tasks),
            [
                {
                    "request_ref": erasure.request_ref,
                    "silo": silo,
                    "source_id": source_id,
                    "owner": owner,
                    "status": OPEN,
                }
                for silo, source_id, owner in tasks.select("silo", "source_id", "owner").iter_rows()
            ],
        )
        connection.execute(
            insert(tombstones),
            [
                {
                    "request_ref": erasure.request_ref,
                    "kind": kind,
                    "key_hash": key_hash,
                    "erased_on": erasure.erased_at.date(),
                }
                for kind, key_hash in tombstone.select("kind", "key_hash").unique().iter_rows()
            ],
        )
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            connection.execute(
                delete(crosswalk).where(tuple_(crosswalk.c.silo, crosswalk.c.source_id).in_(chunk))
            )
            connection.execute(
                delete(review_decisions).where(
                    or_(
                        tuple_(review_decisions.c.left_silo, review_decisions.c.left_source_id).in_(
                            chunk
                        ),
                        tuple_(
                            review_decisions.c.right_silo, review_decisions.c.right_source_id
                        ).in_(chunk),
                    )
                )
            )
            connection.execute(
                delete(survivorship_overrides).where(
                    tuple_(survivorship_overrides.c.silo, survivorship_overrides.c.source_id).in_(
                        chunk
                    )
                )
            )
        connection.execute(
            delete(review_decisions).where(review_decisions.c.golden_id == erasure.golden_id)
        )
        connection.execute(
            delete(survivorship_overrides).where(
                survivorship_overrides.c.golden_id == erasure.golden_id
            )
        )
        connection.execute(
            update(golden_exports)
            .where(golden_exports.c.golden_id == erasure.golden_id)
            .values(content_hash=None)
        )
        connection.execute(
            update(golden_ids)
            .where(golden_ids.c.golden_id == erasure.golden_id)
            .values(retired_run=ERASURE_PREFIX + erasure.request_ref, redirect_to=None)
        )


def load_erasure(store: StateStore, request_ref: str) -> Erasure | None:
    """The audit entry of a request, None when there is none."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        row = connection.execute(
            select(erasures).where(erasures.c.request_ref == request_ref)
        ).first()
    return None if row is None else _erasure(row)


def erasure_of_golden_id(store: StateStore, golden_id: str) -> Erasure | None:
    """The erasure that retired ``golden_id``, None when it was not erased."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        row = connection.execute(select(erasures).where(erasures.c.golden_id == golden_id)).first()
    return None if row is None else _erasure(row)


def list_erasures(store: StateStore) -> list[Erasure]:
    """Every erasure, oldest first."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        rows = connection.execute(
            select(erasures).order_by(erasures.c.erased_at, erasures.c.request_ref)
        ).all()
    return [_erasure(row) for row in rows]


def _erasure(row: object) -> Erasure:
    return Erasure(
        request_ref=row.request_ref,  # type: ignore[attr-defined]
        golden_id=row.golden_id,  # type: ignore[attr-defined]
        requested_at=row.requested_at,  # type: ignore[attr-defined]
        erased_at=row.erased_at.replace(tzinfo=UTC),  # type: ignore[attr-defined]
        erased_by=row.erased_by,  # type: ignore[attr-defined]
        reason=row.reason,  # type: ignore[attr-defined]
        silos=tuple(json.loads(row.silos)),  # type: ignore[attr-defined]
        profiles=tuple(json.loads(row.profiles)),  # type: ignore[attr-defined]
        records=row.records,  # type: ignore[attr-defined]
    )


def load_tasks(store: StateStore, request_ref: str) -> pl.DataFrame:
    """The silo tasks of a request (TASKS_SCHEMA), by silo and source id."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        rows = connection.execute(
            select(*(erasure_tasks.c[name] for name in TASKS_SCHEMA)).where(
                erasure_tasks.c.request_ref == request_ref
            )
        ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=TASKS_SCHEMA, orient="row").sort(
        "silo", "source_id"
    )


def confirm_tasks(store: StateStore, request_ref: str, silo: str, by: str, when: datetime) -> int:
    """Mark every open task of ``silo`` in the request as confirmed; return how many."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        result = connection.execute(
            update(erasure_tasks)
            .where(
                and_(
                    erasure_tasks.c.request_ref == request_ref,
                    erasure_tasks.c.silo == silo,
                    erasure_tasks.c.status == OPEN,
                )
            )
            .values(status=CONFIRMED, confirmed_at=_naive(when), confirmed_by=by)
        )
    return int(result.rowcount or 0)


def load_tombstones(store: StateStore) -> pl.DataFrame:
    """Every tombstone key (TOMBSTONE_SCHEMA)."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        rows = connection.execute(select(*(tombstones.c[name] for name in TOMBSTONE_SCHEMA))).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=TOMBSTONE_SCHEMA, orient="row")


def save_hits(store: StateStore, run_id: str, hits: pl.DataFrame, seen_at: datetime) -> None:
    """Record the records a run stopped because of a tombstone (HITS_SCHEMA rows)."""
    if hits.height == 0:
        return
    ensure_tables(store)
    rows = [
        {
            "request_ref": ref,
            "silo": silo,
            "source_id": source_id,
            "run_id": run_id,
            "seen_at": _naive(seen_at),
        }
        for ref, silo, source_id in hits.select("request_ref", "silo", "source_id").iter_rows()
    ]
    with store.transaction("erasure") as connection:
        connection.execute(insert(erasure_hits), rows)


def load_hits(store: StateStore, request_ref: str) -> pl.DataFrame:
    """silo, source_id, run_id, seen_at of the records stopped for a request, newest first."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        rows = connection.execute(
            select(
                erasure_hits.c.silo,
                erasure_hits.c.source_id,
                erasure_hits.c.run_id,
                erasure_hits.c.seen_at,
            ).where(erasure_hits.c.request_ref == request_ref)
        ).all()
    schema = {
        "silo": pl.String(),
        "source_id": pl.String(),
        "run_id": pl.String(),
        "seen_at": pl.Datetime("us"),
    }
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row").sort(
        "seen_at", "silo", "source_id", descending=[True, False, False]
    )


def erased_golden_ids(store: StateStore) -> set[str]:
    """Golden ids retired by an erasure (their CRM rows must be deleted, not just dropped)."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        return {row.golden_id for row in connection.execute(select(erasures.c.golden_id))}


def save_flags(store: StateStore, rows: list[dict[str, object]]) -> None:
    """Store restriction / objection flags (flag_id, silo, source_id, kind, channel, since, ...)."""
    ensure_tables(store)
    with store.transaction("subject flags") as connection:
        connection.execute(insert(subject_flags), rows)


def lift_restriction(store: StateStore, keys: list[tuple[str, str]], when: datetime) -> int:
    """End the restriction of these records (silo, source_id); return how many flags ended."""
    ensure_tables(store)
    with store.transaction("subject flags") as connection:
        result = connection.execute(
            update(subject_flags)
            .where(
                and_(
                    tuple_(subject_flags.c.silo, subject_flags.c.source_id).in_(keys),
                    subject_flags.c.kind == "restrict",
                    subject_flags.c.lifted_at.is_(None),
                )
            )
            .values(lifted_at=_naive(when))
        )
    return int(result.rowcount or 0)


def load_flags(store: StateStore) -> pl.DataFrame:
    """Every flag in force (FLAGS_SCHEMA)."""
    ensure_tables(store)
    with store.transaction("subject flags") as connection:
        rows = connection.execute(
            select(*(subject_flags.c[name] for name in FLAGS_SCHEMA)).where(
                subject_flags.c.lifted_at.is_(None)
            )
        ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=FLAGS_SCHEMA, orient="row")


def record_retention_tasks(store: StateStore, erasure: Erasure, tasks: pl.DataFrame) -> None:
    """Store the audit entry and the silo tasks of `golden retention apply`, in one transaction."""
    ensure_tables(store)
    with store.transaction("retention") as connection:
        connection.execute(
            insert(erasures).values(
                request_ref=erasure.request_ref,
                golden_id=erasure.golden_id,
                requested_at=erasure.requested_at,
                erased_at=_naive(erasure.erased_at),
                erased_by=erasure.erased_by,
                reason=erasure.reason,
                silos=json.dumps(list(erasure.silos)),
                profiles=json.dumps([]),
                records=erasure.records,
            )
        )
        connection.execute(
            insert(erasure_tasks),
            [
                {
                    "request_ref": erasure.request_ref,
                    "silo": silo,
                    "source_id": source_id,
                    "owner": owner,
                    "status": OPEN,
                }
                for silo, source_id, owner in tasks.select("silo", "source_id", "owner").iter_rows()
            ],
        )


def tasked_records(store: StateStore, prefix: str) -> pl.DataFrame:
    """silo, source_id of every task of the requests whose reference starts with ``prefix``."""
    ensure_tables(store)
    with store.transaction("erasure") as connection:
        rows = connection.execute(
            select(erasure_tasks.c.silo, erasure_tasks.c.source_id).where(
                erasure_tasks.c.request_ref.startswith(prefix)
            )
        ).all()
    schema = {"silo": pl.String(), "source_id": pl.String()}
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row").unique()


def compact(store: StateStore) -> None:
    """SQLite: rewrite the file so deleted rows do not linger in free pages (VACUUM).

    PostgreSQL reclaims dead rows with its own (auto)vacuum; nothing to do there.
    """
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
