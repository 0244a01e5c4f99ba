"""What the DQ report shows of the check results: scores, trends, duplicates, problems, reminders.

Companion of ``reports.dq_model`` (run counts, findings, quarantine): each function turns the DQ
results of a run (``reports.dq_scores``), the crosswalk, the score history of the state store,
the stale frame or the reminders into small frozen rows for one section of
``templates/dq_report.html.j2``. Failing values are masked like findings (reports.masking);
full values are only in dq_failures.csv.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import polars as pl

from reports.dq_model import Example
from reports.dq_scores import (
    ALL_SILOS,
    DIMENSIONS,
    OVERALL,
    DQResults,
    duplicate_rates,
    field_validity,
    invalid_records,
    score_changes,
    silo_overlap,
)
from reports.masking import mask_contact
from rules.config import DQConfig
from rules.dq_rules import Check, invalid_limit, invalid_records_limit

TOP_RULE_PROBLEMS: Final = 15
EXAMPLES_PER_RULE: Final = 3
TREND_RUNS: Final = 12
#: Geometry of the trend chart (SVG user units; the chart scales to the page width).
CHART_WIDTH: Final = 640
CHART_HEIGHT: Final = 210
_LEFT, _RIGHT, _TOP, _BOTTOM = 34, 12, 10, 26


@dataclass(frozen=True)
class ScoreCell:
    """One score (0-100, None without checks) and its change since the previous run."""

    dimension: str
    score: float | None
    change: float | None
    checked: int
    failed: int


@dataclass(frozen=True)
class ScoreRow:
    """A silo's (or all silos') scores in dimension order, ``overall`` last."""

    silo: str
    all_silos: bool
    cells: tuple[ScoreCell, ...]


@dataclass(frozen=True)
class Scorecard:
    """The score table and the run it is compared with (None: no previous run)."""

    rows: tuple[ScoreRow, ...]
    previous_run: str | None
    previous_started: datetime | None


@dataclass(frozen=True)
class TrendPoint:
    """One run's score in a series, with its position in the chart."""

    run_id: str
    x: float
    y: float
    score: float
    failed_run: bool


@dataclass(frozen=True)
class TrendSeries:
    """One line of the trend chart (a dimension or ``overall``, all silos)."""

    name: str
    points: tuple[TrendPoint, ...]

    @property
    def polyline(self) -> str:
        """The SVG ``points`` attribute."""
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass(frozen=True)
class TrendRun:
    """A run on the x axis, with its label position."""

    run_id: str
    started_at: datetime
    status: str
    x: float


@dataclass(frozen=True)
class Trend:
    """The last runs' scores of all silos as an inline SVG line chart, plus a per-silo table."""

    runs: tuple[TrendRun, ...]
    series: tuple[TrendSeries, ...]
    gridlines: tuple[tuple[int, float], ...]
    silo_rows: tuple[tuple[str, tuple[float | None, ...]], ...]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


@dataclass(frozen=True)
class DuplicateRow:
    """Duplicate rates of one silo (or ``*``), in percent."""

    silo: str
    all_silos: bool
    records: int
    golden_records: int
    within_duplicates: int
    within_rate: float
    shared_records: int
    across_rate: float


@dataclass(frozen=True)
class Duplicates:
    """Duplicate rates and the golden records each pair of silos shares."""

    rows: tuple[DuplicateRow, ...]
    overlap: tuple[tuple[str, str, int], ...]
    #: records merged into another record's golden record, over all silos
    overall_duplicates: int = 0
    overall_rate: float = 0.0


@dataclass(frozen=True)
class RuleProblem:
    """Failures of one rule on one field, with counts per silo and masked examples."""

    rule: str
    dimension: str
    field: str
    country: str | None
    months: int | None
    count: int
    per_silo: tuple[tuple[str, int], ...]
    examples: tuple[Example, ...]
    share: float


@dataclass(frozen=True)
class RuleProblems:
    """The most frequent rule failures and how many rule+field groups failed in all."""

    problems: tuple[RuleProblem, ...]
    groups: int
    failures: int


@dataclass(frozen=True)
class GateRow:
    """How close a silo is to the blocking rules: worst field and records with invalid values."""

    silo: str
    worst_field: str | None
    worst_share: float
    field_limit: float
    invalid_records_share: float
    records_limit: float


@dataclass(frozen=True)
class ReasonCount:
    """Flagged records for one staleness reason."""

    reason: str
    count: int
    share: float


@dataclass(frozen=True)
class ReminderRow:
    """Flagged records of one owner in one silo."""

    silo: str
    owner: str | None
    records: int
    overdue: int
    first_review_due: date | None
    reasons: tuple[tuple[str, int], ...]


