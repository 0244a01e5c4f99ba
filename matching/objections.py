"""Objection (DSGVO Art. 21) and restriction (Art. 18) applied to records and golden records.

An objection to marketing on a channel turns the channel's consent of every record of the person
to false, dated the day of the objection, source "Widerspruch". Survivorship lets an opt-out win
unless a later dated opt-in exists; here a record's own opt-in survives the objection only when
it is dated after the objection *and* says where it was given (its proof, ``consent_<ch>_source``):
an undated or unproven "yes" a silo sends again after the objection does not undo it.

A restriction keeps the person's data but stops its use: golden records holding a restricted
record are left out of every CRM export.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from rules.canonical import CONSENT_CHANNELS

OBJECTION_SOURCE: Final = "Widerspruch"
RESTRICT: Final = "restrict"
OBJECT: Final = "object"

#: One row per record and flag: kind restrict (channel null) or object (channel email/post/phone).
FLAGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "kind": pl.String(),
    "channel": pl.String(),
    "since": pl.Date(),
}


def apply_objections(records: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """Records with consent false ("Widerspruch", dated) on every channel objected to."""
    objections = flags.filter(pl.col("kind") == OBJECT)
    if objections.height == 0 or records.height == 0:
        return records
    for channel in CONSENT_CHANNELS:
        value, date, source = (f"consent_{channel}{s}" for s in ("", "_date", "_source"))
        if value not in records.columns:
            continue
        since = (
            objections.filter(pl.col("channel") == channel)
            .group_by("silo", "source_id")
            .agg(pl.col("since").max().alias("__since"))
        )
        if since.height == 0:
            continue
        records = records.join(since, on=["silo", "source_id"], how="left")
        proven_later = (
            pl.col(value).fill_null(False)
            & pl.col(date).is_not_null()
            & (pl.col(date).cast(pl.Date) > pl.col("__since"))
            & pl.col(source).is_not_null()
        )
        overrule = pl.col("__since").is_not_null() & ~proven_later
        records = records.with_columns(
            pl.when(overrule).then(pl.lit(False)).otherwise(pl.col(value)).alias(value),
            pl.when(overrule)
            .then(pl.col("__since").cast(records.schema[date]))
            .otherwise(pl.col(date))
            .alias(date),
            pl.when(overrule)
            .then(pl.lit(OBJECTION_SOURCE))
            .otherwise(pl.col(source))
            .alias(source),
            # the objection is its own proof: the overruled opt-in's text and DOI go with it
            *(
                pl.when(overrule).then(None).otherwise(pl.col(name)).alias(name)
                for name in (f"consent_{channel}_text", f"consent_{channel}_confirmed_at")
                if name in records.columns
            ),
        ).drop("__since")
    return records


def restricted_golden_ids(crosswalk: pl.DataFrame, flags: pl.DataFrame) -> list[str]:
    """Golden ids (crosswalk: silo, source_id, golden_id) holding a restricted record."""
    restricted = flags.filter(pl.col("kind") == RESTRICT).select("silo", "source_id").unique()
    if restricted.height == 0:
        return []
    joined = crosswalk.join(restricted, on=["silo", "source_id"])
    return sorted(set(joined["golden_id"].to_list()))


def objected_golden_ids(crosswalk: pl.DataFrame, flags: pl.DataFrame) -> list[str]:
    """Golden ids holding a record with an objection (any channel) that is still in force."""
    objected = flags.filter(pl.col("kind") == OBJECT).select("silo", "source_id").unique()
    if objected.height == 0:
        return []
    joined = crosswalk.join(objected, on=["silo", "source_id"])
    return sorted(set(joined["golden_id"].to_list()))
