"""Silo connectors: read CSV, Excel, JSON, JSON Lines, Parquet, SQLite, PostgreSQL and MySQL
sources into text frames with row numbers, and put what cannot be parsed into quarantine.

``read_silo(silo, config)`` is the only call the pipeline makes; the modules behind it are one per
source family (delimited, excel, documents, parquet, databases) plus detection and casting.
"""

from __future__ import annotations

from flows.connectors.read import read_silo
from flows.connectors.result import SiloExtract

__all__ = ["SiloExtract", "read_silo"]
