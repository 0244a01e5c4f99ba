"""Comparisons: for each candidate pair, one agreement level per field, computed vectorized.

A comparison is data, as in Splink: an ordered list of levels from the strongest agreement down
to "different", plus "missing" (-1) when either side has no value. Levels are small integers in a
column ``<name>_level``; matching.scoring turns them into weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import phonenumbers
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, JaroWinkler

from cleaners.address_lines import (
    dwelling_flat,
    dwelling_floor,
    house_building,
    house_door,
    house_unit,
)
from cleaners.addresses import postal_area
from cleaners.emails import household_address
from cleaners.organisations import (
    BRANCH_NAMED,
    TOWN_WORD_MIN_LETTERS,
    branch_of,
    brand_without_town,
    business_domains,
    folded_letters,
    is_trade_word,
    legal_form_families,
    mailbox_place,
    place_letters,
    trade_synonyms,
)
from cleaners.personal_ids import is_checked, personal_id_number
from matching.domain_abbreviations import (
    ANCHOR_MIN_LETTERS,
    abbreviated,
    domain_phrases,
    first_letters,
)
from matching.email_owners import email_owners
from matching.first_names import (
    SCRAMBLED_SIMILARITY,
    established_first_names,
    initial_or_short_form,
    known_first_names,
    may_be_opposite_sex_forms,
    name_sexes,
    one_slip,
    opposite_sex_forms,
    other_given_names,
    record_sex,
    sorted_letters,
)
from rules.reference import freemail_domains

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

MISSING = -1
#: Birth dates this far apart or more are a generation apart: parent and child, never one person.
GENERATION_DAYS = 15 * 365

#: Columns of the cleaned frame that comparisons read.
COMPARED_COLUMNS = (
    "record_key",
    "record_type",
    "first_name_key",
    "first_name_group",
    "first_name_groups",
    "first_name_phonetic",
    "last_name_key",
    "last_name_phonetic",
    "birth_date",
    "birth_year",
    "emails",
    "role_emails",
    "phones",
    "phone_types",
    "postal_code",
    "city_key",
    "street_key",
    "house_number",
    "organisation_key",
    "vat_id",
    "legal_form",
    # Read for the floor or flat of a house only (_other_dwelling).
    "address_extra",
    "personal_id",
    "name_suffix",
    "salutation",
    # Read for a branch named on the record only (_with_branch_names).
    "organisation_name",
    "contact_name",
    "department",
    "street",
)

#: Columns older cleaned frames may lack; compared as missing then.
OPTIONAL_COLUMNS = {
    "first_name_groups": pl.List(pl.String()),
    "name_suffix": pl.String(),
    "phone_types": pl.List(pl.String()),
    "salutation": pl.String(),
    "personal_id": pl.String(),
    "birth_year": pl.Int32(),
    "organisation_name": pl.String(),
    "contact_name": pl.String(),
    "department": pl.String(),
    "street": pl.String(),
    "legal_form": pl.String(),
    "address_extra": pl.String(),
}


@dataclass(frozen=True)
class Comparison:
    """One field comparison: its name, level labels (strongest first) and level expression."""

    name: str
    levels: tuple[str, ...]  # level i has label levels[i]; the last one is "different"
    level: Callable[[pl.DataFrame], pl.Series]


def _l(column: str) -> pl.Expr:
    return pl.col(f"{column}_l")


def _r(column: str) -> pl.Expr:
    return pl.col(f"{column}_r")


def _either_null(*columns: str) -> pl.Expr:
    expr = pl.lit(False)
    for column in columns:
        expr = expr | _l(column).is_null() | _r(column).is_null()
    return expr


def _values_pairwise(left: pl.Series, right: pl.Series, scorer: Any) -> np.ndarray:
    """``scorer`` of each (left, right) value pair (nulls compared as ""), rapidfuzz in C++ on
    all cores. Computing once per distinct value pair and joining back was measured slower:
    about 40 % of a million records' candidate pairs of names are distinct, and the join cost
    more than the similarities it saved."""
    return process.cpdist(
        left.fill_null("").to_list(), right.fill_null("").to_list(), scorer=scorer, workers=-1
    )


def _pairwise(pairs: pl.DataFrame, column: str, scorer: Any, dtype: type) -> np.ndarray:
    """``scorer`` of each pair's left and right value (nulls compared as "")."""
    if pairs.height == 0:
        return np.zeros(0, dtype=dtype)
    return _values_pairwise(pairs[f"{column}_l"], pairs[f"{column}_r"], scorer)


def _pairwise_where(
    pairs: pl.DataFrame, left: str, right: str, scorer: Any, where: np.ndarray
) -> np.ndarray:
    """``scorer`` of the ``left`` and ``right`` columns, only in the rows ``where`` is true (0
    elsewhere): the letter checks matter only for names that differ, a minority of pairs."""
    result = np.zeros(pairs.height, dtype=np.float64)
    rows = np.flatnonzero(where)
    if rows.size == 0:
        return result
    subset = pairs.select(pl.col(left), pl.col(right))[rows]
    result[rows] = _values_pairwise(subset[left], subset[right], scorer)
    return result


def jaro_winkler(pairs: pl.DataFrame, column: str) -> np.ndarray:
    """Jaro-Winkler similarity of the left and right values (0 where either is null)."""
    return _pairwise(pairs, column, JaroWinkler.normalized_similarity, np.float32)


def jaro_winkler_where(pairs: pl.DataFrame, column: str, where: np.ndarray) -> pl.Series:
    """jaro_winkler's similarity (float32, as on all pairs) only in the rows ``where`` is true,
    0 elsewhere: for values whose equality is decided before their similarity is read."""
    return pl.Series(
        _pairwise_where(
            pairs, f"{column}_l", f"{column}_r", JaroWinkler.normalized_similarity, where
        ).astype(np.float32)
    )


def edit_distance(pairs: pl.DataFrame, column: str) -> np.ndarray:
    """Optimal-string-alignment distance (a swap of two letters counts 1) of left and right."""
    return _pairwise(pairs, column, OSA.distance, np.int32)


def _levels(pairs: pl.DataFrame, missing: pl.Expr, ladder: list[pl.Expr]) -> pl.Series:
    """Level index of the first true condition in ``ladder``; len(ladder) when none; -1 missing."""
    expr: Then | ChainedThen = pl.when(missing).then(MISSING)
    for index, condition in enumerate(ladder):
        expr = expr.when(condition).then(index)
    # Lazily: the engine computes an expression the ladder repeats once (common subexpression
    # elimination), which an eager select does not (address 1.3 -> 0.5 µs a pair at 100k).
    return pairs.lazy().select(expr.otherwise(len(ladder)).cast(pl.Int8)).collect()["literal"]


def _first_name(pairs: pl.DataFrame) -> pl.Series:
    """Exact, nickname, a masculine/feminine form, similar spellings, an explained difference, or
    strongly different.

    "different" is what a hard rule may act on, so it needs strong evidence: both names present
    and nothing explains the difference — not a typo, nickname, scrambled letters (Edward /
    Ddwae), an initial or short form (J. / Johann), nor the other record's last name (first and
    last name swapped, Watson Noah / Noah), nor a typo next to a nickname (Snadra / Sandy).
    Those fall into "unlike", which only weighs; so does "swapped_one_way", one name in the
    other column and the other name different (Schultz Ute / Ute Haas: swapped and married).
    Stefan / Stefanie is "opposite_sex": close in spelling, yet usually two people. So are close
    names (or a short form and a full name) of two records whose sexes differ, by salutation
    or, without one, by a first name of one sex (Herr Hanno / Hanna, Herr Michi / Frau
    Michaela; matching.first_names.record_sex). So are two
    established given names close in spelling (Mia / Mila, Lena / Lea, Lina / Linda, Tim / Tom;
    matching.first_names.other_given_names), "other_given_name": a typo rarely lands on another
    listed name, while twins and siblings are often given such pairs. It weighs (pinned in
    weights.toml), since typos do produce real names now and then; in one house a default hard
    rule keeps such pairs apart unless a personal e-mail, mobile or id agrees.
    """
    raw_similarity = jaro_winkler(pairs, "first_name_key")
    similarity = pl.Series(raw_similarity)
    key_l, key_r = _l("first_name_key"), _r("first_name_key")
    group_l, group_r = _l("first_name_group"), _r("first_name_group")
    explained, one_way = _explained_difference(pairs, raw_similarity)
    # Close in spelling: sounding alike or Jaro-Winkler 0.8 (the "similar" level below).
    close = (_l("first_name_phonetic") == _r("first_name_phonetic")) | (pl.lit(similarity) >= 0.8)
    # The masculine/feminine forms and the two given names are read only where the names
    # differ (both known) and no shared group decided "nickname" first: each computed only on
    # the pairs a cheap test leaves (a name the start of the other, close in spelling), False
    # elsewhere, where it is False or never read.
    differ, maybe_opposite, close_rows = (
        pairs.select(
            ((key_l != key_r).fill_null(False) & (group_l != group_r).fill_null(True)).alias(
                "differ"
            ),
            (
                may_be_opposite_sex_forms(key_l, key_r)
                | may_be_opposite_sex_forms(group_l, group_r)
            ).alias("maybe_opposite"),
            close.fill_null(False).alias("close"),
        )
        .to_numpy()
        .T
    )
    opposite = _true_where(
        pairs,
        differ & maybe_opposite,
        opposite_sex_forms(key_l, key_r) | opposite_sex_forms(group_l, group_r),
    )
    # Close names of two records whose sexes differ (Herr Hanno / Hanna, Herr Michi / Frau
    # Michaela: Michi is short for either) are a brother and a sister as the forms above are.
    shared_group = (
        _l("first_name_groups").list.set_intersection(_r("first_name_groups")).list.len() > 0
    ).fill_null(False)
    shares_group = pairs.select(shared_group).to_series().to_numpy()
    other_sex = _true_where(pairs, differ & (close_rows | shares_group), _sexes_differ(pairs))
    other_given_name = _true_where(
        pairs, differ & close_rows, other_given_names(key_l, key_r) & ~_crossed_names()
    )
    return _levels(
        pairs,
        _either_null("first_name_key"),
        [
            key_l == key_r,
            # Nickname: the names share a group (Andi is Andreas or Andrea), unless the
            # records' sexes say the short form stands for the other one (Herr Andi, Frau
            # Andrea).
            ((group_l == group_r) | shared_group) & ~(other_sex & (group_l != group_r)),
            opposite | other_sex,
            other_given_name & close.fill_null(False),
            pl.lit(similarity) >= 0.9,
            close,
            pl.lit(pl.Series(explained)),
            pl.lit(pl.Series(one_way)),
        ],
    )


def _crossed_names() -> pl.Expr:
    """One record's first name is the other's last name: swapped on one side (Thomas Thea
    beside Thea), so the name read as the first says neither the sex nor a second person."""
    return (
        (_l("first_name_key") == _r("last_name_key"))
        | (_r("first_name_key") == _l("last_name_key"))
    ).fill_null(False)


def _sexes_differ(pairs: pl.DataFrame) -> pl.Expr:
    """Both records' sexes known and different (matching.first_names.record_sex: the
    salutation, else the first name; none where they disagree). Frames prepared before the
    first name's sex was kept (no ``first_name_sex``) go by the salutations alone.

    A first name that is the other record's last name says no sex: first and last name were
    swapped on one side (Thomas Thea beside Thea: the woman's records, her last name first),
    so the name read as the first is not hers. Nor do two names one slip apart
    (first_names.one_slip) when a name's sex comes from the international list alone: Bella
    mistyped as Bela (Hungarian, a man's name), Eliza as Elia, Ellie as Elie; a rare name of the
    other sex is one letter from many common ones (Splink's fake_20000: 7 true pairs so split)."""
    if "first_name_sex_l" in pairs.columns:
        key_l, key_r = _l("first_name_key"), _r("first_name_key")
        established = list(established_first_names())
        slipped = one_slip(key_l, key_r) & ~(key_l.is_in(established) & key_r.is_in(established))
        unsexed = pl.lit(None, dtype=pl.String)
        ignored = _crossed_names() | slipped.fill_null(False)
        name_l = pl.when(ignored).then(unsexed).otherwise(_l("first_name_sex"))
        name_r = pl.when(ignored).then(unsexed).otherwise(_r("first_name_sex"))
    else:
        name_l = name_r = pl.lit(None, dtype=pl.String)
    sex_l = record_sex(name_l, _l("salutation"))
    sex_r = record_sex(name_r, _r("salutation"))
    return (sex_l != sex_r).fill_null(False)


