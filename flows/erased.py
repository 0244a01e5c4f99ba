"""The run stage that keeps erased persons out and objections in force, right after cleaning.

Objections (Art. 21, `golden subject object`) set the objected channels' consent to false
(matching.objections) before DQ checks, survivorship and exports see it. Then the cleaned records
are checked against the erasure tombstones.

Runs right after cleaning, before DQ checks and matching, so a record of an erased person that a
silo still (or again) holds reaches no output: it goes to quarantine with silo and source id
only, reason "erased on DATE (request REF)", its findings dropped, and is recorded for the
request (`golden subject status REF` lists it for the silo owner). Without stored tombstones the
stage does nothing and needs no salt.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl

from flows.privacy_state import load_flags, load_tombstones, save_hits
from flows.stages import Cleaned, SiloCounts
from flows.state import StateStore
from matching.objections import apply_objections
from matching.tombstones import erased_reason, screen, screen_quarantine
from rules.canonical import QUARANTINE_SCHEMA
from rules.config import GoldenConfig

log = logging.getLogger("golden.erased")


def screen_erased(
    config: GoldenConfig, state: StateStore, cleaned: Cleaned, run_id: str
) -> Cleaned:
    """Move records matching an erasure tombstone to quarantine (ids and reason only)."""
    flags = load_flags(state)
    if flags.height:  # objections (Art. 21) before anything reads the consent
        cleaned = replace(cleaned, records=apply_objections(cleaned.records, flags))
    tombstones = load_tombstones(state)
    if tombstones.height == 0:
        return cleaned
    from flows.subject import read_salt  # the salt check is the subject module's

    salt = read_salt(config)
    screened = screen(cleaned.records, tombstones, salt)
    quarantine = screen_quarantine(cleaned.quarantine, tombstones, salt)
    hits = screened.hits
    if hits.height == 0 and quarantine is cleaned.quarantine:
        return cleaned
    rows = cleaned.records.join(hits.select("record_key"), on="record_key").select(
        "silo",
        "source_id",
        "row_number",
        pl.lit(None, pl.String).alias("field"),
        pl.lit(None, pl.String).alias("reason"),
        pl.lit(None, pl.String).alias("raw"),
    )
    rows = (
        rows.join(
            hits.select("silo", "source_id", "request_ref", "erased_on"), on=["silo", "source_id"]
        )
        .with_columns(erased_reason(pl.col("erased_on"), pl.col("request_ref")).alias("reason"))
        .select(list(QUARANTINE_SCHEMA))
    )
    per_silo = dict(hits.group_by("silo").len().iter_rows())
    counts = {
        name: SiloCounts(
            name,
            silo.rows_read,
            silo.quarantined + per_silo.get(name, 0),
            silo.records - per_silo.get(name, 0),
        )
        for name, silo in cleaned.counts.items()
    }
    save_hits(state, run_id, hits, datetime.now(UTC))
    # Counts only: the ids are in quarantine.csv and `golden subject status`.
    log.warning("%d record(s) of erased persons quarantined", hits.height)
    return replace(
        cleaned,
        records=screened.kept,
        findings=cleaned.findings.join(hits.select("record_key"), on="record_key", how="anti"),
        quarantine=pl.concat([quarantine, rows.cast(QUARANTINE_SCHEMA)]),  # type: ignore[arg-type]
        counts=counts,
    )
