"""Checks shared by the connector tests: read a silo and verify the extract's contract."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from flows.connectors import SiloExtract, read_silo
from rules.canonical import QUARANTINE_SCHEMA
from rules.config import GoldenConfig, SiloConfig

#: The make_silo fixture: connector and golden.toml keys in, (silo, config) out.
SiloFactory = Callable[..., tuple[SiloConfig, GoldenConfig]]


def read_checked(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """read_silo plus the contract every extract must keep."""
    extract = read_silo(silo, config)
    assert extract.silo == silo.name
    assert extract.frame.height + extract.quarantine.height == extract.rows_read
    assert extract.frame.columns == [*extract.columns, "_row_number"]
    assert all(extract.frame.schema[name] == pl.String for name in extract.columns)
    assert extract.frame.schema["_row_number"] == pl.Int64
    assert dict(extract.quarantine.schema) == QUARANTINE_SCHEMA
    numbers = extract.frame["_row_number"].to_list() + extract.quarantine["row_number"].to_list()
    assert sorted(numbers) == list(range(1, extract.rows_read + 1)), "row numbers lost or doubled"
    assert extract.frame["_row_number"].is_sorted()
    return extract


def rows(extract: SiloExtract) -> list[tuple[str | None, ...]]:
    """The frame's source values, row by row (without _row_number)."""
    return extract.frame.select(extract.columns).rows()


def quarantined(extract: SiloExtract) -> list[tuple[int, str]]:
    """(row_number, reason) of every quarantined row."""
    return extract.quarantine.select("row_number", "reason").rows()
