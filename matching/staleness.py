"""Staleness: which source records are due for review, and why (golden.toml [staleness]).

Reasons, each a boolean column of stale.csv (in this order, also the order of ``reasons``):

=====================  =========================================================================
not_updated            not updated for more than ``months_without_update`` (the half-yearly review)
no_activity            no activity for more than ``months_without_activity``
no_activity_since      no activity on or after ``no_activity_since`` (when set)
probable_move          the silos of the entity disagree on the address
consent_missing        an e-mail without a recorded consent statement in any silo of the entity
consent_expired        e-mail consent older than ``max_consent_age_months``
consent_without_proof  consent given but neither its date nor its source recorded (DSGVO Art. 7(1):
                       the controller must be able to demonstrate consent)
invalid_contact        a phone number or e-mail removed as invalid by the cleaners
=====================  =========================================================================

The review is due one ``review_interval_months`` after the last update, never before today.
``reminders`` groups the flagged records per silo and owner (the record's owner, else the silo's).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final

import polars as pl

from rules.canonical import CONSENT_CHANNELS
from rules.config import StalenessConfig

#: The reason columns of stale.csv, in the order of the joined ``reasons`` text.
REASONS: Final = (
    "not_updated",
    "no_activity",
    "no_activity_since",
    "probable_move",
    "consent_missing",
    "consent_expired",
    "consent_without_proof",
    "invalid_contact",
)

STALE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "golden_id": pl.String(),
    "reasons": pl.String(),
    "updated_at": pl.Datetime("us"),
    "last_activity": pl.Datetime("us"),
    "review_due": pl.Date(),
    "owner": pl.String(),
    **{reason: pl.Boolean() for reason in REASONS},
}

REMINDERS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "owner": pl.String(),
    "records": pl.Int64(),
    "overdue": pl.Int64(),
    "first_review_due": pl.Date(),
    **{reason: pl.Int64() for reason in REASONS},
}


def _months_before(today: date, months: int) -> pl.Expr:
    return pl.lit(today).dt.offset_by(f"-{months}mo").cast(pl.Datetime("us"))


def _reason_checks(rules: StalenessConfig, today: date) -> dict[str, tuple[pl.Expr, str]]:
    """Reason column -> (condition on the member frame, text for ``reasons``), switched-on only."""
    checks: dict[str, tuple[pl.Expr, str]] = {
        "not_updated": (
            pl.col("updated_at") < _months_before(today, rules.months_without_update),
            f"not updated for more than {rules.months_without_update} months",
        ),
        "no_activity": (
            pl.col("last_activity") < _months_before(today, rules.months_without_activity),
            f"no activity for more than {rules.months_without_activity} months",
        ),
    }
    if rules.no_activity_since is not None:
        checks["no_activity_since"] = (
            pl.col("last_activity") < pl.lit(rules.no_activity_since).cast(pl.Datetime("us")),
            f"no activity since {rules.no_activity_since:%Y-%m-%d}",
        )
    checks["probable_move"] = (
        (pl.col("__addresses") > 1) & pl.col("__address").is_not_null(),
        "probable move: silos disagree on the address",
    )
    if rules.flag_missing_consent:
        checks["consent_missing"] = (
            # Consent recorded in any silo of the entity covers this record's e-mail.
            (pl.col("emails").list.len() > 0)
            & ~pl.col("consent_email").is_not_null().any().over("golden_id"),
            "e-mail without recorded consent",
        )
        checks["consent_expired"] = (
            pl.col("consent_email").fill_null(False)
            & (
                pl.col("consent_email_date").cast(pl.Datetime("us"))
                < _months_before(today, rules.max_consent_age_months)
            ),
            f"e-mail consent older than {rules.max_consent_age_months} months",
        )
    if rules.flag_consent_without_proof:
        checks["consent_without_proof"] = (
            pl.any_horizontal(
                pl.col(f"consent_{channel}").fill_null(False)
                & pl.col(f"consent_{channel}_date").is_null()
                & pl.col(f"consent_{channel}_source").is_null()
                for channel in CONSENT_CHANNELS
            ),
            "consent without proof (no date or source recorded)",
        )
    if rules.flag_invalid_contact:
        checks["invalid_contact"] = (
            pl.col("__invalid_contact").fill_null(False),
            "invalid contact data (see findings)",
        )
    return checks


def flag_stale(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    findings: pl.DataFrame,
    rules: StalenessConfig,
    today: date,
    silo_owners: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """One row per flagged source record: a column per reason, the reasons joined, review due.

    ``silo_owners`` (silo -> owner from golden.toml) fills the owner of records without one.
    """
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
    checks = _reason_checks(rules, today)
    flags = [
        (checks[reason][0].fill_null(False) if reason in checks else pl.lit(False)).alias(reason)
        for reason in REASONS
    ]
    reasons = pl.concat_list(
        [pl.when(pl.col(reason)).then(pl.lit(text)) for reason, (_, text) in checks.items()]
    ).list.drop_nulls()
    next_review = pl.col("updated_at").dt.offset_by(f"{rules.review_interval_months}mo").dt.date()
    owners = pl.col("silo").replace_strict(
        dict(silo_owners or {}), default=None, return_dtype=pl.String
    )
    flagged = (
        members.with_columns(flags)
        .with_columns(reasons.alias("__reasons"))
        .filter(pl.col("__reasons").list.len() > 0)
        .select(
            "silo",
            "source_id",
            "golden_id",
            pl.col("__reasons").list.join("; ").alias("reasons"),
            pl.col("updated_at").cast(pl.Datetime("us")),
            pl.col("last_activity").cast(pl.Datetime("us")),
            pl.max_horizontal(next_review, pl.lit(today)).alias("review_due"),
            pl.coalesce(pl.col("owner"), owners).alias("owner"),
            *REASONS,
        )
    )
    return flagged.cast(STALE_SCHEMA).sort("silo", "source_id")  # type: ignore[arg-type]


def reminders(stale: pl.DataFrame, today: date) -> pl.DataFrame:
    """Flagged records per silo and owner: how many, how many overdue, first due date, reasons.

    A record is overdue when its review is due today or earlier. Records without an owner (in
    the record or the silo) form their own group with owner null.
    """
    if stale.is_empty():
        return pl.DataFrame(schema=REMINDERS_SCHEMA)
    return (
        stale.group_by("silo", "owner")
        .agg(
            pl.len().alias("records"),
            (pl.col("review_due") <= pl.lit(today)).sum().alias("overdue"),
            pl.col("review_due").min().alias("first_review_due"),
            *(pl.col(reason).sum() for reason in REASONS),
        )
        .cast(REMINDERS_SCHEMA)  # type: ignore[arg-type]
        .select(list(REMINDERS_SCHEMA))
        .sort("silo", "owner", nulls_last=True)
    )
