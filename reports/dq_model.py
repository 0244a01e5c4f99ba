"""What the DQ report shows, computed from the run summary and the result frames.

Each function turns one input (``RunSummary``, quarantine, findings or stale frame) into small
frozen rows for one section of ``templates/dq_report.html.j2``; the template only lays them out.
Inputs are the frames documented in ``rules.canonical`` (``QUARANTINE_SCHEMA``,
``FINDINGS_SCHEMA``); the stale frame may have any columns and is summarized by its ``reasons``
column when it has one.

Privacy: the report is mailed around and opened by people who do not need customer data, so
finding values are masked by reports.masking (e-mail local parts, phone digits, other values to
their first character plus ``***``; DSGVO data minimisation) unless ``[project]
show_contact_data``; the full values stay in findings.csv, in the restricted output folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import polars as pl

from reports.masking import mask_contact
from reports.summary import RunSummary, SiloSummary

#: Rough number of checked values per record, the denominator of the validity score.
CHECKED_VALUES_PER_RECORD: Final = 5
TOP_PROBLEMS: Final = 20
EXAMPLES_PER_PROBLEM: Final = 3
QUARANTINE_ROWS_SHOWN: Final = 200

_QUARANTINE_COLUMNS: Final = ("silo", "source_id", "row_number", "field", "reason")
_FINDINGS_COLUMNS: Final = ("silo", "source_id", "field", "status", "reason", "value")
#: Order of the key figures; each name is a RunSummary attribute and a label key.
KEY_FIGURES: Final = (
    "rows_read",
    "quarantined",
    "records",
    "golden_records",
    "duplicates_merged",
    "review_pairs",
    "stale_flagged",
)


@dataclass(frozen=True)
class KeyFigure:
    """One headline count, with its change since the previous run when there is one."""

    name: str
    value: int
    change: int | None


@dataclass(frozen=True)
class SiloRow:
    """One silo's counts with the derived validity score and quarantine share (both 0-100)."""

    silo: SiloSummary
    validity: float
    quarantine_share: float


@dataclass(frozen=True)
class Example:
    """One record showing a problem; ``masked_value`` as reports.masking shows it."""

    silo: str
    source_id: str
    masked_value: str | None


@dataclass(frozen=True)
class Problem:
    """Findings with the same field and reason; ``share`` is the bar length (0-100)."""

    field: str
    reason: str
    count: int
    invalid: int
    corrected: int
    examples: tuple[Example, ...]
    share: float


@dataclass(frozen=True)
class TopProblems:
    """The most frequent problems and how many field+reason groups there are in all."""

    problems: tuple[Problem, ...]
    groups: int


@dataclass(frozen=True)
class QuarantineRow:
    """One quarantined source row as listed in the report."""

    silo: str | None
    row_number: int | None
    source_id: str | None
    field: str | None
    reason: str | None


@dataclass(frozen=True)
class QuarantineList:
    """The first quarantined rows and how many more are only in quarantine.csv."""

    rows: tuple[QuarantineRow, ...]
    more: int


@dataclass(frozen=True)
class Bar:
    """A labelled count with its bar length (0-100) relative to the largest in its chart."""

    label: str
    value: float
    share: float


@dataclass(frozen=True)
class StaleSummary:
    """How many records were flagged stale, and for which reasons (empty without ``reasons``)."""

    total: int
    reasons: tuple[Bar, ...]


def validity_score(silo: SiloSummary) -> float:
    """Return 100 * (1 - invalid_values / max(1, records * 5)), clamped to 0..100.

    A rough score: it assumes about ``CHECKED_VALUES_PER_RECORD`` (5) checked values per record,
    so it reads as "share of checked values that were valid". It can reach 0 when a silo has more
    invalid values than that (a silo with many phone columns, say), hence the clamp.
    """
    checked = max(1, silo.records * CHECKED_VALUES_PER_RECORD)
    return min(100.0, max(0.0, 100.0 * (1.0 - silo.invalid_values / checked)))


def key_figures(summary: RunSummary, previous: RunSummary | None) -> tuple[KeyFigure, ...]:
    """Return the headline counts in report order, with changes when ``previous`` is given."""
    figures = []
    for name in KEY_FIGURES:
        value = int(getattr(summary, name))
        change = None if previous is None else value - int(getattr(previous, name))
        figures.append(KeyFigure(name=name, value=value, change=change))
    return tuple(figures)


def silo_rows(summary: RunSummary) -> tuple[SiloRow, ...]:
    """Return one row per silo in trust order (most trusted first, then by name)."""
    ordered = sorted(summary.silos, key=lambda silo: (silo.trust_rank, silo.name))
    return tuple(
        SiloRow(
            silo=silo,
            validity=validity_score(silo),
            quarantine_share=100.0 * silo.quarantined / max(1, silo.rows_read),
        )
        for silo in ordered
    )


