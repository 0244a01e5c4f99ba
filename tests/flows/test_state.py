"""The state store keeps runs, the crosswalk and id history — on SQLite and on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from flows.state import StateStore, crosswalk
from rules.errors import StateError


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'state.db'}"


def _exercise(url: str) -> None:
    store = StateStore.open(url)
    store.start_run("r1", datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    first = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop", "shop"],
            "source_id": ["1", "2", "a-7", "b-1"],
            "golden_id": ["GA", "GA", "GB", "GC"],
        }
    )
    store.save_crosswalk(
        "r1", first, pl.DataFrame(schema={"golden_id": pl.String, "redirect_to": pl.String})
    )
    store.finish_run("r1", "completed", {"golden_records": 3})
    store.close()

    reopened = StateStore.open(url)  # kept across runs (a new process opens the same store)
    assert reopened.load_crosswalk().to_dicts() == first.sort("silo", "source_id").to_dicts()
    reopened.start_run("r2", datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    second = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop", "shop"],
            "source_id": ["1", "2", "a-7", "c-9"],
            "golden_id": ["GA", "GA", "GA", "GD"],
        }
    )
    reopened.save_crosswalk(
        "r2", second, pl.DataFrame({"golden_id": ["GB", "GC"], "redirect_to": ["GA", None]})
    )
    reopened.finish_run("r2", "failed", {}, error="boom")
    runs = reopened.list_runs()
    assert [(run.run_id, run.status) for run in runs] == [("r2", "failed"), ("r1", "completed")]
    assert runs[1].counts == {"golden_records": 3}
    assert runs[0].error == "boom"
    ids = {row["golden_id"]: row for row in reopened.load_golden_ids().to_dicts()}
    assert ids["GA"]["created_run"] == "r1" and ids["GA"]["redirect_to"] is None
    assert ids["GA"]["retired_run"] is None  # only the retired ids are updated
    assert ids["GB"]["redirect_to"] == "GA" and ids["GB"]["retired_run"] == "r2"
    assert ids["GC"]["redirect_to"] is None and ids["GC"]["retired_run"] == "r2"  # it left
    assert ids["GD"]["created_run"] == "r2"
    assert reopened.load_crosswalk()["golden_id"].to_list() == ["GA", "GA", "GA", "GD"]
    # Only the difference is written, yet every row says when it was first and last seen.
    with reopened.transaction() as connection:
        rows = connection.execute(
            select(
                crosswalk.c.silo,
                crosswalk.c.source_id,
                crosswalk.c.golden_id,
                crosswalk.c.first_run,
                crosswalk.c.last_run,
            ).order_by(crosswalk.c.silo, crosswalk.c.source_id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("crm", "1", "GA", "r1", "r2"),
        ("crm", "2", "GA", "r1", "r2"),
        ("shop", "a-7", "GA", "r1", "r2"),  # moved to another golden id: first seen in r1
        ("shop", "c-9", "GD", "r2", "r2"),  # new; shop b-1 left
    ]
    reopened.close()


def test_sqlite_store_round_trip(sqlite_url: str) -> None:
    _exercise(sqlite_url)


@pytest.mark.db
def test_postgres_store_round_trip(postgres_url: str) -> None:
    _exercise(postgres_url)


@pytest.mark.db
def test_mariadb_store_round_trip(mariadb_url: str) -> None:
    _exercise(mariadb_url)  # "mysql://" as users write it: the installed driver is used


def test_unsupported_database_kind_names_the_choices() -> None:
    with pytest.raises(StateError) as error:
        StateStore.open("oracle://golden:secret@db.example/state")
    message = str(error.value)
    assert "'oracle' is not supported" in message and "mysql://" in message
    assert "state_url" in message and "secret" not in message


def test_unreachable_store_is_one_clear_error() -> None:
    with pytest.raises(StateError) as error:
        StateStore.open("postgresql://golden:secret@127.0.0.1:1/none")
    assert "state_url" in str(error.value)
    assert "secret" not in str(error.value)


def test_garbage_url_is_rejected() -> None:
    with pytest.raises(StateError, match="not a database URL"):
        StateStore.open("not a url at all")


def _override_store(url: str) -> None:
    """Overrides stored with their decision, loaded, dropped by a run, and a store from before
    the overrides table (dropped here) gets it on its next open with its decisions intact."""
    from sqlalchemy import text

    from flows.state import ReviewDecision, SurvivorshipOverride

    store = StateStore.open(url)
    with store.engine.begin() as connection:  # a store written before overrides existed
        connection.execute(text("DROP TABLE golden_survivorship_overrides"))
    decided = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    decision = ReviewDecision(
        "d1", "crm", "1", "shop", "7", "approve", "Erika Muster", None, decided, "r1", "G1", "f"
    )
    store.save_review_decisions([decision])
    store.close()

    reopened = StateStore.open(url)  # the migration: the table is created, empty
    assert reopened.load_overrides().height == 0
    assert reopened.load_review_decisions()["decision_id"].to_list() == ["d1"]
    chosen = [
        SurvivorshipOverride(
            f"o{index}",
            "G1",
            field,
            "shop",
            "7",
            "0123456789abcdef",
            "Erika Muster",
            decided,
            "d2",
            "review file x.json",
        )
        for index, field in enumerate(("name", "address"))
    ]
    second = ReviewDecision(
        "d2", "crm", "2", "shop", "7", "approve", "Erika Muster", None, decided, "r1", "G1", "f"
    )
    reopened.save_review_decisions([second], chosen)
    live = reopened.load_overrides()
    assert live.select("override_id", "golden_id", "field", "silo", "source_id").rows() == [
        ("o0", "G1", "name", "shop", "7"),
        ("o1", "G1", "address", "shop", "7"),
    ]
    assert live["decided_at"].to_list() == [decided.replace(tzinfo=None)] * 2
    reopened.drop_overrides(
        "r2", pl.DataFrame({"override_id": ["o1"], "reason": ["value_changed"]})
    )
    assert reopened.load_overrides()["override_id"].to_list() == ["o0"]
    audit = reopened.load_overrides(dropped=True)
    assert audit.filter(pl.col("override_id") == "o1").select(
        "dropped_run", "dropped_reason", "decision_id"
    ).rows() == [("r2", "value_changed", "d2")]
    reopened.close()


def test_overrides_on_sqlite(sqlite_url: str) -> None:
    _override_store(sqlite_url)


def test_overrides_on_postgres(postgres_url: str) -> None:
    _override_store(postgres_url)


def test_overrides_on_mariadb(mariadb_url: str) -> None:
    _override_store(mariadb_url)