def scorecard_rows(scores: pl.DataFrame, history: pl.DataFrame) -> Scorecard:
    """Score rows per silo then all silos, with changes against the last completed run."""
    from reports.dq_scores import previous_scores

    previous = previous_scores(history)
    changed = score_changes(scores, previous)
    rows = []
    for silo in changed["silo"].unique(maintain_order=True).to_list():
        part = changed.filter(pl.col("silo") == silo)
        by_dimension = {row["dimension"]: row for row in part.iter_rows(named=True)}
        cells = tuple(
            ScoreCell(
                dimension=name,
                score=by_dimension[name]["score"],
                change=by_dimension[name]["change"],
                checked=by_dimension[name]["checked"],
                failed=by_dimension[name]["failed"],
            )
            for name in DIMENSIONS
            if name in by_dimension
        )
        rows.append(ScoreRow(silo=silo, all_silos=silo == ALL_SILOS, cells=cells))
    previous_run = None if previous.is_empty() else previous["run_id"][0]
    previous_started = None if previous.is_empty() else previous["started_at"][0]
    return Scorecard(tuple(rows), previous_run, previous_started)


def _y(score: float) -> float:
    plot = CHART_HEIGHT - _TOP - _BOTTOM
    return _TOP + (100.0 - max(0.0, min(100.0, score))) / 100.0 * plot


def trend(
    history: pl.DataFrame,
    scores: pl.DataFrame,
    run_id: str,
    started_at: datetime,
    limit: int = TREND_RUNS,
) -> Trend:
    """The last ``limit`` runs (history plus this one): chart of all silos, table per silo."""
    current = scores.select(
        pl.lit(run_id).alias("run_id"),
        pl.lit(started_at.replace(tzinfo=None)).cast(pl.Datetime("us")).alias("started_at"),
        pl.lit("current").alias("status"),
        *scores.columns,
    )
    combined = pl.concat([history.select(current.columns), current], how="vertical_relaxed")
    runs_frame = (
        combined.select("run_id", "started_at", "status")
        .unique("run_id")
        .sort("started_at", "run_id")
        .tail(limit)
    )
    count = runs_frame.height
    span = CHART_WIDTH - _LEFT - _RIGHT
    positions = {
        run: _LEFT + (span * index / (count - 1) if count > 1 else span / 2)
        for index, run in enumerate(runs_frame["run_id"].to_list())
    }
    runs = tuple(
        TrendRun(row["run_id"], row["started_at"], row["status"], positions[row["run_id"]])
        for row in runs_frame.iter_rows(named=True)
    )
    status = {run.run_id: run.status for run in runs}
    chosen = combined.filter(pl.col("run_id").is_in(list(positions)))
    everyone = chosen.filter((pl.col("silo") == ALL_SILOS) & pl.col("score").is_not_null())
    series = []
    for name in DIMENSIONS:
        rows = everyone.filter(pl.col("dimension") == name).sort("started_at", "run_id")
        points = tuple(
            TrendPoint(
                run_id=row["run_id"],
                x=positions[row["run_id"]],
                y=_y(row["score"]),
                score=row["score"],
                failed_run=status[row["run_id"]] == "failed",
            )
            for row in rows.iter_rows(named=True)
        )
        if points:
            series.append(TrendSeries(name, points))
    overall = chosen.filter(pl.col("dimension") == OVERALL)
    silo_rows = []
    for silo in sorted(set(overall["silo"].to_list()) - {ALL_SILOS}) + [ALL_SILOS]:
        values = dict(overall.filter(pl.col("silo") == silo).select("run_id", "score").iter_rows())
        silo_rows.append((silo, tuple(values.get(run.run_id) for run in runs)))
    gridlines = tuple((value, _y(value)) for value in (0, 25, 50, 75, 100))
    return Trend(runs, tuple(series), gridlines, tuple(silo_rows))


def duplicates(crosswalk: pl.DataFrame) -> Duplicates:
    """Duplicate rates per silo and overall, and the overlap between silos."""
    rates = duplicate_rates(crosswalk)
    rows = tuple(
        DuplicateRow(all_silos=row["silo"] == ALL_SILOS, **row)
        for row in rates.iter_rows(named=True)
    )
    overlap = tuple(silo_overlap(crosswalk).iter_rows()) if not crosswalk.is_empty() else ()
    total = next((row for row in rows if row.all_silos), None)
    if total is None:
        return Duplicates(rows, overlap)
    merged = total.records - total.golden_records
    return Duplicates(rows, overlap, merged, round(100.0 * merged / max(1, total.records), 1))


