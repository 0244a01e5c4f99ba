"""First and last name swapped *and* the first name given as a nickname (Weber Tom / Thomas
Weber): the swap is seen through the nickname group, whichever record is compared first.
Records are cleaned by the real cleaners."""

from __future__ import annotations

import polars as pl
import pytest

from matching.comparisons import COMPARISONS, compare_pairs
from tests.matching.cleaned_records import cleaned

FIRST_NAME = next(c for c in COMPARISONS if c.name == "first_name").levels
LAST_NAME = next(c for c in COMPARISONS if c.name == "last_name").levels
PLACE = {"street": "Gußhausstraße", "house_number": "9", "postal_code": "1040", "city": "Wien"}


def _levels(first: tuple[str, str], second: tuple[str, str], order: str) -> tuple[str, str]:
    records = cleaned(
        {"silo": "shop", "source_id": "1", "first_name": first[0], "last_name": first[1], **PLACE},
        {"silo": "crm", "source_id": "2", "first_name": second[0], "last_name": second[1], **PLACE},
    )
    left, right = ("shop:1", "crm:2") if order == "shop first" else ("crm:2", "shop:1")
    pairs = pl.DataFrame({"left_key": [left], "right_key": [right], "rules": ["test"]})
    row = compare_pairs(pairs, records).row(0, named=True)
    return FIRST_NAME[row["first_name_level"]], LAST_NAME[row["last_name_level"]]


@pytest.mark.parametrize("order", ["shop first", "crm first"])
def test_swapped_names_with_a_nickname_are_one_name_and_its_nickname(order: str) -> None:
    assert _levels(("Huber", "Sepp"), ("Josef", "Huber"), order) == ("nickname", "exact")


@pytest.mark.parametrize("order", ["shop first", "crm first"])
def test_names_in_their_fields_are_not_swapped(order: str) -> None:
    # Sepp Huber beside Josef Huber: the fields agree as they are, nothing to swap.
    assert _levels(("Sepp", "Huber"), ("Josef", "Huber"), order) == ("nickname", "exact")
