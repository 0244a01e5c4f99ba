"""Shared text helpers: cleaning, transliteration keys, casing and Kölner Phonetik.

The transliteration key is what matching compares: ä->ae, ö->oe, ü->ue, ß->ss, then accents
folded to ASCII (é->e), lower case, apostrophes dropped, any other punctuation a single space.
Letters without an ASCII form (Cyrillic, Greek ...) are kept, lower-cased, so a key is never
emptied just because a name is not Latin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from functools import cache

import cologne_phonetics
import ftfy
import polars as pl

from cleaners.reference import read_column

_WHITESPACE = re.compile(r"\s+")
# Control and zero-width characters that survive copy & paste from web forms and Excel.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4\u2018]")
_NON_ALNUM = re.compile(r"[\W_]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Combining diacritical marks (accents left by NFKD on Latin letters: é -> e + U+0301).
_COMBINING_LATIN = re.compile("[\u0300-\u036f]")

# German transliteration first; then letters that NFKD does not decompose.
_FOLDS = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ẞ": "SS",
        "ø": "oe",
        "Ø": "Oe",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
    }
)


#: Control characters a value must not carry into the outputs (NUL, escape, form feed ...), and
#: a byte-order mark in the middle of a text. Tab, LF and CR are kept: they are white space.
CONTROL_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]"
#: Mojibake: UTF-8 bytes of a letter read as Windows-1252 ("Ã¼" for "ü", "â€" for "–", "Ã\x9f"
#: for "ß"). A lead Ã, Â, Å or â followed by a character only a UTF-8 continuation byte gives;
#: "ï»¿" is a byte-order mark read so.
MOJIBAKE = (
    "ï»¿|[ÃÂÅâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def has_control_characters(expr: pl.Expr) -> pl.Expr:
    """True where the text contains a control character (see ``CONTROL_CHARACTERS``)."""
    return expr.str.contains(CONTROL_CHARACTERS)


def strip_control_characters(expr: pl.Expr) -> pl.Expr:
    """The text without control characters."""
    return expr.str.replace_all(CONTROL_CHARACTERS, "")


def may_be_mojibake(expr: pl.Expr) -> pl.Expr:
    """True where the text shows a mojibake pattern; ``repair_mojibake`` decides."""
    return expr.str.contains(MOJIBAKE)


def repair_mojibake(value: str) -> str:
    """The text with mojibake undone (ftfy's encoding repair only); unchanged if it is none."""
    return ftfy.fix_encoding(value)


#: Letters (a regular-expression class body) that ``clean_text`` returns unchanged, alone or in
#: words with single spaces: ASCII, Latin-1 and Latin Extended-A letters (printable, NFC).
CLEAN_LETTERS = "A-Za-zÀ-ÖØ-öø-ž"


def clean_text(value: str) -> str:
    """NFC-normalize, drop invisible characters, trim and collapse whitespace to single spaces."""
    # Most values are clean already (called about a million times a night at 200,000 rows): a
    # printable text has no invisible character and no white space but the plain space.
    if (
        value.isprintable()
        and "  " not in value
        and not value.startswith(" ")
        and not value.endswith(" ")
        and unicodedata.is_normalized("NFC", value)
    ):
        return value
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    return _WHITESPACE.sub(" ", text).strip()


def transliteration_key(value: str) -> str:
    """Lower-case ASCII-folded matching key: "Müller-Lüdenscheidt" -> "mueller luedenscheidt"."""
    if value.isascii():  # nothing to fold: the same result without the Unicode passes
        return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", value.lower())).strip()
    text = unicodedata.normalize("NFC", value).translate(_FOLDS).lower()
    text = _COMBINING_LATIN.sub("", unicodedata.normalize("NFKD", text))
    if not text.isascii():  # marks of other scripts: the slow, complete test
        text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    text = _APOSTROPHES.sub("", text.lower())
    return _NON_ALNUM.sub(" ", text).strip()


def squash(value: str) -> str:
    """Key without spaces: for comparing abbreviations like "Dipl.-Ing." and "Dipl. Ing"."""
    return transliteration_key(value).replace(" ", "")


def phonetic_code(key: str) -> str | None:
    """Kölner Phonetik of each word of a key, joined by spaces (None when nothing is codable)."""
    codes = [code for _, code in cologne_phonetics.encode(key) if code]
    return " ".join(codes) or None


def has_letters(value: str) -> bool:
    """True when the text contains at least one letter."""
    return _LETTER_RUN.search(value) is not None


def casing_is_broken(value: str) -> bool:
    """True for ALL CAPS or all lower case text (one letter is not enough to tell)."""
    letters = [ch for ch in value if ch.isalpha() and ch != "ß"]
    if len(letters) < 2:
        return False
    return all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)


def fix_casing(
    value: str, lower_words: Collection[str] = (), *, capitalize_first: bool = False
) -> str:
    """Title-case ALL CAPS / all lower text; mixed case is left alone as deliberate.

    Words in ``lower_words`` (particles such as "von", "am") stay lower case unless they are the
    last word, or the first word with ``capitalize_first``.
    """
    if not casing_is_broken(value):
        return value
    words = value.lower().split(" ")
    fixed = []
    for index, word in enumerate(words):
        is_edge = index == len(words) - 1 or (capitalize_first and index == 0)
        if word in lower_words and not is_edge:
            fixed.append(word)
        else:
            fixed.append(_LETTER_RUN.sub(_capitalize_run, word))
    return " ".join(fixed)


def _capitalize_run(match: re.Match[str]) -> str:
    run = match.group()
    if run.startswith("mc") and len(run) > 3:  # McDonald, McKenzie
        return "Mc" + run[2].upper() + run[3:]
    return run[0].upper() + run[1:]


@cache
def placeholder_keys() -> frozenset[str]:
    """Transliteration keys of texts that mean "no value" (n/a, unbekannt, xxx ...)."""
    return frozenset(read_column("placeholders.csv", "key"))


def is_placeholder(value: str) -> bool:
    """True when the text is a known placeholder or contains neither letters nor digits."""
    key = transliteration_key(value)
    return not key or key in placeholder_keys()


def apply_until_stable(
    text: str, steps: Sequence[tuple[Callable[[str], str], str]], rounds: int = 4
) -> tuple[str, list[str]]:
    """Apply (function, reason) steps in rounds until the text stops changing.

    Returns the text and the reasons of the steps that changed it. Running to a fixed point is
    what makes a cleaner idempotent when one step can enable another (casing after expansion).
    """
    reasons: list[str] = []
    for _ in range(rounds):
        before = text
        for step, reason in steps:
            changed = step(text)
            if changed != text and reason not in reasons:
                reasons.append(reason)
            text = changed
        if text == before:
            break
    return text, reasons
