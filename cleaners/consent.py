"""Consent flags: yes/no texts (ja, nein, x, opt-in, abgemeldet ...) to Boolean.

A double opt-in that is still pending or unconfirmed is no consent: it becomes null (valid, not
an opt-out).

Only the flags are normalized here; ``consent_<channel>_date`` is parsed by ``dates.py`` and
``consent_<channel>_source`` stays free text. Unknown text becomes null (= unknown consent) with an
invalid finding, never a guessed yes or no.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

import polars as pl

from cleaners.outcome import INVALID, VALID, CleanResult, findings_for, map_distinct
from cleaners.reference import read_table
from cleaners.text import clean_text
from rules.canonical import CONSENT_CHANNELS

_EDGE = re.compile(r"^[\s\"'.()\[\]]+|[\s\"'.()\[\]!]+$")
_FLOAT_ONE_ZERO = re.compile(r"^([01])\.0+$")  # 1.0 / 0.0 from a spreadsheet number column


class ConsentOutcome(NamedTuple):
    consent: bool | None
    status: str
    reason: str | None


#: consent_values.csv: "none" marks states that give no consent without refusing it
#: (a double opt-in still pending or unconfirmed): valid, but null — never counted as consent,
#: and unlike "nein" not an opt-out that would overrule an opt-in given elsewhere.
_NO_CONSENT_YET = "none"


@cache
def _consent_values() -> dict[str, bool | None]:
    return {
        row["value"]: None if row["consent"] == _NO_CONSENT_YET else row["consent"] == "true"
        for row in read_table("consent_values.csv")
    }


def normalize_consent(value: str | None) -> ConsentOutcome:
    """True for ja/yes/x/opt-in..., False for nein/no/opt-out/abgemeldet...; unknown -> None."""
    if value is None or not clean_text(value):
        return ConsentOutcome(None, VALID, None)
    token = _FLOAT_ONE_ZERO.sub(r"\1", _EDGE.sub("", clean_text(value).lower()))
    token = " ".join(token.replace("_", " ").split())
    values = _consent_values()
    for candidate in (token, token.replace(" ", "-")):
        if candidate in values:
            return ConsentOutcome(values[candidate], VALID, None)
    return ConsentOutcome(None, INVALID, "unknown consent value")


def clean_consent(frame: pl.DataFrame) -> CleanResult:
    """consent_email / consent_post / consent_phone to Boolean (null = unknown)."""
    findings = []
    for channel in CONSENT_CHANNELS:
        column = f"consent_{channel}"
        frame = map_distinct(
            frame,
            [column],
            normalize_consent,
            {"__consent": pl.Boolean(), "__status": pl.String(), "__reason": pl.String()},
        )
        findings.append(
            findings_for(frame, column, value=column, status="__status", reason="__reason")
        )
        frame = frame.with_columns(pl.col("__consent").alias(column)).drop(
            "__consent", "__status", "__reason"
        )
    return CleanResult(frame, pl.concat(findings))
