"""`golden run`'s summary table: read through the typed RunSummary, every count shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.cli import print_summary
from reports.summary import RunSummary, SiloSummary


def test_print_summary_shows_each_silo_and_the_run_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    silo = SiloSummary(
        "crm", "csv", 1, rows_read=7, quarantined=2, records=5, invalid_values=0, corrected_values=0
    )
    run = RunSummary(
        run_id="r1",
        started_at=datetime(2026, 12, 5, tzinfo=UTC),
        finished_at=None,
        project="p",
        language="de",
        silos=(silo,),
        golden_records=4,
        records_in_crosswalk=5,
        duplicates_merged=1,
        review_pairs=3,
        stale_flagged=0,
    )

    print_summary(run.to_dict())

    out = capsys.readouterr().out
    assert "run r1" in out
    assert "crm" in out and "7" in out and "5" in out
    for line in ("golden records: 4", "duplicates merged: 1", "pairs for review: 3"):
        assert line in out


def test_print_summary_names_a_missing_key() -> None:
    with pytest.raises(ValueError, match="run summary: key '.*' is missing"):
        print_summary({"run_id": "r1", "silos": []})
