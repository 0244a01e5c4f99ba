"""The one entry point: read a configured silo with the connector it names."""

from __future__ import annotations

from collections.abc import Callable

from flows.connectors.delimited import read_csv
from flows.connectors.documents import read_json, read_jsonl
from flows.connectors.excel import read_excel
from flows.connectors.parquet import read_parquet
from flows.connectors.result import SiloExtract
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError

Reader = Callable[[SiloConfig, GoldenConfig], SiloExtract]


def read_database(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """flows.connectors.databases.read_database, imported on first use: SQLAlchemy and the
    drivers take about half a second to import, which `golden check-config` need not pay."""
    from flows.connectors.databases import read_database as read

    return read(silo, config)


READERS: dict[str, Reader] = {
    "csv": read_csv,
    "excel": read_excel,
    "json": read_json,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "sqlite": read_database,
    "postgres": read_database,
    "mysql": read_database,
}


def read_silo(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read every row of one silo as text; rows that cannot be parsed are in its quarantine.

    Raises SiloError (one line: what happened — what to do) for anything a person must fix.
    """
    reader = READERS.get(silo.connector)
    if reader is None:
        raise SiloError(silo.name, f"unknown connector '{silo.connector}'")
    return reader(silo, config)
