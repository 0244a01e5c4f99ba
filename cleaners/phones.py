"""Phone numbers: E.164 via phonenumbers, with a type (mobile / landline / other) per number.

Numbers are parsed with the record's (cleaned) country as the region, so "030 1234567" in a German
record becomes +49301234567. An extension ("ext. 12", "Durchwahl 12", "App. 12") is kept RFC 3966
style: "+49301234567;ext=12". A number written without its area code ("386-5286" in a US list)
cannot be put in E.164: where phonenumbers says the digits are a possible local number of the
region, they are kept as written, digits only ("3865286"), with type "local" and a finding
(matching compares them with the local part of full numbers). Other invalid numbers leave the
list with a finding; duplicates within a record are dropped (no finding: no information is
lost). ``phone_types`` is aligned with ``phones``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from cleaners.outcome import (
    CORRECTED,
    INVALID,
    ROW,
    VALID,
    CleanResult,
    explode_cells,
    findings_for,
    gather_lists,
    map_distinct,
)
from cleaners.phone_metadata import FAST_REGIONS, fast_country_codes, fast_phone_types
from cleaners.text import clean_text

# Several numbers in one cell: "030 123456; 0171 1234567". "/" is not a separator: "030/123456".
_CELL_SEPARATORS = r"[;,|\n]+"
# Pure formatting characters; removing them first lets "030/1234567" and "030 1234567" share one
# phonenumbers call. Only applied to cells that contain nothing but digits and formatting.
_FORMATTING = r"[\s/.\-\u2013]"
_ONLY_FORMATTED_DIGITS = r"^\+?[\s/.\-\u2013()]*\d[\d\s/.\-\u2013()]*$"  # one digit at least
# German words for an extension; phonenumbers knows "ext." only.
_EXTENSION_WORDS = re.compile(r"\s*\b(?:durchwahl|dw\.?|apparat|app\.)\s*(?=\d)", re.IGNORECASE)

#: Where numbers are written in letters (1-800-FLOWERS): phonenumbers reads the letters as the
#: keypad's digits. Elsewhere a word in the number is no digit: "0171-KAPUTT" is no number and
#: "0171 1234567 privat" is the number with a note.
_VANITY_REGIONS = frozenset({"US", "CA"})
_WORDS = re.compile(r"[^\W\d_]+")
_EXTENSION_TAIL = re.compile(r"\b(?:ext|x)\.?\s*[=:]?\s*\d+\s*$", re.IGNORECASE)
#: Finding of a number read without the words written beside its digits.
WORDS_REMOVED = "words beside the number removed"

#: Finding of a number kept without its area code.
LOCAL_NUMBER = "no area code: kept as a local number"

_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}


class PhoneOutcome(NamedTuple):
    e164: str | None
    phone_type: str | None
    status: str
    reason: str | None


def phone_e164(value: str | None, region: str | None = "DE") -> PhoneOutcome:
    """E.164 form and type of a phone number written for ``region``; invalid -> e164 None."""
    if value is None or not clean_text(value):
        return PhoneOutcome(None, None, VALID, None)
    region = region if region in phonenumbers.SUPPORTED_REGIONS else "DE"
    text, removed = _without_words(_EXTENSION_WORDS.sub(" ext. ", clean_text(value)), region)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return PhoneOutcome(None, None, INVALID, "not a phone number")
    # number_type is UNKNOWN exactly when is_valid_number is False (same metadata walk, done once).
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        where = region if where == phonenumbers.UNKNOWN_REGION else where
        return PhoneOutcome(None, None, INVALID, f"not a valid number for {where}")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.extension:
        e164 = f"{e164};ext={number.extension}"
    if removed:
        return PhoneOutcome(e164, _TYPES.get(kind, "other"), CORRECTED, WORDS_REMOVED)
    return PhoneOutcome(e164, _TYPES.get(kind, "other"), VALID, None)


def _without_words(text: str, region: str) -> tuple[str, bool]:
    """``text`` without the words after its first digit (an extension stays), and whether there
    were any. Outside the vanity regions phonenumbers would read three letters or more as keypad
    digits ("0171-KAPUTT" as 0171 527888, "privat" as six more digits); a label before the
    number ("Tel.", "Mobil:") is skipped by phonenumbers itself."""
    first = re.search(r"[+\d]", text)
    if region in _VANITY_REGIONS or first is None:
        return text, False
    head, tail = text[: first.start()], text[first.start() :]
    extension = _EXTENSION_TAIL.search(tail)
    body, rest = (tail[: extension.start()], tail[extension.start() :]) if extension else (tail, "")
    if not _WORDS.search(body):
        return text, False
    return head + _WORDS.sub(" ", body) + rest, True


def local_number(digits: str | None, region: str | None) -> tuple[str | None]:
    """The digits when they are a possible local number of ``region`` (no area code), else None.

    "3865286" in the US: a local number of some area code; "123" or "12345678901234" are not.
    """
    if digits is None or not digits.isdigit() or region not in phonenumbers.SUPPORTED_REGIONS:
        return (None,)
    try:
        number = phonenumbers.parse(digits, region)
    except NumberParseException:
        return (None,)
    reason = phonenumbers.is_possible_number_with_reason(number)
    local = reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
    return (digits if local else None,)


def _phone_items(frame: pl.DataFrame, default_country: str) -> pl.DataFrame:
    """One row per phone text of every record, with the region to parse it in."""
    region = pl.when(pl.col("country").is_in(sorted(phonenumbers.SUPPORTED_REGIONS)))
    items = frame.select(
        ROW,
        "record_key",
        "silo",
        "source_id",
        region.then(pl.col("country")).otherwise(pl.lit(default_country)).alias("__region"),
        pl.col("phones").alias("__phone"),
    ).explode("__phone")
    return items


def _split_cells(items: pl.DataFrame) -> pl.DataFrame:
    # ";ext=12" (our own output format) is an extension, not a second number.
    cell = (
        pl.col("__phone")
        .str.replace_all(r"(?i);\s*ext=", " ext. ")
        .str.replace_all(_CELL_SEPARATORS, ";")
    )
    return explode_cells(items, "__phone", cell)


def clean_phones(frame: pl.DataFrame, *, default_country: str) -> CleanResult:
    """Replace ``phones`` by valid E.164 numbers and add the aligned ``phone_types`` list."""
    items = _split_cells(_phone_items(frame, default_country))
    key = pl.col("__phone")
    items = items.with_columns(
        __phone_key=pl.when(key.str.contains(_ONLY_FORMATTED_DIGITS))
        .then(key.str.replace_all(_FORMATTING, ""))
        .otherwise(key)
    )
    items = _validated(items.with_columns(__item=pl.int_range(pl.len(), dtype=pl.Int64)))
    items = _kept_local(items)
    findings = findings_for(items, "phones", value="__phone", status="__status", reason="__reason")
    frame = gather_lists(
        frame,
        items,
        "__e164",
        "phones",
        {"phones": pl.col("__e164"), "phone_types": pl.col("__type")},
    )
    return CleanResult(frame, findings)


def _kept_local(items: pl.DataFrame) -> pl.DataFrame:
    """Invalid numbers that are a region's local number without area code: kept, type "local"."""
    invalid = pl.col("__e164").is_null() & (pl.col("__status") == INVALID)
    items = map_distinct(
        items.with_columns(__local_src=pl.when(invalid).then(pl.col("__phone_key"))),
        ["__local_src", "__region"],
        local_number,
        {"__local": pl.String()},
    )
    local = pl.col("__local").is_not_null()
    return items.with_columns(
        __e164=pl.coalesce("__e164", "__local"),
        __type=pl.when(local).then(pl.lit("local")).otherwise(pl.col("__type")),
        __status=pl.when(local).then(pl.lit(CORRECTED)).otherwise(pl.col("__status")),
        __reason=pl.when(local).then(pl.lit(LOCAL_NUMBER)).otherwise(pl.col("__reason")),
    ).drop("__local_src", "__local")


