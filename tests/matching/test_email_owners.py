"""Whose address a nameless row holds (matching.email_owners) and the built-in rule that joins
the row to that one person (matching.scoring._person_mailbox).

Hand-written from how DACH customer lists look: a newsletter sign-up that kept only the e-mail,
beside a CRM or shop record naming the person who uses that address.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl
import pytest
from cleaned_records import cleaned

from matching.comparisons import compare_pairs, comparison_attributes, domain_owners
from matching.scoring import MatchWeights, score_pairs
from rules.config import MatchingConfig


def _person(
    key: str, first: str | None, last: str | None, emails: list[str], **fields: Any
) -> dict[str, Any]:
    silo, source_id = key.split(":")
    return {
        "silo": silo,
        "source_id": source_id,
        "first_name": first,
        "last_name": last,
        "emails": emails,
        **fields,
    }


def _decided_matches(*records: dict[str, Any]) -> set[tuple[str, str]]:
    """Every pair of ``records`` compared and scored with the defaults: those a hard rule
    (configured or built in) decides as a match."""
    frame = cleaned(*records)
    keys = sorted(frame["record_key"])
    pairs = pl.DataFrame(
        [(left, right, "test") for left, right in combinations(keys, 2)],
        schema={"left_key": pl.String, "right_key": pl.String, "rules": pl.String},
        orient="row",
    )
    scored = score_pairs(
        compare_pairs(pairs, frame), MatchWeights.defaults(), MatchingConfig().hard_rules
    )
    decided = scored.filter(pl.col("hard_rule").is_not_null() & (pl.col("probability") == 1.0))
    return set(decided.select("left_key", "right_key").iter_rows())


CASES = [
    {
        "description": "a last name with digits that one named person uses is that person's",
        "records": [
            _person("crm:1", "Jonas", "Brenner", ["brenner61@t-online.de"], city="Kassel"),
            _person("nl:1", None, None, ["brenner61@t-online.de"]),
        ],
        "joined": {("crm:1", "nl:1")},
    },
    {
        "description": "a personal address on two records of one person, one with a typo in "
        "the name, the other with the names swapped",
        "records": [
            _person("crm:1", "Ingrid", "Lechner", ["ingrid.lechner@gmx.at"]),
            _person("shop:1", "Ingird", "Lechner", ["ingrid.lechner@gmx.at"]),
            _person("erp:1", "Lechner", "Ingrid", ["ingrid.lechner@gmx.at"]),
            _person("nl:1", None, None, ["ingrid.lechner@gmx.at"]),
        ],
        "joined": {("crm:1", "nl:1"), ("erp:1", "nl:1"), ("nl:1", "shop:1")},
    },
    {
        "description": "a surname mailbox two people carry stays ambiguous",
        "records": [
            _person("crm:1", "Andrea", "Kofler", ["kofler@aon.at"], salutation="Frau"),
            _person("crm:2", "Andreas", "Kofler", ["kofler@aon.at"], salutation="Herr"),
            _person("nl:1", None, None, ["kofler@aon.at"]),
        ],
        "joined": set(),
    },
    {
        "description": "a family mailbox names a household, not a person, even beside one "
        "member's record",
        "records": [
            _person("crm:1", "Gerhard", "Pirker", ["familie.pirker@aon.at"]),
            _person("nl:1", None, None, ["familie.pirker@aon.at"]),
        ],
        "joined": set(),
    },
    {
        "description": "a first name and the very mailbox of its one carrier of that name",
        "records": [
            _person("crm:1", "Jonas", "Brenner", ["brenner61@t-online.de"]),
            _person("nl:1", "Jonas", None, ["brenner61@t-online.de"]),
        ],
        "joined": {("crm:1", "nl:1")},
    },
    {
        "description": "a first name at a household's surname mailbox joins its carrier of "
        "that first name, not the spouse's records",
        "records": [
            _person("crm:1", "Gernot", "Haslinger", ["haslinger@aon.at"], salutation="Herr"),
            _person("crm:2", "Renate", "Haslinger", ["haslinger@aon.at"], salutation="Frau"),
            _person("nl:1", "Gernot", None, ["haslinger@aon.at"]),
        ],
        "joined": {("crm:1", "nl:1")},
    },
    {
        "description": "a nickname at a surname mailbox joins the carrier of that name",
        "records": [
            _person("crm:1", "Josef", "Pirker", ["pirker@aon.at"]),
            _person("nl:1", "Sepp", None, ["pirker@aon.at"]),
        ],
        "joined": {("crm:1", "nl:1")},
    },
    {
        "description": "a first name none of the mailbox's carriers has stays alone",
        "records": [
            _person("crm:1", "Gernot", "Haslinger", ["haslinger@aon.at"], salutation="Herr"),
            _person("nl:1", "Renate", None, ["haslinger@aon.at"]),
        ],
        "joined": set(),
    },
    {
        "description": "two people of that first name at the mailbox: owned by neither",
        "records": [
            _person("crm:1", "Gernot", "Haslinger", ["haslinger@aon.at"]),
            _person("crm:2", "Gernot", "Haslinger-Wimmer", ["haslinger@aon.at"]),
            _person("nl:1", "Gernot", None, ["haslinger@aon.at"]),
        ],
        "joined": set(),
    },
    {
        "description": "a first name with another address of the household is no owner's",
        "records": [
            _person("crm:1", "Gernot", "Haslinger", ["haslinger@aon.at"]),
            _person("nl:1", "Gernot", None, ["haslinger2@aon.at"]),
        ],
        "joined": set(),
    },
    {
        "description": "one typo apart is no owner's address (it may be a namesake's)",
        "records": [
            _person("crm:1", "Jonas", "Brenner", ["jonas.brenner@web.de"]),
            _person("nl:1", None, None, ["jonas.brennre@web.de"]),
        ],
        "joined": set(),
    },
    {
        "description": "a row with two people's addresses belongs to neither",
        "records": [
            _person("crm:1", "Jonas", "Brenner", ["brenner61@t-online.de"]),
            _person("crm:2", "Maria", "Kofler", ["kofler77@aon.at"]),
            _person("nl:1", None, None, ["brenner61@t-online.de", "kofler77@aon.at"]),
        ],
        "joined": set(),
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_a_nameless_row_joins_the_one_person_whose_address_it_holds(case: dict[str, Any]) -> None:
    joined = {pair for pair in _decided_matches(*case["records"]) if "nl:1" in pair}
    assert joined == case["joined"]


def test_owners_are_decided_over_all_records() -> None:
    # Andreas Kofler's record is outside the subset compared, yet makes kofler@ ambiguous.
    records = cleaned(
        _person("crm:1", "Andrea", "Kofler", ["kofler@aon.at"]),
        _person("crm:2", "Andreas", "Kofler", ["kofler@aon.at"]),
        _person("nl:1", None, None, ["kofler@aon.at"]),
    )
    subset = records.filter(pl.col("record_key") != "crm:2")
    owners = comparison_attributes(subset, domain_owners(records))
    by_key = dict(zip(owners["record_key"], owners["domain_owner"], strict=True))
    assert by_key["nl:1"] is None
    assert by_key["crm:1"] is not None
