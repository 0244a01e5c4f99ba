"""First names compared beyond spelling: forms that differ by sex, and differences a typo explains.

Stefan and Stefanie look alike to Jaro-Winkler (0.94), yet they are a brother and a sister more
often than one person with a typo. Which forms differ by sex comes from
``matching/data/first_name_sex_forms.csv`` (suffix rule, feminine bases, explicit pairs).
A first name counts as *strongly* different (the level a hard rule may act on) only when no
typo, scrambled letters, initial, short form or first/last swap explains the difference: see
``explained_difference``. Two *established* given names close in spelling (Mia / Mila, Lena /
Lea; ``matching/data/given_names.csv``) are another level again: ``other_given_names``; so are
two names of the larger international list (``matching/data/given_names_international.csv``,
Faker's lists) that no single slip turns into each other (Dragan / Dusan, Selin / Sevim).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from cleaners.names import name_key
from cleaners.reference import read_table

#: Sorted-letter similarity at or above which two names count as the same letters scrambled.
SCRAMBLED_SIMILARITY = 0.8


@cache
def _sex_forms() -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """(feminine suffixes, feminine bases, "masculine|feminine" pairs)."""
    rows = _rows("first_name_sex_forms.csv")
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


def _rows(file: str) -> tuple[dict[str, str], ...]:
    return read_table(file, package="matching")


@cache
def _given_names() -> tuple[str, ...]:
    """Transliteration keys of the established given names (matching/data/given_names.csv)."""
    return tuple(
        sorted({key for row in _rows("given_names.csv") if (key := name_key(row["name"]))})
    )


@cache
def _international_names() -> dict[str, str]:
    """Transliteration key -> "m", "f" or "u" (both sexes) of the international list
    (matching/data/given_names_international.csv, from Faker's per-country lists)."""
    rows = _rows("given_names_international.csv")
    return {key: row["sex"] for row in rows if (key := name_key(row["name"]))}


@cache
def _listed_names() -> tuple[str, ...]:
    """Keys of every listed given name: the established ones and the international list."""
    return tuple(sorted(set(_given_names()) | set(_international_names())))


#: Spellings of one name that a clerk or a form may mix up: folded together before two given
#: names count as two (Lukas / Lucas, Stefan / Stephan, Theresa / Teresa, Maya / Maia,
#: Hannah / Hanna, Isabel / Isabell, Louisa / Luisa, Carolin / Caroline: a final e after a
#: consonant, where the sexes differ already decided by opposite_sex_forms). Applied in order.
_SPELLING_FOLDS = (
    (r"([^aeiou])e$", "$1"),
    (r"ph", "f"),
    (r"th", "t"),
    # Across languages as well (the international list holds both spellings): Christoph /
    # Kristof, Alexander / Aleksander, Wladimir / Vladimir, Yasmin / Jasmin, Djordje / Dorde.
    (r"^ch([lr])", "k$1"),
    (r"x", "ks"),
    (r"w", "v"),
    (r"^y([aeiou])", "j$1"),
    (r"dj", "d"),
    # ch between vowels said k: Michaela / Mikaela / Micaela, Joachim / Joakim, Rachel / Rakel.
    (r"([aeiou])ch([aeiou])", "${1}k$2"),
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


#: Names of the international list count as two given names only from this length on: a
#: three-letter name is two slips from many longer ones (Asa for Sara with a letter dropped
#: and two swapped, Splink's fake_1000); short DACH names are in the hand-written list.
INTERNATIONAL_MIN_LENGTH = 4


#: The vowel of a name's last syllable before its final consonants: where two spellings of one
#: name differ across languages (Ahmed / Ahmad, Mohammed / Mohammad, Petar / Peter, Aleksandar /
#: Alexander, Karin / Karen, Khaled / Khalid). Names of one syllable (Tim / Tom, Jan / Jon) and
#: names ending in a vowel (Mirko / Marko, Ivana / Ivona, Matteo / Mattia) are not read here.
_LAST_SYLLABLE_VOWEL = r"^(.*[aeiou].*[^aeiou])[aeiou]([^aeiou]+)$"


def _last_vowel_open(folded: pl.Expr) -> pl.Expr:
    return folded.str.replace(_LAST_SYLLABLE_VOWEL, "${1}*${2}")


def other_given_names(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """True where both keys are given names of their own, not one name spelled two ways
    (spelling_fold) nor one cut short: two established names (given_names.csv: Mia / Mila,
    Lena / Lea, not Lukas / Lucas), or two listed names at least one of which is only in the
    international list and that no slip of one letter turns into each other (``_one_slip``:
    Goran / Zoran and Selin / Sevim count; Rebeca / Rebecca, Micheal / Michael do not), nor
    differ only in the vowel of their last syllable, as transliterations of one name do (Ahmed /
    Ahmad, Petar / Peter: ``_LAST_SYLLABLE_VOWEL``; the hand-written list decides its own pairs).

    The international list holds 8,700 names, among them many one letter missing or two
    letters swapped from another (Loan / Logan, Elia / Eliza, Micheal / Michael): across FEBRL
    and Splink's fake sets such pairs of one surname are 42 true pairs to 88 false ones, while
    pairs one letter *replaced* are 2 to 58 and pairs further apart 10 to 1,017. A typo drops
    or swaps letters far more often than it replaces one by another that makes a name.

    Only the comparison decides which pairs this matters for (names close in spelling); a
    nickname or a masculine/feminine form is decided before it.
    """
    established = list(_given_names())
    listed = list(_listed_names())
    folded_left, folded_right = spelling_fold(left), spelling_fold(right)
    both_established = left.is_in(established) & right.is_in(established)
    both_listed = (
        left.is_in(listed)
        & right.is_in(listed)
        & (left.str.len_chars() >= INTERNATIONAL_MIN_LENGTH)
        & (right.str.len_chars() >= INTERNATIONAL_MIN_LENGTH)
    )
    slip = _slipped(folded_left, folded_right)
    transliterated = _last_vowel_open(folded_left) == _last_vowel_open(folded_right)
    return (
        (both_established | (both_listed & ~slip & ~transliterated))
        & (left != right)
        & (folded_left != folded_right)
        & ~_cut_short(left, right)
        & ~_cut_short(right, left)
    ).fill_null(False)


def one_slip(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """True where two first-name keys are one name spelt two ways (spelling_fold), one slip
    apart once folded (``_one_slip``) or one the other cut short: what a typo or a spelling
    explains even where it lands on a name (Ellie / Elie, Bella / Bela)."""
    folded_left, folded_right = spelling_fold(left), spelling_fold(right)
    slip = _slipped(folded_left, folded_right)
    return (
        slip | (folded_left == folded_right) | _cut_short(left, right) | _cut_short(right, left)
    ).fill_null(False)


@cache
def established_first_names() -> tuple[str, ...]:
    """Keys whose sex the hand-written tables give: given_names.csv and the short forms of
    cleaners/data/nicknames.csv (not those known from the international list alone)."""
    international = _international_names()
    return tuple(
        sorted(set(_given_names()) | {key for key in _name_sexes() if key not in international})
    )


def _one_slip(left: str, right: str) -> bool:
    """One letter missing or extra, or two neighbouring letters swapped (not one replaced)."""
    if len(left) < len(right):
        left, right = right, left
    if len(left) == len(right) + 1:
        return any(left[:index] + left[index + 1 :] == right for index in range(len(left)))
    if len(left) != len(right):
        return False
    differ = [index for index, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and left[differ[0]] == right[differ[1]]
        and left[differ[1]] == right[differ[0]]
    )


def _slipped(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """``_one_slip`` per pair of (folded) keys."""
    return pl.struct(left.alias("left"), right.alias("right")).map_batches(
        _one_slip_series, return_dtype=pl.Boolean
    )


def _one_slip_series(pairs: pl.Series) -> pl.Series:
    return pl.Series(
        [
            left is not None and right is not None and _one_slip(left, right)
            for left, right in zip(
                pairs.struct.field("left").to_list(),
                pairs.struct.field("right").to_list(),
                strict=True,
            )
        ],
        dtype=pl.Boolean,
    )


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


#: A name only in the international list gives its sex from this length on.
INTERNATIONAL_SEX_MIN_LENGTH = 3


@cache
def _listed_sexes() -> dict[str, str]:
    """Transliteration key -> "m", "f" or "u" (both sexes): the established given names
    (given_names.csv), else the international list (given_names_international.csv), which
    also says "u" of an established name that other countries give to the other sex (Andrea,
    Simone: women in Germany, men in Italy and Ticino). A two-letter name of that list says no
    sex (Lo, Bo, Jo: as often Leo, Bob or Jon cut short)."""
    listed: dict[str, set[str]] = {}
    for row in _rows("given_names.csv"):
        if key := name_key(row["name"]):
            listed.setdefault(key, set()).add(row["sex"])
    sexes = {key: next(iter(found)) if len(found) == 1 else "u" for key, found in listed.items()}
    for key, sex in _international_names().items():
        if key not in sexes and len(key) < INTERNATIONAL_SEX_MIN_LENGTH:
            sexes[key] = "u"
        elif key not in sexes or sex == "u":
            sexes[key] = sex
    return sexes


@cache
def _name_sexes() -> dict[str, str]:
    """Transliteration key -> "m" or "f": the listed given names of one sex
    (``_listed_sexes``), and the short forms whose every full name
    (cleaners/data/nicknames.csv) is listed with one sex (Sepp: Josef, so "m"; Michi: Michael
    or Michaela, so none). A key listed with both sexes, or whose full names are not all
    listed, has none."""
    from cleaners.nicknames import nickname_table

    listed = _listed_sexes()
    sexes = {key: sex for key, sex in listed.items() if sex != "u"}
    for key, groups in nickname_table().groups.items():
        if key in listed:
            continue
        if all(group in sexes for group in groups):
            of_groups = {sexes[group] for group in groups}
            if len(of_groups) == 1:
                sexes[key] = next(iter(of_groups))
    return sexes


def name_sexes(keys: pl.Series) -> pl.Series:
    """Per first-name key: the sex its name says ("m", "f"), else null (see ``_name_sexes``).

    A key not listed resolves through a typo (``TYPO_SEX_MIN_LENGTH``) of an established name
    (given_names.csv, or a short form with its sex): Chritsiane -> f. Not through the
    international list: among its 8,700 names a typo lands next to a name of the other sex too
    often (Splink's fake_20000: Olavii, Olivia mistyped, one letter from the Nordic Olavi).
    Computed once per distinct key (rapidfuzz against the established names)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    sexes = _name_sexes()
    listed = _listed_sexes()
    established = set(_given_names())
    # An established name of both sexes is a target too: a typo next to it says no sex.
    targets = {
        key: sex
        for key, sex in {**listed, **sexes}.items()
        if key in established or key not in listed
    }
    distinct = keys.drop_nulls().unique()
    unknown = [
        key
        for key in distinct.to_list()
        if key not in listed and key not in sexes and len(key) >= TYPO_SEX_MIN_LENGTH
    ]
    resolved = dict(sexes)
    # One typo changes the length by one at most: each length against its neighbours only.
    by_length: dict[int, list[str]] = {}
    for key in targets:
        by_length.setdefault(len(key), []).append(key)
    for length in sorted({len(key) for key in unknown}):
        of_length = [key for key in unknown if len(key) == length]
        known = [key for near in (-1, 0, 1) for key in by_length.get(length + near, [])]
        if not known:
            continue
        distances = process.cdist(
            of_length, known, scorer=OSA.distance, score_cutoff=1, dtype=np.uint8, workers=-1
        )
        near_sexes: dict[str, set[str]] = {}
        for row, column in zip(*(distances <= 1).nonzero(), strict=True):
            near_sexes.setdefault(of_length[row], set()).add(targets[known[column]])
        for key, found in near_sexes.items():
            if len(found) == 1 and "u" not in found:
                resolved[key] = next(iter(found))
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
