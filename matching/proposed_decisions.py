"""Reviewers' decisions as a decisions file proposes them, before they are checked and stored.

A pair decision (approve / reject, in one of DECISION_WORDS, with the reviewer's value choices),
a move-out of one member from its golden record, and the fingerprints the report showed with
them. flows.review_files reads them from review.html's JSON or an edited review_queue.csv;
matching.review_checks checks them against the latest run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rules.canonical import record_key_of

#: Decision words a reviewer may write (lower case), German and English.
DECISION_WORDS = {
    "approve": "approve",
    "approved": "approve",
    "ja": "approve",
    "zusammenführen": "approve",
    "zusammenfuehren": "approve",
    "reject": "reject",
    "rejected": "reject",
    "nein": "reject",
    "trennen": "reject",
}

#: Words that ask for a move-out, which a pair row (CSV) cannot express.
MOVE_OUT_WORDS = frozenset({"move_out", "move out", "move-out", "herausnehmen"})

ID_FIELDS = ("left_silo", "left_source_id", "right_silo", "right_source_id")

#: The fields of a value choice (a ``values`` entry of a pair decision).
VALUE_FIELDS = ("field", "golden_id", "silo", "source_id", "value_hash")


@dataclass(frozen=True)
class ProposedValue:
    """A value choice of a pair decision: ``golden_id`` takes ``field`` from ``silo:source_id``
    whose values the report showed with fingerprint ``value_hash``."""

    field: str
    golden_id: str
    silo: str
    source_id: str
    value_hash: str

    @property
    def key(self) -> str:
        return record_key_of(self.silo, self.source_id)


@dataclass(frozen=True)
class ProposedDecision:
    """One row of a decisions file, before validation (``row`` as a person counts it)."""

    row: int
    left_silo: str
    left_source_id: str
    right_silo: str
    right_source_id: str
    decision: str
    reason: str | None
    reviewer: str | None
    pair_hash: str | None
    decided_at: datetime | None
    #: the reviewer's value choices (file version 3), empty when none
    values: tuple[ProposedValue, ...] = ()

    @property
    def left_key(self) -> str:
        return record_key_of(self.left_silo, self.left_source_id)

    @property
    def right_key(self) -> str:
        return record_key_of(self.right_silo, self.right_source_id)

    @property
    def pair(self) -> tuple[str, str]:
        """The pair as an unordered key (smaller record key first)."""
        return (min(self.left_key, self.right_key), max(self.left_key, self.right_key))


@dataclass(frozen=True)
class PairHash:
    """A pair's fingerprint as the report showed it (review_queue.csv ``pair_hash``)."""

    left_key: str
    right_key: str
    pair_hash: str

    @property
    def pair(self) -> tuple[str, str]:
        return (min(self.left_key, self.right_key), max(self.left_key, self.right_key))


@dataclass(frozen=True)
class ProposedMoveOut:
    """A move-out entry of a decisions JSON: ``silo:source_id`` out of ``golden_id``.

    ``members``: the other members the report showed (None: not given, take the current ones);
    ``pair_hashes``: the fingerprints of the shown pairs the member is part of;
    ``record_hashes``: (record key, fingerprint) of the member and the others as the report
    showed their values (review_members.csv of that run).
    """

    row: int
    golden_id: str
    silo: str
    source_id: str
    members: tuple[str, ...] | None
    pair_hashes: tuple[PairHash, ...]
    reason: str | None
    reviewer: str | None
    decided_at: datetime | None
    record_hashes: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return record_key_of(self.silo, self.source_id)


@dataclass(frozen=True)
class DecisionsFile:
    """A parsed decisions file: its rows and the run of the report it came from (if known)."""

    path: Path
    rows: tuple[ProposedDecision, ...]
    run_id: str | None
    move_outs: tuple[ProposedMoveOut, ...] = ()
