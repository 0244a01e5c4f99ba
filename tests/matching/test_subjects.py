"""Finding a data subject: reading a query, the records it names, one person or a clear refusal."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from cleaned_records import cleaned

from cleaners import clean_records
from matching.subjects import (
    Holdings,
    SubjectMatch,
    follow_golden_id,
    matches_by_person,
    parse_query,
    query_frame,
    records_matching,
    single_person,
)
from rules.canonical import CANONICAL_SCHEMA
from rules.errors import PrivacyError

SILOS = ("crm", "shop")

QUERIES = [
    {"description": "golden id", "query": " G1A2B3C4 ", "kind": "golden_id"},
    {"description": "record of a declared silo", "query": "shop: SW-7", "kind": "record",
     "silo": "shop", "source_id": "SW-7"},
    {"description": "e-mail in any case", "query": "Max@Example.DE", "kind": "email"},
    {"description": "phone with spaces and slash", "query": "030 / 123 4567", "kind": "phone"},
    {"description": "phone in E.164", "query": "+49301234567", "kind": "phone"},
    {"description": "name and postal code", "query": "Max Mustermann 10115",
     "kind": "name_postal", "orders": (("Max", "Mustermann"), ("Mustermann", "Max")),
     "postal": "10115"},
    {"description": "last name first, comma", "query": "Mustermann, Max 10115",
     "kind": "name_postal", "orders": (("Mustermann", "Max"), ("Max", "Mustermann")),
     "postal": "10115"},
    {"description": "a last name alone", "query": "Mustermann 1010", "kind": "name_postal",
     "orders": ((None, "Mustermann"), (None, "Mustermann")), "postal": "1010"},
]  # fmt: skip


@pytest.mark.parametrize("case", QUERIES, ids=[case["description"] for case in QUERIES])
def test_parse_query(case: dict[str, Any]) -> None:
    parsed = parse_query(case["query"], SILOS)
    assert parsed.kind == case["kind"]
    assert parsed.text == case["query"].strip()
    assert parsed.silo == case.get("silo") and parsed.source_id == case.get("source_id")
    assert parsed.name_orders == case.get("orders", ())
    assert parsed.postal_code == case.get("postal")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("   ", "empty query — give a golden id"),
        ("web:123", "cannot read the query 'web:123'"),  # not a declared silo
        ("Max Mustermann", "a name followed by the postal code"),
    ],
)
def test_unreadable_query_says_what_to_give(query: str, message: str) -> None:
    with pytest.raises(PrivacyError, match=message):
        parse_query(query, SILOS)


RECORDS = cleaned(
    {"silo": "crm", "source_id": "1", "first_name": "Max", "last_name": "Mustermann",
     "postal_code": "10115", "emails": ["max@example.de"], "phones": ["030 1234567"]},
    {"silo": "shop", "source_id": "7", "first_name": "Maximilian", "last_name": "Mustermann",
     "postal_code": "10115", "emails": ["m.muster@example.de"]},
    {"silo": "crm", "source_id": "2", "first_name": "Erika", "last_name": "Mustermann",
     "postal_code": "80331", "phones": ["+49 30 1234567"]},
)  # fmt: skip


def _found(query: str) -> list[str]:
    parsed = parse_query(query, SILOS)
    query_cleaned = None
    if parsed.kind != "record":
        query_cleaned = clean_records(query_frame(parsed), default_country="DE").frame
    found = records_matching(RECORDS, parsed, query_cleaned)
    return sorted(f"{silo}:{source_id}" for silo, source_id in found.iter_rows())


FOUND = [
    {"description": "e-mail in another case", "query": "MAX@example.DE", "found": ["crm:1"]},
    {"description": "phone in another format finds both holders", "query": "+49 (30) 123-4567",
     "found": ["crm:1", "crm:2"]},
    {"description": "name + postal code, nickname not a match", "query": "Max Mustermann 10115",
     "found": ["crm:1"]},
    {"description": "name reversed", "query": "Mustermann, Max 10115", "found": ["crm:1"]},
    {"description": "last name + postal code: everyone of that name there",
     "query": "Mustermann 10115", "found": ["crm:1", "shop:7"]},
    {"description": "a record id", "query": "shop:7", "found": ["shop:7"]},
    {"description": "nobody", "query": "nobody@example.de", "found": []},
]  # fmt: skip


@pytest.mark.parametrize("case", FOUND, ids=[case["description"] for case in FOUND])
def test_records_matching_uses_the_cleaners(case: dict[str, Any]) -> None:
    assert _found(case["query"]) == case["found"]


@pytest.mark.parametrize(
    ("query", "message"),
    [("max@", "not a valid e-mail address after cleaning"), ("123456", "not a valid phone")],
)
def test_invalid_email_or_phone_after_cleaning(query: str, message: str) -> None:
    with pytest.raises(PrivacyError, match=message):
        _found(query)


def test_query_frame_is_canonical() -> None:
    frame = query_frame(parse_query("Max Mustermann 10115", SILOS))
    assert frame.schema == pl.Schema(CANONICAL_SCHEMA)
    assert frame["record_type"].to_list() == ["person", "person"]
    email = query_frame(parse_query("max@example.de", SILOS))
    assert email.height == 1 and email["emails"].to_list() == [["max@example.de"]]
    assert email["record_type"].to_list() == [None]


GOLDEN_IDS = pl.DataFrame(
    {
        "golden_id": ["GAAAAAA1", "GBBBBBB2", "GCCCCCC3", "GDDDDDD4", "GEEEEEE5"],
        "created_run": ["r1"] * 5,
        "retired_run": [None, "r2", "r3", "r3", "erasure:E1"],
        "redirect_to": [None, "GCCCCCC3", "GAAAAAA1", None, None],
    }
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("GAAAAAA1", "GAAAAAA1"),  # current
        ("GBBBBBB2", "GAAAAAA1"),  # merged twice: followed to the survivor
        ("GEEEEEE5", "GEEEEEE5"),  # erased: named as it is, the caller says so
    ],
)
def test_follow_golden_id(query: str, expected: str) -> None:
    assert follow_golden_id(GOLDEN_IDS, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("GFFFFFF6", "unknown golden id GFFFFFF6 — the state store never issued it"),
        ("GDDDDDD4", "was retired in run r3 \\(its records left the silos\\)"),
    ],
)
def test_follow_golden_id_refuses(query: str, message: str) -> None:
    with pytest.raises(PrivacyError, match=message):
        follow_golden_id(GOLDEN_IDS, query)


def _holdings() -> Holdings:
    crosswalk = pl.DataFrame(
        {"silo": ["crm", "shop"], "source_id": ["1", "7"], "golden_id": ["GAAAAAA1"] * 2}
    )
    return Holdings(records=RECORDS, raw={}, crosswalk=crosswalk)


def test_matches_by_person_lists_every_record_behind_each_golden_id() -> None:
    found = pl.DataFrame({"silo": ["crm", "crm"], "source_id": ["1", "2"]})
    matches = matches_by_person(_holdings(), found)
    assert [match.golden_id for match in matches] == ["GAAAAAA1", None]  # unlinked last
    assert matches[0].records["source_id"].to_list() == ["1", "7"]  # shop:7 was not found
    assert matches[1].records["source_id"].to_list() == ["2"]
    assert "emails" in matches[0].records.columns and "row_number" not in matches[0].records.columns


def test_single_person() -> None:
    records = pl.DataFrame()
    one = SubjectMatch("GAAAAAA1", records)
    assert single_person([one, SubjectMatch(None, records)], "q") == "GAAAAAA1"
    with pytest.raises(PrivacyError, match="no golden record matches 'q'"):
        single_person([SubjectMatch(None, records)], "q")
    with pytest.raises(PrivacyError, match=r"'q' matches 2 persons \(GAAAAAA1, GBBBBBB2\)"):
        single_person([one, SubjectMatch("GBBBBBB2", records)], "q")
    with pytest.raises(PrivacyError, match="GAAAAAA1 was erased already \\(request E1\\)"):
        single_person([SubjectMatch("GAAAAAA1", records, "E1")], "q")


def test_records_of_an_erased_person_are_named_as_such() -> None:
    from datetime import date

    from matching.subjects import mark_erased
    from matching.tombstones import TOMBSTONE_SCHEMA, hash_keys, personal_keys

    salt = b"test-salt-0123456789"
    erased = RECORDS.filter(pl.col("record_key") == "crm:1")
    others = RECORDS.filter(pl.col("record_key") != "crm:1")  # crm:2 shares the landline
    tombstones = (
        hash_keys(personal_keys(erased, others), salt)
        .select(
            pl.lit("E1").alias("request_ref"),
            pl.lit(date(2026, 12, 1)).alias("erased_on"),
            "kind",
            "key_hash",
        )  # fmt: skip
        .cast(TOMBSTONE_SCHEMA)  # type: ignore[arg-type]
    )
    holdings = Holdings(records=RECORDS, raw={}, crosswalk=_holdings().crosswalk.clear())
    found = pl.DataFrame({"silo": ["crm", "crm"], "source_id": ["1", "2"]})
    matches = mark_erased(matches_by_person(holdings, found), RECORDS, tombstones, salt)
    assert [(m.golden_id, m.erased_by, m.records["source_id"].to_list()) for m in matches] == [
        (None, "E1", ["1"]),
        (None, None, ["2"]),
    ]
    with pytest.raises(PrivacyError, match=r"'q' names a person erased already \(request E1\)"):
        single_person(matches, "q")
    assert mark_erased(matches, RECORDS, tombstones.clear(), salt) == matches
