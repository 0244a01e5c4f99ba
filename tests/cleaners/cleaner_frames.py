"""Helpers for the cleaner tests: build canonical frames from a few fields per record."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from cleaners import CleanResult, clean_records
from rules.canonical import CANONICAL_SCHEMA

#: Fixed reference day so birth-date and two-digit-year tests do not depend on the clock.
TODAY = date(2025, 6, 1)


def canonical_frame(*records: dict[str, Any]) -> pl.DataFrame:
    """A canonical frame: every record gets silo "crm", a source_id and a record_key."""
    rows = []
    for index, record in enumerate(records, start=1):
        row: dict[str, Any] = {name: None for name in CANONICAL_SCHEMA}
        row.update(silo="crm", source_id=str(index), row_number=index)
        row.update(record)
        row["record_key"] = f"{row['silo']}:{row['source_id']}"
        rows.append(row)
    return pl.DataFrame(rows, schema=CANONICAL_SCHEMA, orient="row")


def clean(*records: dict[str, Any], **options: Any) -> CleanResult:
    """clean_records on the given records with TODAY as the reference day."""
    options.setdefault("today", TODAY)
    return clean_records(canonical_frame(*records), **options)


def clean_one(record: dict[str, Any], **options: Any) -> tuple[dict[str, Any], list[dict]]:
    """The cleaned row of one record and its findings as dicts."""
    result = clean(record, **options)
    return result.frame.row(0, named=True), result.findings.to_dicts()
