"""Parquet files through polars; typed columns are rendered as text (dates ISO)."""

from __future__ import annotations

import polars as pl

from flows.connectors.cast import frame_to_text
from flows.connectors.locate import source_path
from flows.connectors.result import SiloExtract, table_extract, unique_column_names
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError


def read_parquet(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a Parquet file, every column cast to text."""
    path = source_path(silo, config)
    try:
        typed = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError):
        raise SiloError(
            silo.name,
            f"cannot read {path} as Parquet (damaged or not a Parquet file) — export it again, "
            f"or set `connector` to the file's real format",
        ) from None
    frame = frame_to_text(typed)
    frame.columns = unique_column_names(silo.name, frame.columns)
    return table_extract(silo.name, frame, silo.max_value_length, silo.id_column)
