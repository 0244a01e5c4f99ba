"""The state store: runs, the crosswalk and golden-id history, kept across runs.

One code path for embedded SQLite (the default, ``<output>/state.db``) and PostgreSQL (any
SQLAlchemy URL in ``[project] state_url``). Tables are prefixed ``golden_`` so the store can live
in a shared database; on PostgreSQL a schema can be chosen with ``?options=-csearch_path%3D<name>``.

Tables:
    golden_runs        run_id, started_at, finished_at, status, counts (JSON), error
    golden_crosswalk   silo, source_id -> golden_id, first_run, last_run  (the current mapping)
    golden_ids         golden_id, created_run, retired_run, redirect_to   (merges leave redirects)
    golden_exports     profile, golden_id -> object, content_hash, status, redirect_to, run_id,
                       exported_at  (what each CRM export profile has been given; flows.export)
    golden_export_runs export_id, profile, run_id, since, exported_at, folder, counts (JSON)
    golden_dq_scores   run_id, silo, dimension -> checked, failed, score  (DQ trends; "*" = all)
    golden_review_decisions  decision_id -> left/right silo and source_id, decision (approve |
                       reject), reviewer, reason, decided_at, run_id of the report, golden_id,
                       origin  (the audit trail of flows.review; the cluster stage honours them)
    golden_survivorship_overrides  override_id -> golden_id, field (attribute group), silo,
                       source_id (the chosen record), value_hash, reviewer, decided_at,
                       decision_id (the pair decision it came with), origin, dropped_run,
                       dropped_reason  (matching.overrides; survivorship honours the live ones)

New tables reach an existing store by ``create_all`` when it is opened (the overrides table was
added so: a store from before gets it, empty, on its next open); a new column would need an
explicit migration here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from flows.connectors.databases import with_installed_driver
from rules.errors import StateError

metadata = MetaData()

runs = Table(
    "golden_runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(20), nullable=False),
    Column("counts", Text),
    Column("error", Text),
)

crosswalk = Table(
    "golden_crosswalk",
    metadata,
    Column("silo", String(100), primary_key=True),
    Column("source_id", String(300), primary_key=True),
    Column("golden_id", String(40), nullable=False, index=True),
    Column("first_run", String(40), nullable=False),
    Column("last_run", String(40), nullable=False),
)

golden_ids = Table(
    "golden_ids",
    metadata,
    Column("golden_id", String(40), primary_key=True),
    Column("created_run", String(40), nullable=False),
    Column("retired_run", String(40)),
    Column("redirect_to", String(40)),
)

#: Per export profile and golden id: what the CRM was last given (status exported / merged /
#: removed; content_hash is the MD5 of the rendered row). Written by flows.export_state.
golden_exports = Table(
    "golden_exports",
    metadata,
    Column("profile", String(40), primary_key=True),
    Column("golden_id", String(40), primary_key=True),
    Column("object", String(40), nullable=False),
    Column("content_hash", String(32)),
    Column("status", String(20), nullable=False),
    Column("redirect_to", String(40)),
    Column("run_id", String(40), nullable=False),
    Column("exported_at", DateTime, nullable=False),
)

export_runs = Table(
    "golden_export_runs",
    metadata,
    Column("export_id", String(60), primary_key=True),
    Column("profile", String(40), nullable=False, index=True),
    Column("run_id", String(40), nullable=False),
    Column("since", Text),  # "changed records only; first export of this profile: …" > 60
    Column("exported_at", DateTime, nullable=False),
    Column("folder", Text),
    Column("counts", Text),
)

#: DQ scores per run, silo and dimension (reports.dq_scores.scorecard), for trends over runs.
dq_scores = Table(
    "golden_dq_scores",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("silo", String(100), primary_key=True),
    Column("dimension", String(20), primary_key=True),
    Column("checked", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("score", Float),
)

#: Reviewer decisions on record pairs: approve = must-link, reject = cannot-link (flows.review).
review_decisions = Table(
    "golden_review_decisions",
    metadata,
    Column("decision_id", String(80), primary_key=True),
    Column("left_silo", String(100), nullable=False),
    Column("left_source_id", String(300), nullable=False),
    Column("right_silo", String(100), nullable=False),
    Column("right_source_id", String(300), nullable=False),
    Column("decision", String(10), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("reason", Text),
    Column("decided_at", DateTime, nullable=False),
    Column("run_id", String(40)),
    Column("golden_id", String(40), index=True),
    Column("origin", String(300)),
)

#: Reviewer choices of the record a golden record takes an attribute group from (flows.review).
survivorship_overrides = Table(
    "golden_survivorship_overrides",
    metadata,
    Column("override_id", String(80), primary_key=True),
    Column("golden_id", String(40), nullable=False, index=True),
    Column("field", String(40), nullable=False),
    Column("silo", String(100), nullable=False),
    Column("source_id", String(300), nullable=False),
    Column("value_hash", String(32), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Column("decision_id", String(80)),
    Column("origin", String(300)),
    Column("dropped_run", String(40)),
    Column("dropped_reason", String(40)),
)

DECISIONS_SCHEMA = {
    "decision_id": pl.String(),
    "left_silo": pl.String(),
    "left_source_id": pl.String(),
    "right_silo": pl.String(),
    "right_source_id": pl.String(),
    "decision": pl.String(),
    "reviewer": pl.String(),
    "reason": pl.String(),
    "decided_at": pl.Datetime("us"),
    "run_id": pl.String(),
    "golden_id": pl.String(),
    "origin": pl.String(),
}

CROSSWALK_SCHEMA = {"silo": pl.String(), "source_id": pl.String(), "golden_id": pl.String()}


@dataclass(frozen=True)
class RunRecord:
    """One row of golden_runs."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, object]
    error: str | None


