"""DQ scores in the state store: kept per run for trends, on SQLite and on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.state import StateStore
from reports.dq_scores import HISTORY_SCHEMA, SCORES_SCHEMA


def _scores(score: float | None) -> pl.DataFrame:
    return pl.DataFrame(
        [("crm", "validity", 10, 1, score), ("*", "overall", 10, 1, score)],
        schema=SCORES_SCHEMA,
        orient="row",
    )


def _exercise(url: str) -> None:
    store = StateStore.open(url)
    for day, (run_id, status, score) in enumerate(
        [("r1", "completed", 90.0), ("r2", "failed", 40.0), ("r3", "completed", None)], start=1
    ):
        store.start_run(run_id, datetime(2026, 11, day, 2, 0, tzinfo=UTC))
        store.save_dq_scores(run_id, _scores(score))
        store.finish_run(run_id, status, {})
    store.save_dq_scores("r1", _scores(91.0))  # saving again replaces
    store.close()

    reopened = StateStore.open(url)
    history = reopened.load_dq_history()
    assert history.schema == pl.Schema(HISTORY_SCHEMA)
    assert history.unique("run_id", maintain_order=True)["run_id"].to_list() == ["r1", "r2", "r3"]
    assert dict(history.filter(pl.col("silo") == "*").select("run_id", "score").iter_rows()) == {
        "r1": 91.0,
        "r2": 40.0,
        "r3": None,
    }
    assert set(history.filter(pl.col("run_id") == "r2")["status"]) == {"failed"}
    latest_two = reopened.load_dq_history(runs_limit=2, exclude_run="r3")
    assert latest_two["run_id"].unique().sort().to_list() == ["r1", "r2"]
    reopened.close()


def test_sqlite_dq_scores(tmp_path: Path) -> None:
    _exercise(f"sqlite:///{tmp_path / 'state.db'}")


@pytest.mark.db
def test_postgres_dq_scores(postgres_url: str) -> None:
    _exercise(postgres_url)


def test_no_scores_yet_gives_an_empty_history(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    assert store.load_dq_history().is_empty()
    store.close()
