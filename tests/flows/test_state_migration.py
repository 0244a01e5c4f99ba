"""A state store created by an older version is brought up to date when it is opened.

``golden_export_runs.since`` was VARCHAR(60) before it became TEXT; ``create_all`` never alters
an existing column, so a store from then refused every export baseline longer than 60
characters ("value too long for type character varying(60)"). Run on the real servers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url

from flows.connectors.databases import with_installed_driver
from flows.export_state import ExportRecord, record_export
from flows.state import StateStore, widen_text_columns

LONG_SINCE = "changed records only; first export of this profile: every record of run r1 " * 2

#: The table as the first released versions created it (since VARCHAR(60)).
OLD_TABLE = {
    "postgresql": (
        'CREATE TABLE "golden_export_runs" (export_id VARCHAR(60) PRIMARY KEY, '
        "profile VARCHAR(40) NOT NULL, run_id VARCHAR(40) NOT NULL, since VARCHAR(60), "
        "exported_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, folder TEXT, counts TEXT)"
    ),
    "mysql": (
        "CREATE TABLE golden_export_runs (export_id VARCHAR(60) PRIMARY KEY, "
        "profile VARCHAR(40) NOT NULL, run_id VARCHAR(40) NOT NULL, since VARCHAR(60), "
        "exported_at DATETIME NOT NULL, folder TEXT, counts TEXT)"
    ),
}


def _engine(url: str) -> Engine:
    driver_url = with_installed_driver(make_url(url))
    assert driver_url is not None
    return create_engine(driver_url)


def _since_length(url: str) -> int | None:
    engine = _engine(url)
    try:
        columns = {c["name"]: c for c in inspect(engine).get_columns("golden_export_runs")}
        return getattr(columns["since"]["type"], "length", None)
    finally:
        engine.dispose()


def _old_store(url: str, dialect: str) -> None:
    engine = _engine(url)
    with engine.begin() as connection:
        connection.execute(sql_text(OLD_TABLE[dialect]))
    engine.dispose()
    assert _since_length(url) == 60  # really the old schema


def _record(store: StateStore) -> None:
    record_export(
        store,
        ExportRecord(
            export_id="hubspot-r1",
            profile="hubspot",
            run_id="r1",
            since=LONG_SINCE,
            exported_at=datetime(2026, 11, 1, 3, 0, tzinfo=UTC),
            folder="exports/hubspot/r1",
            counts={"contacts": {"new": 1}},
            written=pl.DataFrame(
                {"golden_id": ["G1"], "object": ["contacts"], "content_hash": ["h" * 32]}
            ),
            retired=pl.DataFrame(
                schema={
                    "object": pl.String,
                    "golden_id": pl.String,
                    "change": pl.String,
                    "surviving_golden_id": pl.String,
                }
            ),
        ),
    )


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_old_store_is_widened_on_open(server: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url" if server == "postgresql" else "mariadb_url")
    _old_store(url, server)
    store = StateStore.open(url)  # migrates
    try:
        _record(store)  # failed with "value too long" before the migration
        with store.transaction() as connection:
            since = connection.execute(
                sql_text("SELECT since FROM golden_export_runs WHERE export_id = 'hubspot-r1'")
            ).scalar()
        assert since == LONG_SINCE
        assert widen_text_columns(store.engine) == []  # nothing left to alter: idempotent
    finally:
        store.close()
    assert _since_length(url) is None


def test_old_store_without_migration_refuses_long_since(postgres_url: str) -> None:
    """The failure the migration removes, shown on the unmigrated table (guards the test)."""
    _old_store(postgres_url, "postgresql")
    engine = _engine(postgres_url)
    with pytest.raises(Exception, match="too long"), engine.begin() as connection:
        connection.execute(
            sql_text(
                "INSERT INTO golden_export_runs (export_id, profile, run_id, since, exported_at)"
                " VALUES ('x', 'p', 'r', :since, now())"
            ),
            {"since": LONG_SINCE},
        )
    engine.dispose()


def test_sqlite_store_is_left_alone(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert widen_text_columns(store.engine) == []
        _record(store)
    finally:
        store.close()
