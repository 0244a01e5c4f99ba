"""Reference data of the cleaners: small CSV tables under ``cleaners/data/``.

Every file starts with ``#`` comment lines that state what it holds and where it comes from,
followed by a header row. Tables are read once per process and cached.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``cleaners/data/<name>`` as dicts keyed by the header, comment lines skipped."""
    text = resources.files("cleaners").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def read_column(name: str, column: str) -> tuple[str, ...]:
    """One column of a reference table, in file order."""
    return tuple(row[column] for row in read_table(name))
