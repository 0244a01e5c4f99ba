"""Staleness: which source records are due for review, and why (golden.toml [staleness]).

Reasons: not updated for N months (the half-yearly review), no activity for M months, e-mail
without a recorded consent, consent older than K months, invalid contact data removed by the
cleaners, and a probable move (the entity's silos disagree on the address).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from rules.config import StalenessConfig

STALE_SCHEMA = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "golden_id": pl.String(),
    "reasons": pl.String(),
    "updated_at": pl.Datetime("us"),
    "last_activity": pl.Datetime("us"),
    "review_due": pl.Date(),
    "owner": pl.String(),
}


def _months_before(today: date, months: int) -> pl.Expr:
    return pl.lit(today).dt.offset_by(f"-{months}mo").cast(pl.Datetime("us"))


def flag_stale(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    findings: pl.DataFrame,
    rules: StalenessConfig,
    today: date,
) -> pl.DataFrame:
    """One row per flagged source record with all its reasons and a review-due date."""
    invalid_contact = (
        findings.filter(
            (pl.col("status") == "invalid") & pl.col("field").is_in(["phones", "emails"])
        )
        .select("record_key")
        .unique()
        .with_columns(pl.lit(True).alias("__invalid_contact"))
    )
    members = (
        records.join(assignment, on="record_key", how="left")
        .join(invalid_contact, on="record_key", how="left")
        .with_columns(
            pl.concat_str(["postal_code", "street_key"], separator="|").alias("__address"),
        )
        .with_columns(
            pl.col("__address").drop_nulls().n_unique().over("golden_id").alias("__addresses")
        )
    )
    checks: list[tuple[pl.Expr, str]] = [
        (
            pl.col("updated_at") < _months_before(today, rules.months_without_update),
            f"not updated for more than {rules.months_without_update} months",
        ),
        (
            pl.col("last_activity") < _months_before(today, rules.months_without_activity),
            f"no activity for more than {rules.months_without_activity} months",
        ),
        (
            (pl.col("__addresses") > 1) & pl.col("__address").is_not_null(),
            "probable move: silos disagree on the address",
        ),
    ]
    if rules.flag_missing_consent:
        checks.append(
            (
                # Consent recorded in any silo of the entity covers this record's e-mail.
                (pl.col("emails").list.len() > 0)
                & ~pl.col("consent_email").is_not_null().any().over("golden_id"),
                "e-mail without recorded consent",
            )
        )
        checks.append(
            (
                pl.col("consent_email").fill_null(False)
                & (
                    pl.col("consent_email_date").cast(pl.Datetime("us"))
                    < _months_before(today, rules.max_consent_age_months)
                ),
                f"e-mail consent older than {rules.max_consent_age_months} months",
            )
        )
    if rules.flag_invalid_contact:
        checks.append(
            (pl.col("__invalid_contact").fill_null(False), "invalid contact data (see findings)")
        )
    reasons = pl.concat_list(
        [pl.when(condition.fill_null(False)).then(pl.lit(text)) for condition, text in checks]
    ).list.drop_nulls()
    next_review = pl.col("updated_at").dt.offset_by(f"{rules.review_interval_months}mo").dt.date()
    flagged = (
        members.with_columns(reasons.alias("__reasons"))
        .filter(pl.col("__reasons").list.len() > 0)
        .select(
            "silo",
            "source_id",
            "golden_id",
            pl.col("__reasons").list.join("; ").alias("reasons"),
            pl.col("updated_at").cast(pl.Datetime("us")),
            pl.col("last_activity").cast(pl.Datetime("us")),
            pl.max_horizontal(next_review, pl.lit(today)).alias("review_due"),
            "owner",
        )
    )
    return flagged.cast(STALE_SCHEMA).sort("silo", "source_id")  # type: ignore[arg-type]