def _explained_difference(
    pairs: pl.DataFrame, similarity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether something other than two people explains differing first names.

    Checked in turn, each only on the pairs the previous checks left unexplained (most pairs
    never get here): an initial or short form, scrambled letters, a typo next to a nickname,
    and first and last name swapped (both ways, or one way where the other name is missing).
    Also returns where one name crosses one way only (Schultz Ute beside Ute Haas). Pairs
    where either first name is missing are never checked: their level is "missing" whatever
    the checks say (a third of the pairs in data with a fifth of the names missing).
    """
    sim = JaroWinkler.normalized_similarity
    letters = Indel.normalized_similarity
    short = pairs.select(
        initial_or_short_form(_l("first_name_key"), _r("first_name_key")).fill_null(False),
        _either_null("first_name_key").alias("missing"),
    )
    open_rows = (similarity < 0.8) & ~short.to_series(0).to_numpy() & ~short["missing"].to_numpy()

    def check(left: str, right: str, scorer: Any, at_least: float) -> np.ndarray:
        return _pairwise_where(pairs, left, right, scorer, open_rows) >= at_least

    open_rows &= ~check(
        "first_name_letters_l", "first_name_letters_r", letters, SCRAMBLED_SIMILARITY
    )
    via_group = check("first_name_key_l", "first_name_group_r", sim, 0.9) | check(
        "first_name_group_l", "first_name_key_r", sim, 0.9
    )
    open_rows &= ~via_group
    first_crosses = check("first_name_key_l", "last_name_key_r", sim, 0.9) | check(
        "first_name_letters_l", "last_name_letters_r", letters, SCRAMBLED_SIMILARITY
    )
    last_crosses = check("last_name_key_l", "first_name_key_r", sim, 0.9) | check(
        "last_name_letters_l", "first_name_letters_r", letters, SCRAMBLED_SIMILARITY
    )
    # A name crosses into the other record's last name only where the last names differ:
    # beside one last name, a first name like it (Regina beside Aigner: the same letters) is
    # like its own record's last name too, which says nothing of a swap (Michael Aigner and
    # Regina Aigner are two first names).
    same_last = (
        pairs.select(
            (pl.col("last_name_key_l") == pl.col("last_name_key_r"))
            | (pl.col("last_name_letters_l") == pl.col("last_name_letters_r"))
        )
        .to_series()
        .fill_null(False)
        .to_numpy()
    )
    first_crosses &= ~same_last
    last_crosses &= ~same_last
    no_last_l = pairs["last_name_key_l"].is_null().to_numpy()
    no_last_r = pairs["last_name_key_r"].is_null().to_numpy()
    crossed = (first_crosses & (last_crosses | no_last_l)) | (
        last_crosses & (first_crosses | no_last_r)
    )
    open_rows &= ~crossed
    # One way only: the record with the names swapped may carry a married name (Ute Haas /
    # Schultz Ute) or another spelling of the surname (Volker Maier / Meyer Volker) in the
    # other column. Weaker than a swap both ways (Logan Turner / Matthew Logan are mostly two
    # people: many first names are surnames too), so a level of its own.
    one_way = open_rows & (first_crosses | last_crosses)
    return ~open_rows, one_way


def _last_name(pairs: pl.DataFrame) -> pl.Series:
    similarity = pl.Series(jaro_winkler(pairs, "last_name_key"))
    return _levels(
        pairs,
        _either_null("last_name_key"),
        [
            _l("last_name_key") == _r("last_name_key"),
            (_l("last_name_phonetic") == _r("last_name_phonetic")) | (pl.lit(similarity) >= 0.92),
            (pl.lit(similarity) >= 0.8) | _double_name_part(),
        ],
    )


def _double_name_part() -> pl.Expr:
    """One last name is a whole part of the other's double name (Bauer / Busch-Bauer, Auer /
    Auer-Maier): the name before or after a marriage, not another family's. It weighs as a
    similar spelling ("jaro_winkler_0.8"), not as "different"."""

    def padded(key: pl.Expr) -> pl.Expr:
        return pl.concat_str([pl.lit(" "), key, pl.lit(" ")])

    left, right = _l("last_name_key"), _r("last_name_key")
    shorter_ok = pl.min_horizontal(left.str.len_chars(), right.str.len_chars()) >= 3
    return (
        (left != right)
        & shorter_ok
        & (
            padded(left).str.contains(padded(right), literal=True)
            | padded(right).str.contains(padded(left), literal=True)
        )
    ).fill_null(False)


def _birth_date(pairs: pl.DataFrame) -> pl.Series:
    left, right = _l("birth_date"), _r("birth_date")
    swapped = (
        (left.dt.day() == right.dt.month())
        & (left.dt.month() == right.dt.day())
        & (left.dt.year() == right.dt.year())
    )
    # One typo in DD.MM.YYYY: exactly one of day, month, year differs, by a single digit.
    # The eight digits of YYYYMMDD, as integers (string slicing costs several times more),
    # computed once as columns: the checks below read each digit up to six times, and an
    # eager select computes a repeated expression again each time (5x the digits' cost).
    digits = pairs.select(
        ((_l("birth_date_number") // 10 ** (7 - i)) % 10).alias(f"__digit_l{i}") for i in range(8)
    ).hstack(
        pairs.select(
            ((_r("birth_date_number") // 10 ** (7 - i)) % 10).alias(f"__digit_r{i}")
            for i in range(8)
        )
    )
    years = pairs.select(
        pl.coalesce(side("birth_date").dt.year().cast(pl.Int32), side("birth_year")).alias(name)
        for side, name in ((_l, "__year_l"), (_r, "__year_r"))
    )
    pairs = pairs.hstack(digits).hstack(years)
    left_digit = [pl.col(f"__digit_l{i}") for i in range(8)]
    right_digit = [pl.col(f"__digit_r{i}") for i in range(8)]
    differing_digits = pl.sum_horizontal(
        (left_digit[i] != right_digit[i]).cast(pl.Int8) for i in range(8)
    )
    # Two neighbouring digits typed the wrong way round (1980 / 1908, 12.03 / 21.03).
    transposed = (differing_digits == 2) & pl.any_horizontal(
        (left_digit[i] == right_digit[i + 1])
        & (left_digit[i + 1] == right_digit[i])
        & (left_digit[i] != right_digit[i])
        for i in range(7)
    )
    days_apart = (left - right).dt.total_days().abs()
    # Years one apart, or apart in one digit only (1972 / 1982): a typo in the year may come
    # with another in day or month, so this weighs but is no strong evidence of two people.
    # Father and son (1955 / 1982) differ in more digits.
    year_digits = pl.sum_horizontal(
        (left_digit[i] != right_digit[i]).cast(pl.Int8) for i in range(4)
    )
    # A year one digit off *and* a generation apart (1946 / 1966) with day or month differing
    # too is two typos at once, or mother and daughter: a generation apart decides (one typo
    # alone, the rest of the date equal, is swap_or_typo above).
    # The last digit off (2 to 9 years: 1993 / 1999) with both day and month differing too is
    # three parts of the date wrong, not a typo: every two years of one decade differ in that
    # digit alone, so namesakes born a few years apart (14.05.1993 / 11.10.1999) looked like a
    # typo. Those are years_apart. A decade digit off (1985 / 1995) stays a typo with them,
    # and so do dates a year apart (a date shifted, as Splink's fake data corrupts them).
    years_between = (left.dt.year() - right.dt.year()).abs()
    one_part_kept = (left.dt.day() == right.dt.day()) | (left.dt.month() == right.dt.month())
    year_typo = (years_between <= 1) | (
        (year_digits <= 1)
        & (days_apart < GENERATION_DAYS)
        & ((years_between >= 10) | one_part_kept)
    )
    # Less than a generation apart: two typos, a wrong century-less year, or two namesakes.
    # Parent and child of one name are a generation apart; twins share the date. Below that the
    # difference weighs (the EM learns how often matches carry it) instead of deciding.
    years_apart = days_apart < GENERATION_DAYS
    year_only, same_year, year_levels = _birth_years(pl.col("__year_l"), pl.col("__year_r"))
    return _levels(
        pairs,
        _either_null("birth_date")
        & ~(year_only & ~same_year)
        & ~_email_years_a_generation_apart(pairs),
        [
            left == right,
            swapped | (differing_digits == 1) | transposed,
            (days_apart <= 366) | (year_only & year_levels["within_one_year"]),
            year_typo | (year_only & year_levels["year_typo"]),
            years_apart | (year_only & year_levels["years_apart"]),
        ],
    )


def _email_years_a_generation_apart(pairs: pl.DataFrame) -> pl.Expr:
    """Neither record has a birth date or year, and their own addresses end in years of birth a
    generation apart (josef.huber1958@ / josef.huber85@): father and son of one name at one
    address, "different" as with two dates. Only then: beside a birth date, digits in an
    address may be some other number, and records that share an address have the same year.
    """
    no_dates = (
        _l("birth_date").is_null()
        & _r("birth_date").is_null()
        & _l("birth_year").is_null()
        & _r("birth_year").is_null()
    )
    apart = (_l("email_birth_year") - _r("email_birth_year")).abs() >= GENERATION_YEARS
    # The shared address (a list intersection) only where the rest holds: few pairs.
    rows = pairs.select((no_dates & apart).fill_null(False)).to_series().to_numpy()
    shared = _l("personal_emails").list.set_intersection(_r("personal_emails")).list.len() > 0
    return _true_where(pairs, rows, ~shared)


#: Years of birth this far apart or more, where a record has only the year: a generation apart
#: whatever the days (15 years and more, GENERATION_DAYS).
GENERATION_YEARS = 16


def _email_year(pairs: pl.DataFrame) -> pl.Series:
    """One record's year of birth (its birth date's, or its year column) against the year the
    other record's own personal address ends in, where only the first has a birth date or
    year: "same_year" (Ida Frei, 02.06.1984, beside ida84@ on a record without birth date),
    "different", a generation apart (Egon Brändli born 1995 beside egon73@: father and son), else
    missing. The digits of an address may be any number (a lucky number, a street's), so this
    weighs (the EM learns how often matches carry it) and never decides; years a few apart
    (1988 / gisler75@) are read as nothing. Where neither record has a birth date the addresses'
    years are compared with each other (``_email_years_a_generation_apart``, a birth-date
    level), and records that share a personal address read one year from it: missing then.
    """

    def year(side: Callable[[str], pl.Expr]) -> pl.Expr:
        return pl.coalesce(side("birth_date").dt.year().cast(pl.Int32), side("birth_year"))

    year_l, year_r = year(_l), year(_r)
    # Only one way round can hold: the other record has no birth date or year.
    apart = pl.coalesce(
        pl.when(year_r.is_null()).then((year_l - _r("email_birth_year")).abs()),
        pl.when(year_l.is_null()).then((year_r - _l("email_birth_year")).abs()),
    )
    rows = pairs.select(apart.is_not_null().fill_null(False)).to_series().to_numpy()
    shared = (
        _l("personal_emails").list.set_intersection(_r("personal_emails")).list.len() > 0
    ).fill_null(False)
    unshared = _true_where(pairs, rows, ~shared)
    return pairs.select(
        pl.when(~unshared)
        .then(pl.lit(MISSING, dtype=pl.Int8))
        .when(apart == 0)
        .then(pl.lit(0, dtype=pl.Int8))
        .when(apart >= GENERATION_YEARS)
        .then(pl.lit(1, dtype=pl.Int8))
        .otherwise(pl.lit(MISSING, dtype=pl.Int8))
        .alias("email_year_level")
    )["email_year_level"]


def _birth_years(year_l: pl.Expr, year_r: pl.Expr) -> tuple[pl.Expr, pl.Expr, dict[str, pl.Expr]]:
    """Where one record or both have only a year of birth ("1980", cleaners.dates): whether
    that is so, whether the years are equal, and the birth_date levels the years allow.

    Father "1951" and son "1980" (or 12.03.1980) of one name and address are a generation
    apart as with two full dates ("different", the hard rule); years one apart are
    "within_one_year", a year one digit off (1972 / 1982) "year_typo", others under a
    generation "years_apart". The same year is no evidence either way (missing): it says
    nothing of the day. ``year_l`` / ``year_r``: the year of the birth date, else the year of
    birth (a column each, computed once by _birth_date).
    """
    year_only = (
        (_l("birth_date").is_null() | _r("birth_date").is_null())
        & year_l.is_not_null()
        & year_r.is_not_null()
    )
    apart = (year_l - year_r).abs()
    digits = pl.sum_horizontal(
        ((year_l // 10 ** (3 - i)) % 10 != (year_r // 10 ** (3 - i)) % 10).cast(pl.Int8)
        for i in range(4)
    )
    under_generation = apart < GENERATION_YEARS
    return (
        year_only.fill_null(False),
        (apart == 0).fill_null(False),
        {
            "within_one_year": apart <= 1,
            "year_typo": (digits <= 1) & under_generation,
            "years_apart": under_generation,
        },
    )


def _personal_email(pairs: pl.DataFrame) -> pl.Series:
    """0 a shared personal address, 1 one typo in the first ones, 2 different, -1 missing.

    A typo in one part of the first address: the other part must be equal, since namesakes
    often share a local part at different providers (max.mueller@...), and similar-looking
    providers (gmx.de, gmx.at) are different mailboxes. The parts come per record
    (_contact_parts), not per pair.
    """
    left, right = _l("personal_emails"), _r("personal_emails")
    empty = (left.list.len() == 0) | (right.list.len() == 0)
    # One typo (insert, delete, substitute or swap two letters) in exactly one part.
    same_local = _l("email_local") == _r("email_local")
    same_domain = _l("email_domain") == _r("email_domain")
    # Distances only where they count: the domain's where the local parts are equal, and the
    # other way round (0 elsewhere, never read there).
    same = pairs.select(
        same_local.fill_null(False).alias("local"), same_domain.fill_null(False).alias("domain")
    )
    osa = OSA.distance
    local = pl.Series(
        _pairwise_where(pairs, "email_local_l", "email_local_r", osa, same["domain"].to_numpy())
    )
    domain = pl.Series(
        _pairwise_where(pairs, "email_domain_l", "email_domain_r", osa, same["local"].to_numpy())
    )
    # max.mueller2@ next to max.mueller@ is the next namesake, not a typo.
    digits_only = _l("email_letters") == _r("email_letters")
    one_typo = (same_local & (pl.lit(domain) == 1)) | (
        same_domain & (pl.lit(local) == 1) & ~digits_only & ~_other_initials()
    )
    return _levels(
        pairs,
        empty.fill_null(True),
        [left.list.set_intersection(right).list.len() > 0, one_typo.fill_null(False)],
    )


def _true_where(pairs: pl.DataFrame, rows: np.ndarray, condition: pl.Expr) -> pl.Expr:
    """``condition`` (null as False) evaluated on the pairs at ``rows`` only, False on the
    others: for checks read at one level only, which most pairs do not reach."""
    result = np.zeros(pairs.height, dtype=bool)
    places = np.flatnonzero(rows)
    if places.size:
        # The columns it reads, gathered: a filter keeps empty chunks (see _levels_where).
        columns = pairs.select(list(dict.fromkeys(condition.meta.root_names())))[places]
        result[places] = (
            columns.lazy().select(condition.fill_null(False)).collect().to_series().to_numpy()
        )
    return pl.lit(pl.Series(result))


def _other_initials() -> pl.Expr:
    """t.wolf@ beside k.wolf@ (one firm's initial.surname addresses): two colleagues' mailboxes,
    not one address with a typo, since the letter that differs is an initial of its own."""
    initial = r"^[a-z][._-]"
    return (
        _l("email_local").str.contains(initial)
        & _r("email_local").str.contains(initial)
        & (_l("email_local").str.slice(0, 1) != _r("email_local").str.slice(0, 1))
    ).fill_null(False)


def _email(pairs: pl.DataFrame) -> pl.Series:
    """Personal addresses shared or one typo apart; else a shared household address; else different.

    Role mailboxes (info@) are left out; household mailboxes (familie.mueller@) only say that
    two records live in one household, which parents and children do too (see _contact_parts).
    """
    personal = _personal_email(pairs)
    # The name and mailbox checks below are each read at one personal level only (see the
    # chain at the end): computed on those pairs only, False elsewhere.
    codes = personal.to_numpy()
    own_names = _true_where(pairs, codes == 2, _own_first_names(both=False))
    # One typo apart only in the first name each repeats (jonas.lehmann@ / jonah.lehmann@ for
    # Jonas and Jonah): the addresses follow the names, no typo.
    own_names_similar = _true_where(pairs, codes == 1, _own_first_names(both=True))
    household_shared = (
        _l("household_emails").list.set_intersection(_r("household_emails")).list.len() > 0
    ).fill_null(False)
    # The only addresses shared are last names alone (bauer@ for Andrea and Andreas Bauer): a
    # family's mailbox, as familie.bauer@ (_surname_mailboxes).
    surname_only = _true_where(
        pairs,
        codes == 0,
        _l("personal_emails")
        .list.set_intersection(_r("personal_emails"))
        .list.set_difference(pl.concat_list(_l("surname_emails"), _r("surname_emails")))
        .list.len()
        == 0,
    )
    # 0 shared, 1 similar (personal); 2 a shared household address; 3 different personal
    # addresses, one naming its own record's first name and neither the other's (both, when
    # they are one typo apart); 4 different; -1 when either side has no address at all.
    level = pl.lit(personal)
    any_left = _l("personal_emails").list.len() + _l("household_emails").list.len()
    any_right = _r("personal_emails").list.len() + _r("household_emails").list.len()
    return pairs.select(
        pl.when((level == 1) & own_names_similar)
        .then(pl.lit(3, dtype=pl.Int8))
        .when((level == 0) & surname_only)
        .then(pl.lit(2, dtype=pl.Int8))
        .when(level.is_in([0, 1]))
        .then(level)
        .when(household_shared)
        .then(pl.lit(2, dtype=pl.Int8))
        .when((level == 2) & own_names)
        .then(pl.lit(3, dtype=pl.Int8))
        .when((level == 2) | ((any_left > 0) & (any_right > 0)).fill_null(False))
        .then(pl.lit(4, dtype=pl.Int8))
        .otherwise(pl.lit(MISSING, dtype=pl.Int8))
        .alias("email_level")
    )["email_level"]


#: Shorter first names ("Jo", "Al") occur inside other words of an address by chance.
OWN_NAME_MIN_LETTERS = 3


def _own_first_names(both: bool = True) -> pl.Expr:
    """The records' personal addresses name their own first names, never the other's.

    lina.gerber@ beside lisa.gerber@ for Lina and Lisa Gerber: the first names differ in the
    records *and* in the addresses their owners chose, so the difference is no typo of one
    record (a typo would not be repeated in the address). An address that holds both names, one
    inside the other (hanna.weber@ holds Anna and Hanna; lukas.gruber@ Luka and Lukas), names
    the longer one: hanna.weber@ on a record "Anna" is Hanna's address and proves nothing, while
    lukas.gruber@ beside luka.gruber@ names Lukas and Luka.

    ``both=False`` also takes one record's address naming its own first name (lea.winkler@ for
    Lea) beside an address that spells neither first name, not even their first three letters
    (lwinkler39@ for Lena: an initial and the surname). The first name of the record whose
    address repeats it is no typo; the other record would need a first name mistyped into
    another name *and* a mailbox of its own to be the same person. An address holding the
    beginning of a name (albemrtking@ beside albertking@ for Albrert and Albert) is a mangled
    copy of the other, as typo-ridden exports make them, and counts for nothing.
    """

    def local_parts(side: Callable[[str], pl.Expr]) -> pl.Expr:
        # Per record (_contact_parts): as an expression here, the regex ran once per use and
        # pair (ten times a pair), 70 % of all comparisons' time.
        return side("personal_locals")

    left_key, right_key = _l("first_name_key"), _r("first_name_key")
    left, right = local_parts(_l), local_parts(_r)

    def names(local: pl.Expr, name: pl.Expr, other: pl.Expr) -> pl.Expr:
        """``local`` holds ``name``, and not ``other`` unless inside ``name`` (Luka in Lukas)."""
        return local.str.contains(name, literal=True) & (
            ~local.str.contains(other, literal=True) | name.str.contains(other, literal=True)
        )

    def spells_neither(local: pl.Expr) -> pl.Expr:
        return ~local.str.contains(left_key.str.slice(0, OWN_NAME_MIN_LETTERS), literal=True) & (
            ~local.str.contains(right_key.str.slice(0, OWN_NAME_MIN_LETTERS), literal=True)
        )

    left_own, right_own = names(left, left_key, right_key), names(right, right_key, left_key)
    left_other, right_other = names(left, right_key, left_key), names(right, left_key, right_key)
    named = left_own & right_own
    if not both:
        named |= (left_own & spells_neither(right)) | (right_own & spells_neither(left))
    return (
        (left_key.str.len_chars() >= OWN_NAME_MIN_LETTERS)
        & (right_key.str.len_chars() >= OWN_NAME_MIN_LETTERS)
        & (left_key != right_key)
        & named
        & ~left_other
        & ~right_other
    ).fill_null(False)


def _phone(pairs: pl.DataFrame) -> pl.Series:
    """Phones: a shared mobile, a shared landline, no common number, or different mobiles.

    A landline belongs to a household, a mobile to one person: two records that each carry a
    mobile number and share none are "different" even when they share the family's landline
    (father and son of the same name), while a record with only a landline next to one with only
    a mobile says little ("no_common_number"). Numbers without a known type (older cleaned
    frames) count as mobiles; numbers that may be either (type "other": US and Canadian
    numbers, VoIP, toll-free) as landlines. An organisation's numbers are switchboards, branches
    and fax lines, none a person's: two organisations without a common number are
    "no_common_number", and a number with an extension is its switchboard's line, as is a
    direct-dial number (the switchboard's digits and one to four more).
    A local number without area code (cleaners.phones) is shared with the same local number and
    with a full number whose local part it is. Two mobiles one typo apart (``_mistyped_mobile``)
    are "no_common_number", not "different". A mobile whose national digits are one of the
    other record's numbers under another country code (+43 676 65439269 / +49 6766 5439269: the
    number written without its country code into a record of another country) is "shared".
    """

    def shared(column: str) -> pl.Expr:
        return (_l(column).list.set_intersection(_r(column)).list.len() > 0).fill_null(False)

    def crossed(local: str, parts: str) -> pl.Expr:
        return (
            (_l(local).list.set_intersection(_r(parts)).list.len() > 0)
            | (_l(parts).list.set_intersection(_r(local)).list.len() > 0)
        ).fill_null(False)

    # One mobile written without its country code into a record of another country (a moved
    # customer's Austrian 0676 ... in a Hanover record reads +49 6766 ...): the national digits
    # agree under two country codes. A number of one record is the other's mobile then.
    crossed_country = (
        (_l("mobile_nationals").list.set_intersection(_r("phone_nationals")).list.len() > 0)
        | (_l("phone_nationals").list.set_intersection(_r("mobile_nationals")).list.len() > 0)
    ).fill_null(False)
    both_personal = (
        (_l("mobile_phones").list.len() > 0)
        & (_r("mobile_phones").list.len() > 0)
        & ~_both_organisations(pairs)
        & ~_mistyped_mobile(pairs)
    )
    missing = (_l("phones").list.len() == 0).fill_null(True) | (
        _r("phones").list.len() == 0
    ).fill_null(True)
    return pairs.select(
        pl.when(missing)
        .then(pl.lit(MISSING, dtype=pl.Int8))
        .when(shared("mobile_phones") | crossed_country)
        .then(pl.lit(0, dtype=pl.Int8))
        .when(both_personal.fill_null(False))
        .then(pl.lit(3, dtype=pl.Int8))
        .when(
            shared("landline_phones")
            | crossed("local_phones", "phone_local_parts")
            | (_both_organisations(pairs) & shared("phone_lines"))
            | pl.lit(_direct_dial_of_switchboard(pairs))
        )
        .then(pl.lit(1, dtype=pl.Int8))
        .otherwise(pl.lit(2, dtype=pl.Int8))
        .alias("phone_level")
    )["phone_level"]


#: Two numbers this close are neighbours handed out together (a family contract), not a typo.
NEIGHBOUR_PHONES_BELOW = 10


def _mistyped_mobile(pairs: pl.DataFrame) -> pl.Expr:
    """The first mobiles of the two records are one typo apart (a digit wrong or two swapped,
    same length): one number mistyped, not "two people with mobiles of their own", unless they
    are neighbour numbers (fewer than NEIGHBOUR_PHONES_BELOW apart: a family contract's)."""
    left, right = _l("mobile_phones").list.first(), _r("mobile_phones").list.first()
    numbers = pairs.select(left.alias("mobile_l"), right.alias("mobile_r"))
    open_rows = numbers.select(
        (
            (pl.col("mobile_l") != pl.col("mobile_r"))
            & (pl.col("mobile_l").str.len_chars() == pl.col("mobile_r").str.len_chars())
        ).fill_null(False)
    ).to_series()
    distance = _pairwise_where(numbers, "mobile_l", "mobile_r", OSA.distance, open_rows.to_numpy())
    as_number = [
        pl.col(name).str.replace_all(r"\D", "").str.to_integer(strict=False)
        for name in ("mobile_l", "mobile_r")
    ]
    apart = numbers.select((as_number[0] - as_number[1]).abs().alias("apart"))["apart"]
    not_neighbours = (apart.fill_null(0) >= NEIGHBOUR_PHONES_BELOW).to_numpy()
    return pl.lit(pl.Series(open_rows.to_numpy() & (distance == 1) & not_neighbours))


#: Digits a direct-dial number adds to its switchboard's ("030 574255497-74" is dialled as
#: +493057425549774, the switchboard +4930574255497): a German or Austrian "Durchwahl".
DIRECT_DIAL_DIGITS = (1, 4)
#: The switchboard's number is a whole number (E.164 with "+" and country code), not a prefix.
SWITCHBOARD_MIN_CHARS = 10


def _direct_dial_of_switchboard(pairs: pl.DataFrame) -> pl.Series:
    """Per pair of organisations: one record's number is the other's with a direct-dial
    extension appended (+4930574255497 and +493057425549774: the switchboard and the line of
    the person who placed an order), so both are one organisation's lines. False elsewhere."""
    result = np.zeros(pairs.height, dtype=bool)
    if pairs.height == 0 or "phone_lines_l" not in pairs.columns:
        return pl.Series(result)
    lines = pairs.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("__pair"),
        pl.col("phone_lines_l").alias("__l"),
        pl.col("phone_lines_r").alias("__r"),
        _both_organisations(pairs).alias("__organisations"),
    ).filter(
        pl.col("__organisations")
        & (pl.col("__l").list.len() > 0).fill_null(False)
        & (pl.col("__r").list.len() > 0).fill_null(False)
    )
    if lines.is_empty():
        return pl.Series(result)
    crossed = (
        lines.select("__pair", "__l")
        .explode("__l")
        .join(lines.select("__pair", "__r").explode("__r"), on="__pair")
    )
    shorter = pl.when(pl.col("__l").str.len_chars() < pl.col("__r").str.len_chars())
    short = shorter.then(pl.col("__l")).otherwise(pl.col("__r"))
    long = shorter.then(pl.col("__r")).otherwise(pl.col("__l"))
    extra = long.str.len_chars() - short.str.len_chars()
    found = crossed.filter(
        (short.str.len_chars() >= SWITCHBOARD_MIN_CHARS)
        & extra.is_between(*DIRECT_DIAL_DIGITS)
        & long.str.starts_with(short)
    )["__pair"].unique()
    result[found.to_numpy()] = True
    return pl.Series(result)


#: "+<country code><national digits>": the country codes are prefix-free (ITU-T E.164), so one
#: alternative at most matches the start of a number.
NATIONAL_DIGITS = (
    r"^\+(?:"
    + "|".join(sorted(map(str, phonenumbers.COUNTRY_CODE_TO_REGION_CODE), key=len, reverse=True))
    + r")(\d{6,})$"
)


def _national_digits(phones: pl.Expr) -> pl.Expr:
    """Per record: each full number's national digits, without country code ("+4367665439269"
    -> "67665439269"); numbers without a country code or with an extension are left out."""
    return phones.list.eval(pl.element().str.extract(NATIONAL_DIGITS, 1)).list.drop_nulls()


def _local_parts(phones: pl.Series) -> pl.Series:
    """Per record: the local part (without country and area code) of each full number.

    Computed only when some record has a local number (cleaners.phones), once per distinct
    number; empty lists otherwise, so files of full numbers pay nothing.
    """
    # Built by polars: a Python list of a million empty lists took seconds per call.
    empty = pl.select(pl.repeat(pl.lit([], dtype=pl.List(pl.String())), phones.len())).to_series()
    empty = empty.alias(phones.name)
    distinct = phones.explode().drop_nulls().unique()
    if distinct.is_empty() or distinct.str.starts_with("+").all():
        return empty
    table = {
        number: _local_part(number) for number in distinct.filter(distinct.str.starts_with("+"))
    }
    return phones.list.eval(
        pl.element().replace_strict(table, default=None, return_dtype=pl.String)
    ).list.drop_nulls()


def _local_part(number: str) -> str | None:
    """ "+17733865286" -> "3865286": the national number without its area code (None if none)."""
    try:
        parsed = phonenumbers.parse(number.split(";")[0], None)
    except phonenumbers.NumberParseException:
        return None
    national = str(parsed.national_number)
    area = phonenumbers.length_of_geographical_area_code(parsed)
    return national[area:] if 0 < area < len(national) else None


def _distinct(values: pl.Series, function: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``function`` computed once per distinct value of ``values``, mapped back onto them."""
    distinct = values.drop_nulls().unique()
    mapped = pl.select(function(pl.lit(distinct)).alias("mapped"))["mapped"]
    # Mapped as two Series: no Python dict of every distinct value.
    return pl.lit(values.replace_strict(distinct, mapped, default=None, return_dtype=pl.String))


def mailbox_addresses() -> pl.Expr:
    """A record's e-mails without role mailboxes (info@): its own and its household's."""
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    return (
        pl.col("emails")
        .fill_null(nothing)
        .list.set_difference(pl.col("role_emails").fill_null(nothing))
    )


def personal_addresses() -> pl.Expr:
    """A record's e-mails without role mailboxes (info@) and household mailboxes
    (familie.mueller@): the addresses that may be one person's."""
    return mailbox_addresses().list.filter(~household_address(pl.element()))


def _contact_parts(attributes: pl.DataFrame) -> pl.DataFrame:
    """Per record (not per pair): personal and household e-mails with the parts of the first
    personal one, mobile and landline numbers, the birth date as the number YYYYMMDD."""
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    household = household_address(pl.element())
    usable = pl.col("emails").list.set_difference(pl.col("role_emails").fill_null(nothing))
    # A local number without area code is a fixed line (mobiles are given in full). A number
    # that may be either ("other": US and Canadian numbers, VoIP, toll-free, company numbers)
    # is not known to be one person's: it is shared like a landline and vetoes nothing.
    landline = (
        pl.col("phone_types")
        .list.eval(pl.element().is_in(["landline", "local", "other"]))
        .fill_null(pl.col("phones").list.eval(pl.lit(False)))
    )
    local = (
        pl.col("phone_types")
        .list.eval(pl.element() == "local")
        .fill_null(pl.col("phones").list.eval(pl.lit(False)))
    )
    personal = usable.list.filter(~household)
    # The local parts of the personal addresses in one string (_own_first_names, the suffix).
    personal_locals = personal.list.join(" ").str.replace_all(r"@\S*", "")
    first = personal.list.first()
    return attributes.with_columns(
        business_domains(pl.col("emails").fill_null(nothing)).alias("business_domains"),
        pl.col("emails")
        .fill_null(nothing)
        .list.filter(~pl.element().str.extract(r"@([^@\s]+)$", 1).is_in(list(freemail_domains())))
        .alias("business_emails"),
        personal.alias("personal_emails"),
        # The places a branch's shared mailbox names (zuerich@; cleaners.organisations counts a
        # nameless row's town mailboxes among its role e-mails).
        mailbox_place(pl.col("role_emails").fill_null(nothing)).alias("mailbox_places"),
        personal_locals.alias("personal_locals"),
        _suffix_from_emails(personal_locals).alias("name_suffix"),
        # A person's own address at a business domain (not the company's info@).
        usable.list.filter(
            ~pl.element().str.extract(r"@([^@\s]+)$", 1).is_in(list(freemail_domains()))
        ).alias("business_personal_emails"),
        first.str.extract(r"^(.*)@", 1).alias("email_local"),
        first.str.extract(r"@(.*)$", 1).alias("email_domain"),
        first.str.extract(r"^(.*)@", 1).str.replace_all(r"\d", "").alias("email_letters"),
        (
            pl.col("birth_date").dt.year().cast(pl.Int32) * 10_000
            + pl.col("birth_date").dt.month().cast(pl.Int32) * 100
            + pl.col("birth_date").dt.day().cast(pl.Int32)
        ).alias("birth_date_number"),
        _email_birth_year(personal).alias("email_birth_year"),
        _distinct(attributes["first_name_key"], sorted_letters).alias("first_name_letters"),
        name_sexes(attributes["first_name_key"]).alias("first_name_sex"),
        _distinct(attributes["last_name_key"], sorted_letters).alias("last_name_letters"),
        usable.list.filter(household).alias("household_emails"),
        _surname_mailboxes(attributes, personal).alias("surname_emails"),
        pl.col("phones")
        .list.gather(landline.list.eval(pl.element().not_().arg_true()))
        .alias("mobile_phones"),
        pl.col("phones")
        .list.gather(landline.list.eval(pl.element().arg_true()))
        .alias("landline_phones"),
        pl.col("phones")
        .list.gather(local.list.eval(pl.element().arg_true()))
        .alias("local_phones"),
        _national_digits(pl.col("phones")).alias("phone_nationals"),
        _national_digits(
            pl.col("phones").list.gather(landline.list.eval(pl.element().not_().arg_true()))
        ).alias("mobile_nationals"),
        _local_parts(attributes["phones"]).alias("phone_local_parts"),
        # "+19194008648;ext=2" is the line +19194008648 (an organisation's switchboard).
        pl.col("phones")
        .list.eval(pl.element().str.replace(r";ext=.*$", ""))
        .list.unique()
        .alias("phone_lines"),
        # "27601-5790" and "27601" are one place (a US ZIP+4 and its ZIP).
        postal_area(pl.col("postal_code")).alias("postal_code"),
        # "8938-40" is the building at 8938; "12a" stays "12a"; "312 Ste. 103" is 312, in unit
        # "103" (cleaners.address_lines.with_unit).
        pl.coalesce(
            house_building(pl.col("house_number")).str.extract(r"^(\d+)\s*-\s*\d+$", 1),
            house_building(pl.col("house_number")),
        ).alias("house_base"),
        house_building(pl.col("house_number")).alias("house_building"),
        house_unit(pl.col("house_number")).alias("house_unit"),
        # The floor and the flat of the house ("5. OG", "3e étage", "Top 4", "Apt 5").
        dwelling_floor(pl.col("address_extra")).alias("floor_key"),
        pl.coalesce(
            dwelling_flat(pl.col("address_extra")),
            house_unit(pl.col("house_number")),
            house_door(pl.col("house_number")),
        ).alias("flat_key"),
    )


#: A year of birth written at the end of a personal address after the name: josef.huber1958@,
#: josef.huber85@ (two digits from 30: 1930-1999; four digits 1920-2012). Younger people's
#: two-digit years (05) are left out: 01 to 29 are as often a number of another kind.
_EMAIL_YEAR = r"^[a-z][a-z._-]*?[a-z._-](19[2-9]\d|20(?:0\d|1[0-2])|[3-9]\d)$"


def _email_birth_year(personal: pl.Expr) -> pl.Expr:
    """The year of birth the record's personal addresses end in, where they name one year only."""
    years = (
        personal.list.eval(
            pl.element().str.extract(r"^([^@]*)@", 1).str.extract(_EMAIL_YEAR, 1).cast(pl.Int32)
        )
        .list.eval(pl.when(pl.element() < 100).then(pl.element() + 1900).otherwise(pl.element()))
        .list.drop_nulls()
        .list.unique()
    )
    return pl.when(years.list.len() == 1).then(years.list.first())


#: "jun." / "sen." written into a personal address as a word of its own (josef.huber.sen@,
#: huber_junior@, j.huber.jun76@): only with a separator before it, so that names ending in
#: the letters (Jensen, Arsen) never count, and not "jr" / "sr", which are initials as often.
_EMAIL_SUFFIXES = {
    "jun.": r"(^|[._ -])(jun|junior)([._ -]|\d|$)",
    "sen.": r"(^|[._ -])(sen|senior)([._ -]|\d|$)",
}


def _suffix_from_emails(personal_locals: pl.Expr) -> pl.Expr:
    """The record's own jun./sen., else the one its personal addresses state (and only one).

    Father and son of one name at one address whose records carry no suffix often chose their
    addresses to tell them apart (josef.huber.sen@ beside josef.huber@ on the son's jun.
    record): the address is theirs, so its suffix is as good as one written after the name.
    """
    junior = personal_locals.str.contains(_EMAIL_SUFFIXES["jun."])
    senior = personal_locals.str.contains(_EMAIL_SUFFIXES["sen."])
    stated = (
        pl.when(junior & ~senior)
        .then(pl.lit("jun."))
        .when(senior & ~junior)
        .then(pl.lit("sen."))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return pl.coalesce(pl.col("name_suffix"), stated)


#: Words that make a last name a family's mailbox when written together with it.
FAMILY_SUFFIXES = ("familie", "family", "fam")


def _surname_mailboxes(attributes: pl.DataFrame, personal: pl.Expr) -> pl.Expr:
    """Per record: its personal addresses whose local part is only its own last name.

    bauer@yahoo.de on Andrea Bauer's and on her twin Andreas's records is the family's mailbox,
    as familie.bauer@ is: a last name alone names no person, so sharing it says "same
    household", not "same person" (``_email``). So does the name in the plural or beside a
    family word, written together (muellers@, die.meiers@, huberfamilie@), or with the home
    town (brandl.augsburg@). Separators and digits aside (mueller_@, mueller1@ are still no
    one's first name); each word of a double name counts (mueller@ for Müller-Schmidt).
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    frame = attributes.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"),
        personal.fill_null(nothing).alias("__email"),
        pl.col("last_name_key"),
        pl.col("city_key")
        .str.replace_all(r"[^a-z ]", "")
        .str.split(" ")
        .list.first()
        .alias("__town"),
    )
    items = frame.explode("__email").drop_nulls("__email")
    letters = pl.col("__email").str.extract(r"^(.*)@", 1).str.replace_all(r"[^a-z]", "")
    words = pl.col("last_name_key").str.split(" ")
    whole = pl.col("last_name_key").str.replace_all(" ", "")
    # The family's name in the plural or with a family word: muellers@, die.meiers@,
    # huberfamilie@, fam.huber@ (the separator-less forms the household pattern cannot tell
    # from a person's name without knowing the last name), or with the home town
    # (brandl.augsburg@: no first name, so no one person's).
    town = pl.col("__town")
    family_forms = pl.concat_list(
        whole + "s",
        "die" + whole + "s",
        *(whole + word for word in FAMILY_SUFFIXES),
        *(word + whole for word in FAMILY_SUFFIXES),
        pl.when(town.str.len_chars() >= 3).then(whole + town),
        pl.when(town.str.len_chars() >= 3).then(town + whole),
    )
    surname = (letters.str.len_chars() >= 2) & (
        (letters == whole) | words.list.contains(letters) | family_forms.list.contains(letters)
    ).fill_null(False)
    found = items.filter(surname).group_by("__row").agg(pl.col("__email").alias("__surname"))
    mailboxes = (
        frame.select("__row")
        .join(found, on="__row", how="left", maintain_order="left")["__surname"]
        .fill_null([])
    )
    return pl.lit(mailboxes)


def _both_organisations(pairs: pl.DataFrame) -> pl.Expr:
    return _both_organisations_expr()


def _both_organisations_expr() -> pl.Expr:
    return (
        (_l("record_type") == "organisation") & (_r("record_type") == "organisation")
    ).fill_null(False)


def _address(pairs: pl.DataFrame) -> pl.Series:
    """A person's address: same house, street (a house number unknown on one side or one typo
    off), another house of the street, another street of the same place (both streets known),
    the same place (a street unknown on one side), or different (people move).

    "other_street" is what namesakes of one town show (Thomas Müller in Fulda, Rosenstraße and
    Bergstraße); with e-mails or phones of their own and none shared the default hard rules keep
    them apart (rules.config). Street keys one typo apart (Jaro-Winkler 0.9) are not another
    street. "other_house" is what namesakes of one street show (Zürichstrasse 21 and 102): both
    house numbers known and further apart than one typo (``_other_house``); a house number one
    typo off (12 / 21, 102 / 12, 21 / 27) stays "street", since that is how one person's house
    is mistyped. So is one house with two floors or two flats named ("5. OG" / "4. OG", "3e
    étage" / "5e étage", "Top 4" / "Top 7"): two dwellings of neighbours of one name. Two
    organisations compare their addresses as sites instead (``_site``): missing here.
    """
    same_postal = _l("postal_code") == _r("postal_code")
    same_street = _l("street_key") == _r("street_key")
    # "100 Apt 5" and "100" are one house (the unit is left out in many lists).
    same_house = _l("house_building") == _r("house_building")
    # Similarity and distance only where the values differ (equal ones decide by equality);
    # in rapidfuzz's float32, as on all pairs. The 0 elsewhere is never read.
    differ = pairs.select(
        (_l("city_key") != _r("city_key")).fill_null(False).alias("city"),
        (_l("postal_code") != _r("postal_code")).fill_null(False).alias("postal"),
        (_l("street_key") != _r("street_key")).fill_null(False).alias("street"),
    )
    city_similarity = jaro_winkler_where(pairs, "city_key", differ["city"].to_numpy())
    same_city = _same_city(city_similarity)
    same_place = same_postal | same_city
    # One street and house in one city with a postal code one typo off (80460 / 80469
    # München) is still that house; further apart it may be a namesake street in another
    # district (Berlin has many a Hauptstraße).
    postal_typo = _postal_typo(pairs, differ["postal"].to_numpy())
    here = same_postal.fill_null(False) | (same_city & postal_typo)
    street_similarity = jaro_winkler_where(pairs, "street_key", differ["street"].to_numpy())
    other_street = ~_either_null("street_key") & ~same_street & (pl.lit(street_similarity) < 0.9)
    same_street_here = (here & same_street).fill_null(False)
    other_dwelling = (same_house & _other_dwelling()).fill_null(False)
    return _levels(
        pairs,
        (_either_null("postal_code") & _either_null("city_key")) | _both_organisations(pairs),
        [
            (same_street_here & same_house).fill_null(False) & ~other_dwelling,
            same_street_here
            & ~other_dwelling
            & ~_other_house(pairs, same_street_here & ~same_house.fill_null(True)),
            same_street_here,
            (same_place & other_street).fill_null(False),
            same_place.fill_null(False),
        ],
    )


def _postal_typo(pairs: pl.DataFrame, rows: np.ndarray) -> pl.Expr:
    """Postal codes one typo apart (80460 / 80469), both known; the distance is read only on
    ``rows`` (codes that differ: equal ones decide by equality), 0 elsewhere."""
    distance = _pairwise_where(pairs, "postal_code_l", "postal_code_r", OSA.distance, rows)
    return pl.lit(pl.Series(distance <= 1)) & ~_either_null("postal_code")


def _other_dwelling() -> pl.Expr:
    """Both records name a floor, or both a flat, and they differ: two dwellings of one house."""
    return (_l("floor_key") != _r("floor_key")).fill_null(False) | (
        _l("flat_key") != _r("flat_key")
    ).fill_null(False)


def _house_number_key(side: Callable[[str], pl.Expr]) -> pl.Expr:
    """The building's number as compared for a typo: lower case, without spaces ("12 A" ->
    "12a")."""
    return side("house_building").str.to_lowercase().str.replace_all(r"\s+", "")


def _other_house(pairs: pl.DataFrame, open_rows: pl.Expr) -> pl.Expr:
    """Per pair (read on ``open_rows`` only: one street, house numbers known and differing):
    another house of the street, not a typo of the same one.

    A house number mistyped is one typo off (12 / 21 swapped, 102 / 12 a digit lost, 21 / 27
    a digit wrong); a number with a letter or a range on one side ("12a", "12-14" beside
    "12") starts with the same number. Anything further (21 / 102, 20 / 36) is another house:
    a neighbour of the same name, or a move within the street, which only something one person
    has can tell apart (rules.config).
    """
    rows = pairs.select(open_rows.fill_null(False)).to_series().to_numpy()
    keys = pairs.select(
        _house_number_key(_l).alias("house_l"), _house_number_key(_r).alias("house_r")
    )
    distance = _pairwise_where(keys, "house_l", "house_r", OSA.distance, rows)
    leading = r"^(\d+)"
    same_number = (
        _house_number_key(_l).str.extract(leading, 1)
        == _house_number_key(_r).str.extract(leading, 1)
    ).fill_null(False)
    return pl.lit(pl.Series(rows & (distance > 1))) & ~same_number


def _same_city(similarity: pl.Series) -> pl.Expr:
    """The same city key, one close in spelling (Jaro-Winkler 0.9), or one that lost its
    umlauts in an export (Munchen / München: "munchen" / "muenchen")."""

    def folded(key: pl.Expr) -> pl.Expr:
        return key.str.replace_all("ae", "a").str.replace_all("oe", "o").str.replace_all("ue", "u")

    return (
        (_l("city_key") == _r("city_key"))
        | (pl.lit(similarity) >= 0.9)
        | (folded(_l("city_key")) == folded(_r("city_key")))
    ).fill_null(False)


def _site(pairs: pl.DataFrame) -> pl.Series:
    """Where two organisations are: the same house, other units of it, the same street, the same
    place, or not.

    An organisation does not move as people do, and a site list names one site per address:
    "1653 W 43rd St" and "1653 W. 43rd Street" are one site even when only one of them has a
    postal code or a city (many lists leave the city out), while two branches of one chain
    share the name and the phone number but never the address. A range ("8938-40") counts by
    its first number. Places contradict where both records have a postal code (or, without
    one, a city) and they differ; then the street decides nothing. Two addresses of one legal
    entity (same VAT id, a business e-mail domain within one place, or the domain and the same
    name in another place) are not "different": branches and warehouses of one company are
    that company (the DACH labelling); franchise branches (a mailbox named after the branch's
    town, the town or the owner in the name) and a group's companies in other towns (another
    name) share the domain and are not. One
    building with the unit ("Suite 103" / "#201") differing on both sides is "other_unit":
    organisations in one medical or office building share the street, the number and often
    the first word of the name.
    Street keys one typo apart
    (Jaro-Winkler 0.9) or one the start of the other count as one street. Only between
    organisations.
    """
    both_postal = _l("postal_code").is_not_null() & _r("postal_code").is_not_null()
    both_city = _l("city_key").is_not_null() & _r("city_key").is_not_null()
    # Similarities only for pairs of organisations: in person data they would cost time for
    # nothing.
    organisations = pairs.select(_both_organisations(pairs)).to_series().to_numpy()
    sim = JaroWinkler.normalized_similarity
    city_similarity = pl.Series(
        _pairwise_where(pairs, "city_key_l", "city_key_r", sim, organisations)
    )
    # A column, not a literal: one_entity is read on some rows only (_where).
    pairs = pairs.with_columns(
        ((_l("city_key") == _r("city_key")) | (pl.lit(city_similarity) >= 0.9)).alias("__same_city")
    )
    same_city = pl.col("__same_city")
    place_known = both_postal | both_city
    # A four-digit Swiss or Austrian code read as German on a row without town or country (a
    # newsletter's ZIP "04125" beside Riehen's 4125): the leading zero says nothing.
    same_postal = _l("postal_code").str.strip_chars_start("0") == _r(
        "postal_code"
    ).str.strip_chars_start("0")
    # A postal code one typo off in the same town (45675 / 45657 Recklinghausen) is that place,
    # as for persons' addresses.
    postal_differ = (
        organisations
        & pairs.select((_l("postal_code") != _r("postal_code")).fill_null(False))
        .to_series()
        .to_numpy()
    )
    postal_typo = _postal_typo(pairs, postal_differ)
    same_place = (
        pl.when(both_postal).then(same_postal | (same_city & postal_typo)).otherwise(same_city)
    ).fill_null(False)
    contradicts = place_known & ~same_place
    # A typo ("W. Roosevlet Rd"), a word run on ("West 59th Street 1st") or a compass word left
    # out ("Lake Shore Dr" / "N Lake Shore Drive"): one street still.
    street_similarity = pl.Series(
        _pairwise_where(pairs, "street_key_l", "street_key_r", sim, organisations)
    )
    same_street = (
        (_l("street_key") == _r("street_key"))
        | (pl.lit(street_similarity) >= 0.9)
        | _l("street_key").str.starts_with(_r("street_key"))
        | _r("street_key").str.starts_with(_l("street_key"))
        # "Lake Shore Dr" / "N Lake Shore Drive": the compass word left out on one side.
        | _l("street_key").str.ends_with(_r("street_key"))
        | _r("street_key").str.ends_with(_l("street_key"))
    ).fill_null(False) & ~_either_null("street_key")
    same_number = (_l("house_base") == _r("house_base")).fill_null(False)
    no_street = _either_null("street_key")
    # One legal entity (a common VAT id) with two addresses: a branch, a warehouse or a billing
    # address of that organisation, not evidence of another one. A common business e-mail
    # domain says as much only within one town (a warehouse in another district, a billing
    # address): franchise branches and a group's companies in other towns share the brand's
    # domain and are legal entities of their own.
    in_one_town = (same_city | same_postal).fill_null(False) | ~place_known.fill_null(False)
    common_domain = (
        _l("business_domains").list.set_intersection(_r("business_domains")).list.len() > 0
    ).fill_null(False)
    # In another town, the domain says "one organisation" only with the same name (legal form,
    # "&"/"und" and umlauts aside: keys equal, also without spaces) and without a branch mailbox
    # named after its town on either record or on another record of that name in its town
    # (freising@ is a chain's: every franchise branch has its own, and they are legal entities
    # of their own; _town_branches): "Schmidt & Keller Transporte KG" in Vienna and in Munich
    # with service@ at one domain are one firm's offices.
    same_name = _l("organisation_key").str.replace_all(" ", "") == _r(
        "organisation_key"
    ).str.replace_all(" ", "")
    # Neither record a town's branch of a chain (_town_branches): one VAT id or one domain in
    # two towns is one legal entity's offices, but every branch of a chain carries the chain's
    # VAT id and domain, and a branch is a customer of its own in its town.
    no_branch = (~_l(TOWN_BRANCH) & ~_r(TOWN_BRANCH)).fill_null(False)
    branch = (same_name & no_branch).fill_null(False)
    # A record without e-mail whose name the other one's domain spells (Maier Transporte KG
    # and service@maier-transporte.at) is at that domain too.
    named_domain = _domain_names_organisation(
        _l, _r, own_domain=False
    ) | _domain_names_organisation(_r, _l, own_domain=False)
    same_vat = (_l("vat_id") == _r("vat_id")).fill_null(False)
    # Legal forms of two families (AG / GmbH, KG / OHG; cleaners/data/legal_form_families.csv)
    # are two legal entities: a group's companies or namesakes in one town share a domain, and
    # then the domain says nothing about one firm's second address.
    other_entity = (_l("legal_family") != _r("legal_family")).fill_null(False)
    one_entity = (
        ((same_vat | common_domain) & in_one_town).fill_null(False)
        | (same_vat & no_branch)
        | ((common_domain | named_domain) & branch).fill_null(False)
    ) & ~other_entity
    # "312 S 6th St Ste. 103" and "Ste. 201": two organisations in one building. A unit on one
    # side only is the same house (lists leave the unit out).
    other_unit = (_l("house_unit") != _r("house_unit")).fill_null(False)
    ladder = [
        same_street & same_number & ~other_unit & ~contradicts,
        same_street & same_number & ~contradicts,
        same_street & ~contradicts,
        no_street & same_place,
    ]
    level = _levels(pairs, ~_both_organisations(pairs) | (no_street & ~place_known), ladder)
    # One legal entity is read only where the sites differ (a few pairs), on those rows gathered.
    differ = (level == len(ladder)).to_numpy()
    entity = _true_where(pairs, differ, one_entity)
    # Two branches named on the records (or one named, the other record in another town) are
    # other sites whatever else the two share, also where one record has no address (a
    # newsletter's "Papier & Co GmbH Filiale Wien" beside the firm in Wiener Neustadt).
    # Where the records are not on one street: the place only, another site, or no address.
    not_one_street = pl.lit((level == MISSING) | (level >= len(ladder) - 1))
    # One legal entity's other address is "same_firm": no evidence by default (weight pinned at
    # 0), another customer under [matching] organisations = "per_site" (a hard rule,
    # rules.config). "different" comes after it.
    same_firm, different = len(ladder), len(ladder) + 1
    # Both records name a branch and stand at two streets (or towns): two branches, also of one
    # town ("Filiale Lausanne 3" / "Succursale Lausanne", "Filiale Graz" / "Fil. 03": a chain
    # keeps several in a city), whatever the names share.
    two_sites = (pl.lit(level) == len(ladder)) & _names_branch(_l) & _names_branch(_r)
    return pairs.select(
        pl.when((not_one_street & _other_branch() | two_sites) & _both_organisations(pairs))
        .then(pl.lit(different, dtype=pl.Int8))
        .when(entity)
        .then(pl.lit(same_firm, dtype=pl.Int8))
        .when(pl.lit(level) == len(ladder))
        .then(pl.lit(different, dtype=pl.Int8))
        .otherwise(pl.lit(level))
    ).to_series()


def _other_branch() -> pl.Expr:
    """The two records name two branches: other numbers ("Fil. 02" / "Fil. 03"), other towns
    ("Filiale Meißen" / "Filiale Bautzen"), or one names a town the other record is not in
    ("Filiale Wien" beside a record in Wiener Neustadt). A number beside a town says nothing
    (a branch may go by both)."""

    def one_town(left: pl.Expr, right: pl.Expr) -> pl.Expr:
        # "Filiale Krems" and Krems an der Donau, "Filiale Biel" and Biel/Bienne: one town.
        return (
            (left == right)
            | left.str.starts_with(pl.concat_str(right, pl.lit(" ")))
            | right.str.starts_with(pl.concat_str(left, pl.lit(" ")))
        )

    numbers = _l("branch_number") != _r("branch_number")
    towns = ~one_town(_l("branch_town"), _r("branch_town"))
    left_elsewhere = _r("branch_town").is_null() & ~one_town(_l("branch_town"), _r("city_key"))
    right_elsewhere = _l("branch_town").is_null() & ~one_town(_r("branch_town"), _l("city_key"))
    # A branch number on one record, no branch on the other ("Blumen Flora GmbH Fil. 02"
    # beside the firm's record at another street): the numbered branch beside the head office,
    # each a customer. A branch named by the other record's own town says nothing (above).
    named_l, named_r = _names_branch(_l), _names_branch(_r)
    one_named = (_l("branch_number").is_not_null() & ~named_r) | (
        _r("branch_number").is_not_null() & ~named_l
    )
    return (
        numbers.fill_null(False)
        | towns.fill_null(False)
        | left_elsewhere.fill_null(False)
        | right_elsewhere.fill_null(False)
        | one_named.fill_null(False)
    )


def _names_branch(side: Callable[[str], pl.Expr]) -> pl.Expr:
    """The record names a branch by its town or number (_with_branch_names)."""
    return side("branch_town").is_not_null() | side("branch_number").is_not_null()


#: Share of the shorter name's words found in the longer one for "most_words".
MOST_WORDS = 0.5


def _organisation(pairs: pl.DataFrame) -> pl.Series:
    """Organisation keys: equal (also without spaces: "Harbor View" / "Harborview"), similar,
    one key's words all in the other ("Hillside Chiropractic" / "Hillside Chiropractic Ctr"),
    most of the shorter key's words in the other ("YMCA Rauner Family" / "YMCA of Metropolitan
    Chicago - Rauner"), one longer word in common ("Bethel New Life School" / "Bethel Day Care"),
    different; "only_one" when one record names an organisation and the other none.

    Site lists name one site in many ways (program, operator, "Center" or not), so partial
    agreement weighs; the data's own EM says how much. Names that differ only in a trade word
    on each side ("Huber Bau" / "Huber Immobilien", "Nägele Dachbau" / "Naegele Holzbau";
    data/organisation_trades.csv, also as the end of a compound) are "sister": companies of one
    group, which share the address, the domain, often the mailbox and the switchboard too.
    Unless the words name one trade (_one_trade): "Schmidt Elektro" / "Schmidt Elektrotechnik",
    "Eder Tischlerei" / "Eder Schreinerei", "Weber Transport" / "Weber Transporte", or a typo of
    the word ("Getrränkehandel"): one company written two ways, "jaro_winkler_0.9" when close in
    spelling, else "same_trade".
    For two persons "only_one" is a contact of a company next to a private record: kept apart
    (matching.scoring), unless they share an e-mail address.
    """
    left, right = _l("organisation_key"), _r("organisation_key")
    similarity = pl.Series(jaro_winkler(pairs, "organisation_key"))
    squashed_equal = left.str.replace_all(" ", "") == right.str.replace_all(" ", "")
    # The word lists once per pair (an expression named twice would be computed twice).
    pairs = pairs.with_columns(
        left.str.split(" ").list.unique().alias("__left_words"),
        right.str.split(" ").list.unique().alias("__right_words"),
    )
    left_words, right_words = pl.col("__left_words"), pl.col("__right_words")
    pairs = pairs.with_columns(
        left_words.list.set_intersection(right_words).alias("__shared"),
        left_words.list.set_difference(right_words).alias("__left_only"),
        right_words.list.set_difference(left_words).alias("__right_only"),
    )
    shared = pl.col("__shared")
    common = shared.list.len()
    shorter = pl.min_horizontal(left_words.list.len(), right_words.list.len())
    contained = (common == shorter) & (
        # One short word ("bau") inside a long name says little.
        pl.min_horizontal(left.str.len_chars(), right.str.len_chars()) >= 6
    )
    most = (common >= 2) & (common >= MOST_WORDS * shorter)
    one_long = shared.list.eval(pl.element().str.len_chars() >= 4).list.any()
    # "Huber Bau" / "Huber Immobilien": the same words but for a trade on each side, two
    # companies of one group (they share the address and the domain too).
    left_only, right_only = pl.col("__left_only"), pl.col("__right_only")
    trades_only = (
        (common > 0)
        & (left_only.list.len() > 0)
        & (right_only.list.len() > 0)
        & (left_only.list.set_difference(_l("organisation_trades")).list.len() == 0)
        & (right_only.list.set_difference(_r("organisation_trades")).list.len() == 0)
    ).fill_null(False)
    # "Schmidt Elektro" / "Schmidt Elektrotechnik", "Eder Tischlerei" / "Eder Schreinerei": the
    # words on each side name one trade, one company (checked only where trade words differ).
    same_trade = pl.lit(_same_trades(pairs.select(left_only, right_only), trades_only, pairs))
    sister = trades_only & ~same_trade
    ladder = [
        squashed_equal,
        ~sister & (pl.lit(similarity) >= 0.9),
        same_trade,
        contained,
        ~sister & most.fill_null(False),
        ~sister & one_long.fill_null(False),
    ]
    level = _levels(pairs, _either_null("organisation_key"), ladder)
    only_one = (left.is_null() != right.is_null()).fill_null(False)
    # Legal forms of two families (an AG and a GmbH, a GmbH & Co. KG and its Verwaltungs-GmbH;
    # cleaners/data/legal_form_families.csv) beside names alike: two legal entities of one
    # group, at one address with one switchboard as often as not (README: what becomes one
    # golden record). A valid VAT id in common still says one entity (a hard rule).
    named_alike = pl.lit(level).is_between(0, len(ladder) - 1)
    other_entity = (_l("legal_family") != _r("legal_family")).fill_null(False) & named_alike
    # _levels gives len(ladder) for "none of the above", which is "sister" or "different" (one
    # and two past "only_one"); "only_one" itself comes from the nulls.
    return pairs.select(
        pl.when(only_one)
        .then(pl.lit(len(ladder), dtype=pl.Int8))
        .when(other_entity | ((pl.lit(level) == len(ladder)) & sister))
        .then(pl.lit(len(ladder) + 1, dtype=pl.Int8))
        .when(pl.lit(level) == len(ladder))
        .then(pl.lit(len(ladder) + 2, dtype=pl.Int8))
        .otherwise(pl.lit(level))
    ).to_series()


#: Letters a trade word needs to stand for the longer words it begins ("druck" of "druckerei",
#: "maler" of "malerbetrieb"; not "bau" of "baustoffe", "holz" of "holzhandel").
TRADE_STEM_MIN_LETTERS = 5
#: Plural and inflection endings a trade word may carry ("systeme", "transporte", "projekte").
_TRADE_ENDINGS = ("en", "e", "n", "s")


def _same_trades(differing: pl.DataFrame, where: pl.Expr, pairs: pl.DataFrame) -> pl.Series:
    """Per pair, where ``where`` holds: the words only the left name has and those only the right
    one has (``differing``'s two list columns) name the same trade (_one_trade). Decided once per
    distinct couple of word lists: few pairs differ only in trade words."""
    rows = pairs.select(where.alias("__where")).to_series().to_numpy()
    result = np.zeros(pairs.height, dtype=bool)
    if not rows.any():
        return pl.Series(result)
    left, right = differing.columns
    texts = differing[np.flatnonzero(rows)].select(
        pl.col(left).list.sort().list.join(" ").alias("__l"),
        pl.col(right).list.sort().list.join(" ").alias("__r"),
    )
    distinct = texts.unique()
    verdicts = distinct.with_columns(
        pl.Series(
            "__same",
            [_one_trade(tuple(a.split(" ")), tuple(b.split(" "))) for a, b in distinct.iter_rows()],
            dtype=pl.Boolean,
        )
    )
    same = texts.join(verdicts, on=["__l", "__r"], how="left", maintain_order="left")["__same"]
    result[np.flatnonzero(rows)] = same.fill_null(False).to_numpy()
    return pl.Series(result)


@cache
def _one_trade(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """Whether two sets of trade words name one trade: each word has a partner on the other side
    that is a synonym of it (data/organisation_trade_synonyms.csv), one typo from it, or begins
    it ("elektro" / "elektrotechnik", "druck" / "druckerei", "systeme" / "systemtechnik" by its
    stem "system"); or the words run together are one ("haus technik" / "haustechnik")."""
    if _trade_word_pair("".join(left), "".join(right)):
        return True
    return all(any(_trade_word_pair(a, b) for b in right) for a in left) and all(
        any(_trade_word_pair(a, b) for a in left) for b in right
    )


def _trade_word_pair(left: str, right: str) -> bool:
    synonyms = trade_synonyms()
    if left == right or synonyms.get(left, left) == synonyms.get(right, right):
        return True
    shorter, longer = sorted((left, right), key=len)
    # One typo ("getrraenkehandel"), two in a long word.
    if len(shorter) >= TRADE_STEM_MIN_LETTERS and OSA.distance(left, right) <= (
        2 if len(shorter) >= 10 else 1
    ):
        return True
    stems = {shorter} | {
        shorter.removesuffix(ending) for ending in _TRADE_ENDINGS if shorter.endswith(ending)
    }
    for stem in stems:
        if len(stem) < TRADE_STEM_MIN_LETTERS:
            continue
        # The stem begins the longer word, one typo allowed in a stem of six letters or more
        # ("sysetmtechnik" begins with "system" but for two letters swapped).
        allowed = 1 if len(stem) >= 6 else 0
        if any(
            OSA.distance(stem, longer[:size]) <= allowed
            for size in (len(stem) - 1, len(stem), len(stem) + 1)
        ):
            return True
    return False


def _contact_and_business_row() -> pl.Expr:
    """A company's contact (a person with an organisation) and a person without one.

    anna.huber@firma.de on a newsletter row next to the contact Anna Huber of Firma GmbH (whose
    record has info@firma.de) is her business sign-up, not her private record: the common
    business domain weighs for the pair, and matching.scoring does not keep them apart as
    contact and private person. Her private record (anna@gmx.de) has no business domain.
    """
    return (
        (_l("record_type") == "person")
        & (_r("record_type") == "person")
        & (_l("organisation_key").is_null() != _r("organisation_key").is_null())
    )


#: An organisation key this long (letters only) is no accident inside a domain name.
DOMAIN_NAME_MIN_LETTERS = 5


def _domain_name_parts(parts: pl.DataFrame) -> pl.DataFrame:
    """Per record: what its business domains and its own address there say about names.

    ``domain_labels``: each business domain's labels before the top-level domain, letters only
    ("druckerei-meier.de" -> "druckereimeier"); ``organisation_letters``: the organisation key
    in letters only ("druckerei meier" -> "druckereimeier"); ``business_local``: the local part
    of the record's own first address at a business domain, letters only ("p.schmid@" ->
    "pschmid"); ``first_letters`` / ``last_letters``: the name keys in letters only.
    """
    letters = r"[^a-z]"
    return _with_branch_names(
        parts.with_columns(
            pl.col("business_domains")
            .list.eval(
                pl.element()
                .str.replace(r"\.[^.]+$", "")
                .str.split(".")
                .explode()
                .str.replace_all(letters, "")
            )
            .alias("domain_labels"),
            pl.col("organisation_key").str.replace_all(letters, "").alias("organisation_letters"),
            pl.col("organisation_key").str.split(" ").alias("organisation_words"),
            domain_phrases(pl.col("business_domains")).alias("domain_phrases"),
            pl.col("business_personal_emails")
            .list.first()
            .str.extract(r"^(.*)@", 1)
            .str.replace_all(letters, "")
            .alias("business_local"),
            pl.col("first_name_key").str.replace_all(letters, "").alias("first_letters"),
            pl.col("last_name_key").str.replace_all(letters, "").alias("last_letters"),
            place_letters(pl.col("city_key")).alias("city_letters"),
            pl.col("legal_form")
            .replace_strict(legal_form_families(), default=None, return_dtype=pl.String())
            .alias("legal_family"),
        ).with_columns(
            _brand_letters(letters).alias("brand_letters"),
            _town_mailbox().alias("town_mailbox"),
            # The key's trade words, per record: a pair's differing words are checked against them
            # (_organisation's sister test) without matching every pair's words to the trade list.
            pl.col("organisation_key")
            .str.split(" ")
            .list.eval(pl.element().filter(is_trade_word(pl.element())))
            .alias("organisation_trades"),
        )
    )


def _town_mailbox() -> pl.Expr:
    """The record has a mailbox named after its own town (freising@, filiale-freising@ in
    Freising): a franchise branch's or a shop's, which a chain gives every branch. Also the
    town written short, its first letters (filiale.rosenhei@ in Rosenheim, stuttgar@ in
    Stuttgart: mail systems cut local parts to a few letters; krems@ for Krems an der Donau),
    as _mailbox_names_site and the cleaner's own-town mailbox read it."""
    town = place_letters(pl.col("city_key"))
    # The town last in each record's list of mailbox places, so one list.eval compares every
    # place with it.
    element = pl.element()
    places, own_town = element.head(pl.len() - 1), element.last()
    named = (places == own_town) | (
        (places.str.len_chars() >= TOWN_WORD_MIN_LETTERS) & own_town.str.starts_with(places)
    )
    return (
        (town.str.len_chars() >= 3)
        & pl.concat_list(mailbox_place(pl.col("business_emails")), town)
        .list.eval(named.fill_null(False))
        .list.any()
    ).fill_null(False)


#: A branch written on a record (cleaners.organisations.BRANCH_NAMED): "Filiale Wien",
#: "Niederlassung Krems", "Fil. 03", "Standort Passau" in the firm's name ("Brillenmacher AG -
#: Filiale Meißen"), in a name or address addition (an ERP's "zusatz", read as contact_name;
#: cleaners.contacts moves a branch label there to the department) or after the street
#: ("Kramgasse 19, Filiale Biel"); not the English "branch" (a name too: "Dorothy Sutton
#: Branch").
_BRANCH_COLUMNS = ("organisation_name", "contact_name", "department", "street")
_BRANCH_STRUCT = pl.Struct({"town": pl.String(), "number": pl.String()})


def _branch_word_in(column: str) -> pl.Expr:
    """An organisation record's ``column`` holds a branch word (BRANCH_NAMED)."""
    return (
        (pl.col("record_type") == "organisation") & pl.col(column).str.contains(BRANCH_NAMED)
    ).fill_null(False)


def _branch_parts(column: str) -> pl.Expr:
    """The branch's town key and number an organisation record's ``column`` names
    (cleaners.organisations.branch_of), one struct; read only where a branch word is (the
    column ``_named_<column>``, _with_branch_names)."""
    return (
        pl.when(pl.col(f"_named_{column}"))
        .then(pl.col(column))
        .map_elements(
            lambda text: dict(zip(("town", "number"), branch_of(text), strict=True)),
            return_dtype=_BRANCH_STRUCT,
        )
        .alias(f"_branch_{column}")
    )


def _with_branch_names(frame: pl.DataFrame) -> pl.DataFrame:
    """branch_named: an organisation record names a branch (a chain's branch, the firm's record
    in that town: _town_branches); branch_town, branch_number: the branch it names, by its name,
    name addition or street line, in that order (_branch_parts: branch_of once per column and
    named row). Each column is searched for a branch word once."""
    named = [f"_named_{column}" for column in _BRANCH_COLUMNS]
    parts = [f"_branch_{column}" for column in _BRANCH_COLUMNS]
    return (
        frame.with_columns(
            _branch_word_in(column).alias(name)
            for column, name in zip(_BRANCH_COLUMNS, named, strict=True)
        )
        .with_columns(
            pl.any_horizontal(named).alias("branch_named"),
            *(_branch_parts(column) for column in _BRANCH_COLUMNS),
        )
        .with_columns(
            pl.coalesce(pl.col(part).struct.field(field) for part in parts).alias(name)
            for field, name in (("town", "branch_town"), ("number", "branch_number"))
        )
        .drop(*named, *parts)
    )


def _brand_letters(letters: str) -> pl.Expr:
    """The organisation key in letters without its town at the end ("Veloblitz Zürich" in
    Zürich -> "veloblitz"; umlauts folded and "Sankt" as "St", see place_letters): a franchise
    branch named after its town, whose domain is the brand's. Null when the key does not end in
    the record's town or too little is left."""
    return brand_without_town(
        pl.col("organisation_key").str.replace_all(letters, ""), pl.col("city_key")
    )


def _domain_names_organisation(
    own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr], own_domain: bool = True
) -> pl.Expr:
    """``own`` record's organisation is what ``other``'s business domain is called (with
    ``own_domain=False`` only where ``own`` has no business domain of its own).

    The contact Paul Schmid of "Druckerei Meier GmbH" (an ERP row without e-mail) and
    paul.schmid@druckerei-meier.de: the domain is the firm's even though no record of the firm
    carries it.
    """
    name, brand = own("organisation_letters"), own("brand_letters")
    # A record with a business domain of its own is named by that one (Huber Bau AG of
    # huberbau.ch is not the Huber Bau GmbH of huber-bau.de).
    without_domain = pl.lit(own_domain) | (own("business_domains").list.len() == 0).fill_null(True)
    return without_domain & (
        (
            (name.str.len_chars() >= DOMAIN_NAME_MIN_LETTERS)
            & other("domain_labels").list.contains(name)
        ).fill_null(False)
        | other("domain_labels")
        .list.eval(folded_letters(pl.element()))
        .list.contains(brand)
        .fill_null(False)
    ).fill_null(False)


