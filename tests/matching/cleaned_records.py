"""Cleaned records as the privacy modules (subjects, erasure) receive them: real cleaners run."""

from __future__ import annotations

from typing import Any

import polars as pl

from cleaners import clean_records
from rules.canonical import CANONICAL_SCHEMA


def cleaned(*rows: dict[str, Any]) -> pl.DataFrame:
    """clean_records (country DE) on canonical rows given only by the fields a test sets."""
    filled = []
    for index, row in enumerate(rows, start=1):
        record: dict[str, Any] = {name: None for name in CANONICAL_SCHEMA}
        record.update({"emails": [], "phones": [], "row_number": index, "record_type": "person"})
        record.update(row)
        record["record_key"] = f"{record['silo']}:{record['source_id']}"
        filled.append(record)
    canonical = pl.DataFrame(filled, schema=CANONICAL_SCHEMA, orient="row")
    return clean_records(canonical, default_country="DE").frame
