"""A mobile written without its country code into a record of another country.

A customer who moved from Vienna to Hanover gives her Austrian mobile as "0676 654 39269"; the
cleaners read it as a German number (+49 6766 5439269, a valid landline there). Its national
digits are those of +43 676 65439269 all the same: blocking pairs the two records on them and
the phone comparison calls the number shared. Records are cleaned by the real cleaners.
"""

from __future__ import annotations

import polars as pl

from matching.blocking import candidate_pairs
from matching.comparisons import COMPARISONS, compare_pairs
from tests.matching.cleaned_records import cleaned

PHONE = next(c for c in COMPARISONS if c.name == "phone").levels

VIENNA = {
    "silo": "crm",
    "source_id": "1",
    "first_name": "Theresa",
    "last_name": "Pölzl",
    "street": "Praterstraße",
    "house_number": "41",
    "postal_code": "1020",
    "city": "Wien",
    "phones": ["+43 676 65439269"],
}
HANOVER = {
    "silo": "shop",
    "source_id": "7",
    "first_name": "Pölzl",
    "last_name": "Theresia",
    "street": "Podbielskistraße",
    "house_number": "118",
    "postal_code": "30177",
    "city": "Hannover",
}


def _phone_level(records: pl.DataFrame) -> int:
    pairs = pl.DataFrame(
        {"left_key": ["crm:1"], "right_key": ["shop:7"], "rules": ["test"]},
    )
    return int(compare_pairs(pairs, records)["phone_level"][0])


def test_a_mobile_without_country_code_in_another_country_is_shared() -> None:
    records = cleaned(VIENNA, {**HANOVER, "phones": ["0676 654 39269"]})
    phones = dict(zip(records["record_key"], records["phones"].to_list(), strict=True))
    # The cleaners read the number as a German one: the comparison must see through it.
    assert phones["crm:1"] != phones["shop:7"]
    assert PHONE[_phone_level(records)] == "shared"


def test_other_national_digits_are_no_common_number() -> None:
    records = cleaned(VIENNA, {**HANOVER, "phones": ["0511 8094417"]})
    assert PHONE[_phone_level(records)] == "no_common_number"


def test_blocking_pairs_the_number_under_both_country_codes() -> None:
    # Swapped and differently spelled names share no name block: the number alone pairs them.
    records = cleaned(VIENNA, {**HANOVER, "phones": ["0676 654 39269"]})
    result = candidate_pairs(records, ["phone"], max_block_size=200)
    assert result.pairs.select("left_key", "right_key").rows() == [("crm:1", "shop:7")]
    other = cleaned(VIENNA, {**HANOVER, "phones": ["0511 8094417"]})
    assert candidate_pairs(other, ["phone"], max_block_size=200).pairs.height == 0