def _mailbox_names_site(own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr]) -> pl.Expr:
    """``own`` is a nameless organisation row whose mailbox is named after ``other``'s town
    (zuerich@veloblitz.ch and the Veloblitz branch in Zürich): that branch's or shop's mailbox,
    not the brand's (cleaners.organisations.mailbox_place)."""
    town = other("city_letters")
    # Or the town written short, its first letters (krems@ for Krems an der Donau).
    place = own("mailbox_places").list.drop_nulls().list.first()
    short = (place.str.len_chars() >= TOWN_WORD_MIN_LETTERS) & town.str.starts_with(place)
    return (
        own("organisation_key").is_null()
        & (town.str.len_chars() >= 3)
        & (own("mailbox_places").list.contains(town) | short.fill_null(False))
    ).fill_null(False)


def _mailbox_names_elsewhere(
    own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr]
) -> pl.Expr:
    """``own`` is a nameless organisation row whose mailbox is named after a town that is not
    ``other``'s (salzburg@firma.at next to the firm's record in Graz): another branch's."""
    named = own("mailbox_places").list.drop_nulls().list.len() > 0
    return (own("organisation_key").is_null() & named & ~_mailbox_names_site(own, other)).fill_null(
        False
    )


def _address_names(
    own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr], initial: bool = True
) -> pl.Expr:
    """``own`` record's address at a business domain spells ``other``'s name: the last name and
    the first name (elena.schneider@, schneider.elena@) or, with ``initial``, its initial
    (e.schneider@)."""
    local, first, last = own("business_local"), other("first_letters"), other("last_letters")
    with_last = (last.str.len_chars() >= 3) & local.str.contains(last, literal=True)
    # A contact named by the last name only ("z. Hd. Herrn Wolf") proves nothing here: in a
    # family firm k.wolf@ may be his wife's.
    first_too = local.str.contains(first, literal=True)
    if initial:
        first_too = first_too | (local.str.slice(0, 1) == first.str.slice(0, 1)) & (
            local.str.len_chars() == last.str.len_chars() + 1
        )
    return (with_last & first_too).fill_null(False)


