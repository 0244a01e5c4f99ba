"""A pending or unconfirmed double opt-in is no consent: null (valid), not an opt-out."""

from __future__ import annotations

import pytest

from cleaners.consent import normalize_consent
from cleaners.outcome import VALID


@pytest.mark.parametrize(
    "text", ["pending", "Ausstehend", "unbestätigt", "DOI pending", "double opt-in ausstehend"]
)
def test_pending_double_opt_in_is_no_consent(text: str) -> None:
    assert normalize_consent(text) == (None, VALID, None)


@pytest.mark.parametrize(
    ("text", "consent"),
    [
        ("double-opt-in", True),
        ("abgemeldet", False),
        # A newsletter tool's status column: the confirmed double opt-in is the consent.
        ("bestätigt", True),
        ("Bestaetigt", True),
        ("DOI bestätigt", True),
        ("confirmed", True),
        ("Double opt-in confirmed", True),
        ("unbestätigt", None),
        ("not confirmed", None),
    ],
)
def test_confirmed_and_refused_stay_booleans(text: str, consent: bool | None) -> None:
    assert normalize_consent(text).consent is consent