@dataclass(frozen=True)
class ReviewDecision:
    """One reviewer decision on a pair of source records (a row of golden_review_decisions)."""

    decision_id: str
    left_silo: str
    left_source_id: str
    right_silo: str
    right_source_id: str
    #: "approve" (must-link) or "reject" (cannot-link)
    decision: str
    reviewer: str
    reason: str | None
    decided_at: datetime
    #: the run whose report the decision was taken in
    run_id: str | None
    #: the golden id the pair belonged to when decided (for `golden history`)
    golden_id: str | None = None
    #: where it came from: "review file NAME", "review-move-out: review file NAME" or "unmerge"
    origin: str | None = None


@dataclass(frozen=True)
class SurvivorshipOverride:
    """A reviewer's choice: ``golden_id`` takes ``field`` (an attribute group) from one record."""

    override_id: str
    golden_id: str
    field: str
    silo: str
    source_id: str
    #: fingerprint of the group's values the reviewer saw (matching.overrides.value_hashes)
    value_hash: str
    reviewer: str
    decided_at: datetime
    decision_id: str | None = None
    origin: str | None = None


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


#: The heartbeat stage of a run whose outputs are published but not yet recorded in the store.
PUBLISHED_STAGE = "published, recording state"


class StateStore:
    """Access to the state tables; create with ``StateStore.open(url)``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, new_state: bool = False) -> StateStore:
        """Connect (creating the SQLite file and the tables when missing) or raise StateError.

        A SQLite store is refused when it is damaged, or missing while run folders lie next to
        it (the decisions and ids of those runs would be lost) unless ``new_state`` is given.
        """
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StateError(f"state store: not a database URL: {_safe_url(url)}") from None
        connect_args: dict[str, int] = {}
        if parsed.drivername.split("+", 1)[0] == "sqlite":
            if parsed.database:
                from flows.state_files import check_sqlite_state

                check_sqlite_state(Path(parsed.database), new_state=new_state)
        else:
            installed = with_installed_driver(parsed)
            if installed is None:
                raise StateError(
                    f"state store {_safe_url(url)}: database kind "
                    f"'{parsed.drivername.split('+', 1)[0]}' is not supported — use "
                    "sqlite:///path/state.db, postgresql://user@host/db or mysql://user@host/db "
                    "(MariaDB) in [project] state_url of golden.toml"
                )
            parsed, connect_args = installed, {"connect_timeout": 5}
        try:
            engine = create_engine(parsed, connect_args=connect_args)
            metadata.create_all(engine)
            widen_text_columns(engine)
        except SQLAlchemyError as exc:
            if parsed.drivername.startswith("sqlite"):
                raise StateError(
                    f"state store {parsed.database}: cannot open ({_reason(exc)}) — check that "
                    f"the file and its folder are writable"
                ) from None
            raise StateError(
                f"state store {_safe_url(url)}: cannot open ({_reason(exc)}) — check "
                f"[project] state_url in golden.toml and that the database server runs"
            ) from None
        return cls(engine)

    @contextmanager
    def transaction(self, part: str = "") -> Iterator[Connection]:
        """One transaction; database errors become a StateError naming ``part`` (e.g. exports)."""
        where = f"state store ({part})" if part else "state store"
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            reason = _reason(exc)
            if self.engine.url.drivername.startswith("sqlite"):
                place = self.engine.url.database
                advice = (
                    "free disk space there"
                    if "disk" in reason or "full" in reason
                    else "check that the file and its folder are writable (`golden doctor`)"
                )
            else:
                place = self.engine.url.render_as_string(hide_password=True)
                advice = "check that the database server runs and has space"
            raise StateError(f"{where} {place}: {reason} — {advice}") from None

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- runs ---------------------------------------------------------------------------------
    def start_run(
        self, run_id: str, started_at: datetime, process: dict[str, object] | None = None
    ) -> None:
        """Record a run as started, with the process running it (to tell a killed run later)."""
        counts = {"process": process, "last_seen": _naive(started_at)} if process else None
        with self.transaction() as connection:
            connection.execute(
                insert(runs).values(
                    run_id=run_id,
                    started_at=_naive(started_at),
                    status="running",
                    counts=json.dumps(counts, sort_keys=True, default=str) if counts else None,
                )
            )

    def heartbeat(self, run_id: str, stage: str, process: dict[str, object]) -> None:
        """Note that a running run reached ``stage`` now (shown if the run is killed later)."""
        counts = {"process": process, "last_seen": _naive(datetime.now(UTC)), "stage": stage}
        with self.transaction() as connection:
            connection.execute(
                update(runs)
                .where(runs.c.run_id == run_id, runs.c.status == "running")
                .values(counts=json.dumps(counts, sort_keys=True, default=str))
            )

    def mark_aborted_runs(self) -> list[str]:
        """Mark runs still "running" whose process is gone as "aborted"; return their ids.

        A run on another host is left alone (it may be alive); a run recorded without a
        process (older versions) counts as gone, since a live run now always records one.
        """
        from flows.runlock import process_alive

        aborted = []
        with self.transaction() as connection:
            for row in connection.execute(select(runs).where(runs.c.status == "running")).all():
                counts = json.loads(row.counts) if row.counts else {}
                process = counts.get("process") if isinstance(counts, dict) else None
                if isinstance(process, dict) and process_alive(process) is not False:
                    continue
                last_seen = (counts or {}).get("last_seen") or f"{row.started_at}"
                stage = (counts or {}).get("stage")
                if stage == PUBLISHED_STAGE:
                    what = (
                        "killed after publishing (outputs in latest/) before the store recorded it"
                    )
                else:
                    what = "killed or crashed" + (f" during {stage}" if stage else "")
                connection.execute(
                    update(runs)
                    .where(runs.c.run_id == row.run_id)
                    .values(status="aborted", error=f"{what}; last seen {str(last_seen)[:19]} UTC")
                )
                aborted.append(row.run_id)
        return aborted

    def finish_run(
        self, run_id: str, status: str, counts: dict[str, object], error: str | None = None
    ) -> None:
        """Record the end of a run with its status and counts per stage."""
        with self.transaction() as connection:
            connection.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(
                    finished_at=_naive(datetime.now(UTC)),
                    status=status,
                    counts=json.dumps(counts, sort_keys=True, default=str),
                    error=error,
                )
            )

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        """The most recent runs, newest first."""
        with self.transaction() as connection:
            rows = connection.execute(
                select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc()).limit(limit)
            ).all()
        return [
            RunRecord(
                run_id=row.run_id,
                started_at=row.started_at,
                finished_at=row.finished_at,
                status=row.status,
                counts=json.loads(row.counts) if row.counts else {},
                error=row.error,
            )
            for row in rows
        ]

    # -- crosswalk and ids --------------------------------------------------------------------
    def load_crosswalk(self) -> pl.DataFrame:
        """The crosswalk of the last successful run: silo, source_id, golden_id."""
        with self.transaction() as connection:
            stored = _fetch(
                connection,
                select(crosswalk.c.silo, crosswalk.c.source_id, crosswalk.c.golden_id),
                CROSSWALK_SCHEMA,
            )
        return stored.sort("silo", "source_id")

    def load_golden_ids(self) -> pl.DataFrame:
        """Every golden id ever issued, with the run that created it and any redirect."""
        with self.transaction() as connection:
            return _fetch(
                connection,
                select(golden_ids),
                {
                    "golden_id": pl.String(),
                    "created_run": pl.String(),
                    "retired_run": pl.String(),
                    "redirect_to": pl.String(),
                },
            )

    def save_crosswalk(self, run_id: str, current: pl.DataFrame, redirects: pl.DataFrame) -> None:
        """Replace the crosswalk by ``current``; record new ids and redirects, in one transaction.

        ``current`` has silo, source_id, golden_id; ``redirects`` has golden_id, redirect_to for
        ids that stopped being used in this run (redirect_to null when the record left).
        Only the difference is written (rows gone deleted, new rows inserted, changed golden
        ids updated) and every row's ``last_run`` set by one statement: a night that changed
        1 % of the records no longer deletes and re-inserts the other 99 %.
        """
        with self.transaction() as connection:
            stored = _fetch(
                connection,
                select(crosswalk.c.silo, crosswalk.c.source_id, crosswalk.c.golden_id),
                CROSSWALK_SCHEMA,
            )
            known_ids = set(
                _fetch(connection, select(golden_ids.c.golden_id), {"golden_id": pl.String()})[
                    "golden_id"
                ].to_list()
            )
            wanted = current.select("silo", "source_id", "golden_id").cast(CROSSWALK_SCHEMA)  # type: ignore[arg-type]
            keys = ["silo", "source_id"]
            gone = stored.join(wanted, on=keys, how="anti")
            added = wanted.join(stored, on=keys, how="anti")
            moved = wanted.join(stored, on=keys, suffix="_stored").filter(
                pl.col("golden_id") != pl.col("golden_id_stored")
            )
            where = (crosswalk.c.silo == bindparam("key_silo")) & (
                crosswalk.c.source_id == bindparam("key_source_id")
            )
            if gone.height:
                connection.execute(
                    delete(crosswalk).where(where),
                    [
                        {"key_silo": silo, "key_source_id": source_id}
                        for silo, source_id in gone.select(keys).iter_rows()
                    ],
                )
            if moved.height:
                connection.execute(
                    update(crosswalk).where(where).values(golden_id=bindparam("new_golden_id")),
                    [
                        {"key_silo": silo, "key_source_id": source_id, "new_golden_id": golden_id}
                        for silo, source_id, golden_id in moved.select(
                            *keys, "golden_id"
                        ).iter_rows()
                    ],
                )
            connection.execute(update(crosswalk).values(last_run=run_id))
            _insert_many(
                connection,
                crosswalk,
                added.with_columns(first_run=pl.lit(run_id), last_run=pl.lit(run_id)),
            )
            new_ids = sorted(set(current["golden_id"].to_list()) - known_ids)
            _insert_many(
                connection,
                golden_ids,
                pl.DataFrame(
                    {"golden_id": new_ids, "created_run": [run_id] * len(new_ids)},
                    schema={"golden_id": pl.String(), "created_run": pl.String()},
                ),
            )
            if redirects.height:  # one executemany, not one round trip per retired id
                connection.execute(
                    update(golden_ids)
                    .where(golden_ids.c.golden_id == bindparam("retired_id"))
                    .values(retired_run=run_id, redirect_to=bindparam("target")),
                    [
                        {"retired_id": golden_id, "target": redirect_to}
                        for golden_id, redirect_to in redirects.select(
                            "golden_id", "redirect_to"
                        ).iter_rows()
                    ],
                )

    # -- review decisions ---------------------------------------------------------------------
    def save_review_decisions(
        self,
        decisions: list[ReviewDecision],
        overrides: list[SurvivorshipOverride] | None = None,
    ) -> None:
        """Store reviewer decisions and their value choices, all or none, in one transaction."""
        rows = [
            {
                **{name: getattr(decision, name) for name in DECISIONS_SCHEMA},
                "decided_at": _naive(decision.decided_at),
            }
            for decision in decisions
        ]
        chosen = [
            {
                **{name: getattr(override, name) for name in _OVERRIDE_FIELDS},
                "decided_at": _naive(override.decided_at),
            }
            for override in overrides or []
        ]
        if not rows and not chosen:
            return
        with self.transaction() as connection:
            if rows:
                connection.execute(insert(review_decisions), rows)
            if chosen:
                connection.execute(insert(survivorship_overrides), chosen)

    def load_overrides(self, *, dropped: bool = False) -> pl.DataFrame:
        """Live overrides (matching.overrides.OVERRIDES_SCHEMA), oldest first.

        With ``dropped``: every override ever stored, plus decision_id, origin, dropped_run and
        dropped_reason (the audit trail `golden history` shows).
        """
        from matching.overrides import OVERRIDES_SCHEMA

        extra = ("decision_id", "origin", "dropped_run", "dropped_reason") if dropped else ()
        names = (*OVERRIDES_SCHEMA, *extra)
        query = select(*(survivorship_overrides.c[name] for name in names)).order_by(
            survivorship_overrides.c.decided_at, survivorship_overrides.c.override_id
        )
        if not dropped:
            query = query.where(survivorship_overrides.c.dropped_run.is_(None))
        with self.transaction("survivorship overrides") as connection:
            rows = connection.execute(query).all()
        schema = {**OVERRIDES_SCHEMA, **{name: pl.String() for name in extra}}
        return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")

    def drop_overrides(self, run_id: str, dropped: pl.DataFrame) -> None:
        """Mark overrides a run could not apply (override_id, reason) as dropped by ``run_id``."""
        if dropped.height == 0:
            return
        with self.transaction("survivorship overrides") as connection:
            connection.execute(
                update(survivorship_overrides)
                .where(survivorship_overrides.c.override_id == bindparam("dropped_id"))
                .values(dropped_run=run_id, dropped_reason=bindparam("why")),
                [
                    {"dropped_id": override_id, "why": reason}
                    for override_id, reason in dropped.select("override_id", "reason").iter_rows()
                ],
            )

    def load_review_decisions(self) -> pl.DataFrame:
        """Every stored decision (DECISIONS_SCHEMA), oldest first."""
        with self.transaction() as connection:
            rows = connection.execute(
                select(*(review_decisions.c[name] for name in DECISIONS_SCHEMA)).order_by(
                    review_decisions.c.decided_at, review_decisions.c.decision_id
                )
            ).all()
        return pl.DataFrame([tuple(row) for row in rows], schema=DECISIONS_SCHEMA, orient="row")

    # -- data-quality scores ------------------------------------------------------------------
    def save_dq_scores(self, run_id: str, scores: pl.DataFrame) -> None:
        """Store a run's DQ scores (silo, dimension, checked, failed, score), replacing any."""
        rows = [
            {"run_id": run_id, **row}
            for row in scores.select("silo", "dimension", "checked", "failed", "score").to_dicts()
        ]
        with self.transaction() as connection:
            connection.execute(delete(dq_scores).where(dq_scores.c.run_id == run_id))
            if rows:
                connection.execute(insert(dq_scores), rows)

    def load_dq_history(self, runs_limit: int = 30, exclude_run: str | None = None) -> pl.DataFrame:
        """DQ scores of the latest ``runs_limit`` runs that have scores, except ``exclude_run``.

        Columns: run_id, started_at, status, silo, dimension, checked, failed, score; oldest
        run first. A run that failed on a blocking rule has scores too (status "failed").
        """
        from reports.dq_scores import HISTORY_SCHEMA

        with self.transaction() as connection:
            latest = (
                select(runs.c.run_id, runs.c.started_at)
                .where(runs.c.run_id.in_(select(dq_scores.c.run_id).distinct()))
                .order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
            )
            if exclude_run is not None:
                latest = latest.where(runs.c.run_id != exclude_run)
            chosen = [row.run_id for row in connection.execute(latest.limit(runs_limit))]
            rows = connection.execute(
                select(
                    runs.c.run_id,
                    runs.c.started_at,
                    runs.c.status,
                    dq_scores.c.silo,
                    dq_scores.c.dimension,
                    dq_scores.c.checked,
                    dq_scores.c.failed,
                    dq_scores.c.score,
                )
                .join(dq_scores, dq_scores.c.run_id == runs.c.run_id)
                .where(runs.c.run_id.in_(chosen))
            ).all()
        history = pl.DataFrame([tuple(row) for row in rows], schema=HISTORY_SCHEMA, orient="row")
        return history.sort("started_at", "run_id", "silo", "dimension")


