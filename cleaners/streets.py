"""Streets: street types written out per country, house numbers split off, c/o and post boxes.

Street types are written out per country ("Musterstr." -> "Musterstraße" in DE/AT; Swiss German
writes "strasse", so Swiss streets get "strasse"). A house number at the end of the street text
moves to house_number when that is empty. For the common plain shape ("Hauptstraße 12a") that split
is done vectorized in polars (``clean_streets``), so only the distinct street names, not every
street-and-number text, go through Python.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

import polars as pl

from cleaners.address_lines import EXTRA_LINE, POSTBOX_LINE, split_street_text
from cleaners.ordinals import numeric_ordinals
from cleaners.outcome import CORRECTED, INVALID, VALID, join_reasons, map_distinct
from cleaners.reference import read_column, read_table
from cleaners.text import (
    apply_until_stable,
    clean_text,
    fix_casing,
    is_placeholder,
    transliteration_key,
)

#: Countries whose streets take "straße" (DACH minus Switzerland, which writes "strasse").
SHARP_S_COUNTRIES = frozenset({"DE", "AT"})
SWISS_SPELLING_COUNTRIES = frozenset({"CH", "LI"})
NUMBER_MOVED = "house number moved to house_number"

_STREET_TYPE_KEY = re.compile(r"(strasse|str)\b")
_POSTBOX_ABBREVIATION = re.compile(r"^(?:pf\.?|postf\.)(?=\s|$)", re.IGNORECASE)
_QUADRAT_STREET = re.compile(r"^([A-Ua-u])\s?([1-7])$")

# The vectorized split: a street of letters (Latin-1 and Latin Extended-A, all NFC), single
# spaces, dots, hyphens and apostrophes, then one space and a plain house number. Texts that
# could be c/o or post-box lines, or have "Nr." before the number, go through Python instead.
_LETTERS = "A-Za-zÀ-ÖØ-öø-ÿĀ-ž"
_FAST_STREET_NUMBER = (
    rf"^(?P<street>[{_LETTERS}][{_LETTERS} .'\-]*[{_LETTERS}.]) "
    r"(?P<number>\d{1,4}(?: ?[a-zA-Z])?(?:[-/]\d{1,4}(?: ?[a-zA-Z])?)*)$"
)
_NOT_FAST = (
    r"(?i)^(?:c/|c\.o|z\.|zu\s|attn|bei\s|postf|pf[\s.]|postlagernd|case\s|casella\s"
    r"|p\.?\s?o\.?\s)|(?:^|[\s.])(?:nr|no)\.? \d|  "
)


class StreetRule(NamedTuple):
    position: str  # suffix, word, prefix or complete
    abbreviation: str
    de_at: str
    ch: str


class StreetParts(NamedTuple):
    street: str | None
    house_number: str | None  # a number found at the end of the street text
    key: str | None
    status: str
    reason: str | None


@cache
def _street_rules() -> tuple[StreetRule, ...]:
    return tuple(StreetRule(**row) for row in read_table("street_types.csv"))


@cache
def place_particles() -> frozenset[str]:
    """Lower-case words inside place and street names ("am", "an der" ...)."""
    return frozenset(read_column("place_particles.csv", "word"))


def expand_street_types(street: str, country: str | None) -> str:
    """Write out street types for DE/AT ("straße") and CH/LI ("strasse"); others unchanged."""
    if country in SHARP_S_COUNTRIES:
        column = "de_at"
    elif country in SWISS_SPELLING_COUNTRIES:
        column = "ch"
    else:
        return street
    words = street.split(" ")
    for index, word in enumerate(words):
        parts = word.split("-")
        for part_index, part in enumerate(parts):
            first = index == 0 and part_index == 0
            parts[part_index] = _expand_part(part, first, column)
        words[index] = "-".join(parts)
    return " ".join(words)


@cache
def _complete_endings() -> tuple[str, ...]:
    return tuple(rule.abbreviation for rule in _street_rules() if rule.position == "complete")


def _expand_part(part: str, first: bool, column: str) -> str:
    lower = part.lower()
    complete = lower.rstrip(".").endswith(_complete_endings())  # "Feldweg." is no "Feldwegasse"
    for rule in _street_rules():
        replacement = rule.ch if column == "ch" else rule.de_at
        if rule.position == "word" and lower == rule.abbreviation:
            return replacement
        if rule.position == "prefix" and first and lower == rule.abbreviation:
            return replacement
        if (
            rule.position == "suffix"
            and lower.endswith(rule.abbreviation)
            and len(part) > len(rule.abbreviation)
            and not (complete and rule.abbreviation.endswith("."))
        ):
            expanded = part[: -len(rule.abbreviation)] + replacement
            return part if expanded.lower() == lower else expanded  # casing is not ours to change
    return part


@cache
def _english_street_words() -> dict[str, str]:
    return {row["word"]: row["abbreviation"] for row in read_table("street_words_en.csv")}


@cache
def _street_words() -> dict[str, str]:
    """Street-type words of the key and the form the key writes them in: English ones short
    (street_words_en.csv: "Avenue" as "ave"), French and Italian ones of Swiss addresses
    written out ("ch." as "chemin", "rte" as "route": street_words_fr_it.csv; Boulevard takes
    the English "blvd"), so that a typo in the written-out word ("Chemon") stays one typo
    apart."""
    words = {row["word"]: row["abbreviation"] for row in read_table("street_words_fr_it.csv")}
    return {**words, **_english_street_words()}


@cache
def _street_type_abbreviations() -> frozenset[str]:
    """The abbreviated English street types ("st", "ave"), not the compass words ("n", "w")."""
    compass = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}
    return frozenset(set(_english_street_words().values()) - compass)


_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_UNIT_WORD = re.compile(r"\d+[a-z]?|[a-z]\d+")
_types = _street_type_abbreviations


def street_key(street: str | None) -> str | None:
    """Matching key of a street: transliterated, "strasse"/"str" unified, English street words
    abbreviated ("Main Street" / "Main St"), no spaces.

    An English street type at the end (and a unit such as "5B" after it) is left out and
    ordinals lose their suffix, written out ones too ("Sixth" / "6th" / "6"): American
    lists write "1345 N. Rockwell" and "1345 N Rockwell Street", "112 East 51 Street" and
    "112 E. 51st St." for one address.
    """
    if not street:
        return None
    key = _STREET_TYPE_KEY.sub("str", transliteration_key(street))
    # "Sixth" and "6th" (cleaners.ordinals), then "6th" and "6".
    key = _ORDINAL.sub(r"\1", " ".join(numeric_ordinals(key.split())))
    types = _street_words()
    words = [types.get(word, word) for word in key.split()]
    # "N Lake Shore Drive 5B": a unit after the street type is no part of the street.
    while len(words) >= 3 and _UNIT_WORD.fullmatch(words[-1]) and words[-2] in _types():
        words = words[:-1]
    if len(words) >= 2 and words[-1] in _types():
        words = words[:-1]
    return "".join(words) or None


def normalize_street(
    value: str | None, country: str | None, has_house_number: bool = False
) -> StreetParts:
    """Clean a street; a trailing house number is split off when house_number is empty."""
    if value is None or not clean_text(value):
        return StreetParts(None, None, None, VALID, None)
    text = clean_text(value)
    if is_placeholder(text):
        return StreetParts(None, None, None, INVALID, "placeholder, not a street")
    reasons: list[str | None] = []
    text, care_of = without_care_of(text)
    if care_of and not text:
        return StreetParts(None, None, None, INVALID, "c/o line, not a street")
    if care_of:
        reasons.append("c/o line removed from street")
    if POSTBOX_LINE.match(text):
        return _postbox(text, reasons)
    street, number = text, None
    if not has_house_number:
        split = split_street_text(text)
        street, number = split.street or text, split.house_number
        if number:
            reasons.append(NUMBER_MOVED)
    return _written_out(street, number, country, reasons)


def _written_out(
    street: str, number: str | None, country: str | None, reasons: list[str | None]
) -> StreetParts:
    """Casing and street types of a street without its house number; the key."""
    expanded, changes = apply_until_stable(
        street,
        [
            (
                lambda text: fix_casing(text, place_particles(), capitalize_first=True),
                "casing fixed",
            ),
            (lambda text: expand_street_types(text, country), "street type written out"),
        ],
    )
    reasons = [*reasons, *changes]
    expanded = _QUADRAT_STREET.sub(lambda m: f"{m[1].upper()} {m[2]}", expanded)  # Mannheim "C 3"
    status = CORRECTED if reasons else VALID
    return StreetParts(expanded, number, street_key(expanded), status, join_reasons(reasons))


def without_care_of(text: str) -> tuple[str, str | None]:
    """A street text without its "c/o ...", "z. Hd. ..." parts, and those parts (else None)."""
    segments = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
    care_of = [part for part in segments if EXTRA_LINE.match(part)]
    if not care_of:
        return text, None
    kept = [part for part in segments if not EXTRA_LINE.match(part)]
    return ", ".join(kept), ", ".join(care_of)


def _postbox(text: str, reasons: list[str | None]) -> StreetParts:
    """A post-office box kept in street as "Postfach 12 34": its number is no house number."""
    box = _POSTBOX_ABBREVIATION.sub("Postfach", text)
    if box != text:
        reasons.append("post box written out")
    if fix_casing(box) != box:
        box = fix_casing(box)
        reasons.append("casing fixed")
    status = CORRECTED if reasons else VALID
    return StreetParts(box, None, street_key(box), status, join_reasons(reasons))


def fast_street_split(street: pl.Expr) -> pl.Expr:
    """Struct (street, number) of a plain "Hauptstraße 12a" text, else null (left to Python).

    Equal to ``split_street_text`` for the texts it accepts (a test compares both).
    """
    plain = street.str.contains(_FAST_STREET_NUMBER) & ~street.str.contains(_NOT_FAST)
    return pl.when(plain).then(street.str.extract_groups(_FAST_STREET_NUMBER))


def _street_of(text: str | None, country: str | None, has_number: bool, cut: bool) -> StreetParts:
    """normalize_street, or for a text whose number was split off in polars, the rest of it."""
    if cut and text is not None:
        return _written_out(text, None, country, [NUMBER_MOVED])
    return normalize_street(text, country, has_number)


def clean_streets(frame: pl.DataFrame, street: str, country: str) -> pl.DataFrame:
    """Add __street, __street_number, __street_key, __street_status, __street_reason.

    A house number is split off the street only where house_number is empty.
    """
    split = fast_street_split(pl.col(street))
    frame = frame.with_columns(
        __street_cut=pl.when(pl.col("house_number").is_null()).then(split)
    ).with_columns(
        __street_src=pl.coalesce(pl.col("__street_cut").struct.field("street"), pl.col(street)),
        __street_cut_number=pl.col("__street_cut").struct.field("number"),
        __has_number=pl.col("house_number").is_not_null(),
    )
    frame = map_distinct(
        frame.with_columns(__was_cut=pl.col("__street_cut_number").is_not_null()),
        ["__street_src", country, "__has_number", "__was_cut"],
        _street_of,
        {
            f"__street{suffix}": pl.String()
            for suffix in ("", "_number", "_key", "_status", "_reason")
        },
    )
    return frame.with_columns(
        __street_number=pl.coalesce("__street_cut_number", "__street_number")
    ).drop("__street_cut", "__street_src", "__street_cut_number", "__has_number", "__was_cut")
