"""Staleness: which golden records need a steward's action, why, how urgently, and by when.

One row per golden record (not per source row: a customer in three silos is one task). Each
reason is something a steward can act on, with a severity (data file data/staleness_reasons.csv,
which also holds the one-sentence explanation of each reason in German and English):

=====================  ========  ==============================================================
reason                 severity  flagged when (golden.toml [staleness])
=====================  ========  ==============================================================
invalid_contact        high      a member's e-mail or phone was removed as invalid by the
                                 cleaners (mail bounces, calls fail): fix it in the source
consent_missing        high      a silo sends marketing by e-mail or phone (``marketing_channels``
                                 of the silo) but no silo records consent or refusal for it
consent_without_proof  high      e-mail or phone consent given but neither its date nor its
                                 source recorded in any silo (DSGVO Art. 7(1): consent must be
                                 demonstrable; postal advertising needs no consent)
probable_move          medium    the silos disagree on the address
consent_expired        medium    the newest e-mail consent is older than
                                 ``max_consent_age_months`` and unused: no activity since
                                 (off by default: consent does not expire by age alone)
no_activity            low       no activity in any silo for ``months_without_activity``
no_activity_since      low       no activity on or after ``no_activity_since`` (when set)
not_updated            low       no silo updated the record for ``months_without_update``
                                 (off by default: most CRM records are not edited for months)
=====================  ========  ==============================================================

The review is due today for a high-severity reason; otherwise at the golden record's next
half-yearly review (``review_interval_months`` after its newest update), never before today. The
owner is the first member's own owner, else its silo's (``silo_owners``), members in silo order.
``reminders`` counts the flagged golden records per owner and silo, for the half-yearly review.
``stale_file`` and ``reminders_file`` give the CSV layout in the report language.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Final

import polars as pl

from rules.canonical import CONSENT_CHANNELS
from rules.config import StalenessConfig

#: The reason columns of the stale frame, most severe first (also the order of ``reasons``).
REASONS: Final = (
    "invalid_contact",
    "consent_missing",
    "consent_without_proof",
    "probable_move",
    "consent_expired",
    "no_activity",
    "no_activity_since",
    "not_updated",
)

#: Channels whose advertising needs prior consent (§ 7 Abs. 2 UWG: e-mail, phone calls to
#: consumers). Postal advertising does not (legitimate interest, DSGVO recital 47; the customer
#: may object), so a postal "consent" without proof is no task.
CONSENT_REQUIRED: Final = ("email", "phone")

#: Severities, most urgent first; ``severity_rank`` 1 is the most urgent.
SEVERITIES: Final = ("high", "medium", "low")

STALE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "golden_id": pl.String(),
    "severity": pl.String(),
    "severity_rank": pl.Int8(),
    "reasons": pl.String(),
    "review_due": pl.Date(),
    "owner": pl.String(),
    "silo": pl.String(),
    "members": pl.String(),
    "updated_at": pl.Date(),
    "last_activity": pl.Date(),
    **{reason: pl.Boolean() for reason in REASONS},
}

REMINDERS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "owner": pl.String(),
    "silo": pl.String(),
    "records": pl.Int64(),
    "high": pl.Int64(),
    "medium": pl.Int64(),
    "low": pl.Int64(),
    "overdue": pl.Int64(),
    "first_review_due": pl.Date(),
    **{reason: pl.Int64() for reason in REASONS},
}


@cache
def reason_texts() -> dict[str, dict[str, str]]:
    """reason -> severity, de, en (data/staleness_reasons.csv)."""
    text = resources.files("matching").joinpath("data/staleness_reasons.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["reason"]: row for row in rows}


def _months_before(today: date, months: int) -> pl.Expr:
    return pl.lit(today).dt.offset_by(f"-{months}mo").cast(pl.Datetime("us"))


def _text(reason: str, language: str, rules: StalenessConfig) -> str:
    """The reason's sentence in ``language`` with the configured months and dates filled in."""
    template = reason_texts()[reason].get(language) or reason_texts()[reason]["en"]
    return (
        template.replace("{months_without_update}", str(rules.months_without_update))
        .replace("{months_without_activity}", str(rules.months_without_activity))
        .replace("{max_consent_age_months}", str(rules.max_consent_age_months or ""))
        .replace(
            "{no_activity_since}",
            rules.no_activity_since.strftime("%d.%m.%Y" if language == "de" else "%Y-%m-%d")
            if rules.no_activity_since
            else "",
        )
    )


