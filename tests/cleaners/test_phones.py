"""Phone numbers: E.164, types, list handling and the vectorized fast path."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean, clean_one
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import phone_e164
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.phone_metadata import fast_phone_types
from cleaners.text import clean_text

PHONES = [
    # (raw, region, E.164, type)
    ("030 1234567", "DE", "+49301234567", "landline"),
    ("030/1234567", "DE", "+49301234567", "landline"),
    ("(030) 123 45 67", "DE", "+49301234567", "landline"),
    ("+49 (0) 30 1234567", "DE", "+49301234567", "landline"),
    ("+49 30 1234567", "AT", "+49301234567", "landline"),
    ("0049 30 1234567", "DE", "+49301234567", "landline"),
    ("030 1234567-89", "DE", "+4930123456789", "landline"),  # Durchwahl is part of the number
    ("0171 1234567", "DE", "+491711234567", "mobile"),
    ("0151-12345678", "DE", "+4915112345678", "mobile"),
    ("089 12345678", "DE", "+498912345678", "landline"),
    ("0800 1234567", "DE", "+498001234567", "other"),  # toll free
    ("030 1234567 ext. 12", "DE", "+49301234567;ext=12", "landline"),
    ("+49301234567;ext=12", "DE", "+49301234567;ext=12", "landline"),
    ("01 234 5678", "AT", "+4312345678", "landline"),  # Wien
    ("0316 123456", "AT", "+43316123456", "landline"),  # Graz
    ("0664 1234567", "AT", "+436641234567", "mobile"),
    ("+43 664 1234567", "DE", "+436641234567", "mobile"),
    ("044 668 18 00", "CH", "+41446681800", "landline"),  # Zürich
    ("+41 44 668 18 00", "DE", "+41446681800", "landline"),
    ("079 123 45 67", "CH", "+41791234567", "mobile"),
    ("0041 79 123 45 67", "AT", "+41791234567", "mobile"),
    ("+423 235 12 34", "CH", "+4232351234", "landline"),  # Liechtenstein
    ("0176 12345678", "DE", "+4917612345678", "mobile"),
    ("0911 12345678", "DE", "+4991112345678", "landline"),  # Nürnberg
    ("089 1234-0", "DE", "+498912340", "landline"),  # Zentrale with -0
    ("030 1234567 Durchwahl 12", "DE", "+49301234567;ext=12", "landline"),
    ("030 1234567 App. 22", "DE", "+49301234567;ext=22", "landline"),
    ("+43 (0) 664 1234567", "AT", "+436641234567", "mobile"),
    ("0699 12345678", "AT", "+4369912345678", "mobile"),
    ("0662 123456", "AT", "+43662123456", "landline"),  # Salzburg
    ("0043 1 234 5678", "DE", "+4312345678", "landline"),
    ("031 123 45 67", "CH", "+41311234567", "landline"),  # Bern
    ("061 123 45 67", "CH", "+41611234567", "landline"),  # Basel
    ("+41 (0)79 123 45 67", "DE", "+41791234567", "mobile"),
    ("0800 123 456", "CH", "+41800123456", "other"),  # toll free
]


@pytest.mark.parametrize(("raw", "region", "e164", "kind"), PHONES)
def test_phone_e164(raw: str, region: str, e164: str, kind: str) -> None:
    outcome = phone_e164(raw, region)
    assert (outcome.e164, outcome.phone_type, outcome.status) == (e164, kind, VALID)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12345", "not a valid number for DE"),
        ("0171 12", "not a valid number for DE"),
        ("abc", "not a phone number"),
        ("+49 30", "not a valid number for DE"),
    ],
)
def test_invalid_phones(raw: str, reason: str) -> None:
    outcome = phone_e164(raw, "DE")
    assert (outcome.e164, outcome.status, outcome.reason) == (None, INVALID, reason)


def test_phone_list_is_cleaned_per_record() -> None:
    row, findings = clean_one(
        {"phones": ["030 1234567", "+49 30 1234567", "0171 1234567; 12345", "", None]}
    )
    assert row["phones"] == ["+49301234567", "+491711234567"]
    assert row["phone_types"] == ["landline", "mobile"]
    assert [(f["field"], f["status"], f["value"]) for f in findings] == [
        ("phones", INVALID, "12345")
    ]


def test_phone_region_is_the_record_country() -> None:
    result = clean(
        {"phones": ["0664 1234567"], "country": "AT"},
        {"phones": ["044 668 18 00"], "postal_code": "CH-8001"},
        {"phones": ["0664 1234567"]},
        silo_countries={"crm": "DE"},
    )
    assert result.frame["phones"].to_list() == [
        ["+436641234567"],
        ["+41446681800"],
        ["+496641234567"],
    ]


def test_null_and_empty_phone_lists() -> None:
    result = clean({"phones": None}, {"phones": []}, {"phones": ["kaputt"]})
    assert result.frame["phones"].to_list() == [None, [], []]
    assert result.frame["phone_types"].to_list() == [None, [], []]


DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=14)
PREFIXES = st.sampled_from(["0", "00", "+49", "+43", "+41", "0049", "0043", "0041", "+", "", "00"])
SEPARATORS = st.sampled_from(["", " ", "/", "-", "."])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(PREFIXES, DIGITS, SEPARATORS, DIGITS), min_size=1, max_size=30),
    st.sampled_from(["DE", "AT", "CH", "LI", "FR"]),
)
def test_fast_path_agrees_with_phonenumbers(
    parts: list[tuple[str, str, str, str]], region: str
) -> None:
    keys = [
        f"{prefix}{head}{sep}{tail}".replace(sep, "") if sep else f"{prefix}{head}{tail}"
        for prefix, head, sep, tail in parts
    ]
    items = pl.DataFrame({"__phone_key": keys, "__region": [region] * len(keys)}).with_columns(
        __item=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    fast = fast_phone_types(items, "__phone_key", "__region")
    for key, fast_region, e164, kind in fast.select(
        "__phone_key", "__fast_region", "__fast_e164", "__fast_type"
    ).iter_rows():
        if fast_region is None:
            continue  # left to phonenumbers
        expected = phone_e164(key, region)
        assert (e164, kind) == (expected.e164, expected.phone_type), key


def test_fast_path_decides_the_common_shapes() -> None:
    items = pl.DataFrame(
        {
            "__phone_key": ["0301234567", "+41446681800", "0043316123456", "12345", "+33123456789"],
            "__region": ["DE", "DE", "AT", "DE", "DE"],
        }
    ).with_columns(__item=pl.int_range(pl.len(), dtype=pl.Int64))
    fast = fast_phone_types(items, "__phone_key", "__region")
    assert fast["__fast_region"].to_list() == ["DE", "CH", "AT", None, None]


@given(st.text(), st.sampled_from(["DE", "AT", "CH", "XX", None]))
def test_phone_e164_never_raises_or_drops_silently(value: str, region: str | None) -> None:
    outcome = phone_e164(value, region)
    if clean_text(value) and outcome.e164 is None:
        assert outcome.status == INVALID and outcome.reason


PHONE_TEXT = st.lists(st.sampled_from(list("0123456789 +-/()")), min_size=3, max_size=20).map(
    "".join
)


@settings(max_examples=300)
@given(PHONE_TEXT, st.sampled_from(["DE", "AT", "CH"]))
def test_phone_cleaning_is_idempotent(value: str, region: str) -> None:
    outcome = phone_e164(value, region)
    if outcome.e164 is not None:
        again = phone_e164(outcome.e164, region)
        assert (again.e164, again.phone_type, again.status) == (
            outcome.e164,
            outcome.phone_type,
            VALID,
        )


def test_frame_cleaning_of_cleaned_phones_changes_nothing() -> None:
    first = clean({"phones": [raw for raw, region, *_ in PHONES if region == "DE"]})
    again = clean({"phones": first.frame["phones"][0].to_list()})
    assert again.frame["phones"].to_list() == first.frame["phones"].to_list()
    assert again.findings.height == 0


def test_frame_path_agrees_with_phone_e164() -> None:
    result = clean(*({"phones": [raw], "country": region} for raw, region, *_ in PHONES))
    assert result.frame["phones"].to_list() == [[e164] for _, _, e164, _ in PHONES]
    assert result.frame["phone_types"].to_list() == [[kind] for *_, kind in PHONES]
    assert result.findings.height == 0


def test_a_number_without_area_code_is_kept_as_a_local_number() -> None:
    # US site lists write "386-5286": no E.164 without the area code, but not invalid either.
    row, findings = clean_one({"phones": ["386-5286; 12"], "country": "US"})
    assert row["phones"] == ["3865286"]
    assert row["phone_types"] == ["local"]
    assert [(f["status"], f["value"], f["reason"]) for f in findings] == [
        (CORRECTED, "386-5286", "no area code: kept as a local number"),
        (INVALID, "12", "not a valid number for US"),
    ]


def test_a_word_in_the_number_is_no_digit() -> None:
    # phonenumbers reads three letters or more as keypad digits: "0171-KAPUTT" became the
    # Austrian +43171527888 without a finding, and "0171 1234567 privat" an invalid number.
    row, findings = clean_one(
        {"phones": ["0171-KAPUTT", "0171 1234567 (privat)", "01 5123456 Durchwahl 12"]},
        silo_countries={"crm": "AT"},
    )
    assert row["phones"] == ["+431711234567", "+4315123456;ext=12"]
    assert [(f["status"], f["value"], f["reason"]) for f in findings] == [
        (INVALID, "0171-KAPUTT", "not a valid number for AT"),
        (CORRECTED, "0171 1234567 (privat)", "words beside the number removed"),
    ]


def test_letters_are_keypad_digits_in_north_america_only() -> None:
    assert phone_e164("1-800-FLOWERS", "US").e164 == "+18003569377"
    assert phone_e164("0800-FLOWERS", "DE").status == INVALID


PARENTHESISED = st.tuples(
    st.sampled_from(["+49(0)", "+43(0)", "+41(0)", "0049(0)", "0043(0)", "0041(0)", "+49(", "("]),
    st.text(alphabet="0123456789", min_size=1, max_size=5),
    st.sampled_from(["", ")"]),
    st.text(alphabet="0123456789", min_size=0, max_size=12),
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(PARENTHESISED, min_size=1, max_size=30), st.sampled_from(["DE", "AT", "US"]))
def test_parenthesised_numbers_clean_as_phonenumbers_reads_them(
    keys: list[str], region: str
) -> None:
    # "+49(0)30 1234567" and "(030) 1234567" take the vectorized path; same result as parsing.
    result = clean(*({"phones": [key], "country": region} for key in keys))
    expected = [phone_e164(key, region) for key in keys]
    assert result.frame["phones"].to_list() == [[o.e164] if o.e164 else [] for o in expected]
    assert result.frame["phone_types"].to_list() == [
        [o.phone_type] if o.e164 else [] for o in expected
    ]