def _family_firm(own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr]) -> pl.Expr:
    """``own`` record's last name is in ``other``'s business domain (Thomas Vogt of Schreinerei
    Vogt, vogt-holz.de): in a family firm every Vogt shares the domain and the surname, so the
    two say nothing about which Vogt a row is."""
    last = own("last_letters")
    return (
        (last.str.len_chars() >= 3)
        & other("domain_labels").list.join("|").str.contains(last, literal=True)
    ).fill_null(False)


def _email_domain(pairs: pl.DataFrame) -> pl.Series:
    """Two organisations with e-mails at a common business domain (person@ and info@firma.de).

    Between organisations, and between a company's contact and a person record without an
    organisation (``_contact_and_business_row``). Two contacts at one company's domain are
    colleagues, two private records at one domain a family's vanity domain: missing. Free-mail
    and ISP domains (rules/data/freemail_domains.csv) never count.
    """
    both_organisations = (_l("record_type") == "organisation") & (
        _r("record_type") == "organisation"
    )
    left, right = _l("business_domains"), _r("business_domains")
    contact_and_business = _contact_and_business_row().fill_null(False)
    # A contact's firm named by the other row's domain (the contact's record has no e-mail),
    # and an organisation named by the other one's domain (Maier Transporte GmbH, an ERP row
    # without e-mail, and kontakt@maiertransporte.de).
    named_domain = (
        contact_and_business
        & (_domain_names_organisation(_l, _r) | _domain_names_organisation(_r, _l))
    ) | (
        both_organisations.fill_null(False)
        & (
            _domain_names_organisation(_l, _r, own_domain=False)
            | _domain_names_organisation(_r, _l, own_domain=False)
        )
    )
    # ... or abbreviated (engel-vm.de for Engel Versicherungsmakler: matching.domain_abbreviations).
    for own, other in ((_l, _r), (_r, _l)):
        without_domain = (own("business_domains").list.len() == 0).fill_null(True)
        shortened = pl.lit(
            abbreviated(
                pairs.select(
                    own("organisation_words").alias("__words"),
                    other("domain_phrases").alias("__phrases"),
                )
            )
        )
        # Between organisations only for a nameless row at the domain (info@engel-vm.de): two
        # named firms are compared by their names (one name in two towns is two firms as
        # often as one).
        nameless = other("organisation_key").is_null()
        named_domain = named_domain | (
            (contact_and_business | (both_organisations & without_domain & nameless)).fill_null(
                False
            )
            & shortened
        )
    missing = (
        ~(both_organisations | contact_and_business).fill_null(False)
        | (left.list.len() == 0).fill_null(True)
        | (right.list.len() == 0).fill_null(True)
    ) & ~named_domain
    shared = (left.list.set_intersection(right).list.len() > 0).fill_null(False) | named_domain
    # The person row's own address at that domain spells the contact's name (e.schneider@ for
    # Elena Schneider): her business address, not a colleague's.
    names_contact = contact_and_business & (_address_names(_l, _r) | _address_names(_r, _l))
    # In a family firm only the whole first name tells the family members' addresses apart
    # (t.vogt@ may be Thomas's, his son Tobias's ...), and the domain with the surname says
    # nothing about which Vogt a record is.
    family = contact_and_business & (_family_firm(_l, _r) | _family_firm(_r, _l))
    names_contact = (names_contact & ~family) | (
        contact_and_business
        & family
        & (_address_names(_l, _r, initial=False) | _address_names(_r, _l, initial=False))
    )
    # Between organisations: a nameless row's mailbox names the other one's town (a branch's
    # or shop's mailbox, zuerich@veloblitz.ch): that branch, not the brand's other ones.
    names_contact = names_contact | (
        both_organisations.fill_null(False)
        & (_mailbox_names_site(_l, _r) | _mailbox_names_site(_r, _l))
    )

    # The very same mailbox, role addresses included (info@firma.de on both records); between a
    # contact and a person row only a personal one: the company's info@ on both says "same
    # company", which colleagues share too, not "same person" (the domain still counts).
    same_address = (
        pl.when(both_organisations)
        .then(_l("business_emails").list.set_intersection(_r("business_emails")))
        .otherwise(
            _l("business_personal_emails").list.set_intersection(_r("business_personal_emails"))
        )
        .list.len()
    )
    # ... and where a record has no first name, nothing else does: no evidence either way.
    no_first_name = _l("first_letters").is_null() | _r("first_letters").is_null()
    missing = missing | (
        family & no_first_name & ~names_contact & ~(same_address > 0).fill_null(False)
    )
    # A branch's mailbox of another town says "another branch" (not "same firm").
    elsewhere = both_organisations.fill_null(False) & (
        _mailbox_names_elsewhere(_l, _r) | _mailbox_names_elsewhere(_r, _l)
    )
    return _levels(
        pairs,
        missing,
        [
            (same_address > 0).fill_null(False),
            shared & names_contact,
            shared & ~elsewhere,
        ],
    )


