"""Parquet silos."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from rules.errors import SiloError

from .helpers import SiloFactory, read_checked, rows


def test_parquet_columns_as_text(tmp_path: Path, make_silo: SiloFactory) -> None:
    pl.DataFrame(
        {
            "id": [1, 2],
            "plz": ["01067", "8010"],
            "name": ["Jürgen", ""],
            "geburt": [dt.date(1980, 5, 17), None],
            "geaendert": [dt.datetime(2024, 1, 2, 13, 45), None],
            "umsatz": pl.Series([Decimal("12.50"), None], dtype=pl.Decimal(10, 2)),
            "telefone": [["0351 1", "0171 2"], None],
        }
    ).write_parquet(tmp_path / "k.parquet")

    extract = read_checked(*make_silo("parquet", path="k.parquet"))

    assert extract.columns == ["id", "plz", "name", "geburt", "geaendert", "umsatz", "telefone"]
    assert rows(extract) == [
        ("1", "01067", "Jürgen", "1980-05-17", "2024-01-02T13:45:00", "12.50", "0351 1; 0171 2"),
        ("2", "8010", None, None, None, None, None),
    ]
    assert extract.frame["_row_number"].to_list() == [1, 2]


def test_not_parquet(tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.parquet").write_text("id\n1\n")
    silo, config = make_silo("parquet", path="k.parquet")

    with pytest.raises(SiloError, match="cannot read .*k.parquet as Parquet"):
        read_checked(silo, config)
