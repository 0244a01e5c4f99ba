"""First names compared beyond spelling: forms that differ by sex, and differences a typo explains.

Stefan and Stefanie look alike to Jaro-Winkler (0.94), yet they are a brother and a sister more
often than one person with a typo. Which forms differ by sex comes from
``matching/data/first_name_sex_forms.csv`` (suffix rule, feminine bases, explicit pairs).
A first name counts as *strongly* different (the level a hard rule may act on) only when no
typo, scrambled letters, initial, short form or first/last swap explains the difference: see
``explained_difference``.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl

#: Sorted-letter similarity at or above which two names count as the same letters scrambled.
SCRAMBLED_SIMILARITY = 0.8


@cache
def _sex_forms() -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """(feminine suffixes, feminine bases, "masculine|feminine" pairs)."""
    text = resources.files("matching").joinpath("data/first_name_sex_forms.csv").read_text("utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    suffixes = tuple(row["feminine"] for row in rows if row["kind"] == "suffix")
    bases = frozenset(row["masculine"] for row in rows if row["kind"] == "feminine_base")
    pairs = frozenset(
        f"{row['masculine']}|{row['feminine']}" for row in rows if row["kind"] == "pair"
    )
    return suffixes, bases, pairs


def _suffixed(shorter: pl.Expr, longer: pl.Expr) -> pl.Expr:
    """``longer`` is ``shorter`` plus a feminine suffix, and ``shorter`` is not itself feminine."""
    suffixes, bases, _ = _sex_forms()
    added = longer.str.starts_with(shorter) & longer.str.slice(shorter.str.len_chars()).is_in(
        list(suffixes)
    )
    # Masculine forms end in a consonant (Paul, Simon, Christian); a name cut short by a typo
    # mostly ends in a vowel (Sophi for Sophia, Alfi for Alfie) and is no masculine form.
    consonant_end = shorter.str.contains(r"[bcdfghjklmnpqrstvwxz]$")
    return added & ~shorter.is_in(list(bases)) & (shorter.str.len_chars() >= 3) & consonant_end


def _paired(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    _, _, pairs = _sex_forms()
    known = list(pairs)
    return (left + "|" + right).is_in(known) | (right + "|" + left).is_in(known)


def opposite_sex_forms(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """True where the two names are the masculine and feminine form of one name."""
    return (_suffixed(left, right) | _suffixed(right, left) | _paired(left, right)).fill_null(False)


def sorted_letters(name: pl.Expr) -> pl.Expr:
    """The letters of a name in alphabetical order ("edward" and "ddwae" -> "addeerw")."""
    letters = name.str.replace_all(r"[^a-z]", "")
    return letters.str.split("").list.sort().list.join("")


def initial_or_short_form(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """One name is an initial or the beginning of the other (J. / Johann, Chris / Christopher)."""
    return (left.str.starts_with(right) | right.str.starts_with(left)).fill_null(False)
