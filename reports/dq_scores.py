"""Scores from the DQ check results: scorecards, blocking verdicts, duplicate rates, trends.

Pure functions on the frames reports.dq_validation produces (``rules.dq_rules.FAILURES_SCHEMA`` and
``CHECK_RESULTS_SCHEMA``) and on the crosswalk; the report, the Prefect artifact, the state store
and the blocking rules all read the same numbers from here.

Score of a dimension (0-100) = 100 x passed checks / checks, over every value each check of that
dimension looked at: a phone number is one check for "accepted by the cleaner" and, when kept,
one for "canonical format". ``overall`` is the mean of the dimensions that have checks, so each
dimension weighs the same whatever its number of checks. No checks: no score (None), not 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from rules.config import DQConfig
from rules.dq_rules import (
    CHECK_RESULTS_SCHEMA,
    FAILURES_SCHEMA,
    FINDING_ONLY_FIELDS,
    Check,
    Dimension,
    invalid_limit,
    invalid_records_limit,
)

#: Silo name of the row that pools every silo (silo names cannot contain "*").
ALL_SILOS: Final = "*"
OVERALL: Final = "overall"
DIMENSIONS: Final = (*(str(dimension) for dimension in Dimension), OVERALL)

SCORES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "dimension": pl.String(),
    "checked": pl.Int64(),
    "failed": pl.Int64(),
    "score": pl.Float64(),
}
#: Past runs' scores as the state store returns them (flows.state.load_dq_history).
HISTORY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "run_id": pl.String(),
    "started_at": pl.Datetime("us"),
    "status": pl.String(),
    **SCORES_SCHEMA,
}
DUPLICATES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "records": pl.Int64(),
    "golden_records": pl.Int64(),
    "within_duplicates": pl.Int64(),
    "within_rate": pl.Float64(),
    "shared_records": pl.Int64(),
    "across_rate": pl.Float64(),
}


@dataclass(frozen=True)
class DQResults:
    """What the DQ checks of one run found (built by flows.dq_checks)."""

    checks: tuple[Check, ...]
    #: every failing value, FAILURES_SCHEMA
    failures: pl.DataFrame
    #: checked and failed values per silo and check, CHECK_RESULTS_SCHEMA
    check_results: pl.DataFrame
    #: records per silo that went into the checks
    record_counts: Mapping[str, int] = field(default_factory=dict)
    #: wall time of the great-expectations validation (without its import)
    seconds: float = 0.0

    @classmethod
    def empty(cls, silos: tuple[str, ...] = ()) -> DQResults:
        """Results of a run without checks."""
        return cls(
            checks=(),
            failures=pl.DataFrame(schema=FAILURES_SCHEMA),
            check_results=pl.DataFrame(schema=CHECK_RESULTS_SCHEMA),
            record_counts=dict.fromkeys(silos, 0),
        )


def _score(checked: pl.Expr, failed: pl.Expr) -> pl.Expr:
    return (
        pl.when(checked > 0)
        .then((100.0 * (1.0 - failed / checked)).round(1))
        .otherwise(None)
        .alias("score")
    )


def scorecard(results: DQResults) -> pl.DataFrame:
    """Score per silo (and ``*`` = all silos) and dimension (and ``overall``), SCORES_SCHEMA."""
    silos = sorted(results.record_counts) or sorted(set(results.check_results["silo"]))
    grid = pl.DataFrame(
        [(silo, str(dimension)) for silo in [*silos, ALL_SILOS] for dimension in Dimension],
        schema={"silo": pl.String(), "dimension": pl.String()},
        orient="row",
    )
    per_silo = results.check_results.group_by("silo", "dimension").agg(
        pl.col("checked").sum(), pl.col("failed").sum()
    )
    pooled = per_silo.group_by("dimension").agg(
        pl.lit(ALL_SILOS).alias("silo"), pl.col("checked").sum(), pl.col("failed").sum()
    )
    counts = pl.concat([per_silo, pooled.select(per_silo.columns)])
    dimensions = (
        grid.join(counts, on=["silo", "dimension"], how="left")
        .with_columns(pl.col("checked", "failed").fill_null(0).cast(pl.Int64))
        .with_columns(_score(pl.col("checked"), pl.col("failed")))
    )
    overall = dimensions.group_by("silo").agg(
        pl.lit(OVERALL).alias("dimension"),
        pl.col("checked").sum(),
        pl.col("failed").sum(),
        pl.col("score").mean().round(1),
    )
    order = {name: index for index, name in enumerate(DIMENSIONS)}
    return (
        pl.concat([dimensions, overall.select(dimensions.columns)])
        .with_columns(
            pl.col("silo").eq(ALL_SILOS).alias("__all"),
            pl.col("dimension").replace_strict(order, return_dtype=pl.Int32).alias("__order"),
        )
        .sort("__all", "silo", "__order")
        .drop("__all", "__order")
        .cast(SCORES_SCHEMA)  # type: ignore[arg-type]
    )


def _blocking_validity(frame: pl.DataFrame) -> pl.DataFrame:
    """Validity rows of the fields that can stop a run (not FINDING_ONLY_FIELDS: VAT ids)."""
    return frame.filter(
        (pl.col("dimension") == str(Dimension.VALIDITY))
        & ~pl.col("field").is_in(sorted(FINDING_ONLY_FIELDS))
    )


def field_validity(results: DQResults) -> pl.DataFrame:
    """Per silo and field that can stop a run: values delivered, invalid values and their share
    (0-100). Fields whose invalid values are findings only (VAT ids) are left out."""
    validity = _blocking_validity(results.check_results)
    checked = validity.group_by("silo", "field").agg(pl.col("checked").max().alias("values"))
    failures = _blocking_validity(results.failures)
    # A value failing two validity checks counts once.
    invalid = (
        failures.unique(["silo", "record_key", "field", "value"])
        .group_by("silo", "field")
        .agg(pl.len().cast(pl.Int64).alias("invalid"))
    )
    return (
        checked.join(invalid, on=["silo", "field"], how="left")
        .with_columns(pl.col("invalid").fill_null(0))
        .with_columns(
            (100.0 * pl.col("invalid") / pl.max_horizontal(pl.col("values"), 1)).alias("share")
        )
        .sort("silo", "field")
    )


def invalid_records(results: DQResults) -> dict[str, int]:
    """Per silo: records with at least one invalid value (validity failure) in a field that can
    stop a run (an invalid VAT id alone does not count)."""
    failures = _blocking_validity(results.failures)
    return dict(failures.group_by("silo").agg(pl.col("record_key").n_unique()).iter_rows())


def blocking_problems(results: DQResults, dq: DQConfig) -> list[str]:
    """Messages for every blocking threshold the results exceed (empty: the run may go on)."""
    problems = []
    for silo, field_name, values, invalid, share in field_validity(results).iter_rows():
        limit = invalid_limit(dq, silo, field_name)
        if values >= dq.min_values_for_blocking and share > limit:
            problems.append(
                f"silo '{silo}': {share:.1f}% of {field_name} values invalid ({invalid} of "
                f"{values}; limit {limit:g}% in [dq] max_invalid_percent, "
                f"[dq.fields.{field_name}] or [dq.silos.{silo}])"
            )
    with_invalid = invalid_records(results)
    for silo, records in sorted(results.record_counts.items()):
        limit = invalid_records_limit(dq, silo)
        share = 100.0 * with_invalid.get(silo, 0) / max(1, records)
        if records >= dq.min_values_for_blocking and share > limit:
            problems.append(
                f"silo '{silo}': {share:.1f}% of records hold an invalid value "
                f"({with_invalid.get(silo, 0)} of {records}; limit {limit:g}% in [dq] "
                f"max_invalid_records_percent or [dq.silos.{silo}])"
            )
    return problems


def duplicate_rates(crosswalk: pl.DataFrame) -> pl.DataFrame:
    """Duplicates within each silo and across silos from the crosswalk, DUPLICATES_SCHEMA.

    within: records of the silo that share a golden record with another record of the same
    silo (records - golden records of the silo). across: records whose golden record also has a
    record in another silo. The ``*`` row sums the silos (golden_records: distinct over all
    silos); duplicates overall are ``records - golden_records`` of that row.
    """
    if crosswalk.is_empty():
        return pl.DataFrame(schema=DUPLICATES_SCHEMA)
    spans = crosswalk.group_by("golden_id").agg(pl.col("silo").n_unique().alias("__silos"))
    marked = crosswalk.join(spans, on="golden_id").with_columns(
        (pl.col("__silos") > 1).alias("__shared")
    )
    silo_rows = marked.group_by("silo").agg(
        pl.len().alias("records"),
        pl.col("golden_id").n_unique().alias("golden_records"),
        pl.col("__shared").sum().alias("shared_records"),
    )
    total = marked.select(
        pl.lit(ALL_SILOS).alias("silo"),
        pl.len().alias("records"),
        pl.col("golden_id").n_unique().alias("golden_records"),
        pl.col("__shared").sum().alias("shared_records"),
    )
    silo_rows = silo_rows.with_columns(
        (pl.col("records") - pl.col("golden_records")).alias("within_duplicates")
    )
    total = total.with_columns(
        pl.lit(silo_rows["within_duplicates"].sum()).alias("within_duplicates")
    )
    return (
        pl.concat([silo_rows.sort("silo"), total.select(silo_rows.columns)], how="vertical_relaxed")
        .with_columns(
            pl.col("records", "golden_records", "shared_records", "within_duplicates").cast(
                pl.Int64
            )
        )
        .with_columns(
            (100.0 * pl.col("within_duplicates") / pl.col("records")).round(1).alias("within_rate"),
            (100.0 * pl.col("shared_records") / pl.col("records")).round(1).alias("across_rate"),
        )
        .select(list(DUPLICATES_SCHEMA))
        .cast(DUPLICATES_SCHEMA)  # type: ignore[arg-type]
    )


def silo_overlap(crosswalk: pl.DataFrame) -> pl.DataFrame:
    """Golden records shared by each pair of silos (silo_a < silo_b, golden_records)."""
    members = crosswalk.select("golden_id", "silo").unique()
    pairs = members.join(members, on="golden_id", suffix="_b").filter(
        pl.col("silo") < pl.col("silo_b")
    )
    return (
        pairs.group_by("silo", "silo_b")
        .agg(pl.len().cast(pl.Int64).alias("golden_records"))
        .rename({"silo": "silo_a"})
        .sort("silo_a", "silo_b")
    )


def previous_scores(history: pl.DataFrame) -> pl.DataFrame:
    """Scores of the most recent completed run in ``history`` (empty when there is none)."""
    completed = history.filter(pl.col("status") == "completed")
    if completed.is_empty():
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    latest = completed.sort("started_at", "run_id").select(pl.col("run_id").last()).item()
    return completed.filter(pl.col("run_id") == latest)


def score_changes(current: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """``current`` scores with ``previous_score`` and ``change`` (null without a previous)."""
    before = previous.select("silo", "dimension", pl.col("score").alias("previous_score"))
    return current.join(before, on=["silo", "dimension"], how="left").with_columns(
        (pl.col("score") - pl.col("previous_score")).round(1).alias("change")
    )


def scores_markdown(scores: pl.DataFrame, seconds: float | None = None) -> str:
    """A markdown table of the scores, silos as rows and dimensions as columns (Prefect)."""
    header = "| silo | " + " | ".join(DIMENSIONS) + " |"
    lines = [header, "|---" * (len(DIMENSIONS) + 1) + "|"]
    for silo in scores["silo"].unique(maintain_order=True).to_list():
        row = scores.filter(pl.col("silo") == silo)
        values = dict(zip(row["dimension"], row["score"], strict=True))
        cells = ["–" if values.get(name) is None else f"{values[name]:.1f}" for name in DIMENSIONS]
        label = "all silos" if silo == ALL_SILOS else silo
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if seconds is not None:
        lines.append(f"\nChecks validated by great-expectations in {seconds:.2f} s.")
    return "\n".join(lines)


def artifact_markdown(results: DQResults, history: pl.DataFrame) -> str:
    """The DQ part of the Prefect run artifact: overall score with change, table, top rules."""
    scores = scorecard(results)
    previous = previous_scores(history)
    changed = score_changes(scores, previous)
    overall = changed.filter((pl.col("silo") == ALL_SILOS) & (pl.col("dimension") == OVERALL))
    score, change = overall.select("score", "change").row(0) if overall.height else (None, None)
    headline = f"Overall score (all silos, 0-100): **{'–' if score is None else f'{score:.1f}'}**"
    if change is not None:
        headline += f" ({change:+.1f} since run {previous['run_id'][0]})"
    top = (
        results.failures.group_by("check")
        .len()
        .sort(["len", "check"], descending=[True, False])
        .head(5)
    )
    problems = "\n".join(f"- {check}: {count}" for check, count in top.iter_rows())
    return (
        f"## Data quality\n\n{headline}\n\n{scores_markdown(scores, results.seconds)}\n\n"
        f"{results.failures.height} failing values (every one in dq_failures.csv)"
        + (f"; most frequent:\n{problems}\n" if problems else ".\n")
    )