def top_problems(
    findings: pl.DataFrame, limit: int = TOP_PROBLEMS, *, show_contact_data: bool = False
) -> TopProblems:
    """Group findings by field and reason, most frequent first, with masked examples."""
    if findings.is_empty():
        return TopProblems(problems=(), groups=0)
    _require_columns(findings, "findings", _FINDINGS_COLUMNS)
    text = findings.select(pl.col(name).cast(pl.String) for name in _FINDINGS_COLUMNS)
    groups = (
        text.group_by("field", "reason")
        .agg(
            count=pl.len(),
            invalid=(pl.col("status") == "invalid").sum(),
            corrected=(pl.col("status") == "corrected").sum(),
        )
        # Ties broken by field and reason so the same findings give the same report.
        .sort(["count", "field", "reason"], descending=[True, False, False], nulls_last=True)
    )
    top = groups.head(limit)
    examples = _examples(text, top, show_contact_data)
    largest = max(1, int(top["count"].max() or 0))  # type: ignore[arg-type]
    problems = tuple(
        Problem(
            field=row["field"],
            reason=row["reason"],
            count=row["count"],
            invalid=row["invalid"],
            corrected=row["corrected"],
            examples=examples.get((row["field"], row["reason"]), ()),
            share=100.0 * row["count"] / largest,
        )
        for row in top.iter_rows(named=True)
    )
    return TopProblems(problems=problems, groups=groups.height)


def _examples(
    findings: pl.DataFrame, top: pl.DataFrame, show_contact_data: bool
) -> dict[tuple[str | None, str | None], tuple[Example, ...]]:
    """Return up to three distinct records per field+reason, lowest silo and source id first."""
    picked = (
        findings.join(top.select("field", "reason"), on=["field", "reason"], nulls_equal=True)
        .sort(["silo", "source_id", "value"], nulls_last=True)
        .unique(["field", "reason", "silo", "source_id"], keep="first", maintain_order=True)
        .with_columns(
            mask_contact(
                pl.col("value"), pl.col("field"), show_contact_data=show_contact_data
            ).alias("masked_value")
        )
        .group_by("field", "reason", maintain_order=True)
        .head(EXAMPLES_PER_PROBLEM)
    )
    examples: dict[tuple[str | None, str | None], list[Example]] = {}
    for row in picked.iter_rows(named=True):
        examples.setdefault((row["field"], row["reason"]), []).append(
            Example(
                silo=row["silo"] or "",
                source_id=row["source_id"] or "",
                masked_value=row["masked_value"],
            )
        )
    return {key: tuple(items) for key, items in examples.items()}


def quarantine_list(quarantine: pl.DataFrame, limit: int = QUARANTINE_ROWS_SHOWN) -> QuarantineList:
    """Return the first ``limit`` quarantined rows by silo and row number, and the rest's count."""
    if quarantine.is_empty():
        return QuarantineList(rows=(), more=0)
    _require_columns(quarantine, "quarantine", _QUARANTINE_COLUMNS)
    shown = (
        quarantine.select(_QUARANTINE_COLUMNS)
        .sort(["silo", "row_number", "source_id"], nulls_last=True)
        .head(limit)
    )
    rows = tuple(QuarantineRow(**row) for row in shown.iter_rows(named=True))
    return QuarantineList(rows=rows, more=quarantine.height - shown.height)


def stale_summary(stale: pl.DataFrame) -> StaleSummary:
    """Count stale records per reason; ``reasons`` may be a list or a text column."""
    if "reasons" not in stale.columns or stale.is_empty():
        return StaleSummary(total=stale.height, reasons=())
    reasons = stale.get_column("reasons")
    if isinstance(reasons.dtype, pl.List):
        reasons = reasons.explode()
    counts = (
        reasons.cast(pl.String)
        .drop_nulls()
        .value_counts(name="count")
        .sort(["count", "reasons"], descending=[True, False])
    )
    return StaleSummary(
        total=stale.height,
        reasons=bars((row["reasons"], row["count"]) for row in counts.iter_rows(named=True)),
    )


def stage_bars(summary: RunSummary) -> tuple[Bar, ...]:
    """Return the wall time per stage in the order the run recorded them."""
    return bars(summary.stage_seconds.items())


def bars(values: Iterable[tuple[str, float]]) -> tuple[Bar, ...]:
    """Return bars whose lengths are relative to the largest value (the largest is 100)."""
    pairs = list(values)
    largest = max((value for _, value in pairs), default=0.0)
    return tuple(
        Bar(label=label, value=value, share=100.0 * value / largest if largest > 0 else 0.0)
        for label, value in pairs
    )


def _require_columns(frame: pl.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"DQ report: the {name} frame lacks column(s) {', '.join(missing)} — build it with "
            f"the columns of rules.canonical ({name.upper()}_SCHEMA)"
        )
