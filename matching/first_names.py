"""First names compared beyond spelling: forms that differ by sex, and differences a typo explains.

Stefan and Stefanie look alike to Jaro-Winkler (0.94), yet they are a brother and a sister more
often than one person with a typo. Which forms differ by sex comes from
``matching/data/first_name_sex_forms.csv`` (suffix rule, feminine bases, explicit pairs).
A first name counts as *strongly* different (the level a hard rule may act on) only when no
typo, scrambled letters, initial, short form or first/last swap explains the difference: see
``explained_difference``. Two *established* given names close in spelling (Mia / Mila, Lena /
Lea; ``matching/data/given_names.csv``) are another level again: ``other_given_names``.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl

from cleaners.names import name_key

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


def may_be_opposite_sex_forms(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """False only where ``opposite_sex_forms`` is False: a cheap test (one name the start of the
    other, or both names in an explicit pair) that picks the few pairs worth the full one."""
    _, _, pairs = _sex_forms()
    paired_names = sorted({name for pair in pairs for name in pair.split("|")})
    return (
        left.str.starts_with(right)
        | right.str.starts_with(left)
        | (left.is_in(paired_names) & right.is_in(paired_names))
    ).fill_null(False)


def sorted_letters(name: pl.Expr) -> pl.Expr:
    """The letters of a name in alphabetical order ("edward" and "ddwae" -> "addeerw")."""
    letters = name.str.replace_all(r"[^a-z]", "")
    return letters.str.split("").list.sort().list.join("")


def initial_or_short_form(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """One name is an initial or the beginning of the other (J. / Johann, Chris / Christopher)."""
    return (left.str.starts_with(right) | right.str.starts_with(left)).fill_null(False)


@cache
def _given_names() -> tuple[str, ...]:
    """Transliteration keys of the established given names (matching/data/given_names.csv)."""
    text = resources.files("matching").joinpath("data/given_names.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(sorted({key for row in rows if (key := name_key(row["name"]))}))


#: Spellings of one name that a clerk or a form may mix up: folded together before two given
#: names count as two (Lukas / Lucas, Stefan / Stephan, Theresa / Teresa, Maya / Maia,
#: Hannah / Hanna, Isabel / Isabell, Louisa / Luisa, Carolin / Caroline: a final e after a
#: consonant, where the sexes differ already decided by opposite_sex_forms). Applied in order.
_SPELLING_FOLDS = (
    (r"([^aeiou])e$", "$1"),
    (r"ph", "f"),
    (r"th", "t"),
    (r"c([^h]|$)", "k$1"),
    (r"y", "i"),
    (r"ou", "u"),
    (r"([aeiou])h", "$1"),
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def spelling_fold(key: pl.Expr) -> pl.Expr:
    """A first-name key with the spellings of one name folded together ("hannah" -> "hana")."""
    for pattern, replacement in _SPELLING_FOLDS:
        key = key.str.replace_all(pattern, replacement)
    # Doubled letters once (Janna / Jana): the regex engine has no backreferences.
    return key.str.replace_many([letter * 2 for letter in _LETTERS], list(_LETTERS))


def other_given_names(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """True where both keys are established given names (given_names.csv) that are not one
    name spelled two ways (spelling_fold): Mia / Mila and Lena / Lea, not Lukas / Lucas.

    Only the comparison decides which pairs this matters for (names close in spelling); a
    nickname or a masculine/feminine form is decided before it.
    """
    names = list(_given_names())
    return (
        left.is_in(names)
        & right.is_in(names)
        & (left != right)
        & (spelling_fold(left) != spelling_fold(right))
        & ~_cut_short(left, right)
        & ~_cut_short(right, left)
    ).fill_null(False)


def _cut_short(shorter: pl.Expr, longer: pl.Expr) -> pl.Expr:
    """``shorter`` is ``longer`` without its last letter (Isabell / Isabella, Adam / Ada): the
    commonest slip of all, a letter lost at the end or a field cut short, so such a pair counts
    as a typo even where both spellings are names (which costs twins such as Luka / Lukas)."""
    return longer.str.slice(0, longer.str.len_chars() - 1) == shorter


#: A first name not listed resolves to a listed name's sex only when it is at least this long
#: and one typo (a letter wrong, missing, extra, or two swapped) from listed names of one sex
#: only: short names are one letter from many others (Nina / Nino / Nino), long ones are not
#: (Chritsiane is Christiane mistyped, two typos from Christian).
TYPO_SEX_MIN_LENGTH = 6


@cache
def _name_sexes() -> dict[str, str]:
    """Transliteration key -> "m" or "f": the established given names (given_names.csv), and the
    short forms whose every full name (cleaners/data/nicknames.csv) is listed with one sex
    (Sepp: Josef, so "m"; Michi: Michael or Michaela, so none). A key listed with both sexes,
    or whose full names are not all listed, has none."""
    from cleaners.nicknames import nickname_table

    text = resources.files("matching").joinpath("data/given_names.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    listed: dict[str, set[str]] = {}
    for row in rows:
        if key := name_key(row["name"]):
            listed.setdefault(key, set()).add(row["sex"])
    sexes = {key: next(iter(found)) for key, found in listed.items() if len(found) == 1}
    for key, groups in nickname_table().groups.items():
        if key in sexes:
            continue
        if all(group in sexes for group in groups):
            of_groups = {sexes[group] for group in groups}
            if len(of_groups) == 1:
                sexes[key] = next(iter(of_groups))
    return sexes


def name_sexes(keys: pl.Series) -> pl.Series:
    """Per first-name key: the sex its name says ("m", "f"), else null (see ``_name_sexes``).

    A key not known resolves through a typo (``TYPO_SEX_MIN_LENGTH``): Chritsiane -> f. Computed
    once per distinct key (rapidfuzz against the few hundred known names)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    sexes = _name_sexes()
    distinct = keys.drop_nulls().unique()
    unknown = [
        key for key in distinct.to_list() if key not in sexes and len(key) >= TYPO_SEX_MIN_LENGTH
    ]
    resolved = dict(sexes)
    if unknown:
        known = list(sexes)
        distances = process.cdist(unknown, known, scorer=OSA.distance, score_cutoff=1, workers=-1)
        for key, row in zip(unknown, distances, strict=True):
            near = {sexes[known[index]] for index in (row <= 1).nonzero()[0]}
            if len(near) == 1:
                resolved[key] = next(iter(near))
    return keys.replace_strict(resolved, default=None, return_dtype=pl.String)


def record_sex(name_sex: pl.Expr, salutation: pl.Expr) -> pl.Expr:
    """A record's sex: the salutation's (Herr m, Frau f), else the first name's; null where the
    two disagree (Frau Josef: one of them mistyped) or neither says."""
    by_salutation = (
        pl.when(salutation == "Herr")
        .then(pl.lit("m"))
        .when(salutation == "Frau")
        .then(pl.lit("f"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return (
        pl.when(by_salutation.is_null())
        .then(name_sex)
        .when(name_sex.is_null() | (name_sex == by_salutation))
        .then(by_salutation)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


@cache
def known_first_names() -> frozenset[str]:
    """Keys of the names known to be first names: the established given names and every name
    of the nickname tables (cleaners/data/nicknames*.csv)."""
    from cleaners.nicknames import nickname_table

    return frozenset(_given_names()) | frozenset(nickname_table().groups)
