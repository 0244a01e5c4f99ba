"""Tombstones: the keys of an erased person, salted, stop their records and nobody else's."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from matching.tombstones import (
    TOMBSTONE_SCHEMA,
    hash_keys,
    match_keys,
    personal_keys,
    quarantine_erased,
    screen,
    screen_quarantine,
)
from rules.canonical import QUARANTINE_SCHEMA

SALT = b"test-salt-0123456789"


def _records(*rows: dict[str, object]) -> pl.DataFrame:
    base: dict[str, object] = {
        "first_name_key": None,
        "last_name_key": None,
        "birth_date": None,
        "postal_code": None,
        "street_key": None,
        "house_number": None,
        "emails": [],
        "role_emails": [],
        "phones": [],
    }
    filled = [{**base, **row} for row in rows]
    return pl.DataFrame(
        filled,
        schema={
            "record_key": pl.String,
            "silo": pl.String,
            "source_id": pl.String,
            "first_name_key": pl.String,
            "last_name_key": pl.String,
            "birth_date": pl.Date,
            "postal_code": pl.String,
            "street_key": pl.String,
            "house_number": pl.String,
            "emails": pl.List(pl.String),
            "role_emails": pl.List(pl.String),
            "phones": pl.List(pl.String),
        },
    )


MAX = {
    "record_key": "crm:1",
    "silo": "crm",
    "source_id": "1",
    "first_name_key": "max",
    "last_name_key": "mustermann",
    "birth_date": date(1970, 3, 4),
    "postal_code": "10115",
    "street_key": "musterstr",
    "house_number": "12a",
    "emails": ["max@x.de", "info@firma.de"],
    "role_emails": ["info@firma.de"],
    "phones": ["+4930123456"],
}


def _tombstone(
    records: pl.DataFrame, ref: str = "E1", on: date = date(2026, 12, 1)
) -> pl.DataFrame:
    return (
        hash_keys(match_keys(records), SALT)
        .select(
            pl.lit(ref).alias("request_ref"),
            pl.lit(on).alias("erased_on"),
            "kind",
            "key_hash",
        )
        .cast(TOMBSTONE_SCHEMA)  # type: ignore[arg-type]
    )


def test_match_keys_cover_every_kind_and_leave_out_role_addresses() -> None:
    keys = match_keys(_records(MAX))
    assert sorted(keys.select("kind", "key").rows()) == [
        ("email", "max@x.de"),
        ("name_address", "max|mustermann|10115|musterstr|12a"),
        ("name_birth", "max|mustermann|1970-03-04"),
        ("phone", "+4930123456"),
        ("source", "crm:1"),
    ]


def test_hashes_are_keyed_and_hold_no_clear_value() -> None:
    hashed = hash_keys(match_keys(_records(MAX)), SALT)
    other = hash_keys(match_keys(_records(MAX)), b"another-salt-987654")
    assert "key" not in hashed.columns
    assert set(hashed["key_hash"]).isdisjoint(set(other["key_hash"]))
    text = hashed.write_csv()
    assert "max@x.de" not in text and "mustermann" not in text


@pytest.mark.parametrize(
    ("description", "later", "stopped"),
    [
        (
            {"description": "same silo record again"},
            {"record_key": "crm:1", "source_id": "1"},
            True,
        ),
        (
            {"description": "new id, same e-mail"},
            {
                "record_key": "shop:9",
                "silo": "shop",
                "source_id": "9",
                "emails": ["max@x.de"],
                "phones": [],
                "birth_date": None,
                "street_key": None,
            },
            True,
        ),
        (
            {"description": "new id, same phone only"},
            {
                "record_key": "shop:9",
                "silo": "shop",
                "source_id": "9",
                "emails": [],
                "birth_date": None,
                "street_key": None,
            },
            True,
        ),
        (
            {"description": "new id, name and birth date"},
            {
                "record_key": "shop:9",
                "silo": "shop",
                "source_id": "9",
                "emails": [],
                "phones": [],
                "street_key": None,
            },
            True,
        ),
        (
            {"description": "only the role address shared"},
            {
                "record_key": "shop:9",
                "silo": "shop",
                "source_id": "9",
                "first_name_key": "eva",
                "emails": ["info@firma.de"],
                "role_emails": ["info@firma.de"],
                "phones": [],
                "birth_date": None,
            },
            False,
        ),
        (
            {"description": "someone else"},
            {
                "record_key": "shop:9",
                "silo": "shop",
                "source_id": "9",
                "first_name_key": "eva",
                "emails": ["eva@y.de"],
                "phones": ["+4930999999"],
                "birth_date": date(1980, 1, 1),
            },
            False,
        ),
    ],
)
def test_screen_stops_later_records_of_the_person(
    description: dict[str, str], later: dict[str, object], stopped: bool
) -> None:
    tombstone = _tombstone(_records(MAX))
    result = screen(_records({**MAX, **later}), tombstone, SALT)
    assert (result.hits.height == 1) is stopped, description
    assert result.kept.height == (0 if stopped else 1)
    if stopped:
        assert result.hits.row(0, named=True)["request_ref"] == "E1"


def test_screen_needs_the_same_salt() -> None:
    tombstone = _tombstone(_records(MAX))
    assert screen(_records(MAX), tombstone, b"wrong-salt-00000000").hits.height == 0


def test_personal_keys_leave_out_what_the_household_shares() -> None:
    wife = {
        **MAX,
        "record_key": "crm:2",
        "source_id": "2",
        "first_name_key": "erika",
        "emails": ["erika@x.de"],
        "role_emails": [],
        "birth_date": date(1972, 1, 1),
    }
    keys = personal_keys(_records(MAX), _records(wife))
    assert ("phone", "+4930123456") not in keys.select("kind", "key").rows()  # their landline
    assert ("email", "max@x.de") in keys.select("kind", "key").rows()
    tombstone = hash_keys(keys, SALT).select(
        pl.lit("E1").alias("request_ref"),
        pl.lit(date(2026, 12, 1)).alias("erased_on"),
        "kind",
        "key_hash",
    )
    assert screen(_records(wife), tombstone, SALT).hits.height == 0


def test_quarantined_rows_of_erased_records_lose_their_raw_text() -> None:
    quarantine = pl.DataFrame(
        {
            "silo": ["crm", "crm", "crm"],
            "source_id": ["1", "7", None],
            "row_number": [3, 4, 5],
            "field": ["source_id", "source_id", None],
            "reason": ["duplicate id", "duplicate id", "broken row"],
            "raw": ["1;Max;Mustermann;max@x.de", "7;Eva;Roth", "??"],
        },
        schema_overrides={"row_number": pl.Int64},
    )
    screened = screen_quarantine(quarantine, _tombstone(_records(MAX)), SALT)
    assert screened.rows() == [
        ("crm", "1", 3, None, "erased on 2026-12-01 (request E1)", None),
        ("crm", "7", 4, "source_id", "duplicate id", "7;Eva;Roth"),
        ("crm", None, 5, None, "broken row", "??"),
    ]


def test_quarantine_erased_takes_records_out_with_ids_and_reason_only() -> None:
    later = _records(MAX, {**MAX, "record_key": "shop:9", "silo": "shop", "source_id": "9",
                           "emails": ["anna@y.de"], "phones": [], "first_name_key": "anna",
                           "birth_date": None, "street_key": None})  # fmt: skip
    later = later.with_columns(row_number=pl.Series([4, 2], dtype=pl.Int64))
    findings = pl.DataFrame({"record_key": ["crm:1", "shop:9"], "reason": ["a", "b"]})
    quarantine = pl.DataFrame(schema=QUARANTINE_SCHEMA)
    screen_result = quarantine_erased(later, findings, quarantine, _tombstone(_records(MAX)), SALT)
    assert screen_result is not None
    assert screen_result.records["record_key"].to_list() == ["shop:9"]
    assert screen_result.findings["record_key"].to_list() == ["shop:9"]  # crm:1's dropped
    assert screen_result.hits_per_silo() == {"crm": 1}
    assert screen_result.quarantine.rows() == [
        ("crm", "1", 4, None, "erased on 2026-12-01 (request E1)", None)
    ]
    # Nothing matched: nothing changes.
    assert quarantine_erased(later.tail(1), findings, quarantine, _tombstone(_records(MAX)),
                             SALT) is None  # fmt: skip
