"""DQ scores: scorecards, blocking verdicts, duplicate rates, changes since the previous run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from reports.dq_scores import (
    ALL_SILOS,
    HISTORY_SCHEMA,
    DQResults,
    artifact_markdown,
    blocking_problems,
    duplicate_rates,
    previous_scores,
    score_changes,
    scorecard,
    scores_markdown,
    silo_overlap,
)
from rules.config import parse_config
from rules.dq_rules import CHECK_RESULTS_SCHEMA, FAILURES_SCHEMA

CONFIG = """
[silos.crm]
connector = "csv"
path = "crm.csv"
[silos.crm.mapping]
source_id = "id"
[silos.shop]
connector = "csv"
path = "shop.csv"
[silos.shop.mapping]
source_id = "id"
"""


def _results(
    counts: list[tuple[str, str, str, str, int, int]],
    failures: list[tuple[str, ...]] = (),  # type: ignore[assignment]
    records: dict[str, int] | None = None,
) -> DQResults:
    """counts: (silo, rule, dimension, field, checked, failed); failures: silo, id, field, rule.

    A failure's value is its optional fifth item, else its own ("value <n>"): two failures of
    one record are then two invalid values.
    """
    check_results = pl.DataFrame(
        [
            (silo, f"{rule}:{field}", rule, dimension, field, checked, failed)
            for silo, rule, dimension, field, checked, failed in counts
        ],
        schema=CHECK_RESULTS_SCHEMA,
        orient="row",
    )
    failure_frame = pl.DataFrame(
        [
            (
                silo,
                source_id,
                f"{silo}:{source_id}",
                field,
                rule.split(".")[0],
                rule,
                f"{rule}:{field}",
                failure[4] if len(failure) > 4 else f"value {index}",
                None,
            )
            for index, failure in enumerate(failures)
            for silo, source_id, field, rule in [failure[:4]]
        ],
        schema=FAILURES_SCHEMA,
        orient="row",
    )
    return DQResults(
        checks=(),
        failures=failure_frame,
        check_results=check_results,
        record_counts=records or {"crm": 100, "shop": 50},
    )


def _score(scores: pl.DataFrame, silo: str, dimension: str) -> float | None:
    return scores.filter((pl.col("silo") == silo) & (pl.col("dimension") == dimension))[
        "score"
    ].item()


def test_scores_per_dimension_silo_and_overall() -> None:
    results = _results(
        [
            ("crm", "completeness.required", "completeness", "last_name", 100, 10),
            ("crm", "validity.accepted", "validity", "phones", 200, 2),
            ("crm", "validity.format", "validity", "phones", 198, 0),
            ("shop", "completeness.required", "completeness", "last_name", 50, 0),
        ]
    )
    scores = scorecard(results)
    assert _score(scores, "crm", "completeness") == 90.0
    assert _score(scores, "crm", "validity") == pytest.approx(100 * (1 - 2 / 398), abs=0.05)
    assert _score(scores, "crm", "uniqueness") is None  # nothing checked: no score, not 100
    assert _score(scores, "crm", "overall") == pytest.approx((90.0 + 99.5) / 2, abs=0.05)
    assert _score(scores, "shop", "overall") == 100.0
    # all silos pool the counts
    assert _score(scores, ALL_SILOS, "completeness") == pytest.approx(
        100 * (1 - 10 / 150), abs=0.05
    )
    assert scores["silo"].unique(maintain_order=True).to_list() == ["crm", "shop", ALL_SILOS]
    assert scores.filter(pl.col("silo") == "crm")["dimension"].to_list() == [
        "completeness",
        "validity",
        "uniqueness",
        "consistency",
        "timeliness",
        "overall",
    ]


def test_a_run_without_checks_has_no_scores() -> None:
    scores = scorecard(DQResults.empty(("crm",)))
    assert scores["score"].null_count() == scores.height


BLOCKING_CASES = [
    {
        "description": "below the field limit",
        "extra": "",
        "failed": 40,
        "expected": [],
    },
    {
        "description": "field share over the limit",
        "extra": "",
        "failed": 60,
        "expected": ["silo 'crm': 60.0% of phones values invalid (60 of 100; limit 50%"],
    },
    {
        "description": "a per-field limit",
        "extra": "[dq.fields.phones]\nmax_invalid_percent = 30\n",
        "failed": 40,
        "expected": ["silo 'crm': 40.0% of phones values invalid (40 of 100; limit 30%"],
    },
    {
        "description": "a per-silo limit",
        "extra": "[dq.silos.crm]\nmax_invalid_percent = 90\n",
        "failed": 60,
        "expected": [],
    },
]


@pytest.mark.parametrize(
    "case", BLOCKING_CASES, ids=[case["description"] for case in BLOCKING_CASES]
)
def test_blocking_field_share(case: dict[str, object]) -> None:
    config = parse_config(CONFIG + str(case["extra"]), Path("/tmp/golden.toml"))
    failed = int(case["failed"])  # type: ignore[call-overload]
    results = _results(
        [("crm", "validity.accepted", "validity", "phones", 100, failed)],
        # one failing value per record, on 40 distinct records at most (records rule: 40 %)
        [("crm", str(n % 40), "phones", "validity.accepted") for n in range(failed)],
    )
    problems = blocking_problems(results, config.dq)
    assert len(problems) == len(case["expected"])  # type: ignore[arg-type]
    for problem, expected in zip(problems, case["expected"], strict=True):  # type: ignore[call-overload]
        assert problem.startswith(expected)


def test_a_value_failing_two_rules_counts_once() -> None:
    config = parse_config(CONFIG, Path("/tmp/golden.toml"))
    results = _results(
        [
            ("crm", "validity.accepted", "validity", "emails", 100, 30),
            ("crm", "validity.format", "validity", "emails", 70, 30),
        ],
        [("crm", str(n), "emails", "validity.accepted", f"a{n}@x") for n in range(30)]
        + [("crm", str(n), "emails", "validity.format", f"a{n}@x") for n in range(30)],
    )
    assert blocking_problems(results, config.dq) == []


def test_invalid_vat_ids_never_block() -> None:
    # A B2B list whose VAT column was typed by hand: 80 of 100 ids fail their check digit.
    config = parse_config(CONFIG, Path("/tmp/golden.toml"))
    results = _results(
        [("crm", "validity.accepted", "validity", "vat_id", 100, 80)],
        [("crm", str(n), "vat_id", "validity.accepted", f"ATU{n:07d}") for n in range(80)],
        records={"crm": 100},
    )
    assert blocking_problems(results, config.dq) == []
    # The same share of invalid phones still stops the run.
    phones = _results(
        [("crm", "validity.accepted", "validity", "phones", 100, 80)],
        [("crm", str(n), "phones", "validity.accepted") for n in range(80)],
        records={"crm": 100},
    )
    assert len(blocking_problems(phones, config.dq)) == 2


def test_blocking_records_share_and_minimum_size() -> None:
    config = parse_config(CONFIG, Path("/tmp/golden.toml"))
    failures = [
        ("shop", str(n), field, "validity.accepted")
        for n in range(30)
        for field in ("phones", "emails")
    ]
    results = _results(
        [
            ("shop", "validity.accepted", "validity", "phones", 100, 30),
            ("shop", "validity.accepted", "validity", "emails", 100, 30),
        ],
        failures,
        records={"shop": 50},
    )
    (problem,) = blocking_problems(results, config.dq)
    assert problem.startswith("silo 'shop': 60.0% of records hold an invalid value (30 of 50")
    small = _results(
        [("shop", "validity.accepted", "validity", "phones", 10, 9)],
        [("shop", str(n), "phones", "validity.accepted") for n in range(9)],
        records={"shop": 10},
    )
    assert blocking_problems(small, config.dq) == []  # below min_values_for_blocking (20)


CROSSWALK = pl.DataFrame(
    {
        "silo": ["crm", "crm", "crm", "shop", "shop", "erp"],
        "source_id": ["1", "2", "3", "a", "b", "x"],
        "golden_id": ["G1", "G1", "G2", "G1", "G3", "G4"],
    }
)


def test_duplicate_rates_within_and_across() -> None:
    rates = {row["silo"]: row for row in duplicate_rates(CROSSWALK).to_dicts()}
    assert rates["crm"] == {
        "silo": "crm",
        "records": 3,
        "golden_records": 2,
        "within_duplicates": 1,
        "within_rate": 33.3,
        "shared_records": 2,
        "across_rate": 66.7,
    }
    assert rates["shop"]["within_duplicates"] == 0 and rates["shop"]["shared_records"] == 1
    assert rates["erp"]["across_rate"] == 0.0
    assert rates[ALL_SILOS]["records"] == 6
    assert rates[ALL_SILOS]["golden_records"] == 4
    assert rates[ALL_SILOS]["within_duplicates"] == 1
    assert rates[ALL_SILOS]["shared_records"] == 3
    assert duplicate_rates(CROSSWALK.clear()).is_empty()


def test_silo_overlap() -> None:
    assert silo_overlap(CROSSWALK).rows() == [("crm", "shop", 1)]


def _history(run_id: str, status: str, started: datetime, score: float) -> pl.DataFrame:
    return pl.DataFrame(
        [(run_id, started, status, ALL_SILOS, "overall", 10, 1, score)],
        schema=HISTORY_SCHEMA,
        orient="row",
    )


def test_change_against_the_last_completed_run() -> None:
    history = pl.concat(
        [
            _history("r1", "completed", datetime(2026, 11, 1), 80.0),
            _history("r2", "completed", datetime(2026, 11, 2), 85.0),
            _history("r3", "failed", datetime(2026, 11, 3), 20.0),  # blocked: not compared
        ]
    )
    assert previous_scores(history)["run_id"].unique().to_list() == ["r2"]
    current = pl.DataFrame(
        [(ALL_SILOS, "overall", 10, 0, 90.0)],
        schema={
            "silo": pl.String,
            "dimension": pl.String,
            "checked": pl.Int64,
            "failed": pl.Int64,
            "score": pl.Float64,
        },
        orient="row",
    )
    changed = score_changes(current, previous_scores(history))
    assert changed["change"].to_list() == [5.0]
    first_run = score_changes(current, previous_scores(history.clear()))
    assert first_run["change"].to_list() == [None]


def test_markdown_table_for_the_prefect_artifact() -> None:
    results = _results([("crm", "completeness.required", "completeness", "last_name", 100, 10)])
    text = scores_markdown(scorecard(results), seconds=1.234)
    assert "| silo | completeness | validity |" in text
    assert "| crm | 90.0 | – |" in text
    assert "| all silos |" in text
    assert "1.23 s" in text


def test_artifact_markdown_has_headline_table_and_top_rules() -> None:
    results = _results(
        [("crm", "completeness.required", "completeness", "last_name", 100, 10)],
        [("crm", str(n), "last_name", "completeness.required") for n in range(10)],
    )
    history = _history("r1", "completed", datetime(2026, 11, 1), 80.0)
    text = artifact_markdown(results, history)
    assert "Overall score (all silos, 0-100): **90.0** (+10.0 since run r1)" in text
    assert "| crm | 90.0 |" in text
    assert "- completeness.required:last_name: 10" in text
    assert "10 failing values (every one in dq_failures.csv)" in text
