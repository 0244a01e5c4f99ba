"""Report masking: e-mail local parts and phone digits hidden, the problem still visible."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.masking import mask_contact

CASES = [
    {"description": "e-mail: local part masked, domain kept", "field": "emails",
     "value": "max.mustermann@gmial.com", "masked": "m***@gmial.com"},
    {"description": "e-mail without @", "field": "emails", "value": "max", "masked": "m***"},
    {"description": "e-mail with two @: the last domain", "field": "emails",
     "value": "a@b@example.de", "masked": "a***@example.de"},
    {"description": "phone: all digits but the last two", "field": "phones",
     "value": "+49 30 1234567", "masked": "+** ** *****67"},
    {"description": "phone: letters and signs stay", "field": "phones", "value": "030-KAPUTT",
     "masked": "***-KAPUTT"},
    {"description": "short phone: every digit", "field": "phones", "value": "0049",
     "masked": "****"},
    {"description": "other field: first character", "field": "city", "value": "Berlin",
     "masked": "B***"},
    {"description": "null stays null", "field": "phones", "value": None, "masked": None},
    {"description": "empty phone stays empty", "field": "phones", "value": "", "masked": ""},
]  # fmt: skip


def _masked(values: list[str | None], fields: list[str], show: bool = False) -> list[str | None]:
    schema = {"value": pl.String, "field": pl.String}
    frame = pl.DataFrame({"value": values, "field": fields}, schema=schema)
    masked = frame.select(
        mask_contact(pl.col("value"), pl.col("field"), show_contact_data=show).alias("masked")
    )
    return masked["masked"].to_list()


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_mask_contact(case: dict[str, str | None]) -> None:
    assert _masked([case["value"]], [str(case["field"])]) == [case["masked"]]


def test_show_contact_data_keeps_every_value() -> None:
    values = [case["value"] for case in CASES]
    assert _masked(values, [str(case["field"]) for case in CASES], show=True) == values


@given(st.text(alphabet="0123456789 +-/()", min_size=1, max_size=30))
def test_a_masked_phone_shows_at_most_two_digits(number: str) -> None:
    (masked,) = _masked([number], ["phones"])
    assert masked is not None and len(masked) == len(number)
    assert sum(char.isdigit() for char in masked) <= 2


@given(st.from_regex(r"[a-z0-9._]{2,20}@[a-z]{2,10}\.de", fullmatch=True))
def test_a_masked_email_keeps_one_character_of_the_local_part(address: str) -> None:
    (masked,) = _masked([address], ["emails"])
    local, domain = address.split("@")
    assert masked == f"{local[0]}***@{domain}"
