"""Group attributes (segment, profession): light normalisation, placeholders removed."""

from __future__ import annotations

import polars as pl
import pytest

from cleaners.groups import clean_groups, normalize_group
from cleaners.outcome import CORRECTED, INVALID, VALID

CASES = [
    {"description": "kept as written", "raw": "Zahnarzt", "value": "Zahnarzt", "status": VALID},
    {"description": "spaces collapsed without a finding", "raw": "  Freie   Berufe ",
     "value": "Freie Berufe", "status": VALID},
    {"description": "ALL CAPS gets title case", "raw": "ZAHNARZT", "value": "Zahnarzt",
     "status": CORRECTED},
    {"description": "all lower case gets title case", "raw": "einzelhandel",
     "value": "Einzelhandel", "status": CORRECTED},
    {"description": "umlauts survive the casing repair", "raw": "ÄRZTE", "value": "Ärzte",
     "status": CORRECTED},
    {"description": "short ALL CAPS is an acronym", "raw": "KMU", "value": "KMU", "status": VALID},
    {"description": "B2B stays", "raw": "B2B", "value": "B2B", "status": VALID},
    {"description": "mixed case is deliberate", "raw": "IT-Dienstleister",
     "value": "IT-Dienstleister", "status": VALID},
    {"description": "placeholder removed", "raw": "k.A.", "value": None, "status": INVALID},
    {"description": "dash removed", "raw": "-", "value": None, "status": INVALID},
    {"description": "unbekannt removed", "raw": "unbekannt", "value": None, "status": INVALID},
    {"description": "empty is no value", "raw": "   ", "value": None, "status": VALID},
    {"description": "null is no value", "raw": None, "value": None, "status": VALID},
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_normalize_group(case: dict[str, object]) -> None:
    outcome = normalize_group(case["raw"])  # type: ignore[arg-type]
    assert outcome.value == case["value"]
    assert outcome.status == case["status"]
    assert (outcome.reason is None) is (case["status"] == VALID)


def test_clean_groups_normalizes_both_fields_and_reports_findings() -> None:
    frame = pl.DataFrame(
        {
            "record_key": ["crm:1", "crm:2", "crm:3"],
            "silo": ["crm"] * 3,
            "source_id": ["1", "2", "3"],
            "segment": ["GROSSHANDEL", "Großhandel", "n/a"],
            "profession": ["zahnarzt", None, "Zahnärztin"],
        }
    )
    result = clean_groups(frame)
    assert result.frame["segment"].to_list() == ["Grosshandel", "Großhandel", None]
    assert result.frame["profession"].to_list() == ["Zahnarzt", None, "Zahnärztin"]
    assert result.frame.columns == frame.columns  # no working column left behind
    found = result.findings.select("source_id", "field", "status", "value").rows()
    assert sorted(found) == [
        ("1", "profession", CORRECTED, "zahnarzt"),
        ("1", "segment", CORRECTED, "GROSSHANDEL"),
        ("3", "segment", INVALID, "n/a"),
    ]