def _fast_key(items: pl.DataFrame) -> pl.DataFrame:
    """``__fast_key`` and ``__fast_in``: the key and region the fast path reads for each item.

    phonenumbers reads a number by its digits: "(030)1234567" as "0301234567", and
    "+49(0)301234567" (or "0049(0)..." where "00" dials abroad) as the national "0301234567" of
    the calling code's region, trunk prefix and all. So those shapes, a fifth of the demo's
    numbers, are given to the fast path in that form instead of to phonenumbers one by one;
    ``__phone_key`` and ``__region`` stay as they were (a local number is read from them).
    """
    key, region = pl.col("__phone_key"), pl.col("__region")
    codes = {code: name for name, code in fast_country_codes().items()}
    alternatives = "|".join(sorted(codes, key=len, reverse=True))
    abroad = key.str.extract_groups(
        rf"^(?P<idd>\+|00)(?P<code>{alternatives})\(0\)(?P<rest>[1-9]\d*)$"
    )
    idd, code = abroad.struct.field("idd"), abroad.struct.field("code")
    abroad_region = code.replace_strict(codes, default=None, return_dtype=pl.String)
    international = code.is_not_null() & ((idd == "+") | region.is_in(FAST_REGIONS))
    domestic = key.str.contains(r"^\(0[1-9]\d*\)\d+$")
    return items.with_columns(
        __fast_key=pl.when(international)
        .then(pl.concat_str([pl.lit("0"), abroad.struct.field("rest")]))
        .when(domestic)
        .then(key.str.replace_all(r"[()]", ""))
        .otherwise(key),
        __fast_in=pl.when(international).then(abroad_region).otherwise(region),
    )


def _validated(items: pl.DataFrame) -> pl.DataFrame:
    """E.164, type, status, reason per item: vectorized fast path, phonenumbers for the rest."""
    items = fast_phone_types(_fast_key(items), "__fast_key", "__fast_in").drop(
        "__fast_key", "__fast_in"
    )
    fast = pl.col("__fast_region").is_not_null()
    items = items.with_columns(__slow=pl.when(~fast).then(pl.col("__phone_key")))
    items = map_distinct(
        items,
        ["__slow", "__region"],
        phone_e164,
        {
            "__slow_e164": pl.String(),
            "__slow_type": pl.String(),
            "__slow_status": pl.String(),
            "__slow_reason": pl.String(),
        },
    )
    return items.with_columns(
        __e164=pl.coalesce("__fast_e164", "__slow_e164"),
        __type=pl.coalesce("__fast_type", "__slow_type"),
        __status=pl.when(fast & pl.col("__fast_e164").is_null())
        .then(pl.lit(INVALID))
        .when(fast)
        .then(pl.lit(VALID))
        .otherwise(pl.col("__slow_status")),
        __reason=pl.when(fast & pl.col("__fast_e164").is_null())
        .then(pl.concat_str([pl.lit("not a valid number for "), pl.col("__fast_region")]))
        .when(fast)
        .then(None)
        .otherwise(pl.col("__slow_reason")),
    )
