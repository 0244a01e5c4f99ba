"""RunSummary and SiloSummary: JSON round trip, totals and consistency checks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from reports.summary import RunSummary, SiloSummary


def _silo(name: str = "shop", rows_read: int = 120, quarantined: int = 20) -> SiloSummary:
    return SiloSummary(
        name=name,
        connector="csv",
        trust_rank=2,
        rows_read=rows_read,
        quarantined=quarantined,
        records=rows_read - quarantined,
        invalid_values=7,
        corrected_values=11,
    )


def _run(finished_at: datetime | None = datetime(2025, 3, 1, 2, 7, 30, tzinfo=UTC)) -> RunSummary:
    return RunSummary(
        run_id="2025-03-01T02-00-00",
        started_at=datetime(2025, 3, 1, 2, 0, tzinfo=timezone(timedelta(hours=1))),
        finished_at=finished_at,
        project="Kunden",
        language="de",
        silos=(_silo("shop"), _silo("crm", rows_read=300, quarantined=0)),
        golden_records=350,
        records_in_crosswalk=400,
        duplicates_merged=50,
        review_pairs=12,
        stale_flagged=4,
        stage_seconds={"read": 1.25, "clean": 3.0, "match": 10.5},
    )


@pytest.mark.parametrize("finished_at", [datetime(2025, 3, 1, 2, 7, 30, tzinfo=UTC), None])
def test_round_trip_through_json(finished_at: datetime | None) -> None:
    summary = _run(finished_at)
    text = json.dumps(summary.to_dict())
    assert RunSummary.from_dict(json.loads(text)) == summary


def test_to_dict_is_json_types_only() -> None:
    data = _run().to_dict()
    assert data["started_at"] == "2025-03-01T02:00:00+01:00"
    assert isinstance(data["silos"], list)
    assert data["silos"][0]["name"] == "shop"
    # json.dumps without default= fails on datetimes, tuples stay lists after a round trip.
    assert json.loads(json.dumps(data)) == data


def test_silo_round_trip() -> None:
    silo = _silo()
    assert SiloSummary.from_dict(json.loads(json.dumps(silo.to_dict()))) == silo


def test_totals_sum_over_silos() -> None:
    summary = _run()
    assert summary.rows_read == 420
    assert summary.quarantined == 20
    assert summary.records == 400


def test_silos_passed_as_list_become_a_tuple() -> None:
    summary = replace(_run(), silos=[_silo()])  # type: ignore[arg-type]
    assert summary.silos == (_silo(),)


def test_silo_counts_must_add_up() -> None:
    with pytest.raises(ValueError, match="silo 'shop': rows_read"):
        SiloSummary(
            "shop",
            "csv",
            1,
            rows_read=10,
            quarantined=2,
            records=7,
            invalid_values=0,
            corrected_values=0,
        )


def test_duplicates_merged_must_match_crosswalk() -> None:
    with pytest.raises(ValueError, match="duplicates_merged"):
        replace(_run(), duplicates_merged=49)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        pytest.param("golden_records", None, "key 'golden_records' is missing", id="missing"),
        pytest.param("golden_records", "350", "should be int", id="wrong-type"),
        pytest.param("review_pairs", True, "should be int", id="bool-is-not-a-count"),
        pytest.param("started_at", "yesterday", "not an ISO 8601 datetime", id="bad-datetime"),
    ],
)
def test_from_dict_rejects_bad_input(key: str, value: object, message: str) -> None:
    data = _run().to_dict()
    if value is None:
        del data[key]
    else:
        data[key] = value
    with pytest.raises(ValueError, match=message):
        RunSummary.from_dict(data)