def rule_problems(
    results: DQResults,
    limit: int = TOP_RULE_PROBLEMS,
    examples: int = EXAMPLES_PER_RULE,
    *,
    show_contact_data: bool = False,
) -> RuleProblems:
    """Failures grouped by check (rule, field, country), most frequent first, masked examples.

    Kept on ``results`` once made: the report and dq_summary.json both show them, and at a
    million records each sorts every failure.
    """
    made: dict[tuple[int, int, bool], RuleProblems] = results.__dict__.setdefault(
        "_rule_problems", {}
    )
    key = (limit, examples, show_contact_data)
    if key not in made:  # frozen results: a cache of what follows from them, never changed
        made[key] = _rule_problems(results, limit, examples, show_contact_data)
    return made[key]


def _rule_problems(
    results: DQResults, limit: int, examples: int, show_contact_data: bool
) -> RuleProblems:
    failures = results.failures
    if failures.is_empty():
        return RuleProblems((), 0, 0)
    checks = {check.key: check for check in results.checks}
    groups = (
        failures.group_by("check")
        .agg(pl.len().alias("count"))
        .sort(["count", "check"], descending=[True, False])
    )
    top = groups.head(limit)
    per_silo = (
        failures.join(top.select("check"), on="check")
        .group_by("check", "silo")
        .len()
        .sort("check", "silo")
    )
    picked = (
        failures.join(top.select("check"), on="check")
        .sort(["check", "silo", "source_id", "value"], nulls_last=True)
        .unique(["check", "silo", "source_id"], keep="first", maintain_order=True)
        .with_columns(
            mask_contact(
                pl.col("value"), pl.col("field"), show_contact_data=show_contact_data
            ).alias("masked_value")
        )
        .group_by("check", maintain_order=True)
        .head(examples)
    )
    largest = max(1, int(top["count"].max() or 0))  # type: ignore[arg-type]
    problems = []
    for key, count in top.iter_rows():
        check: Check | None = checks.get(key)
        silos = tuple(
            (silo, number)
            for _, silo, number in per_silo.filter(pl.col("check") == key).iter_rows()
        )
        chosen = tuple(
            Example(silo=row["silo"], source_id=row["source_id"], masked_value=row["masked_value"])
            for row in picked.filter(pl.col("check") == key).iter_rows(named=True)
        )
        first = failures.filter(pl.col("check") == key).row(0, named=True)
        problems.append(
            RuleProblem(
                rule=first["rule"],
                dimension=first["dimension"],
                field=first["field"],
                country=check.country if check else None,
                months=check.months if check else None,
                count=count,
                per_silo=silos,
                examples=chosen,
                share=100.0 * count / largest,
            )
        )
    return RuleProblems(tuple(problems), groups.height, failures.height)


def gate_rows(results: DQResults, dq: DQConfig) -> tuple[GateRow, ...]:
    """Per silo: the field with the largest invalid share and the invalid-records share."""
    validity = field_validity(results)
    with_invalid = invalid_records(results)
    rows = []
    for silo, records in sorted(results.record_counts.items()):
        own = validity.filter(pl.col("silo") == silo).sort(
            ["share", "field"], descending=[True, False]
        )
        worst = own.row(0, named=True) if own.height else None
        rows.append(
            GateRow(
                silo=silo,
                worst_field=worst["field"] if worst else None,
                worst_share=worst["share"] if worst else 0.0,
                field_limit=invalid_limit(dq, silo, worst["field"])
                if worst
                else dq.max_invalid_percent,
                invalid_records_share=100.0 * with_invalid.get(silo, 0) / max(1, records),
                records_limit=invalid_records_limit(dq, silo),
            )
        )
    return tuple(rows)


def stale_reasons(stale: pl.DataFrame, reasons: Sequence[str]) -> tuple[ReasonCount, ...]:
    """Flagged records per reason column (those present in ``stale``), most frequent first."""
    present = [reason for reason in reasons if reason in stale.columns]
    if not present or stale.is_empty():
        return ()
    counts = stale.select(pl.col(reason).cast(pl.Int64).sum() for reason in present).row(0)
    pairs = sorted(
        ((reason, int(count)) for reason, count in zip(present, counts, strict=True) if count),
        key=lambda pair: (-pair[1], pair[0]),
    )
    largest = max((count for _, count in pairs), default=0)
    return tuple(
        ReasonCount(reason, count, 100.0 * count / largest if largest else 0.0)
        for reason, count in pairs
    )


def reminder_rows(reminders: pl.DataFrame, reasons: Sequence[str]) -> tuple[ReminderRow, ...]:
    """One row per silo and owner, with the non-zero reason counts."""
    return tuple(
        ReminderRow(
            silo=row["silo"],
            owner=row["owner"],
            records=row["records"],
            overdue=row["overdue"],
            first_review_due=row["first_review_due"],
            reasons=tuple(
                (reason, row[reason]) for reason in reasons if row.get(reason) not in (None, 0)
            ),
        )
        for row in reminders.iter_rows(named=True)
    )