def _name_suffix(pairs: pl.DataFrame) -> pl.Series:
    """The same jun./sen., one record with a suffix and the other without, or jun. beside sen.

    A "jun." says that a namesake "sen." lives in the household: beside it, a record of the same
    name without a suffix may be either of the two ("one_missing").
    """
    left, right = _l("name_suffix"), _r("name_suffix")
    return _levels(
        pairs,
        left.is_null() & right.is_null(),
        [left == right, left.is_null() | right.is_null()],
    )


#: The salutations that say which sex a person has (Familie, Firma, Divers do not).
_GENDERED = ("Herr", "Frau")


def _names_a_person(side: Callable[[str], pl.Expr]) -> pl.Expr:
    """The record names one person: a first name, or Herr / Frau."""
    return side("first_name_key").is_not_null() | side("salutation").is_in(_GENDERED).fill_null(
        False
    )


def _household_record(own: Callable[[str], pl.Expr], other: Callable[[str], pl.Expr]) -> pl.Expr:
    """``own`` is written to a household, no one person (no first name, no Herr/Frau): "Familie
    Volz", or its only e-mails are a family mailbox (a newsletter row of familie.volz@) or the
    family's name in the plural (grafs@ beside Roger Graf, hinterbergers@, die.meiers@; either
    record's last name): either spouse may read it. Not the name alone (bauer@ is often one
    person's own, and a record without first name is common)."""
    personal = own("personal_emails")
    mailbox_only = (own("household_emails").list.len() > 0) & (personal.list.len() == 0)
    locals_ = personal.list.eval(pl.element().str.extract(r"^(?:die[._-]?)?([a-z]+)@", 1))
    plurals = pl.concat_list(
        pl.concat_str(side("last_name_key").str.replace_all(r"[^a-z]", ""), pl.lit("s"))
        for side in (own, other)
    )
    plural_only = (
        (personal.list.len() > 0)
        & (locals_.list.drop_nulls().list.len() == personal.list.len())
        & (locals_.list.set_difference(plurals.list.drop_nulls()).list.len() == 0)
    )
    return (
        ~_names_a_person(own) & ((own("salutation") == "Familie") | mailbox_only | plural_only)
    ).fill_null(False)