def _golden_checks(
    rules: StalenessConfig, today: date, marketing: Mapping[str, Sequence[str]]
) -> dict[str, pl.Expr]:
    """Reason -> condition on the per-golden-record frame, for the switched-on reasons only."""
    checks: dict[str, pl.Expr] = {}
    if rules.flag_invalid_contact:
        checks["invalid_contact"] = pl.col("__invalid_contact")
    if rules.flag_missing_consent:
        in_use = [
            pl.col(f"__in_use_{channel}") & ~pl.col(f"__recorded_{channel}")
            for channel in CONSENT_REQUIRED
            if any(channel in channels for channels in marketing.values())
        ]
        if in_use:
            checks["consent_missing"] = pl.any_horizontal(in_use)
    if rules.flag_consent_without_proof:
        checks["consent_without_proof"] = pl.any_horizontal(
            pl.col(f"__consent_{channel}") & ~pl.col(f"__proof_{channel}")
            for channel in CONSENT_REQUIRED
        )
    checks["probable_move"] = pl.col("__addresses") > 1
    if rules.max_consent_age_months is not None:
        # Consent lapses when it goes unused for long, not by age alone: old and no activity
        # (a newsletter opened, a purchase) within the same period.
        cutoff = _months_before(today, rules.max_consent_age_months)
        checks["consent_expired"] = (
            pl.col("__consent_email")
            & (pl.col("__consent_email_date") < cutoff)
            & (pl.col("last_activity").fill_null(pl.col("__consent_email_date")) < cutoff)
        )
    checks["no_activity"] = pl.col("last_activity") < _months_before(
        today, rules.months_without_activity
    )
    if rules.no_activity_since is not None:
        checks["no_activity_since"] = pl.col("last_activity") < pl.lit(
            rules.no_activity_since
        ).cast(pl.Datetime("us"))
    if rules.months_without_update is not None:
        checks["not_updated"] = pl.col("updated_at") < _months_before(
            today, rules.months_without_update
        )
    return checks


