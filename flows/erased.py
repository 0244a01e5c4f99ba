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

from flows.privacy_state import load_flags, load_tombstones, save_hits
from flows.stages import Cleaned, counts_after_quarantine
from flows.state import StateStore
from matching.objections import apply_objections
from matching.tombstones import quarantine_erased
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

    screen = quarantine_erased(
        cleaned.records, cleaned.findings, cleaned.quarantine, tombstones, read_salt(config)
    )
    if screen is None:
        return cleaned
    counts = counts_after_quarantine(cleaned.counts, screen.hits_per_silo())
    save_hits(state, run_id, screen.hits, datetime.now(UTC))
    # Counts only: the ids are in quarantine.csv and `golden subject status`.
    log.warning("%d record(s) of erased persons quarantined", screen.hits.height)
    return replace(
        cleaned,
        records=screen.records,
        findings=screen.findings,
        quarantine=screen.quarantine,
        counts=counts,
        # The map cache holds address lines and names as the silos spell them, the erased
        # person's too while a silo still has their rows: none is kept (the next run parses
        # every value again).
        memo=None,
    )