def _gender(pairs: pl.DataFrame) -> pl.Series:
    """Herr vs Frau from the salutation (Stefan and Stefanie look alike, their salutations do not).

    Only the two gendered salutations count; Divers, Familie, Firma and none are missing. A
    household's record ("Familie Volz", no first name) beside a record naming a person (Wolfgang
    Volz, or Frau B. Volz) is "household": the household's record cannot be given to any one of
    its members, who share its name, address and landline (a hard rule keeps them apart).
    """
    unknown = ~_l("salutation").is_in(_GENDERED).fill_null(False) | ~_r("salutation").is_in(
        _GENDERED
    ).fill_null(False)
    household = (_household_record(_l, _r) & _names_a_person(_r)) | (
        _household_record(_r, _l) & _names_a_person(_l)
    )
    return _levels(pairs, unknown & ~household, [_l("salutation") == _r("salutation"), household])


def _vat_id(pairs: pl.DataFrame) -> pl.Series:
    return _levels(pairs, _either_null("vat_id"), [_l("vat_id") == _r("vat_id")])


#: Two unchecked ids this close as numbers (same length, fewer than 10 apart: 4321567 /
#: 4321568) may be two numbers issued together — twins registered at one time, siblings on one
#: form — rather than one number mistyped, so they are no evidence strong enough to outweigh a
#: different first name or birth date.
NEIGHBOUR_NUMBERS_BELOW = 10


