"""Reference data of the cleaners: small CSV tables under ``cleaners/data/``.

Every file starts with ``#`` comment lines that state what it holds and where it comes from,
followed by a header row. Tables are read once per process and cached.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def read_table(name: str, package: str = "cleaners") -> tuple[dict[str, str], ...]:
    """Rows of ``<package>/data/<name>`` as dicts keyed by the header, comment lines skipped
    (``package``: matching's tables are written the same way)."""
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def read_column(name: str, column: str) -> tuple[str, ...]:
    """One column of a reference table, in file order."""
    return tuple(row[column] for row in read_table(name))
