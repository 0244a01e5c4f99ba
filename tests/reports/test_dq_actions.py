"""'What to do first': tasks ranked by severity and records affected, each pointing at its rows."""

from __future__ import annotations

import polars as pl

from reports.dq_actions import first_actions
from reports.reasons import translate_reason
from rules.canonical import QUARANTINE_SCHEMA
from rules.dq_rules import FAILURES_SCHEMA

QUARANTINE = pl.DataFrame(
    [("crm", None, 17, None, "expected 21 fields, found 22", "x")],
    schema=QUARANTINE_SCHEMA,
    orient="row",
)


def _failures(rows: list[tuple[str, str, str, str, str, str]]) -> pl.DataFrame:
    """(silo, source_id, field, dimension, rule, value) rows."""
    return pl.DataFrame(
        [
            (silo, source_id, f"{silo}:{source_id}", field, dimension, rule, rule, value, None)
            for silo, source_id, field, dimension, rule, value in rows
        ],
        schema=FAILURES_SCHEMA,
        orient="row",
    )


OLD = [("shop", str(i), "updated_at", "timeliness", "timeliness.max_age", "2019") for i in range(9)]
FAILURES = _failures(
    [
        *OLD,
        ("crm", "1", "emails", "validity", "validity.accepted", "max@@example"),
        ("crm", "2", "emails", "validity", "validity.accepted", "eva@"),
    ]
)
STALE = pl.DataFrame(
    {
        "golden_id": ["G2", "G1", "G3"],
        "silo": ["crm", "crm", "shop"],
        "owner": ["Frau Roth", "Frau Roth", None],
        "invalid_contact": [True, True, False],
        "no_activity": [False, True, True],
    }
)
COLUMNS = {
    "invalid_contact": ("Kontaktdaten ungültig", "ja", "high"),
    "no_activity": ("Keine Aktivität", "ja", "low"),
}


def test_tasks_rank_by_severity_then_records_and_point_at_their_rows() -> None:
    actions, total = first_actions(
        QUARANTINE,
        FAILURES,
        STALE,
        owners={"crm": "Vertrieb"},
        stale_reasons=["invalid_contact", "no_activity"],
        stale_columns=COLUMNS,
        stale_silo_column="Quelle",
        limit=4,
    )
    assert total == 6
    summary = [(a.kind, a.name, a.silo, a.severity, a.records) for a in actions]
    assert summary == [
        ("stale", "invalid_contact", "crm", "high", 2),
        ("quarantine", "expected 21 fields, found 22", "crm", "high", 1),
        ("rule", "validity.accepted", "crm", "medium", 2),
        ("rule", "timeliness.max_age", "shop", "low", 9),  # many, but only old data
    ]
    stale, quarantine, rule = actions[0], actions[1], actions[2]
    assert stale.owner == "Frau Roth" and stale.example == "G1"
    assert stale.filter == (("Kontaktdaten ungültig", "ja"), ("Quelle", "crm"))
    assert quarantine.file == "quarantine.csv" and quarantine.example == "17"
    assert quarantine.owner == "Vertrieb"
    assert rule.file == "dq_failures.csv"
    assert rule.filter == (("silo", "crm"), ("rule", "validity.accepted"), ("field", "emails"))
    assert rule.example == "m***@example"  # masked like the report: the local part hidden


def test_reasons_in_german_one_by_one_and_unknown_ones_kept() -> None:
    assert (
        translate_reason("expected 21 fields, found 22", "de") == "21 Felder erwartet, 22 gefunden"
    )
    assert (
        translate_reason("house number moved to house_number; street type written out", "de")
        == "Hausnummer in eigenes Feld verschoben; Straßentyp ausgeschrieben"
    )
    assert translate_reason("something new", "de") == "something new"
    assert translate_reason("street type written out", "en") == "street type written out"