def _per_golden_record(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    findings: pl.DataFrame,
    silo_owners: Mapping[str, str],
    marketing: Mapping[str, Sequence[str]],
) -> pl.DataFrame:
    """One row per golden record with what the checks read (``__`` columns)."""
    invalid = (
        findings.filter(
            (pl.col("status") == "invalid") & pl.col("field").is_in(["phones", "emails"])
        )
        .select("record_key")
        .unique()
        .with_columns(pl.lit(True).alias("__invalid"))
    )
    silo_owner = pl.col("silo").replace_strict(
        dict(silo_owners), default=None, return_dtype=pl.String
    )
    # Lazily: the join and the sort then carry only the columns read below, not every column.
    members = (
        records.lazy()
        .join(assignment.lazy(), on="record_key", how="inner")
        .join(invalid.lazy(), on="record_key", how="left")
        .with_columns(
            pl.concat_str(["postal_code", "street_key"], separator="|").alias("__address"),
            pl.coalesce(pl.col("owner"), silo_owner).alias("__owner"),
            pl.concat_str(["silo", "source_id"], separator=":").alias("__member"),
            *(
                pl.col("silo")
                .is_in([silo for silo, channels in marketing.items() if channel in channels])
                .alias(f"__in_use_{channel}")
                for channel in CONSENT_CHANNELS
            ),
        )
        .sort("golden_id", "silo", "source_id")
    )
    proof = {
        channel: pl.col(f"consent_{channel}").fill_null(False)
        & (
            pl.col(f"consent_{channel}_date").is_not_null()
            | pl.col(f"consent_{channel}_source").is_not_null()
        )
        for channel in CONSENT_CHANNELS
    }
    owned = pl.col("__owner").is_not_null()
    return (
        members.group_by("golden_id")
        .agg(
            pl.col("__invalid").fill_null(False).any().alias("__invalid_contact"),
            pl.col("__address").drop_nulls().n_unique().alias("__addresses"),
            pl.col("updated_at").max().cast(pl.Datetime("us")),
            pl.col("last_activity").max().cast(pl.Datetime("us")),
            pl.col("__owner").filter(owned).first().alias("owner"),
            pl.coalesce(pl.col("silo").filter(owned).first(), pl.col("silo").first()).alias("silo"),
            pl.col("__member").str.join("; ").alias("members"),
            *(pl.col(f"__in_use_{channel}").any() for channel in CONSENT_CHANNELS),
            *(
                pl.col(f"consent_{channel}").fill_null(False).any().alias(f"__consent_{channel}")
                for channel in CONSENT_CHANNELS
            ),
            *(proof[channel].any().alias(f"__proof_{channel}") for channel in CONSENT_CHANNELS),
            # consent or refusal recorded: a recorded opt-out is a decision the sender honours
            *(
                pl.col(f"consent_{channel}").is_not_null().any().alias(f"__recorded_{channel}")
                for channel in CONSENT_CHANNELS
            ),
            pl.col("consent_email_date")
            .filter(pl.col("consent_email").fill_null(False))
            .max()
            .cast(pl.Datetime("us"))
            .alias("__consent_email_date"),
        )
        .collect()
    )


def flag_stale(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    findings: pl.DataFrame,
    rules: StalenessConfig,
    today: date,
    silo_owners: Mapping[str, str] | None = None,
    *,
    marketing_channels: Mapping[str, Sequence[str]] | None = None,
    language: str = "de",
) -> pl.DataFrame:
    """One row per flagged golden record (STALE_SCHEMA), most severe and most urgent first.

    ``silo_owners``: silo -> owner from golden.toml; ``marketing_channels``: silo -> the
    channels it sends marketing on (email, post, phone); ``language``: of ``reasons``.
    """
    marketing = dict(marketing_channels or {})
    per_golden = _per_golden_record(
        records, assignment, findings, dict(silo_owners or {}), marketing
    )
    checks = _golden_checks(rules, today, marketing)
    flags = [
        (checks[reason].fill_null(False) if reason in checks else pl.lit(False)).alias(reason)
        for reason in REASONS
    ]
    texts = reason_texts()
    rank = {severity: index + 1 for index, severity in enumerate(SEVERITIES)}
    severity_rank = pl.min_horizontal(
        pl.when(pl.col(reason)).then(pl.lit(rank[texts[reason]["severity"]], pl.Int8))
        for reason in REASONS
    )
    reasons = pl.concat_list(
        [pl.when(pl.col(reason)).then(pl.lit(_text(reason, language, rules))) for reason in REASONS]
    ).list.drop_nulls()
    next_review = pl.col("updated_at").dt.offset_by(f"{rules.review_interval_months}mo").dt.date()
    flagged = (
        per_golden.with_columns(flags)
        .with_columns(severity_rank.alias("severity_rank"), reasons.alias("__reasons"))
        .filter(pl.col("__reasons").list.len() > 0)
        .select(
            "golden_id",
            pl.col("severity_rank")
            .replace_strict({index + 1: name for index, name in enumerate(SEVERITIES)})
            .alias("severity"),
            "severity_rank",
            pl.col("__reasons").list.join("; ").alias("reasons"),
            pl.when(pl.col("severity_rank") == 1)
            .then(pl.lit(today))
            .otherwise(pl.max_horizontal(next_review, pl.lit(today)))
            .alias("review_due"),
            "owner",
            "silo",
            "members",
            pl.col("updated_at").dt.date(),
            pl.col("last_activity").dt.date(),
            *REASONS,
        )
    )
    return flagged.cast(STALE_SCHEMA).sort(  # type: ignore[arg-type]
        "severity_rank", "review_due", "golden_id"
    )


