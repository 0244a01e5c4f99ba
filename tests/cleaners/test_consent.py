"""Consent flags: yes/no texts to Boolean, unknown to null with a finding."""

from __future__ import annotations

import pytest
from cleaner_frames import clean_one
from hypothesis import given
from hypothesis import strategies as st

from cleaners.consent import normalize_consent
from cleaners.outcome import INVALID, VALID
from cleaners.text import clean_text
from flows.connectors.cast import value_to_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ja", True),
        ("Ja", True),
        ("J", True),
        ("yes", True),
        ("true", True),
        ("1", True),
        ("1.0", True),
        ("x", True),
        ("X", True),
        ("opt-in", True),
        ("Opt In", True),
        ("Double-Opt-In", True),
        ("OK", True),
        ("einverstanden", True),
        ("angemeldet", True),
        ("nein", False),
        ("N", False),
        ("no", False),
        ("false", False),
        ("0", False),
        ("opt-out", False),
        ("Opt-Out", False),
        ("abgemeldet", False),
        ("widersprochen", False),
        ("kein Interesse", False),
    ],
)
def test_consent_values(raw: str, expected: bool) -> None:
    assert normalize_consent(raw) == (expected, VALID, None)


@pytest.mark.parametrize("raw", ["vielleicht", "-", "später fragen"])
def test_unknown_consent_is_null_with_finding(raw: str) -> None:
    assert normalize_consent(raw) == (None, INVALID, "unknown consent value")
    row, findings = clean_one({"consent_post": raw})
    assert row["consent_post"] is None
    assert [(f["field"], f["value"]) for f in findings] == [("consent_post", raw)]


def test_consent_source_stays_text() -> None:
    row, _ = clean_one({"consent_phone": "ja", "consent_phone_source": "Telefonat 3.5."})
    assert (row["consent_phone"], row["consent_phone_source"]) == (True, "Telefonat 3.5.")


@given(st.text())
def test_consent_never_raises_or_drops_silently(value: str) -> None:
    outcome = normalize_consent(value)
    if clean_text(value) and outcome.consent is None:
        assert outcome.status == INVALID


def test_consent_proof_fields_are_kept_and_the_confirmation_parsed() -> None:
    row, findings = clean_one(
        {
            "consent_email": "ja",
            "consent_email_date": "01.03.2025",
            "consent_email_source": "Newsletter-Formular",
            "consent_email_text": "Einwilligungstext v3 (2024-11)",
            "consent_email_confirmed_at": "2025-03-01T10:15:00",
            "consent_post_confirmed_at": "gestern",
        }
    )
    assert row["consent_email"] is True
    assert row["consent_email_text"] == "Einwilligungstext v3 (2024-11)"
    assert row["consent_email_confirmed_at"].isoformat() == "2025-03-01T10:15:00"
    # An unreadable confirmation is removed and reported, like every other date.
    assert row["consent_post_confirmed_at"] is None
    assert [f["field"] for f in findings if f["field"] == "consent_post_confirmed_at"] == [
        "consent_post_confirmed_at"
    ]


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), (1, True), (0, False)]
)
def test_json_booleans_and_numbers_are_consent(value: object, expected: bool) -> None:
    """A JSON silo's true/false and 1/0 reach the cleaner as text (flows.connectors.cast)."""
    assert normalize_consent(value_to_text(value)).consent is expected
