"""Reasons from cleaners and connectors in the report language (data/reasons_de.csv).

findings.csv and quarantine.csv keep the English reason (files are filtered by it and other
tools read them); the DQ report shows it in its language. Unknown reasons stay as they are.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources


@cache
def _patterns(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    if language != "de":
        return ()
    text = resources.files("reports").joinpath("data/reasons_de.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple((re.compile(rf"^(?:{row['pattern']})$"), row["german"]) for row in rows)


def _one(reason: str, language: str) -> str:
    for pattern, template in _patterns(language):
        match = pattern.match(reason)
        if match:
            return match.expand(re.sub(r"\$\{(\d+)\}", r"\\g<\1>", template))
    return reason


@cache
def translate_reason(reason: str, language: str) -> str:
    """``reason`` (several may be joined by "; ") in ``language``."""
    return "; ".join(_one(part, language) for part in reason.split("; "))