def reminders(stale: pl.DataFrame, today: date) -> pl.DataFrame:
    """Flagged golden records per owner and silo: how many, how urgent, first due date, reasons.

    A record is overdue when its review is due today or earlier. Records without an owner (in
    the record or the silo) form their own group with owner null.
    """
    if stale.is_empty():
        return pl.DataFrame(schema=REMINDERS_SCHEMA)
    return (
        stale.group_by("owner", "silo")
        .agg(
            pl.len().alias("records"),
            *((pl.col("severity") == severity).sum().alias(severity) for severity in SEVERITIES),
            (pl.col("review_due") <= pl.lit(today)).sum().alias("overdue"),
            pl.col("review_due").min().alias("first_review_due"),
            *(pl.col(reason).sum() for reason in REASONS),
        )
        .cast(REMINDERS_SCHEMA)  # type: ignore[arg-type]
        .select(list(REMINDERS_SCHEMA))
        .sort(["high", "medium", "owner", "silo"], descending=[True, True, False, False])
    )


#: Headers of stale.csv and reminders.csv per language (reasons: data/staleness_reasons.csv).
_HEADERS: Final = {
    "de": {
        "golden_id": "Golden-ID",
        "severity": "Dringlichkeit",
        "reasons": "Gründe",
        "review_due": "Prüfen bis",
        "owner": "Verantwortlich",
        "silo": "Quelle",
        "members": "Datensätze",
        "updated_at": "Zuletzt geändert",
        "last_activity": "Letzte Aktivität",
        "records": "Golden Records",
        "high": "hoch",
        "medium": "mittel",
        "low": "niedrig",
        "overdue": "fällig",
        "first_review_due": "Erste Prüfung bis",
    },
    "en": {
        "golden_id": "golden_id",
        "severity": "severity",
        "reasons": "reasons",
        "review_due": "review_due",
        "owner": "owner",
        "silo": "silo",
        "members": "records",
        "updated_at": "updated_at",
        "last_activity": "last_activity",
        "records": "golden_records",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "overdue": "overdue",
        "first_review_due": "first_review_due",
    },
}
_SEVERITY_WORDS: Final = {"de": {"high": "hoch", "medium": "mittel", "low": "niedrig"}}


def _localized(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    headers = _HEADERS.get(language, _HEADERS["en"])
    texts = reason_texts()
    reason_headers = {
        reason: texts[reason].get(f"column_{language}") or reason for reason in REASONS
    }
    words = _SEVERITY_WORDS.get(language)
    if words and "severity" in frame.columns:
        frame = frame.with_columns(pl.col("severity").replace(words))
    if language == "de":  # ja / leer reads better in German Excel than true / false
        frame = frame.with_columns(
            pl.when(pl.col(reason)).then(pl.lit("ja")).alias(reason)
            for reason in REASONS
            if frame.schema.get(reason) == pl.Boolean
        )
    return frame.rename(
        {
            name: {**headers, **reason_headers}[name]
            for name in frame.columns
            if name in {**headers, **reason_headers}
        }
    )


def stale_file(stale: pl.DataFrame, language: str) -> pl.DataFrame:
    """stale.csv: the stale frame without internal columns, headers and words in ``language``."""
    return _localized(stale.drop("severity_rank"), language)


def reminders_file(reminder_frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """reminders.csv in ``language``."""
    return _localized(reminder_frame, language)


def stale_columns(language: str) -> dict[str, tuple[str, str, str]]:
    """reason -> (column, value) that selects it in stale.csv as stale_file writes it, severity."""
    texts = reason_texts()
    if language == "de":
        return {
            reason: (texts[reason]["column_de"], "ja", texts[reason]["severity"])
            for reason in REASONS
        }
    return {reason: (reason, "true", texts[reason]["severity"]) for reason in REASONS}
