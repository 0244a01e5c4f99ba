"""The package face: a short sorted __all__ and a reader for every configured connector."""

from __future__ import annotations

import dataclasses
import typing

import polars as pl
import pytest

import flows.connectors
from flows.connectors import SiloExtract
from flows.connectors.read import READERS
from rules.canonical import empty_quarantine
from rules.config import Connector


def test_all_is_short_and_sorted() -> None:
    assert flows.connectors.__all__ == sorted(flows.connectors.__all__)
    assert flows.connectors.__all__ == ["SiloExtract", "read_silo"]


def test_every_connector_has_a_reader() -> None:
    assert set(READERS) == set(typing.get_args(Connector))


def test_extract_is_frozen() -> None:
    extract = SiloExtract("crm", pl.DataFrame(), empty_quarantine(), 0, [])

    with pytest.raises(dataclasses.FrozenInstanceError):
        extract.rows_read = 1  # type: ignore[misc]
