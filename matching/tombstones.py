"""Erasure tombstones: salted hashes of an erased person's match keys, and the check against them.

After an erasure (DSGVO Art. 17) the silos still hold the person until each owner deletes them,
and a silo may send them again later (a restored backup, a re-import). The tombstone keeps, per
erased person, keyed hashes (HMAC-SHA256 with a secret salt) of the keys matching works with —
no clear values:

=============  ==============================================================================
source         ``silo:source_id`` of every record the person had
email          every normalized personal e-mail (role addresses such as info@ are left out:
               they belong to an organisation, not to the person)
phone          every normalized phone (E.164)
name_birth     first-name key, last-name key, birth date
name_address   first-name key, last-name key, postal code, street key, house number
=============  ==============================================================================

A later record matching any of them is taken out before DQ checks and matching and quarantined
with silo and source id only (reason "erased on DATE (request REF)"), so the person is never
re-created and none of the record's values reaches an output. Without the salt the hashes
cannot be recomputed, and a stolen tombstone table does not reveal who was erased.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

import polars as pl

from rules.canonical import QUARANTINE_SCHEMA

KEY_KINDS: Final = ("source", "email", "phone", "name_birth", "name_address")

#: One row per erased key: the request it belongs to and the keyed hash.
TOMBSTONE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "request_ref": pl.String(),
    "erased_on": pl.Date(),
    "kind": pl.String(),
    "key_hash": pl.String(),
}

#: Records a run took out because they match a tombstone (silo and source id only).
HITS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "record_key": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "request_ref": pl.String(),
    "erased_on": pl.Date(),
}


@dataclass(frozen=True)
class Screened:
    """Records that may go on, and the ones a tombstone stopped (HITS_SCHEMA)."""

    kept: pl.DataFrame
    hits: pl.DataFrame


def erased_reason(erased_on: pl.Expr, request_ref: pl.Expr) -> pl.Expr:
    """The quarantine reason of a record stopped by a tombstone."""
    return pl.format("erased on {} (request {})", erased_on.dt.to_string("%Y-%m-%d"), request_ref)


def match_keys(records: pl.DataFrame) -> pl.DataFrame:
    """record_key, kind, key: the clear match keys of cleaned records (never stored as such)."""
    columns = set(records.columns)

    def _joined(*names: str) -> pl.Expr:
        parts = [pl.col(name).cast(pl.String).str.to_lowercase() for name in names]
        return pl.when(pl.all_horizontal(part.is_not_null() & (part != "") for part in parts)).then(
            pl.concat_str(parts, separator="|")
        )

    frames = [
        records.select(
            "record_key", pl.lit("source").alias("kind"), pl.col("record_key").alias("key")
        )
    ]
    if "emails" in columns:
        roles = (
            pl.col("role_emails")
            if "role_emails" in columns
            else pl.lit([], pl.List(pl.String)).alias("role_emails")
        )
        personal = ~pl.col("role_emails").fill_null([]).list.contains(pl.col("emails"))
        frames.append(
            records.select("record_key", "emails", roles)
            .explode("emails")
            .filter(pl.col("emails").is_not_null() & personal)
            .select(
                "record_key",
                pl.lit("email").alias("kind"),
                pl.col("emails").str.to_lowercase().alias("key"),
            )
        )
    if "phones" in columns:
        frames.append(
            records.select("record_key", "phones")
            .explode("phones")
            .drop_nulls("phones")
            .select("record_key", pl.lit("phone").alias("kind"), pl.col("phones").alias("key"))
        )
    name = ("first_name_key", "last_name_key")
    if columns.issuperset({*name, "birth_date"}):
        frames.append(
            records.select(
                "record_key",
                pl.lit("name_birth").alias("kind"),
                _joined(*name, "birth_date").alias("key"),
            )
        )
    address = (*name, "postal_code", "street_key", "house_number")
    if columns.issuperset(address):
        frames.append(
            records.select(
                "record_key", pl.lit("name_address").alias("kind"), _joined(*address).alias("key")
            )
        )
    return (
        pl.concat(frames)
        .drop_nulls("key")
        .filter(pl.col("key") != "")
        .unique()
        .sort("record_key", "kind", "key")
    )


def hash_keys(keys: pl.DataFrame, salt: bytes) -> pl.DataFrame:
    """``keys`` (kind, key, ...) with ``key_hash`` (HMAC-SHA256 hex) instead of ``key``."""
    distinct = keys.select("kind", "key").unique()
    hashes = [
        hmac.new(salt, f"{kind}\x1f{key}".encode(), hashlib.sha256).hexdigest()
        for kind, key in distinct.iter_rows()
    ]
    lookup = distinct.with_columns(pl.Series("key_hash", hashes, dtype=pl.String))
    return keys.join(lookup, on=["kind", "key"], how="left").drop("key")


def screen(records: pl.DataFrame, tombstones: pl.DataFrame, salt: bytes) -> Screened:
    """Split cleaned records into those that go on and those matching a tombstone.

    A record matching several requests is listed under the earliest one.
    """
    if tombstones.height == 0 or records.height == 0:
        return Screened(records, pl.DataFrame(schema=HITS_SCHEMA))
    hashed = hash_keys(match_keys(records), salt)
    matched = (
        hashed.join(tombstones, on=["kind", "key_hash"])
        .sort("record_key", "erased_on", "request_ref")
        .unique("record_key", keep="first", maintain_order=True)
        .select("record_key", "request_ref", "erased_on")
    )
    hits = (
        records.select("record_key", "silo", "source_id")
        .join(matched, on="record_key")
        .select(list(HITS_SCHEMA))
        .sort("silo", "source_id")
    )
    kept = records.join(matched.select("record_key"), on="record_key", how="anti")
    return Screened(kept, hits.cast(HITS_SCHEMA))  # type: ignore[arg-type]


def screen_quarantine(
    quarantine: pl.DataFrame, tombstones: pl.DataFrame, salt: bytes
) -> pl.DataFrame:
    """Quarantine rows of erased source records: reason replaced, ``raw`` and ``field`` emptied.

    Rows quarantined before cleaning (a duplicate id, a broken line) still carry the raw text;
    when their ``silo:source_id`` is tombstoned, nothing of it may be published.
    """
    if tombstones.height == 0 or quarantine.height == 0:
        return quarantine
    keyed = quarantine.with_row_index("__row").filter(pl.col("source_id").is_not_null())
    keys = keyed.select(
        "__row",
        pl.lit("source").alias("kind"),
        (pl.col("silo") + ":" + pl.col("source_id")).alias("key"),
    )
    matched = (
        hash_keys(keys, salt)
        .join(tombstones, on=["kind", "key_hash"])
        .sort("__row", "erased_on", "request_ref")
        .unique("__row", keep="first", maintain_order=True)
        .select("__row", "request_ref", "erased_on")
    )
    if matched.height == 0:
        return quarantine
    hit = pl.col("request_ref").is_not_null()
    return (
        quarantine.with_row_index("__row")
        .join(matched, on="__row", how="left")
        .with_columns(
            pl.when(hit).then(pl.lit(None, pl.String)).otherwise(pl.col("field")).alias("field"),
            pl.when(hit)
            .then(erased_reason(pl.col("erased_on"), pl.col("request_ref")))
            .otherwise(pl.col("reason"))
            .alias("reason"),
            pl.when(hit).then(pl.lit(None, pl.String)).otherwise(pl.col("raw")).alias("raw"),
        )
        .select(quarantine.columns)
    )


def personal_keys(person: pl.DataFrame, others: pl.DataFrame) -> pl.DataFrame:
    """The person's match keys that no other record has (record_key, kind, key).

    A landline or family mailbox shared with the rest of the household, or a name and address
    shared with a namesake, must not go into the tombstone: it would quarantine the others.
    """
    shared = match_keys(others).select("kind", "key").unique()
    return match_keys(person).join(shared, on=["kind", "key"], how="anti")


@dataclass(frozen=True)
class ErasedScreen:
    """A run's cleaned records with the erased persons' records taken out and quarantined."""

    records: pl.DataFrame
    findings: pl.DataFrame
    #: the run's quarantine plus one row per record stopped (ids and reason only)
    quarantine: pl.DataFrame
    #: the records stopped (HITS_SCHEMA)
    hits: pl.DataFrame

    def hits_per_silo(self) -> dict[str, int]:
        """silo -> records stopped."""
        return dict(self.hits.group_by("silo").len().iter_rows())


def quarantine_erased(
    records: pl.DataFrame,
    findings: pl.DataFrame,
    quarantine: pl.DataFrame,
    tombstones: pl.DataFrame,
    salt: bytes,
) -> ErasedScreen | None:
    """Take records matching a tombstone out of a run; None when nothing matched.

    Each one goes to quarantine with silo, source id, row number and the reason "erased on DATE
    (request REF)" only (no field, no raw text), and its findings are dropped; quarantine rows of
    erased source records lose their raw text too (screen_quarantine).
    """
    screened = screen(records, tombstones, salt)
    screened_quarantine = screen_quarantine(quarantine, tombstones, salt)
    hits = screened.hits
    if hits.height == 0 and screened_quarantine is quarantine:
        return None
    rows = (
        records.join(hits.select("record_key"), on="record_key")
        .select(
            "silo",
            "source_id",
            "row_number",
            pl.lit(None, pl.String).alias("field"),
            pl.lit(None, pl.String).alias("reason"),
            pl.lit(None, pl.String).alias("raw"),
        )
        .join(
            hits.select("silo", "source_id", "request_ref", "erased_on"), on=["silo", "source_id"]
        )
        .with_columns(erased_reason(pl.col("erased_on"), pl.col("request_ref")).alias("reason"))
        .select(list(QUARANTINE_SCHEMA))
    )
    return ErasedScreen(
        records=screened.kept,
        findings=findings.join(hits.select("record_key"), on="record_key", how="anti"),
        quarantine=pl.concat([screened_quarantine, rows.cast(QUARANTINE_SCHEMA)]),  # type: ignore[arg-type]
        hits=hits,
    )
