"""Deltas since the last export, redirect chains and the merge map: pure frame functions."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from reports.exports import (
    CHANGES_SCHEMA,
    HASHES_SCHEMA,
    classify_changes,
    merge_map,
    resolve_redirects,
)
from reports.exports.delta import crm_holdings

IDS_SCHEMA = {
    "golden_id": pl.String(),
    "created_run": pl.String(),
    "retired_run": pl.String(),
    "redirect_to": pl.String(),
}


def hashes(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=HASHES_SCHEMA, orient="row")


def golden_ids(*rows: tuple[str, str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [(golden_id, "r1", retired, redirect) for golden_id, retired, redirect in rows],
        schema=IDS_SCHEMA,
        orient="row",
    )


REDIRECT_CASES = [
    {
        "description": "a merged id points at the survivor",
        "ids": [("A", "r2", "B"), ("B", None, None)],
        "expected": {"A": "B"},
    },
    {
        "description": "chains are followed to the id that is alive",
        "ids": [("A", "r2", "B"), ("B", "r3", "C"), ("C", None, None)],
        "expected": {"A": "C", "B": "C"},
    },
    {
        "description": "an id retired without redirect ends the chain with null",
        "ids": [("A", "r2", "B"), ("B", "r3", None), ("C", "r3", None)],
        "expected": {"A": None, "B": None, "C": None},
    },
    {
        "description": "a cycle (never written by stable ids) resolves to null, not forever",
        "ids": [("A", "r2", "B"), ("B", "r3", "A")],
        "expected": {"A": None, "B": None},
    },
    {
        "description": "nothing retired, nothing to resolve",
        "ids": [("A", None, None)],
        "expected": {},
    },
]


@pytest.mark.parametrize("case", REDIRECT_CASES, ids=[c["description"] for c in REDIRECT_CASES])
def test_resolve_redirects(case: dict[str, Any]) -> None:
    resolved = resolve_redirects(golden_ids(*case["ids"]))
    assert dict(resolved.iter_rows()) == case["expected"]


CHANGE_CASES = [
    {
        "description": "first export: everything is new",
        "current": [("A", "contacts", "h1"), ("B", "accounts", "h2")],
        "baseline": [],
        "ids": [],
        "expected": [("accounts", "B", "new", None), ("contacts", "A", "new", None)],
    },
    {
        "description": "same hash is not listed, another hash is changed",
        "current": [("A", "contacts", "h1"), ("B", "contacts", "h2-new")],
        "baseline": [("A", "contacts", "h1"), ("B", "contacts", "h2")],
        "ids": [],
        "expected": [("contacts", "B", "changed", None)],
    },
    {
        "description": "a merged-away id names its surviving id",
        "current": [("B", "contacts", "h2-merged")],
        "baseline": [("A", "contacts", "h1"), ("B", "contacts", "h2")],
        "ids": [("A", "r2", "B"), ("B", None, None)],
        "expected": [("contacts", "B", "changed", None), ("contacts", "A", "merged", "B")],
    },
    {
        "description": "an id whose records left is removed",
        "current": [("B", "contacts", "h2")],
        "baseline": [("A", "contacts", "h1"), ("B", "contacts", "h2")],
        "ids": [("A", "r2", None)],
        "expected": [("contacts", "A", "removed", None)],
    },
    {
        "description": "a survivor that is itself gone makes the merge a removal",
        "current": [],
        "baseline": [("A", "contacts", "h1")],
        "ids": [("A", "r2", "B"), ("B", "r3", None)],
        "expected": [("contacts", "A", "removed", None)],
    },
    {
        "description": "a record that became an organisation is new there, removed here",
        "current": [("A", "accounts", "h9")],
        "baseline": [("A", "contacts", "h1")],
        "ids": [],
        "expected": [("accounts", "A", "new", None), ("contacts", "A", "removed", None)],
    },
]


@pytest.mark.parametrize("case", CHANGE_CASES, ids=[c["description"] for c in CHANGE_CASES])
def test_classify_changes(case: dict[str, Any]) -> None:
    changes = classify_changes(
        hashes(*case["current"]),
        hashes(*case["baseline"]),
        resolve_redirects(golden_ids(*case["ids"])),
    )
    assert changes.schema == pl.Schema(CHANGES_SCHEMA)
    assert changes.rows() == case["expected"]


def test_merge_map_lists_source_records_and_retired_ids() -> None:
    crosswalk = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop"],
            "source_id": ["1", "2", "s1"],
            "golden_id": ["B", "B", "B"],
        }
    )
    redirects = resolve_redirects(golden_ids(("A", "r2", "B"), ("C", "r2", None)))
    objects = pl.DataFrame({"golden_id": ["B"], "object": ["contacts"]})
    rows = merge_map(crosswalk, redirects, objects).rows()
    assert rows == [
        ("crm", "1", "B", "contacts", 2),
        ("crm", "2", "B", "contacts", 2),
        ("retired_golden_id", "A", "B", "contacts", 1),
        ("shop", "s1", "B", "contacts", 1),
    ]


def test_crm_holdings_keep_a_moved_record_and_redirect_the_gone_ones() -> None:
    written = hashes(("g1", "contact", "h1"), ("g4", "account", "h4"))
    retired = pl.DataFrame(
        [
            ("contact", "g2", "merged", "g1"),
            ("contact", "g3", "removed", None),
            ("contact", "g4", "removed", None),  # moved to account: written there, it stays
            ("contact", "g5", "delete", None),
        ],
        schema=CHANGES_SCHEMA,
        orient="row",
    )
    assert crm_holdings(written, retired).rows() == [
        ("g1", "contact", "h1", "exported", None),
        ("g4", "account", "h4", "exported", None),
        ("g2", "contact", None, "merged", "g1"),
        ("g3", "contact", None, "removed", None),
        ("g5", "contact", None, "delete", None),
    ]
