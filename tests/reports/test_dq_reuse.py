"""DQ verdicts reused from the last run (reports.dq_reuse) give what checking every row gives.

Each night is checked twice: from scratch, and with the verdicts the previous night left in its
DQ cache. Failures and counts must be equal; great-expectations must see only what changed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.dq_checks import run_dq_checks
from reports import dq_validation
from reports.dq_reuse import DQReuse, write_dq_cache
from reports.dq_scores import DQResults
from tests.reports.test_dq_checks import TODAY, _cleaned, _config, _record


def _night(
    rows: list[dict[str, Any]], today: date, cache: Path | None, write_to: Path
) -> tuple[DQResults, DQReuse]:
    """The checks with the cache in ``cache`` (None: none), leaving this night's in
    ``write_to``; also checked from scratch, which must give the same results."""
    reuse = DQReuse.load(cache)
    results = run_dq_checks(_config(), _cleaned(rows), today, reuse)
    write_dq_cache(write_to, reuse)
    scratch = run_dq_checks(_config(), _cleaned(rows), today, DQReuse.load(None))
    assert_frame_equal(results.failures, scratch.failures)
    assert_frame_equal(results.check_results, scratch.check_results)
    return results, reuse


def _failing(results: DQResults, check: str) -> list[str]:
    return sorted(results.failures.filter(pl.col("check") == check)["record_key"].to_list())


def _rows() -> list[dict[str, Any]]:
    return [
        _record("crm:1", emails=["max@example.de"]),
        _record("crm:2", emails=["erika@example.de"], last_name=None),
        _record("crm:3", emails=["bad@example"], updated_at=datetime(2024, 1, 1)),
        *(_record(f"crm:{n}", emails=[f"p{n}@example.de"]) for n in range(4, 40)),
    ]


def test_an_unchanged_night_asks_great_expectations_nothing_but_the_duplicates(
    tmp_path: Path,
) -> None:
    first, _ = _night(_rows(), TODAY, None, tmp_path / "one")
    second, reuse = _night(_rows(), TODAY, tmp_path / "one", tmp_path / "two")
    assert reuse.reason == "the last run's DQ cache fits"
    assert reuse.validated == 0, reuse.log_line()  # no value repeats in a silo: no duplicates
    assert_frame_equal(first.failures, second.failures)
    assert _failing(second, "completeness.required:last_name") == ["crm:2"]
    assert _failing(second, "validity.format:emails") == ["crm:3"]


def test_an_unchanged_night_with_duplicates_never_imports_great_expectations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value repeated last night and still repeated keeps its verdict: nothing is left for
    great-expectations, so it is not even imported (about 4 s of a night)."""
    rows = [*_rows(), _record("crm:77", emails=["max@example.de"])]  # as crm:1
    first, _ = _night(rows, TODAY, None, tmp_path / "one")
    assert _failing(first, "uniqueness.unique_in_silo:emails") == ["crm:1", "crm:77"]

    def no_import() -> None:
        raise AssertionError("great-expectations imported with every verdict known")

    monkeypatch.setattr(dq_validation, "import_gx", no_import)
    reuse = DQReuse.load(tmp_path / "one")
    second = run_dq_checks(_config(), _cleaned(rows), TODAY, reuse)
    assert reuse.validated == 0, reuse.log_line()
    assert_frame_equal(first.failures, second.failures)
    assert_frame_equal(first.check_results, second.check_results)


def test_a_duplicate_gone_passes_and_a_third_row_fails(tmp_path: Path) -> None:
    rows = [*_rows(), _record("crm:77", emails=["max@example.de"])]  # as crm:1
    _night(rows, TODAY, None, tmp_path / "one")
    results, _ = _night(_rows(), TODAY, tmp_path / "one", tmp_path / "two")  # crm:77 deleted
    assert _failing(results, "uniqueness.unique_in_silo:emails") == []
    rows = [*rows, _record("crm:78", emails=["max@example.de"])]
    results, reuse = _night(rows, TODAY, tmp_path / "two", tmp_path / "three")
    assert _failing(results, "uniqueness.unique_in_silo:emails") == ["crm:1", "crm:77", "crm:78"]
    results, reuse = _night(rows, TODAY, tmp_path / "three", tmp_path / "four")
    assert reuse.validated == 0, reuse.log_line()
    assert _failing(results, "uniqueness.unique_in_silo:emails") == ["crm:1", "crm:77", "crm:78"]


