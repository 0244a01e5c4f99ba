"""The DQ sections of the report: scores, trend, blocking, problems, duplicates, reminders."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from matching.staleness import REASONS, REMINDERS_SCHEMA, STALE_SCHEMA
from reports.dq import DQInputs, dq_summary, render_dq_report, write_dq_files
from reports.dq_scores import ALL_SILOS, HISTORY_SCHEMA, DQResults
from reports.summary import RunSummary, SiloSummary
from rules.canonical import empty_findings, empty_quarantine
from rules.config import DQConfig
from rules.dq_rules import (
    CHECK_RESULTS_SCHEMA,
    FAILURES_SCHEMA,
    Check,
    CheckKind,
    Dimension,
)

HOSTILE = "<script>alert(1)</script>"
STARTED = datetime(2026, 11, 2, 2, 0)

PHONES = Check(
    "validity.accepted", Dimension.VALIDITY, "phones", "phones", CheckKind.NULL,
    "phones__rejected", silos=("crm", "shop"),
)  # fmt: skip
AGE = Check(
    "timeliness.max_age", Dimension.TIMELINESS, "updated_at", "records", CheckKind.NOT_BEFORE,
    "updated_at", months=12, silos=("crm",),
)  # fmt: skip
COUNTRY = Check(
    "consistency.postal_code_country", Dimension.CONSISTENCY, "postal_code", "records",
    CheckKind.MATCHES, "postal_code", argument="^x$", country="AT", silos=("crm",),
)  # fmt: skip


def _summary(silo: str = "crm") -> RunSummary:
    return RunSummary(
        run_id="run-2",
        started_at=STARTED,
        finished_at=STARTED,
        project="Kunden",
        language="de",
        silos=(
            SiloSummary(silo, "csv", 1, 10, 0, 10, 0, 0),
            SiloSummary("shop", "json", 2, 5, 0, 5, 0, 0),
        ),
        golden_records=12,
        records_in_crosswalk=15,
        duplicates_merged=3,
        review_pairs=0,
        stale_flagged=1,
    )


def _failure(silo: str, source_id: str, check: Check, value: str | None) -> tuple[object, ...]:
    return (
        silo,
        source_id,
        f"{silo}:{source_id}",
        check.field,
        str(check.dimension),
        check.rule,
        check.key,
        value,
        "detail",
    )


def _results(silo: str = "crm", value: str = "030-KAPUTT", source_id: str = "K-1") -> DQResults:
    failures = [
        _failure(silo, source_id, PHONES, value),
        _failure(silo, "K-2", PHONES, "0049"),
        _failure("shop", "S-1", PHONES, "12"),
        _failure(silo, "K-3", AGE, "2020-01-01"),
        _failure(silo, "K-4", COUNTRY, "99999"),
    ]
    counts = [
        (silo, PHONES.key, PHONES.rule, "validity", "phones", 20, 2),
        ("shop", PHONES.key, PHONES.rule, "validity", "phones", 10, 1),
        (silo, AGE.key, AGE.rule, "timeliness", "updated_at", 10, 1),
        (silo, COUNTRY.key, COUNTRY.rule, "consistency", "postal_code", 4, 1),
    ]
    return DQResults(
        checks=(PHONES, AGE, COUNTRY),
        failures=pl.DataFrame(failures, schema=FAILURES_SCHEMA, orient="row"),
        check_results=pl.DataFrame(counts, schema=CHECK_RESULTS_SCHEMA, orient="row"),
        record_counts={silo: 10, "shop": 5},
        seconds=1.25,
    )


def _history() -> pl.DataFrame:
    rows = [
        ("run-1", datetime(2026, 11, 1, 2, 0), "completed", ALL_SILOS, "overall", 40, 4, 80.0),
        ("run-1", datetime(2026, 11, 1, 2, 0), "completed", ALL_SILOS, "validity", 30, 3, 90.0),
        ("run-1", datetime(2026, 11, 1, 2, 0), "completed", "crm", "overall", 30, 3, 70.0),
        ("run-x", datetime(2026, 11, 1, 3, 0), "failed", ALL_SILOS, "overall", 40, 30, 25.0),
    ]
    return pl.DataFrame(rows, schema=HISTORY_SCHEMA, orient="row")


def _stale(owner: str = "Frau Meier") -> pl.DataFrame:
    row = {
        "silo": "crm",
        "source_id": "K-1",
        "golden_id": "G1",
        "reasons": "e-mail without recorded consent",
        "updated_at": None,
        "last_activity": None,
        "review_due": date(2026, 11, 2),
        "owner": owner,
        **{reason: reason == "consent_missing" for reason in REASONS},
    }
    return pl.DataFrame([row], schema=STALE_SCHEMA)


def _reminders(owner: str | None = "Frau Meier") -> pl.DataFrame:
    row = {
        "silo": "crm",
        "owner": owner,
        "records": 1,
        "overdue": 1,
        "first_review_due": date(2026, 11, 2),
        **{reason: int(reason == "consent_missing") for reason in REASONS},
    }
    return pl.DataFrame([row], schema=REMINDERS_SCHEMA)


CROSSWALK = pl.DataFrame(
    {
        "silo": ["crm", "crm", "shop", "shop"],
        "source_id": ["K-1", "K-2", "S-1", "S-2"],
        "golden_id": ["G1", "G1", "G1", "G2"],
    }
)


def _inputs(**overrides: object) -> DQInputs:
    values: dict[str, object] = {
        "results": _results(),
        "crosswalk": CROSSWALK,
        "history": _history(),
        "reminders": _reminders(),
        "settings": DQConfig(),
    }
    values.update(overrides)
    return DQInputs(**values)  # type: ignore[arg-type]


def _render(
    language: str = "de",
    stale: pl.DataFrame | None = None,
    show_contact_data: bool = False,
    **overrides: object,
) -> str:
    return render_dq_report(
        _summary(),
        empty_quarantine(),
        empty_findings(),
        _stale() if stale is None else stale,
        language=language,
        dq=_inputs(**overrides),
        show_contact_data=show_contact_data,
    )


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, f"section {section_id} missing"
    return match.group(1)


def test_every_dq_section_is_there() -> None:
    html = _render()
    for section in (
        "dq-overview",
        "scores",
        "trend",
        "blocking",
        "top-problems",
        "duplicates",
        "reminders",
        "checks",
        "key-figures",
        "stale",
        "findings",
    ):
        _section(html, section)


def test_scores_with_change_since_the_last_published_run() -> None:
    scores = _section(_render(), "scores")
    assert "Veränderung in Punkten seit Lauf run-1" in scores  # not the failed run-x
    everyone = re.search(r'<tr class="total" data-silo="\*">(.*?)</tr>', scores, re.S)
    assert everyone
    # validity of all silos: 100 * (1 - 3/30) = 90.0, unchanged against run-1
    assert re.search(r'data-dimension="validity" data-value="90.0".*?±0,0', everyone.group(1))
    assert 'data-dimension="uniqueness" data-value=""' in everyone.group(1)  # nothing checked


def test_trend_chart_is_inline_svg_with_every_run() -> None:
    trend = _section(_render(), "trend")
    assert "<svg" in trend and "<polyline" in trend
    assert trend.count('class="dot s-overall') == 3  # run-1, run-x and this run
    assert trend.count("failed-run") >= 1
    assert "abgebrochen" in trend


def test_rule_problems_are_labelled_counted_and_masked() -> None:
    html = _render()
    problems = _section(html, "top-problems")
    assert "Von der Bereinigung akzeptiert" in problems
    assert "PLZ passt zum Land AT" in problems
    assert "Nicht älter als 12 Monate" in problems
    assert "crm: 2" in problems and "shop: 1" in problems
    assert "K-1 (crm): ***-KAPUTT" in problems  # digits masked, what is wrong stays visible
    assert "030-KAPUTT" not in html  # full values only in dq_failures.csv
    shown = _section(_render(show_contact_data=True), "top-problems")
    assert "K-1 (crm): 030-KAPUTT" in shown  # [project] show_contact_data = true


def test_english_labels() -> None:
    html = _render(language="en")
    for label in (
        "Data quality at a glance",
        "Accepted by the cleaner",
        "Postal code fits country AT",
    ):
        assert label in html
    assert "Vollständigkeit" not in html


def test_duplicates_and_overlap() -> None:
    duplicates = _section(_render(), "duplicates")
    assert "Insgesamt wurden 2 Datensätze" in duplicates
    assert re.search(r'data-silo="crm">.*?data-value="50.0"', duplicates, re.S)
    assert "<td>crm</td><td>shop</td>" in duplicates


def test_reminders_and_stale_reasons_are_translated() -> None:
    html = _render()
    reminders = _section(html, "reminders")
    assert "Frau Meier" in reminders and "E-Mail ohne Einwilligung: 1" in reminders
    assert "02.11.2026" in reminders
    assert "E-Mail ohne Einwilligung" in _section(html, "stale")
    nobody = _section(_render(reminders=_reminders(owner=None)), "reminders")
    assert "(niemand eingetragen)" in nobody


def test_blocking_distance_per_silo() -> None:
    blocking = _section(_render(), "blocking")
    assert "<td>crm</td><td>Telefon</td>" in blocking
    assert "10,0 %" in blocking  # 2 of 20 phones invalid
    assert "50 %" in blocking


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"results": _results(value=HOSTILE)}, id="failing-value"),
        pytest.param({"results": _results(source_id=HOSTILE)}, id="source-id"),
        pytest.param({"results": _results(silo=HOSTILE)}, id="silo"),
        pytest.param({"reminders": _reminders(owner=HOSTILE)}, id="owner"),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_hostile_values_are_escaped(overrides: dict[str, object], language: str) -> None:
    html = _render(language=language, **overrides)
    assert "<script>alert(1)" not in html
    assert html.count("<script>") == 1


def test_no_external_references_with_dq_sections() -> None:
    html = _render()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    for pattern in ("url(", "@import", "<link", "<img", "<iframe", "src="):
        assert pattern not in html


def test_summary_json_and_steward_files(tmp_path: Path) -> None:
    inputs = _inputs(results=_results(value="030-KAPUTT"))
    data = dq_summary(_summary(), inputs, _stale())
    assert data["compared_with_run"] == "run-1"
    assert data["failures"] == 5 and data["checks"] == 3
    assert {"silo": "*", "dimension": "validity"}.items() <= next(
        row for row in data["scores"] if row["silo"] == "*" and row["dimension"] == "validity"
    ).items()
    assert "030-KAPUTT" not in json.dumps(data)  # masked like the report
    assert data["stale"] == {"records": 1, "per_reason": {"consent_missing": 1}}
    write_dq_files(tmp_path, _summary(), inputs, _stale())
    failures = pl.read_csv(tmp_path / "dq_failures.csv", infer_schema=False)
    assert "030-KAPUTT" in failures["value"].to_list()  # the steward's CSV has full values
    assert failures.columns == list(FAILURES_SCHEMA)
    assert json.loads((tmp_path / "dq_summary.json").read_text("utf-8"))["run_id"] == "run-2"
