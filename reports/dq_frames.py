"""The frames the DQ checks run on, built from the cleaned records and the cleaners' findings.

Pure polars, no great-expectations: reports.dq_validation hands these frames to GX. Columns
follow the contract in rules.dq_rules: one ``records`` frame (a row per record) and one frame per
list field (``phones``, ``emails``: a row per kept or rejected item), each with ``dq_row`` as
row id.
A value a cleaner removed as invalid comes back from the findings as ``<field>__rejected`` with
its reason, so validity sees what the silo delivered, not only what survived cleaning.
Which e-mails are role mailboxes (info@) is the cleaners' knowledge: the caller passes their
``role_address`` in (``role_mailbox``), as it passes the postal-code patterns to the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from rules.canonical import CONTACT_ID_SUFFIX, LIST_FIELDS
from rules.dq_rules import (
    CLEANED_SCALARS,
    RECORDS,
    Check,
    Denominator,
    first_item_column,
    reason_column,
    rejected_column,
    unique_column,
)

ROW_ID = "dq_row"
_IDENTITY = ("record_key", "silo", "source_id", "record_type", "country")
#: Scalar columns the checks read besides the cleaned scalars (kept as they are).
_CHECKED_SCALARS = (
    "first_name",
    "last_name",
    "organisation_name",
    "legal_form",
    "salutation",
    "title",
    "street",
    "house_number",
    "postal_code",
    "city",
    "city_key",
    "owner",
)


@dataclass(frozen=True)
class CheckFrames:
    """The check frames by name ("records", "phones", "emails")."""

    frames: Mapping[str, pl.DataFrame]

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    def record_counts(self) -> dict[str, int]:
        """Records per silo (the denominator of the invalid-records share)."""
        return dict(self.frames[RECORDS].group_by("silo").len().iter_rows())


def _rejected(findings: pl.DataFrame) -> pl.DataFrame:
    """Values cleaners removed as invalid: record_key, field, value, reason, in a stable order."""
    return (
        findings.filter(pl.col("status") == "invalid")
        .select("record_key", "field", "value", "reason")
        .sort("record_key", "field", "value", nulls_last=True)
    )


def expected_cities(records: pl.DataFrame, min_records: int) -> pl.DataFrame:
    """Per country and postal code, the city most records give (ties: alphabetical key).

    Only postal codes with at least ``min_records`` records carrying a city count: with fewer,
    a typo cannot be told from the truth. Columns: country, postal_code, expected_city_key,
    expected_city (the most frequent spelling of that city).
    """
    with_city = records.filter(
        pl.col("postal_code").is_not_null() & pl.col("city_key").is_not_null()
    )
    counts = with_city.group_by("country", "postal_code", "city_key").agg(
        records=pl.len(), city=pl.col("city").mode().sort().first()
    )
    return (
        counts.with_columns(total=pl.col("records").sum().over("country", "postal_code"))
        .filter(pl.col("total") >= min_records)
        .sort(["records", "city_key"], descending=[True, False])
        .group_by("country", "postal_code", maintain_order=True)
        .first()
        .select(
            "country",
            "postal_code",
            pl.col("city_key").alias("expected_city_key"),
            pl.col("city").alias("expected_city"),
        )
    )


def records_frame(
    records: pl.DataFrame, findings: pl.DataFrame, postal_code_city_min_records: int
) -> pl.DataFrame:
    """One row per record: identity, checked scalars, rejected values, first list items."""
    rejected = _rejected(findings).filter(pl.col("field").is_in(list(CLEANED_SCALARS)))
    # One rejected value per record and field (a field has one value per record).
    first_rejected = rejected.group_by("record_key", "field", maintain_order=True).first()
    wide = first_rejected.pivot(
        on="field", index="record_key", values=["value", "reason"], aggregate_function="first"
    )
    renames = {}
    for field in CLEANED_SCALARS:
        renames[f"value_{field}"] = rejected_column(field)
        renames[f"reason_{field}"] = reason_column(field)
    wide = wide.rename({old: new for old, new in renames.items() if old in wide.columns})
    frame = records.select(
        *_IDENTITY,
        *_CHECKED_SCALARS,
        *(pl.col(field).cast(pl.Datetime("us")) for field in CLEANED_SCALARS if field != "vat_id"),
        "vat_id",
        *(pl.col(field).list.first().alias(first_item_column(field)) for field in LIST_FIELDS),
    ).join(wide, on="record_key", how="left")
    missing = [
        pl.lit(None, pl.String).alias(name)
        for field in CLEANED_SCALARS
        for name in (rejected_column(field), reason_column(field))
        if name not in frame.columns
    ]
    frame = frame.with_columns(missing).join(
        expected_cities(records, postal_code_city_min_records),
        on=["country", "postal_code"],
        how="left",
    )
    return frame.sort("record_key").with_row_index(ROW_ID)


#: An expression of lower-case e-mail addresses -> whether each is a role mailbox (info@).
RoleMailbox = Callable[[pl.Expr], pl.Expr]


def list_frame(
    records: pl.DataFrame, findings: pl.DataFrame, field: str, role_mailbox: RoleMailbox
) -> pl.DataFrame:
    """One row per kept or rejected item of a list field (phones or e-mails)."""
    identity = records.select(*_IDENTITY)
    kept = records.select("record_key", pl.col(field)).explode(field).drop_nulls(field)
    kept = kept.with_columns(
        pl.lit(None, pl.String).alias(rejected_column(field)),
        pl.lit(None, pl.String).alias(reason_column(field)),
    )
    rejected = (
        _rejected(findings)
        .filter(pl.col("field") == field)
        .select(
            "record_key",
            pl.lit(None, pl.String).alias(field),
            pl.col("value").alias(rejected_column(field)),
            pl.col("reason").alias(reason_column(field)),
        )
    )
    items = pl.concat([kept, rejected]).join(identity, on="record_key", how="inner")
    return (
        items.with_columns(_unique_items(records, field, role_mailbox))
        .select(
            *_IDENTITY, field, rejected_column(field), reason_column(field), unique_column(field)
        )
        .sort("record_key", field, rejected_column(field), nulls_last=True)
        .with_row_index(ROW_ID)
    )


def _unique_items(records: pl.DataFrame, field: str, role_mailbox: RoleMailbox) -> pl.Expr:
    """The items that count for uniqueness (rules.dq_rules.unique_column), else null.

    Not a contact split off an organisation row (its e-mails are that row's, counted there),
    and no role mailbox on a contact's row: a person record that names an organisation, or the
    organisation row a contact was split off (a CRM row per contact person, each with the
    company's info@). On any other organisation or a private person it still counts.
    """
    keys = pl.col("record_key")
    copied = keys.str.ends_with(CONTACT_ID_SUFFIX)
    counted = ~copied
    if field == "emails" and "organisation_name" in records.columns:
        split_off = records.filter(pl.col("record_key").str.ends_with(CONTACT_ID_SUFFIX))[
            "record_key"
        ].str.head(-len(CONTACT_ID_SUFFIX))
        persons = records.filter(
            (pl.col("record_type") == "person") & pl.col("organisation_name").is_not_null()
        )["record_key"]
        contact_rows = pl.concat([persons, split_off]).implode()
        company_mailbox = keys.is_in(contact_rows) & role_mailbox(pl.col(field))
        counted = counted & ~company_mailbox.fill_null(False)
    return pl.when(counted).then(pl.col(field)).alias(unique_column(field))


def check_frames(
    records: pl.DataFrame,
    findings: pl.DataFrame,
    postal_code_city_min_records: int,
    *,
    role_mailbox: RoleMailbox,
) -> CheckFrames:
    """Every check frame of a run (``role_mailbox``: cleaners.emails.role_address)."""
    frames = {RECORDS: records_frame(records, findings, postal_code_city_min_records)}
    for field in LIST_FIELDS:
        frames[field] = list_frame(records, findings, field, role_mailbox)
    return CheckFrames(frames)


def checked_mask(check: Check) -> pl.Expr:
    """Rows of the check's frame that count as checked values (its condition and denominator)."""
    condition = check.condition()
    if check.denominator is Denominator.ROWS:
        return condition
    if check.denominator is Denominator.DELIVERED:
        return condition & (pl.col(check.field).is_not_null() | pl.col(check.column).is_not_null())
    if check.denominator is Denominator.PAIRS:
        return (
            condition
            & pl.col(check.column).is_not_null()
            & pl.col(str(check.argument)).is_not_null()
        )
    return condition & pl.col(check.column).is_not_null()


def checked_counts(frames: CheckFrames, check: Check) -> dict[str, int]:
    """Checked values per silo for ``check``."""
    frame = frames[check.frame]
    counts = frame.lazy().filter(checked_mask(check)).group_by("silo").len().collect()
    return dict(counts.iter_rows())
