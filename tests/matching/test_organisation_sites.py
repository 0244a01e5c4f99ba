"""[matching] organisations: one customer per legal entity (default) or per site.

"Schuh Keller GmbH" in Tübingen and in Heidelberg with one VAT id is one legal entity with two
stores. By default (``per_firm``) the two records are one customer: the VAT id says one firm and
neither record names a branch. A company that keeps every branch as an account of its own sets
``organisations = "per_site"``: another address of one firm (``site:same_firm``) never matches.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl
import pytest

from matching.comparisons import compare_pairs
from matching.scoring import MatchWeights, score_pairs
from rules.config import PER_SITE_RULE, MatchingConfig
from tests.matching.cleaned_records import cleaned

KELLER = {"record_type": "organisation", "organisation_name": "Schuh Keller GmbH"}


def _records(*rows: dict[str, Any]) -> pl.DataFrame:
    return cleaned(
        *(
            {**KELLER, "silo": "crm" if index == 0 else "erp", "source_id": str(index), **row}
            for index, row in enumerate(rows)
        )
    )


def _scored(records: pl.DataFrame, settings: MatchingConfig) -> pl.DataFrame:
    keys = sorted(records["record_key"].to_list())
    candidates = pl.DataFrame(
        [(left, right, "test") for left, right in combinations(keys, 2)],
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
        orient="row",
    )
    compared = compare_pairs(candidates, records)
    return score_pairs(compared, MatchWeights.defaults(), settings.hard_rules)


TWO_STORES = (
    {
        "street": "Uhlandstraße",
        "house_number": "52",
        "postal_code": "72070",
        "city": "Tübingen",
        "vat_id": "DE257214025",
    },
    {
        "street": "Kaiserstraße",
        "house_number": "6",
        "postal_code": "69115",
        "city": "Heidelberg",
        "vat_id": "DE 257 214 025",
    },
)


@pytest.mark.parametrize(
    ("organisations", "together", "rule"),
    [
        ("per_firm", True, "match: vat_id:exact"),
        ("per_site", False, "no_match: site:same_firm"),
    ],
)
def test_one_vat_id_in_two_towns(organisations: str, together: bool, rule: str) -> None:
    settings = MatchingConfig(organisations=organisations)  # type: ignore[arg-type]
    scored = _scored(_records(*TWO_STORES), settings)
    assert scored["hard_rule"].to_list() == [rule]
    assert (scored["probability"][0] >= settings.match_threshold) is together


def test_per_site_keeps_one_address_one_customer() -> None:
    """The same store in two silos (one address) still matches under per_site."""
    settings = MatchingConfig(organisations="per_site")
    scored = _scored(_records(TWO_STORES[0], {**TWO_STORES[0], "vat_id": None}), settings)
    assert scored["hard_rule"].to_list() != ["no_match: site:same_firm"]
    assert scored["probability"][0] >= settings.match_threshold


def test_the_per_site_rule_comes_first_and_once() -> None:
    per_site = MatchingConfig(organisations="per_site")
    assert per_site.hard_rules[0] == PER_SITE_RULE
    assert per_site.hard_rules[1:] == MatchingConfig().hard_rules
    again = MatchingConfig.model_validate(per_site.model_dump())
    assert again.hard_rules == per_site.hard_rules
    assert PER_SITE_RULE not in MatchingConfig().hard_rules
