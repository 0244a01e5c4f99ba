"""The data-quality report: one self-contained HTML file per run, German by default.

``render_dq_report`` lays out what ``reports.dq_model`` (run counts, findings, quarantine) and
``reports.dq_sections`` (DQ scores, trends, duplicates, rule failures, reminders) compute with
``templates/dq_report.html.j2``; labels come from ``i18n.toml``. The page loads nothing from the
network (inline CSS and JS, CSS bars and an inline SVG chart, a Content-Security-Policy that
forbids fetching), so it works offline, as an e-mail attachment and on paper. Every value is
HTML-escaped by Jinja's autoescape: silo names, reasons and source ids come from outside and may
hold markup.

``write_dq_files`` writes what stewards act on next to the report: dq_failures.csv (every failing
value, unmasked), reminders.csv (flagged records per silo and owner) and dq_summary.json.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from reports import dq_model, dq_sections
from reports.csv_reuse import CsvReuse, CsvWritten, write_csv_reusing
from reports.csv_safe import write_csv
from reports.dq_actions import first_actions
from reports.dq_scores import DQResults, duplicate_rates, scorecard
from reports.reasons import translate_reason
from reports.rendering import label_file, labels_for, template_environment
from reports.summary import RunSummary
from rules.config import DQConfig
from rules.dq_rules import Dimension

_TEMPLATE: Final = "dq_report.html.j2"
_ORDER: Final = {dimension: index for index, dimension in enumerate(Dimension)}


@dataclass(frozen=True)
class DQInputs:
    """The DQ check results of a run and what the report relates them to."""

    results: DQResults
    #: silo, source_id, golden_id of the run (duplicate rates)
    crosswalk: pl.DataFrame
    #: past runs' scores from the state store (reports.dq_scores.HISTORY_SCHEMA)
    history: pl.DataFrame
    #: flagged records per silo and owner (matching.staleness.REMINDERS_SCHEMA)
    reminders: pl.DataFrame
    #: the [dq] settings (blocking limits shown next to the shares)
    settings: DQConfig
    #: silo -> owner (golden.toml), for "what to do first"
    owners: Mapping[str, str] = field(default_factory=dict)
    #: staleness reason -> (column, value) selecting it in stale.csv as written, and its severity
    stale_columns: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    #: the header of the silo column in stale.csv as written
    stale_silo_column: str = "silo"


def _reason_columns(frame: pl.DataFrame) -> list[str]:
    """The staleness reason columns of a stale frame (its boolean columns, in order)."""
    return [name for name, dtype in frame.schema.items() if dtype == pl.Boolean]


def _dq_context(
    summary: RunSummary,
    stale: pl.DataFrame,
    dq: DQInputs | None,
    quarantine: pl.DataFrame,
    show_contact_data: bool,
) -> dict[str, object]:
    """Template variables of the DQ sections (empty sections without DQ results)."""
    reasons = _reason_columns(stale)
    reminder_reasons = [name for name in reasons if name in dq.reminders.columns] if dq else []
    if dq is None:
        actions, action_count = first_actions(
            quarantine, pl.DataFrame(), stale, stale_reasons=reasons
        )
        return {
            "dq": None,
            "actions": actions,
            "action_count": action_count,
            "stale_reasons": dq_sections.stale_reasons(stale, reasons),
            "reminders": (),
        }
    scores = scorecard(dq.results)
    actions, action_count = first_actions(
        quarantine,
        dq.results.failures,
        stale,
        owners=dq.owners,
        stale_reasons=reasons,
        rule_details={check.key: (check.months, check.country) for check in dq.results.checks},
        stale_columns=dq.stale_columns,
        stale_silo_column=dq.stale_silo_column,
        show_contact_data=show_contact_data,
    )
    return {
        "dq": dq,
        "actions": actions,
        "action_count": action_count,
        "scores": dq_sections.scorecard_rows(scores, dq.history),
        "trend": dq_sections.trend(dq.history, scores, summary.run_id, summary.started_at),
        "gate": dq_sections.gate_rows(dq.results, dq.settings),
        "rule_problems": dq_sections.rule_problems(dq.results, show_contact_data=show_contact_data),
        "duplicates": dq_sections.duplicates(dq.crosswalk),
        "checks": check_rows(dq.results),
        "stale_reasons": dq_sections.stale_reasons(stale, reasons),
        "reminders": dq_sections.reminder_rows(dq.reminders, reminder_reasons),
    }


def check_rows(results: DQResults) -> tuple[dict[str, object], ...]:
    """Every check pooled over its silos: rule, field, country, silos, checked, failed."""
    totals = results.check_results.group_by("check").agg(
        pl.col("checked").sum(), pl.col("failed").sum()
    )
    counts = {key: (checked, failed) for key, checked, failed in totals.iter_rows()}
    return tuple(
        {
            "rule": check.rule,
            "dimension": str(check.dimension),
            "field": check.field,
            "country": check.country,
            "months": check.months,
            "silos": ", ".join(check.silos),
            "checked": counts.get(check.key, (0, 0))[0],
            "failed": counts.get(check.key, (0, 0))[1],
        }
        for check in sorted(results.checks, key=lambda check: (_ORDER[check.dimension], check.key))
    )


def render_dq_report(
    summary: RunSummary,
    quarantine: pl.DataFrame,
    findings: pl.DataFrame,
    stale: pl.DataFrame,
    *,
    language: str = "de",
    previous: RunSummary | None = None,
    dq: DQInputs | None = None,
    show_contact_data: bool = False,
) -> str:
    """Return the DQ report of one run as a self-contained HTML document."""
    labels = report_labels(language)
    return (
        template_environment()
        .get_template(_TEMPLATE)
        .render(
            language=language,
            t=labels,
            fmt=_Formatter(labels, language),
            summary=summary,
            previous=previous,
            key_figures=dq_model.key_figures(summary, previous),
            silos=dq_model.silo_rows(summary),
            problems=dq_model.top_problems(findings, show_contact_data=show_contact_data),
            quarantine=dq_model.quarantine_list(quarantine),
            stale=dq_model.stale_summary(stale),
            stages=dq_model.stage_bars(summary),
            **_dq_context(summary, stale, dq, quarantine, show_contact_data),
        )
    )


def write_dq_report(
    path: Path,
    summary: RunSummary,
    quarantine: pl.DataFrame,
    findings: pl.DataFrame,
    stale: pl.DataFrame,
    *,
    language: str = "de",
    previous: RunSummary | None = None,
    dq: DQInputs | None = None,
    show_contact_data: bool = False,
) -> None:
    """Render the DQ report and write it to ``path`` as UTF-8."""
    html = render_dq_report(
        summary,
        quarantine,
        findings,
        stale,
        language=language,
        previous=previous,
        dq=dq,
        show_contact_data=show_contact_data,
    )
    # newline="\n": the same run gives the same bytes on every platform.
    path.write_text(html, encoding="utf-8", newline="\n")


def dq_summary(summary: RunSummary, dq: DQInputs, stale: pl.DataFrame) -> dict[str, object]:
    """The JSON summary beside the report: scores with changes, duplicates, problems, reminders.

    Same privacy as the report: example values are masked; full values are in dq_failures.csv.
    """
    scores = scorecard(dq.results)
    card = dq_sections.scorecard_rows(scores, dq.history)
    problems = dq_sections.rule_problems(dq.results)
    return {
        "run_id": summary.run_id,
        "started_at": summary.started_at.isoformat(),
        "compared_with_run": card.previous_run,
        "checks": len(dq.results.checks),
        "failures": dq.results.failures.height,
        "validation_seconds": dq.results.seconds,
        "scores": [
            {
                "silo": row.silo,
                "dimension": cell.dimension,
                "score": cell.score,
                "change": cell.change,
                "checked": cell.checked,
                "failed": cell.failed,
            }
            for row in card.rows
            for cell in row.cells
        ],
        "blocking": [
            {
                "silo": gate.silo,
                "worst_field": gate.worst_field,
                "worst_invalid_percent": round(gate.worst_share, 2),
                "field_limit_percent": gate.field_limit,
                "invalid_records_percent": round(gate.invalid_records_share, 2),
                "records_limit_percent": gate.records_limit,
            }
            for gate in dq_sections.gate_rows(dq.results, dq.settings)
        ],
        "duplicates": duplicate_rates(dq.crosswalk).to_dicts(),
        "top_problems": [
            {
                "rule": problem.rule,
                "field": problem.field,
                "country": problem.country,
                "count": problem.count,
                "per_silo": dict(problem.per_silo),
                "examples": [
                    {"silo": e.silo, "source_id": e.source_id, "masked_value": e.masked_value}
                    for e in problem.examples
                ],
            }
            for problem in problems.problems
        ],
        "stale": {
            "records": stale.height,
            "per_reason": {
                reason.reason: reason.count
                for reason in dq_sections.stale_reasons(stale, _reason_columns(stale))
            },
        },
        "reminders": [
            {**row, "first_review_due": _iso(row["first_review_due"])}
            for row in dq.reminders.to_dicts()
        ],
    }


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def write_dq_files(
    folder: Path,
    summary: RunSummary,
    dq: DQInputs,
    stale: pl.DataFrame,
    failures: pl.DataFrame | None = None,
    reuse: CsvReuse | None = None,
) -> CsvWritten | None:
    """Write dq_failures.csv and dq_summary.json into ``folder`` (flows write reminders.csv).

    ``failures``: the failures as the file shows them (the flow adds each value's source row),
    by default ``dq.results.failures``. ``reuse``: a record's failures (they come per silo and
    source id) are copied from the last run's file when the same (reports.csv_reuse); returns
    how the file was written then.
    """
    rows = dq.results.failures if failures is None else failures
    written = None
    if reuse is None:
        write_csv(rows, folder / "dq_failures.csv")
    else:
        written = write_csv_reusing(rows, folder / "dq_failures.csv", ["silo", "source_id"], reuse)
    text = json.dumps(
        dq_summary(summary, dq, stale), indent=2, sort_keys=True, ensure_ascii=False, default=str
    )
    (folder / "dq_summary.json").write_text(text + "\n", encoding="utf-8", newline="\n")
    return written


def report_languages() -> tuple[str, ...]:
    """Return the languages the report can be rendered in (the tables of i18n.toml)."""
    return tuple(sorted(label_file("i18n.toml")))


def report_labels(language: str) -> dict[str, str]:
    """Return the report labels for ``language`` from i18n.toml."""
    return labels_for("i18n.toml", language, "DQ report")


@dataclass(frozen=True)
class _Formatter:
    """Numbers, dates and changes in the report language; no locale module, so deterministic."""

    labels: dict[str, str]
    language: str = "de"

    def reason(self, reason: str) -> str:
        """A cleaner's or connector's reason in the report language."""
        return translate_reason(reason, self.language)

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        # Swap through a placeholder: German swaps "," and ".".
        return (
            text.replace(",", "\x00")
            .replace(".", self.labels["decimal_separator"])
            .replace("\x00", self.labels["thousands_separator"])
        )

    def change(self, delta: int) -> str:
        if delta == 0:
            return "±0"
        sign = "+" if delta > 0 else "−"
        return f"{sign}{self.number(abs(delta))}"

    def timestamp(self, moment: datetime | None) -> str:
        if moment is None:
            return self.labels["not_finished"]
        return moment.strftime(self.labels["datetime_format"])

    def duration(self, started: datetime, finished: datetime | None) -> str:
        if finished is None:
            return self.labels["not_finished"]
        seconds = (finished - started).total_seconds()
        return f"{self.number(seconds, 1)} {self.labels['seconds_unit']}"

    def percent(self, share: float) -> str:
        """CSS width, always with a dot whatever the language."""
        return f"{max(0.0, min(100.0, share)):.1f}%"

    def score(self, value: float | None) -> str:
        """A 0-100 score with one decimal, or a dash when nothing was checked."""
        return "–" if value is None else self.number(value, 1)

    def score_change(self, delta: float | None) -> str:
        """A score change with sign and one decimal ("±0,0" when unchanged)."""
        if delta is None:
            return ""
        if abs(delta) < 0.05:
            return "±" + self.number(0.0, 1)
        sign = "+" if delta > 0 else "−"
        return f"{sign}{self.number(abs(delta), 1)}"

    def band(self, value: float | None) -> str:
        """CSS class of a score: good (95 or more), fair (80 to 95), poor (below 80)."""
        if value is None:
            return "none"
        return "good" if value >= 95 else ("fair" if value >= 80 else "poor")

    def label(self, prefix: str, name: str) -> str:
        """The label ``<prefix>.<name>``, or ``name`` itself when there is none."""
        return self.labels.get(f"{prefix}.{name}", name)

    def rule(self, rule: str, months: int | None = None, country: str | None = None) -> str:
        """The rule's label with its months and country filled in."""
        return (
            self.label("rule", rule)
            .replace("{months}", "" if months is None else str(months))
            .replace("{country}", country or "")
        )

    def short_timestamp(self, moment: datetime) -> str:
        """Day, month and time without the year (column headings of the trend table)."""
        return moment.strftime(self.labels["short_datetime_format"])

    def day(self, value: date | None) -> str:
        """A date in the report language (empty for None)."""
        return "" if value is None else value.strftime(self.labels["date_format"])
