"""Reference lists that more than one layer needs: small CSV tables under ``rules/data/``.

The cleaners (is this e-mail an organisation's?) and the CRM exports (may this domain be a
company's website?) must agree on which domains are free-mail, so the list lives here, where both
may import it from.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def freemail_domains() -> tuple[str, ...]:
    """Free-mail and ISP mailbox domains (rules/data/freemail_domains.csv), sorted.

    An address there belongs to a person or household, never names an organisation.
    """
    text = resources.files("rules").joinpath("data", "freemail_domains.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(sorted(row["domain"] for row in csv.DictReader(lines)))
