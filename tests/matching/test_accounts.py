"""Accounts: the organisation golden record a person's golden record is a contact of."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from matching.accounts import account_links


def _links(rows: list[dict[str, Any]], make_records: Any) -> dict[str, str | None]:
    """golden_id -> account_golden_id; each row names its golden id in "golden"."""
    records = make_records([{k: v for k, v in row.items() if k != "golden"} for row in rows])
    assignment = pl.DataFrame(
        {
            "record_key": [row["record_key"] for row in rows],
            "golden_id": [row["golden"] for row in rows],
        }
    )
    links = account_links(records, assignment)
    return dict(zip(links["golden_id"], links["account_golden_id"], strict=True))


def _org(key: str, golden: str, name: str, **values: Any) -> dict[str, Any]:
    return {
        "record_key": key,
        "golden": golden,
        "record_type": "organisation",
        "organisation_key": name,
        **values,
    }


def _person(key: str, golden: str, **values: Any) -> dict[str, Any]:
    return {"record_key": key, "golden": golden, "record_type": "person", **values}


CASES = [
    {
        "description": "a contact named on the company record links to that record's golden id",
        "rows": [
            _org("crm:1", "G-ORG", "huber bau"),
            _person("crm:1#contact", "G-ANNA", organisation_key="huber bau"),
        ],
        "expected": {"G-ANNA": "G-ORG"},
    },
    {
        "description": "the named record wins over a namesake company elsewhere",
        "rows": [
            _org("crm:1", "G-ORG", "huber bau", postal_code="80331"),
            _org("erp:9", "G-OTHER", "huber bau", postal_code="10115"),
            _person("crm:1#contact", "G-ANNA", organisation_key="huber bau", postal_code="10115"),
        ],
        "expected": {"G-ANNA": "G-ORG"},
    },
    {
        "description": "an employer name that one organisation has",
        "rows": [
            _org("erp:1", "G-ORG", "gruber holz"),
            _person("shop:5", "G-KARL", organisation_key="gruber holz"),
        ],
        "expected": {"G-KARL": "G-ORG"},
    },
    {
        "description": "two companies of that name: the one at the person's postal code",
        "rows": [
            _org("erp:1", "G-MUC", "huber bau", postal_code="80331"),
            _org("erp:2", "G-BER", "huber bau", postal_code="10115"),
            _person("shop:5", "G-ANNA", organisation_key="huber bau", postal_code="10115"),
        ],
        "expected": {"G-ANNA": "G-BER"},
    },
    {
        "description": "two companies of that name and no postal code to tell: no link",
        "rows": [
            _org("erp:1", "G-MUC", "huber bau", postal_code="80331"),
            _org("erp:2", "G-BER", "huber bau", postal_code="10115"),
            _person("shop:5", "G-ANNA", organisation_key="huber bau"),
        ],
        "expected": {},
    },
    {
        "description": "a personal address at the company's domain",
        "rows": [
            _org("crm:3", "G-VOGT", "schreinerei vogt", emails=["info@vogt-holz.de"]),
            _person("news:2", "G-TOM", emails=["t.vogt@vogt-holz.de"]),
        ],
        "expected": {"G-TOM": "G-VOGT"},
    },
    {
        "description": "free-mail domains never link",
        "rows": [
            _org("crm:10", "G-KOCH", "blumen koch", emails=["blumenkoch@gmx.de"]),
            _person("news:7", "G-EVA", emails=["eva.koch@gmx.de"]),
        ],
        "expected": {},
    },
    {
        "description": "a domain two organisations share links to neither",
        "rows": [
            _org("crm:1", "G-A", "alpha holding", emails=["info@gruppe.de"]),
            _org("crm:2", "G-B", "beta service", emails=["service@gruppe.de"]),
            _person("news:1", "G-P", emails=["p.meier@gruppe.de"]),
        ],
        "expected": {},
    },
    {
        "description": "a private person without organisation or business e-mail: no link",
        "rows": [
            _org("crm:1", "G-ORG", "huber bau", emails=["info@huber-bau.de"]),
            _person("shop:1", "G-PRIV", emails=["anna.huber@web.de"]),
        ],
        "expected": {},
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_account_links(case: dict[str, Any], make_records: Any) -> None:
    assert _links(case["rows"], make_records) == case["expected"]


def test_the_members_majority_decides(make_records: Any) -> None:
    rows = [
        _org("erp:1", "G-A", "alpha bau"),
        _org("erp:2", "G-B", "beta bau"),
        _person("crm:1", "G-P", organisation_key="alpha bau"),
        _person("shop:1", "G-P", organisation_key="beta bau"),
        _person("news:1", "G-P", organisation_key="beta bau"),
    ]
    assert _links(rows, make_records) == {"G-P": "G-B"}