def test_changed_rows_are_checked_and_unchanged_failures_kept(tmp_path: Path) -> None:
    _night(_rows(), TODAY, None, tmp_path / "one")
    rows = _rows()
    rows[0] = _record("crm:1", emails=["max@example"], last_name=None)  # now fails twice
    rows[1] = _record("crm:2", emails=["erika@example.de"])  # now passes
    rows.append(_record("crm:99", emails=["new@example"]))  # new, fails
    results, reuse = _night(rows, TODAY, tmp_path / "one", tmp_path / "two")
    assert 0 < reuse.validated < reuse.rows / 10, reuse.log_line()
    assert _failing(results, "completeness.required:last_name") == ["crm:1"]
    assert _failing(results, "validity.format:emails") == ["crm:1", "crm:3", "crm:99"]
    assert _failing(results, "timeliness.max_age:updated_at") == ["crm:3"]


def test_a_new_duplicate_makes_the_unchanged_row_fail_too(tmp_path: Path) -> None:
    _night(_rows(), TODAY, None, tmp_path / "one")
    rows = [*_rows(), _record("crm:77", emails=["max@example.de"])]  # as crm:1, unchanged
    results, _ = _night(rows, TODAY, tmp_path / "one", tmp_path / "two")
    assert _failing(results, "uniqueness.unique_in_silo:emails") == ["crm:1", "crm:77"]


def test_values_between_yesterdays_and_todays_bound_are_checked_again(tmp_path: Path) -> None:
    """ "Updated within 24 months" and "not in the future" move with the day: a value that
    crossed a bound overnight reads differently although its row did not change."""
    tomorrow = TODAY + timedelta(days=1)
    rows = [
        *_rows(),
        # in the future today, not tomorrow (the bound is the end of the day)
        _record("crm:50", updated_at=datetime.combine(tomorrow, datetime.min.time())),
        # recent enough today, too old tomorrow (12 months before the day)
        _record("crm:51", updated_at=datetime(TODAY.year - 1, TODAY.month, TODAY.day)),
    ]
    first, _ = _night(rows, TODAY, None, tmp_path / "one")
    assert _failing(first, "validity.not_in_future:updated_at") == ["crm:50"]
    assert "crm:51" not in _failing(first, "timeliness.max_age:updated_at")
    second, reuse = _night(rows, tomorrow, tmp_path / "one", tmp_path / "two")
    assert _failing(second, "validity.not_in_future:updated_at") == []
    assert _failing(second, "timeliness.max_age:updated_at") == ["crm:3", "crm:51"]
    # Only the values between the bounds were validated again (one per bound check here).
    assert 0 < reuse.validated <= 4, reuse.log_line()


def test_a_damaged_or_foreign_cache_is_not_used(tmp_path: Path) -> None:
    _night(_rows(), TODAY, None, tmp_path / "one")
    manifest = tmp_path / "one" / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"pandas"', '"pandas-other"'))
    _, reuse = _night(_rows(), TODAY, tmp_path / "one", tmp_path / "two")
    assert reuse.reason != "the last run's DQ cache fits" and reuse.validated > 0
    next(iter((tmp_path / "two").glob("*.parquet"))).write_bytes(b"not parquet")
    _, reuse = _night(_rows(), TODAY, tmp_path / "two", tmp_path / "three")
    assert reuse.reason.startswith("no usable DQ cache from the last run (") and reuse.validated > 0
    assert "unreadable" in reuse.reason


def test_an_unusable_cache_says_which_file_and_what_is_wrong(tmp_path: Path) -> None:
    """summary.json's dq_checking reason names the file and the problem (rules.cache_files), so
    a steward or operator sees why great-expectations checked every row again."""
    _night(_rows(), TODAY, None, tmp_path / "one")
    _, reuse = _night(_rows(), TODAY, tmp_path / "nowhere", tmp_path / "two")
    assert reuse.reason == "no usable DQ cache from the last run (manifest.json missing)"
    verdicts = next(iter(sorted((tmp_path / "two").glob("*.parquet"))))
    pl.read_parquet(verdicts).head(0).write_parquet(verdicts)
    _, reuse = _night(_rows(), TODAY, tmp_path / "two", tmp_path / "three")
    assert f"({verdicts.name} holds 0 rows, the manifest says" in reuse.reason, reuse.reason
    assert reuse.validated > 0
    manifest = tmp_path / "three" / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"polars": "', '"polars": "0.0.'))
    _, reuse = _night(_rows(), TODAY, tmp_path / "three", tmp_path / "four")
    assert reuse.reason == "no usable DQ cache from the last run (written with other polars)"


def test_each_distinct_value_goes_to_great_expectations_once(tmp_path: Path) -> None:
    rows = [_record(f"crm:{n}", emails=[f"p{n}@example.de"], city=None) for n in range(30)]
    results, reuse = _night(rows, TODAY, None, tmp_path / "one")
    assert len(_failing(results, "completeness.required:city")) == 30
    # 30 rows per records check, all alike but in their e-mail: far fewer rows validated
    assert reuse.validated < reuse.rows / 2, reuse.log_line()