_OVERRIDE_FIELDS = (
    "override_id",
    "golden_id",
    "field",
    "silo",
    "source_id",
    "value_hash",
    "reviewer",
    "decided_at",
    "decision_id",
    "origin",
)


def widen_text_columns(engine: Engine) -> list[str]:
    """Alter columns that a store created by an older version holds as VARCHAR(n) to TEXT.

    ``create_all`` only adds missing tables, never changes a column: a PostgreSQL or MariaDB
    store from before ``golden_export_runs.since`` became Text refused every export baseline
    longer than 60 characters. SQLite enforces no length, so it is left alone. Returns the
    ``table.column`` names altered.
    """
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "mysql", "mariadb"):
        return []
    altered: list[str] = []
    with engine.begin() as connection:
        inspector = inspect(connection)
        for table in metadata.sorted_tables:
            wanted = [column for column in table.columns if isinstance(column.type, Text)]
            if not wanted or not inspector.has_table(table.name):
                continue
            existing = {column["name"]: column for column in inspector.get_columns(table.name)}
            for column in wanted:
                found = existing.get(column.name)
                if found is None or getattr(found["type"], "length", None) is None:
                    continue
                if dialect == "postgresql":
                    statement = f'ALTER TABLE "{table.name}" ALTER COLUMN "{column.name}" TYPE text'
                else:
                    null = "NULL" if column.nullable else "NOT NULL"
                    statement = (
                        f"ALTER TABLE `{table.name}` MODIFY COLUMN `{column.name}` TEXT {null}"
                    )
                connection.execute(sql_text(statement))
                altered.append(f"{table.name}.{column.name}")
    return altered


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first line without SQLAlchemy's statement and URL (no password leaks)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig or exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _naive(moment: datetime) -> datetime:
    """Store UTC without tzinfo: SQLite keeps no zone, and both backends must read back alike."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _fetch(
    connection: Connection, statement: Select[Any], schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The rows of ``statement`` (a SELECT without parameters) as a frame of ``schema``.

    On SQLite read through the driver's cursor as plain tuples: SQLAlchemy's row objects cost
    more than the query when a night reads a million crosswalk rows.
    """
    if connection.dialect.name == "sqlite":
        sql = str(statement.compile(dialect=connection.dialect))
        rows: list[Any] = connection.connection.driver_connection.execute(sql).fetchall()  # type: ignore[union-attr]
    else:
        rows = [tuple(row) for row in connection.execute(statement)]
    return pl.DataFrame(rows, schema=schema, orient="row")


#: Rows per INSERT batch.
INSERT_BATCH = 5_000


def _insert_many(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert ``frame``'s rows (columns named as ``table``'s) in batches of INSERT_BATCH.

    On SQLite the rows go to the driver as tuples in one prepared statement: SQLAlchemy making
    a parameter dict per row was most of writing a first night's crosswalk (a million rows).
    """
    if frame.height == 0:
        return
    if connection.dialect.name == "sqlite":
        columns = ", ".join(f'"{name}"' for name in frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        statement = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        for start in range(0, frame.height, INSERT_BATCH):
            connection.exec_driver_sql(statement, frame.slice(start, INSERT_BATCH).rows())
        return
    rows = frame.to_dicts()
    for start in range(0, len(rows), INSERT_BATCH):
        connection.execute(insert(table), rows[start : start + INSERT_BATCH])
