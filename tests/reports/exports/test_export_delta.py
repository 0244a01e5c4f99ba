"""Deltas since the last export, redirect chains and the merge map: pure frame functions."""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl
import pytest

from reports.exports import (
    CHANGES_SCHEMA,
    HASHES_SCHEMA,
    ROW_KEY,
    change_counts,
    classify_changes,
    content_hashes,
    content_text,
    load_profile,
    merge_map,
    render_object,
    resolve_redirects,
    retired_changes,
    rows_to_write,
)
from reports.exports.delta import crm_holdings
from tests.reports.exports.test_export_render import golden

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


def test_a_listed_only_merge_map_names_the_listed_records_sources_only() -> None:
    crosswalk = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop"],
            "source_id": ["1", "2", "s1"],
            "golden_id": ["B", "D", "B"],
        }
    )
    redirects = resolve_redirects(golden_ids(("A", "r2", "B")))
    objects = pl.DataFrame({"golden_id": ["B"], "object": ["persons"]})
    every = merge_map(crosswalk, redirects, objects)
    listed = merge_map(crosswalk, redirects, objects, listed_only=True)
    assert ("crm", "2", "D", None, 1) in every.rows()
    assert listed.rows() == [
        ("crm", "1", "B", "persons", 1),
        ("retired_golden_id", "A", "B", "persons", 1),
        ("shop", "s1", "B", "persons", 1),
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


def changes(*rows: tuple[str, str, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CHANGES_SCHEMA, orient="row")


def test_content_hash_is_the_md5_of_the_rendered_row() -> None:
    profile = load_profile("salesforce")
    frame = golden(
        {"last_name": "Muster", "first_name": "Max"},
        {"last_name": "Muster", "first_name": None},
        {"last_name": "Muster", "first_name": ""},
        {"record_type": "organisation", "organisation_name": "Muster AG"},
    )
    hashed = content_hashes(frame, profile)
    assert hashed.schema == pl.Schema(HASHES_SCHEMA)
    expected = set()
    for item in profile.objects:
        texts = render_object(frame, profile, item).select(ROW_KEY, content_text(item))
        for golden_id, text in texts.collect().rows():
            expected.add((golden_id, item.name, hashlib.md5(text.encode()).hexdigest()))
    assert set(hashed.rows()) == expected
    assert hashed["golden_id"].to_list() == ["G000", "G001", "G002", "G003"]
    assert hashed["content_hash"].n_unique() == 4  # null and empty first names told apart


def test_content_hash_changes_with_a_cell_only() -> None:
    profile = load_profile("salesforce")
    before = content_hashes(golden({"last_name": "Muster"}, {"last_name": "Roth"}), profile)
    after = content_hashes(golden({"last_name": "Muster"}, {"last_name": "Rot"}), profile)
    assert before["content_hash"][0] == after["content_hash"][0]
    assert before["content_hash"][1] != after["content_hash"][1]


CURRENT = hashes(("g1", "contact", "h1"), ("g2", "contact", "h2"), ("g3", "account", "h3"))
CHANGES = changes(
    ("contact", "g1", "new", None),
    ("account", "g3", "changed", None),
    ("contact", "g4", "merged", "g1"),
    ("contact", "g5", "removed", None),
    ("contact", "g6", "delete", None),
)


@pytest.mark.parametrize(
    ("changes_only", "rejected", "expected"),
    [
        (False, [], ["g1", "g2", "g3"]),
        (True, [], ["g1", "g3"]),
        (False, ["g2", "g2"], ["g1", "g3"]),
        (True, ["g1"], ["g3"]),
    ],
)
def test_rows_to_write(changes_only: bool, rejected: list[str], expected: list[str]) -> None:
    refused = pl.DataFrame({"golden_id": rejected}, schema={"golden_id": pl.String()})
    rows = rows_to_write(CURRENT, CHANGES, refused, changes_only=changes_only)
    assert rows.schema == pl.Schema(HASHES_SCHEMA)
    assert sorted(rows["golden_id"]) == expected


def test_retired_changes_are_merged_removed_and_deleted() -> None:
    assert retired_changes(CHANGES)["golden_id"].to_list() == ["g4", "g5", "g6"]


def test_change_counts_per_object_with_every_kind() -> None:
    counts = change_counts(CHANGES, CURRENT, ["contact", "account", "lead"])
    assert counts["contact"] == {
        "rows": 2, "new": 1, "changed": 0, "merged": 1, "removed": 1, "delete": 1
    }  # fmt: skip
    assert counts["account"] == {
        "rows": 1, "new": 0, "changed": 1, "merged": 0, "removed": 0, "delete": 0
    }  # fmt: skip
    assert set(counts["lead"].values()) == {0}