def _personal_id(pairs: pl.DataFrame) -> pl.Series:
    """Personal ids (cleaners.personal_ids): equal and both checked, equal, one typo apart (a
    digit wrong, missing or two swapped), "neighbour" numbers, unlike, and "different": both
    pass their check digit and differ.

    "different" is what a hard rule acts on, so only checked ids reach it: a typo in an
    unchecked id (an SSN without check digit) looks like another person's number and stays
    "unlike" (it weighs), while two checked ids that differ are two numbers, not one mistyped.
    "typo" is strong evidence of one person (two people's numbers one typo apart are a
    coincidence), so a hard rule may let it outweigh a replaced given name; one exception is
    kept apart as "neighbour": two unchecked ids one digit apart whose numbers are fewer than
    NEIGHBOUR_NUMBERS_BELOW apart (numbers handed out one after the other, as to twins) — a
    typo or a sibling, which only weighs. Where one id passed its check digit and the other
    failed it, the failed one is no one's valid number: a typo, never a neighbour.
    """
    left, right = _l("personal_id"), _r("personal_id")
    both_checked = (is_checked(left) & is_checked(right)).fill_null(False)
    neither_checked = (~is_checked(left) & ~is_checked(right)).fill_null(False)
    # The numbers without their scheme: a checked id and the same number unchecked (a record
    # without country) are equal, and its mistyped copy (check digit failed) is a typo.
    numbers = pairs.select(
        personal_id_number(left).alias("number_l"), personal_id_number(right).alias("number_r")
    )
    equal = (pl.col("number_l") == pl.col("number_r")).fill_null(False)
    # Edit distances only where both ids are present and differ (most data has no ids at all).
    open_rows = numbers.select(
        (pl.col("number_l") != pl.col("number_r")).fill_null(False)
    ).to_series()
    distance = _pairwise_where(numbers, "number_l", "number_r", OSA.distance, open_rows.to_numpy())
    typo = pl.Series(open_rows.to_numpy() & (distance <= 1))
    as_integer = {
        side: pl.col(f"number_{side}").str.to_integer(strict=False) for side in ("l", "r")
    }
    neighbour = (
        neither_checked
        & (pl.col("number_l").str.len_chars() == pl.col("number_r").str.len_chars())
        & ((as_integer["l"] - as_integer["r"]).abs() < NEIGHBOUR_NUMBERS_BELOW)
    ).fill_null(False)
    # "none of the above" ("different"): two checked ids that differ.
    return _levels(
        pairs.with_columns(numbers),
        _either_null("personal_id"),
        [
            equal & both_checked,
            equal,
            pl.lit(typo) & ~both_checked & ~neighbour,
            pl.lit(typo) & neighbour,
            ~both_checked,
        ],
    )


def _levels_where(
    possible: Callable[[], pl.Expr], level: Callable[[pl.DataFrame], pl.Series]
) -> Callable[[pl.DataFrame], pl.Series]:
    """``level`` computed only on the pairs ``possible`` marks, MISSING on all others.

    For comparisons that are missing by definition outside some pairs (the organisation ones
    between two persons without an organisation): in person data they cost about a fifth of
    the comparisons' time for nothing. ``level`` must give MISSING wherever ``possible`` is
    false and compute each row from that row alone, so the levels are the same as on all pairs.

    The rows are gathered by index, not filtered: a filter keeps the frame's chunks, emptied
    ones included, and polars (2.1) panics in a list set operation (``list.set_intersection``:
    "index out of bounds: the len is 1 but the index is 1") when a list column's first chunk
    is empty — the 1M light run's batch whose only organisation pair sat past its first chunk.
    A gather makes one contiguous chunk.
    """

    def where(pairs: pl.DataFrame) -> pl.Series:
        rows = np.flatnonzero(pairs.select(possible().fill_null(False)).to_series().to_numpy())
        # Most pairs possible: gathering the wide frame would cost more than it saves.
        if rows.size and 2 * rows.size >= pairs.height:
            return level(pairs)
        result = np.full(pairs.height, MISSING, dtype=np.int8)
        if rows.size:
            result[rows] = level(pairs[rows]).to_numpy()
        return pl.Series(result, dtype=pl.Int8)

    return where


def _organisation_named() -> pl.Expr:
    """Either record names an organisation (else ``_organisation`` is missing)."""
    return _l("organisation_key").is_not_null() | _r("organisation_key").is_not_null()


def _business_pair() -> pl.Expr:
    """Two organisations, or a company's contact and a person without one: the pairs whose
    business domains ``_email_domain`` compares (missing for all others)."""
    return _both_organisations_expr() | _contact_and_business_row()


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name",
        (
            "exact",
            "nickname",
            "opposite_sex",
            "other_given_name",
            "jaro_winkler_0.9",
            "similar",
            "unlike",
            "swapped_one_way",
            "different",
        ),
        _first_name,
    ),
    Comparison("last_name", ("exact", "phonetic", "jaro_winkler_0.8", "different"), _last_name),
    Comparison(
        "birth_date",
        ("exact", "swap_or_typo", "within_one_year", "year_typo", "years_apart", "different"),
        _birth_date,
    ),
    Comparison(
        "email", ("shared", "similar", "shared_household", "own_names", "different"), _email
    ),
    Comparison("email_year", ("same_year", "different"), _email_year),
    Comparison("phone", ("shared", "shared_landline", "no_common_number", "different"), _phone),
    Comparison(
        "address",
        ("house", "street", "other_house", "other_street", "place", "different"),
        _address,
    ),
    Comparison(
        "site",
        ("house", "other_unit", "street", "place", "same_firm", "different"),
        _levels_where(_both_organisations_expr, _site),
    ),
    Comparison(
        "organisation",
        (
            "exact",
            "jaro_winkler_0.9",
            "same_trade",
            "contained",
            "most_words",
            "one_word",
            "only_one",
            "sister",
            "different",
        ),
        _levels_where(_organisation_named, _organisation),
    ),
    Comparison(
        "email_domain",
        ("same_address", "names_contact", "shared", "different"),
        _levels_where(_business_pair, _email_domain),
    ),
    Comparison("vat_id", ("exact", "different"), _vat_id),
    Comparison(
        "personal_id",
        ("exact_checked", "exact", "typo", "neighbour", "unlike", "different"),
        _personal_id,
    ),
    Comparison("name_suffix", ("same", "one_missing", "different"), _name_suffix),
    Comparison("gender", ("same", "household", "different"), _gender),
)


#: Pairs compared in one go. A joined row carries both records' attributes (lists included, about
#: 1.5 KB), a compared row a few bytes: 6 million pairs in one frame took 10 GiB.
COMPARE_CHUNK_PAIRS = 250_000


#: Marks a frame comparison_attributes made (its columns are no cleaned record's).
_PREPARED = "personal_emails"


def is_prepared(records: pl.DataFrame) -> bool:
    """Whether ``records`` is what comparison_attributes made (it returns such a frame as is)."""
    return _PREPARED in records.columns


def comparison_attributes(
    records: pl.DataFrame, owners: pl.DataFrame | None = None
) -> pl.DataFrame:
    """What compare_pairs reads of each record: the compared columns with the contact parts.

    Computed per record, not per pair. compare_pairs accepts this frame in place of the
    cleaned records; made once before the pairs are cut into partitions, each partition's
    records need not be prepared again (a million records in 22 partitions prepared 10
    million rows). ``owners`` (domain_owners of all records) when ``records`` are only some
    of them: a domain's owner depends on every organisation that carries it.
    """
    if _PREPARED in records.columns:
        return records
    attributes = records.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in OPTIONAL_COLUMNS.items()
        if name not in records.columns
    ).select(COMPARED_COLUMNS)
    # The raw lists are read only by _contact_parts; joining them to every pair costs time.
    parts = _contact_parts(attributes).drop("emails", "role_emails", "phone_types")
    parts = _domain_name_parts(parts)
    if owners is None:
        owners = _owners(parts)
    elif TOWN_BRANCH not in owners.columns:
        owners = owners.join(_town_branches(parts), on="record_key", how="left")
    return parts.join(owners, on="record_key", how="left", maintain_order="left").with_columns(
        pl.col(TOWN_BRANCH).fill_null(False)
    )


#: Per record: the firm of its name in its town has a mailbox named after that town (see
#: _town_branches); decided over all records, as a domain's owner is.
TOWN_BRANCH = "town_branch"


def _owners(parts: pl.DataFrame) -> pl.DataFrame:
    """record_key -> domain_owner, town_branch over all of ``parts`` (comparison attributes).

    Organisations: their business domains' owner; persons: their addresses' one named owner
    (matching.email_owners), which a nameless row shares with that person. town_branch: see
    _town_branches.
    """
    owned = pl.concat(
        [
            _domain_owners(parts),
            email_owners(
                parts,
                pl.col("personal_emails"),
                pl.concat_list("personal_emails", "household_emails"),
            ),
        ]
    )
    return owned.join(_town_branches(parts), on="record_key", how="full", coalesce=True)


def _town_branches(parts: pl.DataFrame) -> pl.DataFrame:
    """record_key -> town_branch (true) for each organisation record of a name (its brand: the
    name without its town, "Pilatus Optik Regensburg" -> "pilatusoptik") of which a record in
    the same town has a mailbox named after that town (_town_mailbox): the chain's branch in
    that town, and so are its records without that mailbox ("Seeblick Nachhilfe GmbH" in
    Stuttgart without e-mail beside "Seeblick Nachhilfe" with stuttgart@ at one address). A
    franchise branch is a legal entity of its own; another town's record at the brand's domain
    is not evidence it is that one (_site). Computed over all records, not per pair: the
    record with the mailbox need not be in the pair.
    """
    organisations = parts.filter(
        (pl.col("record_type") == "organisation")
        & pl.col("organisation_letters").is_not_null()
        & pl.col("city_letters").is_not_null()
    ).select(
        "record_key",
        "city_letters",
        "town_mailbox",
        "branch_named",
        pl.coalesce("brand_letters", folded_letters(pl.col("organisation_letters"))).alias(
            "__brand"
        ),
    )
    towns = (
        organisations.filter(pl.col("town_mailbox") | pl.col("branch_named"))
        .select("__brand", "city_letters")
        .unique()
    )
    return organisations.join(towns, on=["__brand", "city_letters"], how="semi").select(
        "record_key", pl.lit(True).alias(TOWN_BRANCH)
    )


def domain_owners(records: pl.DataFrame, organisations: pl.DataFrame | None = None) -> pl.DataFrame:
    """record_key -> domain_owner (see _domain_owners; for persons matching.email_owners) over
    all of ``records``; ``organisations``: their organisation_owners, when known already.

    For comparing the pairs of some records only (an incremental night, the records of one
    batch): computed on the subset, a domain shared by a firm outside it would look owned.
    """
    if _PREPARED in records.columns:
        return records.select("record_key", "domain_owner", TOWN_BRANCH)
    if "record_type" not in records.columns:
        return pl.DataFrame(
            schema={"record_key": pl.String, "domain_owner": pl.String, TOWN_BRANCH: pl.Boolean}
        )
    if organisations is None:
        organisations = organisation_owners(records)
    return pl.concat(
        [organisations, email_owners(records, personal_addresses(), mailbox_addresses())],
        how="diagonal",
    )


def organisation_owners(records: pl.DataFrame) -> pl.DataFrame:
    """record_key -> domain_owner, town_branch of the organisation records of ``records``: the
    part of domain_owners that reads organisation records alone (matching.incremental keeps it
    for the next night while none of them changed)."""
    organisations = records.filter(pl.col("record_type") == "organisation")
    return comparison_attributes(organisations).select("record_key", "domain_owner", TOWN_BRANCH)


