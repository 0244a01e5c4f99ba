"""Which source records are due for deletion under ``[retention]``, and which are only kept by law.

Per record of a silo with a retention group (rules.retention):

==========  =====================================================================================
billing     kept until the end of the calendar year of ``date_field`` (the last invoice) plus the
            statutory years of the record's country (DE 8, AT 7, CH 10); due the day after. Not
            yet due, but the person shows no activity for the prospect period in any silo:
            "gesperrt" — kept only for the legal duty, not to be used for anything else
marketing   while the record's e-mail consent is true: kept; otherwise due ``grace_days`` after
            the opt-out date (else after ``date_field``)
prospect    when none of the person's records is a billing record: due ``months`` after the
            person's latest activity (latest ``date_field`` over all their records)
==========  =====================================================================================

Records without the date a rule needs are not due (nothing to count from): the DQ rules report
missing dates.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import polars as pl

from rules.retention import RetentionConfig, RetentionPeriods

DUE: Final = "due"
RESTRICTED: Final = "gesperrt"

#: Rows of retention_due.csv.
RETENTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "golden_id": pl.String(),
    "group": pl.String(),
    "status": pl.String(),
    "basis_date": pl.Date(),
    "due_on": pl.Date(),
    "reason": pl.String(),
    "legal_source": pl.String(),
}


def retention_due(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    config: RetentionConfig,
    periods: RetentionPeriods,
    default_country: str,
    today: date,
) -> pl.DataFrame:
    """Due and "gesperrt" records (RETENTION_SCHEMA), by silo and source id."""
    if not config.silos or records.height == 0:
        return pl.DataFrame(schema=RETENTION_SCHEMA)
    groups = {name: rule.group for name, rule in config.silos.items()}
    basis = pl.lit(None, pl.Date)
    for name, rule in config.silos.items():
        basis = (
            pl.when(pl.col("silo") == name)
            .then(pl.col(rule.date_field).cast(pl.Date))
            .otherwise(basis)
        )
    frame = (
        records.select(
            "record_key",
            "silo",
            "source_id",
            pl.col("country").fill_null(default_country).alias("country"),
            "consent_email",
            "consent_email_date",
            basis.alias("basis_date"),
            # the person's latest sign of life, in any silo
            pl.max_horizontal("last_activity", "updated_at").cast(pl.Date).alias("__activity"),
            pl.col("silo").replace_strict(groups, default=None).alias("group"),
        )
        .join(assignment, on="record_key", how="left")
        .with_columns(
            pl.col("__activity").max().over("golden_id").alias("__latest"),
            (pl.col("group") == "billing").any().over("golden_id").alias("__billing"),
        )
        .filter(pl.col("group").is_not_null())
    )
    parts = [
        _billing(frame, periods, today),
        _marketing(frame, periods),
        _prospect(frame, periods),
    ]
    result = pl.concat([part.select(list(RETENTION_SCHEMA)) for part in parts])
    due = (pl.col("status") == RESTRICTED) | (pl.col("due_on") <= today)
    kept = result.filter(due & pl.col("due_on").is_not_null())
    return kept.cast(RETENTION_SCHEMA).sort("silo", "source_id")  # type: ignore[arg-type]


def _billing(frame: pl.DataFrame, periods: RetentionPeriods, today: date) -> pl.DataFrame:
    years = {country: period.amount for country, period in periods.billing.items()}
    sources = {country: period.source for country, period in periods.billing.items()}
    fallback = max(years.values())  # an unknown country: the longest period, never too short
    billing = frame.filter(pl.col("group") == "billing").with_columns(
        pl.col("country")
        .replace_strict(years, default=fallback, return_dtype=pl.Int32)
        .alias("__years")
    )
    due_on = pl.date(pl.col("basis_date").dt.year() + pl.col("__years") + 1, 1, 1)
    inactive_since = pl.col("__latest").dt.offset_by(f"{periods.prospect_months.amount}mo")
    kept_by_law = (due_on > today) & (inactive_since <= today)
    return billing.with_columns(
        due_on.alias("due_on"),
        pl.when(kept_by_law).then(pl.lit(RESTRICTED)).otherwise(pl.lit(DUE)).alias("status"),
        pl.when(kept_by_law)
        .then(
            pl.format(
                "only kept for the legal retention duty until {}", due_on.dt.to_string("%Y-%m-%d")
            )
        )
        .otherwise(
            pl.format(
                "{} years after the end of {} (last invoice)",
                pl.col("__years"),
                pl.col("basis_date").dt.year(),
            )
        )
        .alias("reason"),
        pl.col("country")
        .replace_strict(sources, default=f"longest period ({fallback} years): unknown country")
        .alias("legal_source"),
    )


def _marketing(frame: pl.DataFrame, periods: RetentionPeriods) -> pl.DataFrame:
    grace = periods.marketing_grace_days
    marketing = frame.filter(
        (pl.col("group") == "marketing") & ~pl.col("consent_email").fill_null(False)
    )
    since = pl.coalesce(pl.col("consent_email_date").cast(pl.Date), pl.col("basis_date"))
    return marketing.with_columns(
        since.dt.offset_by(f"{grace.amount}d").alias("due_on"),
        pl.lit(DUE).alias("status"),
        pl.when(pl.col("consent_email").is_null())
        .then(pl.lit("no marketing consent"))
        .otherwise(pl.lit("marketing consent withdrawn"))
        .alias("reason"),
        pl.lit(grace.source).alias("legal_source"),
    )


def _prospect(frame: pl.DataFrame, periods: RetentionPeriods) -> pl.DataFrame:
    months = periods.prospect_months
    prospects = frame.filter((pl.col("group") == "prospect") & ~pl.col("__billing"))
    return prospects.with_columns(
        pl.col("__latest").alias("basis_date"),
        pl.col("__latest").dt.offset_by(f"{months.amount}mo").alias("due_on"),
        pl.lit(DUE).alias("status"),
        pl.format("no activity for {} months", pl.lit(months.amount)).alias("reason"),
        pl.lit(months.source).alias("legal_source"),
    )


def gesperrt_golden_ids(due: pl.DataFrame) -> list[str]:
    """Golden ids with a record kept only for a legal retention duty (status "gesperrt").

    Such a person may be used for nothing but the duty: every marketing export leaves them out.
    ``due`` is retention_due.csv (RETENTION_SCHEMA) of the same run.
    """
    kept = due.filter(pl.col("status") == RESTRICTED).drop_nulls("golden_id")
    return sorted(set(kept["golden_id"].to_list()))
