"""Group attributes: the customer segment and the profession (Branche, Kundengruppe, Beruf ...).

Free text a silo owner typed or picked from a list, so the normalisation is light: invisible
characters and repeated spaces go without a finding; ALL CAPS or all lower case text of more than
four letters gets title case ("ZAHNARZT" -> "Zahnarzt", a finding "casing fixed"), shorter ALL
CAPS text stays as an acronym ("KMU", "B2B"); a placeholder ("k.A.", "unbekannt", "-") is
removed with a finding. The values are never matched on; they feed the golden record (for the
Listenprivileg postal list's one group attribute, matching.listenprivileg).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from cleaners.outcome import (
    CORRECTED,
    INVALID,
    CleanResult,
    Outcome,
    findings_for,
    map_distinct,
    outcome_schema,
)
from cleaners.text import casing_is_broken, clean_text, fix_casing, is_placeholder
from rules.privacy import GROUP_ATTRIBUTES

#: Canonical group-attribute fields (rules.canonical).
GROUP_FIELDS: Final = GROUP_ATTRIBUTES
#: ALL CAPS text of at most this many letters is an acronym, not broken casing.
_ACRONYM_LETTERS: Final = 4


def normalize_group(value: str | None) -> Outcome:
    """One segment or profession value: trimmed, casing repaired, placeholders removed."""
    if value is None:
        return Outcome(None)
    text = clean_text(value)
    if not text:
        return Outcome(None)
    if is_placeholder(text):
        return Outcome(None, INVALID, "placeholder, not a group")
    letters = sum(ch.isalpha() for ch in text)
    if casing_is_broken(text) and not (text.isupper() and letters <= _ACRONYM_LETTERS):
        return Outcome(fix_casing(text), CORRECTED, "casing fixed")
    return Outcome(text)


def clean_groups(frame: pl.DataFrame) -> CleanResult:
    """segment and profession normalized (normalize_group), with findings."""
    findings = []
    for field in GROUP_FIELDS:
        frame = map_distinct(frame, [field], normalize_group, outcome_schema("__group"))
        findings.append(
            findings_for(
                frame, field, value=field, status="__group_status", reason="__group_reason"
            )
        )
        frame = frame.with_columns(pl.col("__group").alias(field)).drop(
            "__group", "__group_status", "__group_reason"
        )
    return CleanResult(frame, pl.concat(findings))