def with_domain_owners(compared: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """``compared`` (e.g. pairs reused from the last night) with ``same_domain_owner`` from
    today's ``owners``: a new firm at a domain makes it nobody's for every old pair too."""
    if "same_domain_owner" not in compared.columns:
        return compared
    owner = owners.select("record_key", "domain_owner")
    flags = (
        compared.select("left_key", "right_key")
        .join(owner, left_on="left_key", right_on="record_key", how="left", maintain_order="left")
        .join(
            owner.rename({"domain_owner": "domain_owner_r"}),
            left_on="right_key",
            right_on="record_key",
            how="left",
            maintain_order="left",
        )
        .select(
            (pl.col("domain_owner") == pl.col("domain_owner_r"))
            .fill_null(False)
            .alias("same_domain_owner")
        )
    )
    return compared.with_columns(flags["same_domain_owner"])


def _domain_owners(attributes: pl.DataFrame) -> pl.DataFrame:
    """Per organisation record: the one named organisation its business domains belong to.

    ``domain_owner`` is the organisation_key of the only named organisation whose records carry
    the record's business domain(s) (kontakt@firma.de and info@firma.de: firma.de), computed
    over all records compared together. A named record without that e-mail whose name the
    domain spells (Maier Transporte GmbH, maiertransporte.de) carries it too, and keys one or
    two typos apart ("auer immobilien" / "auer immobnlien") are one name: the most frequent
    owns the domain. Null when no named organisation carries the domain, or more than one
    does: two names (a group's subsidiaries, an agency or shared-hosting domain), or one name
    with two VAT ids or in two places (franchise branches of one name), or when the record's
    domains belong to different organisations. matching.scoring lets a nameless mailbox row
    join a firm by domain only when both sides name the same owner, so such a row never
    bridges two firms.
    """
    columns = (
        "record_key",
        "record_type",
        "organisation_key",
        "organisation_letters",
        "brand_letters",
        "vat_id",
        "city_letters",
        "business_domains",
        "legal_family",
    )
    organisations = attributes.select(columns).filter(pl.col("record_type") == "organisation")
    carried = organisations.explode("business_domains").drop_nulls("business_domains")
    domains = _named_domains(organisations, carried)
    named = domains.filter(pl.col("organisation_key").is_not_null())
    keys = named.group_by("business_domains", "organisation_key").agg(pl.len().alias("__n"))
    mode = keys.sort(
        ["business_domains", "__n", "organisation_key"], descending=[False, True, False]
    ).unique("business_domains", keep="first", maintain_order=True)
    spelled = keys.join(
        mode.select("business_domains", pl.col("organisation_key").alias("owner")),
        on="business_domains",
    )
    squashed = spelled.select(
        pl.col("organisation_key").str.replace_all(" ", "").alias("key_l"),
        pl.col("owner").str.replace_all(" ", "").alias("key_r"),
    )
    distance = pl.Series(edit_distance(squashed, "key"))
    one_name = spelled.with_columns(
        (
            pl.lit(distance) <= pl.when(pl.col("owner").str.len_chars() >= 10).then(2).otherwise(1)
        ).alias("__typo")
    )
    # Legal entities at the domain: its VAT ids, and the towns of records without one that
    # are not where a record with a VAT id is (a head office's records without the id and its
    # branch "Niederlassung Augsburg" with it are one entity; two towns without ids are two).
    with_vat = named.filter(pl.col("vat_id").is_not_null())
    unplaced = named.filter(pl.col("vat_id").is_null() & pl.col("city_letters").is_not_null()).join(
        with_vat, on=["business_domains", "city_letters"], how="anti"
    )
    entity = pl.concat(
        [
            with_vat.select(
                "business_domains", pl.concat_str(pl.lit("vat:"), "vat_id").alias("__entity")
            ),
            unplaced.select(
                "business_domains", pl.concat_str(pl.lit("in:"), "city_letters").alias("__entity")
            ),
        ]
    )
    owners = (
        one_name.group_by("business_domains")
        .agg(pl.col("owner").first(), pl.col("__typo").all().alias("__one_name"))
        .join(
            entity.group_by("business_domains").agg(pl.col("__entity").n_unique()),
            on="business_domains",
            how="left",
        )
        .filter(pl.col("__one_name") & (pl.col("__entity").fill_null(0) <= 1))
        .select("business_domains", "owner")
    )
    return (
        domains.join(owners, on="business_domains", how="left")
        .group_by("record_key")
        .agg(
            pl.when(pl.col("owner").null_count() == 0, pl.col("owner").n_unique() == 1)
            .then(pl.col("owner").first())
            .alias("domain_owner")
        )
        .select("record_key", pl.col("domain_owner").cast(pl.String))
    )


def _named_domains(organisations: pl.DataFrame, carried: pl.DataFrame) -> pl.DataFrame:
    """``carried`` (one row per organisation record and business domain it carries) plus the
    named records whose name (or name without their town) a carried domain spells."""
    letters = r"[^a-z]"
    labels = (
        carried.select("business_domains")
        .unique()
        .with_columns(
            pl.col("business_domains").str.replace(r"\.[^.]+$", "").str.split(".").alias("__label")
        )
        .explode("__label")
        .with_columns(pl.col("__label").str.replace_all(letters, ""))
        .filter(pl.col("__label").str.len_chars() >= DOMAIN_NAME_MIN_LETTERS)
    )
    # Only records without a business domain of their own: Huber Bau AG of huberbau.ch is not
    # named by huber-bau.de, the domain of the Huber Bau GmbH in Munich.
    named = organisations.filter(
        pl.col("organisation_key").is_not_null()
        & (pl.col("business_domains").list.len() == 0).fill_null(True)
    ).drop("business_domains")
    folded = labels.with_columns(folded_letters(pl.col("__label")))
    spelled = [
        named.join(table, left_on=column, right_on="__label").select(carried.columns)
        for column, table in (("organisation_letters", labels), ("brand_letters", folded))
    ]
    # A name the domain spells but of another legal-form family than the records carrying it
    # is another legal entity (README): Heuriger Krause KG (gmail) is not at heuriger-kraus.at,
    # the Heuriger Kraus GmbH's domain, whose nameless kontakt@ row joined the KG.
    families = carried.group_by("business_domains").agg(
        pl.col("legal_family").drop_nulls().unique().alias("__families")
    )
    others = (
        pl.concat([*spelled, _abbreviating_domains(named, carried)])
        .join(families, on="business_domains", how="left")
        .filter(
            pl.col("legal_family").is_null()
            | (pl.col("__families").list.len() == 0).fill_null(True)
            | pl.col("__families").list.contains(pl.col("legal_family"))
        )
        .select(carried.columns)
    )
    return pl.concat([carried, others]).unique(["record_key", "business_domains"])


def _abbreviating_domains(named: pl.DataFrame, carried: pl.DataFrame) -> pl.DataFrame:
    """The named records (``named``, without a business domain of their own) whose name a
    carried domain abbreviates (engel-vm.de, Engel Versicherungsmakler: see
    matching.domain_abbreviations), in ``carried``'s columns. Candidates meet on a whole word
    of the name the label holds and on the letters their words begin with, then are checked
    (on the word alone every firm of a family name met every domain holding it: 3 million
    candidates at 1M rows)."""
    phrases = (
        carried.select("business_domains")
        .unique()
        .with_columns(domain_phrases(pl.concat_list("business_domains")).alias("__phrases"))
        .explode("__phrases")
        .drop_nulls("__phrases")
    )
    anchors = phrases.with_columns(
        pl.col("__phrases").str.split(" ").alias("__anchor"),
        first_letters(pl.col("__phrases").str.split(" ")).alias("__letters"),
    ).explode("__anchor")
    anchors = anchors.filter(pl.col("__anchor").str.len_chars() >= ANCHOR_MIN_LETTERS)
    words = named.select(
        "record_key", pl.col("organisation_key").str.split(" ").alias("__words")
    ).with_columns(
        pl.col("__words").alias("__anchor"), first_letters(pl.col("__words")).alias("__letters")
    )
    candidates = (
        words.explode("__anchor")
        .join(anchors, on=["__anchor", "__letters"])
        .unique(["record_key", "business_domains", "__phrases"])
        .with_columns(pl.concat_list("__phrases").alias("__phrases"))
    )
    if candidates.is_empty():
        return carried.clear()
    found = candidates.filter(abbreviated(candidates.select("__words", "__phrases")))
    return named.join(found.select("record_key", "business_domains"), on="record_key").select(
        carried.columns
    )


def compare_pairs(
    pairs: pl.DataFrame,
    records: pl.DataFrame,
    *,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
    comparisons: Sequence[Comparison] = COMPARISONS,
) -> pl.DataFrame:
    """Attach ``<comparison>_level`` columns to the candidate pairs (left_key, right_key, ...).

    The pairs are compared ``chunk_pairs`` at a time, so memory follows the chunk, not the
    number of pairs; the levels do not depend on the chunk size. ``records`` are cleaned
    records or what comparison_attributes made of them. ``comparisons``: only these levels
    (a pair's levels do not depend on each other; matching.cascade computes them in stages).
    """
    sides = PairSides.of(records)
    return pl.concat(
        [
            sides.compare(pairs.slice(start, chunk_pairs), comparisons)
            for start in range(0, max(pairs.height, 1), chunk_pairs)
        ]
    )


@dataclass(frozen=True)
class PairSides:
    """Prepared records as both sides of a pair (columns ``<name>_l`` and ``<name>_r``): what
    a chunk of pairs gathers its two records' attributes from, by key or by row."""

    left: pl.DataFrame
    right: pl.DataFrame
    #: record_key -> __row: each key's (first) row in ``left`` and ``right``
    rows: pl.DataFrame

    @classmethod
    def of(cls, records: pl.DataFrame) -> PairSides:
        """``records`` prepared (comparison_attributes) as the two sides of a pair."""
        attributes = comparison_attributes(records)
        return cls(
            attributes.rename({name: f"{name}_l" for name in attributes.columns}),
            attributes.rename({name: f"{name}_r" for name in attributes.columns}),
            attributes.select(
                "record_key", pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row")
            ).unique("record_key", keep="first", maintain_order=True),
        )

    def rows_of(self, keys: pl.Series) -> pl.Series:
        """Per key of ``keys``: its row (null when the records lack it)."""
        return (
            keys.alias("record_key")
            .to_frame()
            .join(self.rows, on="record_key", how="left", maintain_order="left")["__row"]
        )

    def joined(
        self, pairs: pl.DataFrame, places: Sequence[pl.Series] | None = None
    ) -> pl.DataFrame:
        """``pairs`` with both records' attributes, in the pairs' order, the right record's
        swapped first and last name aligned (``_align_swapped_names``). ``places``: the rows
        of the left and the right records when the caller knows them (else looked up by
        left_key and right_key; pairs with a key not among the records left out)."""
        # One chunk per column: polars' eager select and with_columns (every comparison's) copy
        # a frame whose columns lie in several chunks into one first, all ~85 columns each call
        # (40 ms per call on 250,000 pairs; the comparisons 9.9 -> 6.3 µs a pair at 300k).
        joined = _attributes_of(pairs, self.left, self.right, self.rows, places).rechunk()
        return _align_swapped_names(joined)

    def compare(
        self, pairs: pl.DataFrame, comparisons: Sequence[Comparison] = COMPARISONS
    ) -> pl.DataFrame:
        """compare_pairs of one chunk of ``pairs``."""
        # In the pairs' order: sorted pairs stay sorted, so no wide frame needs sorting later.
        return compared_levels(self.joined(pairs), pairs.columns, comparisons)


def _attributes_of(
    pairs: pl.DataFrame,
    left: pl.DataFrame,
    right: pl.DataFrame,
    rows: pl.DataFrame,
    places: Sequence[pl.Series] | None = None,
) -> pl.DataFrame:
    """``pairs`` with both records' attributes, in the pairs' order; pairs with a key not among
    the records left out (as an inner join would). The rows are looked up by key on two narrow
    frames and gathered: joining the wide attribute frames by key cost twice as much.
    ``places``: the left and right records' rows, known to the caller (no key looked up)."""
    if places is None:
        places = [
            pairs.select(key)
            .join(rows, left_on=key, right_on="record_key", how="left", maintain_order="left")[
                "__row"
            ]
            .rechunk()  # gathered by a one-chunk index, the columns stay one chunk
            for key in ("left_key", "right_key")
        ]
        found = places[0].is_not_null() & places[1].is_not_null()
        if not found.all():
            pairs, places = pairs.filter(found), [place.filter(found) for place in places]
    frames = [left.drop("record_key_l"), right.drop("record_key_r")]
    business = [f"{name}_{end}" for end in ("l", "r") for name in _ORGANISATION_ONLY]
    narrow = [
        frame.drop(business, strict=False)[place]
        for frame, place in zip(frames, places, strict=True)
    ]
    joined = pl.concat([pairs, *narrow], how="horizontal")
    # Person data: most chunks hold no pair an organisation comparison reads (_levels_where
    # gives those "missing" without reading a column), so their wide columns (lists of
    # domains, mailboxes, labels) are gathered only for a chunk that has one.
    if not joined.select((_organisation_named() | _both_organisations_expr()).any()).item():
        return joined
    wide = [
        pl.concat(
            [part, frame.select(pl.all().exclude(part.columns))[place]], how="horizontal"
        ).select(frame.columns)
        for part, frame, place in zip(narrow, frames, places, strict=True)
    ]
    return pl.concat([pairs, *wide], how="horizontal")


#: Attributes only the organisation comparisons (site, organisation, email_domain) read: not
#: gathered for a chunk without a pair they compare (_attributes_of).
_ORGANISATION_ONLY = (
    "business_domains",
    "branch_town",
    "branch_number",
    "business_emails",
    "business_personal_emails",
    "mailbox_places",
    "domain_labels",
    "domain_phrases",
    "organisation_letters",
    "organisation_words",
    "business_local",
    "first_letters",
    "last_letters",
    "city_letters",
    "brand_letters",
    "house_base",
    "house_unit",
)


def compared_levels(
    joined: pl.DataFrame, columns: Sequence[str], comparisons: Sequence[Comparison] = COMPARISONS
) -> pl.DataFrame:
    """``columns`` of ``joined`` (what PairSides.joined made), both record types,
    same_domain_owner and the levels of ``comparisons``: compare_pairs' frame."""
    levels = [
        comparison.level(joined).alias(f"{comparison.name}_level") for comparison in comparisons
    ]
    # One named organisation owns the business domain of both records (matching.scoring's
    # organisation mailbox rule reads it; not a comparison: it weighs nothing).
    return joined.select(
        *columns, "record_type_l", "record_type_r", SAME_DOMAIN_OWNER.alias("same_domain_owner")
    ).with_columns(levels)


#: Both records' domain owners are one and the same (of a frame PairSides.joined made).
SAME_DOMAIN_OWNER = (pl.col("domain_owner_l") == pl.col("domain_owner_r")).fill_null(False)


def _align_swapped_names(pairs: pl.DataFrame) -> pl.DataFrame:
    """Swap the first and last name of the record that has them the other way round: the right
    one, unless only the left one's last name is a known first name (Krause Leon beside Leo
    Krause: the left one is swapped, and aligning the right one to it would compare Krause with
    Krause as first names and hide Leon / Leo in the last names)."""
    # Each similarity only where the ones before it allow a swap (few pairs after the first).
    # Compared in rapidfuzz's float32, as on all pairs: 0.9 in float32 is not below 0.9.
    sim = JaroWinkler.normalized_similarity
    limit = np.float32(0.9)

    def similarity(left: str, right: str, where: np.ndarray) -> np.ndarray:
        return _pairwise_where(pairs, left, right, sim, where).astype(np.float32)

    cross_first = _similarity(pairs, "first_name_key_l", "last_name_key_r") >= limit
    cross_last = cross_first & (
        similarity("last_name_key_l", "first_name_key_r", cross_first) >= limit
    )
    straight = similarity("first_name_key_l", "first_name_key_r", cross_last)
    swapped_rows = cross_last & (straight < limit)
    known = sorted(known_first_names())
    left_rows = (
        swapped_rows
        & pairs.select(
            pl.col("last_name_key_l").is_in(known).fill_null(False)
            & ~pl.col("first_name_key_l").is_in(known).fill_null(False)
        )
        .to_series()
        .to_numpy()
    )
    names = ("key", "phonetic")
    columns: list[pl.Expr] = []
    for end, rows in (("l", left_rows), ("r", swapped_rows & ~left_rows)):
        swapped = pl.lit(pl.Series(rows))
        columns += [
            pl.when(swapped)
            .then(pl.col(f"{other}_name_{part}_{end}"))
            .otherwise(pl.col(f"{own}_name_{part}_{end}"))
            .alias(f"{own}_name_{part}_{end}")
            for own, other in (("first", "last"), ("last", "first"))
            for part in names
        ]
        columns += [
            pl.when(swapped)
            .then(pl.col(f"last_name_key_{end}"))
            .otherwise(pl.col(f"first_name_group_{end}"))
            .alias(f"first_name_group_{end}"),
            pl.when(swapped)
            .then(pl.concat_list(pl.col(f"last_name_key_{end}")))
            .otherwise(pl.col(f"first_name_groups_{end}"))
            .alias(f"first_name_groups_{end}"),
        ]
        if f"first_name_sex_{end}" in pairs.columns:
            # The sex was read from the name now in the last-name column (Allen Amelia: Allen).
            columns.append(
                pl.when(swapped)
                .then(pl.lit(None, dtype=pl.String))
                .otherwise(pl.col(f"first_name_sex_{end}"))
                .alias(f"first_name_sex_{end}")
            )
    return pairs.with_columns(columns)


def _similarity(
    pairs: pl.DataFrame, left: str, right: str, metric: Any = JaroWinkler
) -> np.ndarray:
    frame = pairs.select(pl.col(left).alias("x_l"), pl.col(right).alias("x_r"))
    return _pairwise(frame, "x", metric.normalized_similarity, np.float64)
