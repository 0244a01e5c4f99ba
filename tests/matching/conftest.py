"""Builders for small cleaned-record frames, as the matching stages receive them from cleaners/.

The ``make_records`` fixture takes only the values a test cares about and fills every other
column of the cleaned frame with null, in the dtype the matching modules expect (dates as Date,
timestamps as Datetime("us"), phones / e-mails / role e-mails as List(String), consent as
Boolean). cleaners/ does not produce these columns yet: ``CLEANED_SCHEMA`` is the contract the
matching modules assume, gathered from the columns they read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from rules.canonical import CONSENT_CHANNELS

RecordBuilder = Callable[[list[dict[str, Any]]], pl.DataFrame]

#: Every column of the cleaned frame that some matching module reads.
CLEANED_SCHEMA: dict[str, pl.DataType] = {
    "record_key": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "record_type": pl.String(),
    "salutation": pl.String(),
    "title": pl.String(),
    "first_name": pl.String(),
    "last_name": pl.String(),
    "first_name_key": pl.String(),
    "first_name_group": pl.String(),
    "first_name_groups": pl.List(pl.String()),
    "name_suffix": pl.String(),
    "first_name_phonetic": pl.String(),
    "last_name_key": pl.String(),
    "last_name_phonetic": pl.String(),
    "organisation_name": pl.String(),
    "contact_name": pl.String(),
    "department": pl.String(),
    "legal_form": pl.String(),
    "organisation_key": pl.String(),
    "street": pl.String(),
    "street_key": pl.String(),
    "house_number": pl.String(),
    "address_extra": pl.String(),
    "postal_code": pl.String(),
    "city": pl.String(),
    "city_key": pl.String(),
    "country": pl.String(),
    "phones": pl.List(pl.String()),
    "phone_types": pl.List(pl.String()),
    "emails": pl.List(pl.String()),
    "role_emails": pl.List(pl.String()),
    "birth_date": pl.Date(),
    "birth_year": pl.Int32(),
    "vat_id": pl.String(),
    "personal_id": pl.String(),
    **{
        name: dtype
        for channel in CONSENT_CHANNELS
        for name, dtype in (
            (f"consent_{channel}", pl.Boolean()),
            (f"consent_{channel}_date", pl.Date()),
            (f"consent_{channel}_source", pl.String()),
        )
    },
    "created_at": pl.Datetime("us"),
    "updated_at": pl.Datetime("us"),
    "last_activity": pl.Datetime("us"),
    "owner": pl.String(),
}


def build_records(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A cleaned frame with one row per dict; absent columns are null.

    ``record_key`` defaults to ``"<silo>:<source_id>"``; ``silo`` and ``source_id`` default to the
    two halves of ``record_key``, so either spelling is enough.
    """
    full_rows = []
    for row in rows:
        unknown = set(row) - set(CLEANED_SCHEMA)
        if unknown:
            raise KeyError(f"build_records: unknown column(s) {sorted(unknown)}")
        filled: dict[str, Any] = dict.fromkeys(CLEANED_SCHEMA)
        filled.update(row)
        if filled["record_key"] is None:
            filled["record_key"] = f"{filled['silo']}:{filled['source_id']}"
        silo, _, source_id = filled["record_key"].partition(":")
        if filled["silo"] is None:
            filled["silo"] = silo
        if filled["source_id"] is None:
            filled["source_id"] = source_id
        full_rows.append(filled)
    return pl.DataFrame(full_rows, schema=CLEANED_SCHEMA, orient="row")


@pytest.fixture(scope="session")
def make_records() -> RecordBuilder:
    """``build_records`` as a fixture (session scope, so hypothesis tests may use it too)."""
    return build_records
