"""Comparisons: for each candidate pair, one agreement level per field, computed vectorized.

A comparison is data, as in Splink: an ordered list of levels from the strongest agreement down
to "different", plus "missing" (-1) when either side has no value. Levels are small integers in a
column ``<name>_level``; matching.scoring turns them into weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

MISSING = -1

#: Columns of the cleaned frame that comparisons read.
COMPARED_COLUMNS = (
    "record_key",
    "record_type",
    "first_name_key",
    "first_name_group",
    "first_name_phonetic",
    "last_name_key",
    "last_name_phonetic",
    "birth_date",
    "emails",
    "role_emails",
    "phones",
    "postal_code",
    "city_key",
    "street_key",
    "house_number",
    "organisation_key",
    "vat_id",
)


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


def jaro_winkler(pairs: pl.DataFrame, column: str) -> np.ndarray:
    """Jaro-Winkler similarity of the left and right values (0 where either is null)."""
    left = pairs[f"{column}_l"].fill_null("").to_list()
    right = pairs[f"{column}_r"].fill_null("").to_list()
    if not left:
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(left, right, scorer=JaroWinkler.normalized_similarity, workers=-1)


def _levels(pairs: pl.DataFrame, missing: pl.Expr, ladder: list[pl.Expr]) -> pl.Series:
    """Level index of the first true condition in ``ladder``; len(ladder) when none; -1 missing."""
    expr = pl.when(missing).then(MISSING)
    for index, condition in enumerate(ladder):
        expr = expr.when(condition).then(index)
    return pairs.select(expr.otherwise(len(ladder)).cast(pl.Int8))["literal"]


def _first_name(pairs: pl.DataFrame) -> pl.Series:
    similarity = pl.Series(jaro_winkler(pairs, "first_name_key"))
    return _levels(
        pairs,
        _either_null("first_name_key"),
        [
            _l("first_name_key") == _r("first_name_key"),
            _l("first_name_group") == _r("first_name_group"),
            pl.lit(similarity) >= 0.9,
            (_l("first_name_phonetic") == _r("first_name_phonetic")) | (pl.lit(similarity) >= 0.8),
        ],
    )


def _last_name(pairs: pl.DataFrame) -> pl.Series:
    similarity = pl.Series(jaro_winkler(pairs, "last_name_key"))
    return _levels(
        pairs,
        _either_null("last_name_key"),
        [
            _l("last_name_key") == _r("last_name_key"),
            (_l("last_name_phonetic") == _r("last_name_phonetic")) | (pl.lit(similarity) >= 0.92),
            pl.lit(similarity) >= 0.8,
        ],
    )


def _birth_date(pairs: pl.DataFrame) -> pl.Series:
    left, right = _l("birth_date"), _r("birth_date")
    swapped = (
        (left.dt.day() == right.dt.month())
        & (left.dt.month() == right.dt.day())
        & (left.dt.year() == right.dt.year())
    )
    # One typo in DD.MM.YYYY: exactly one of day, month, year differs, by a single digit.
    left_text, right_text = left.dt.strftime("%Y%m%d"), right.dt.strftime("%Y%m%d")
    differing_digits = pl.sum_horizontal(
        (left_text.str.slice(i, 1) != right_text.str.slice(i, 1)).cast(pl.Int8) for i in range(8)
    )
    return _levels(
        pairs,
        _either_null("birth_date"),
        [left == right, swapped | (differing_digits == 1)],
    )


def _shared(column: str, exclude: str | None = None) -> Callable[[pl.DataFrame], pl.Series]:
    def level(pairs: pl.DataFrame) -> pl.Series:
        left, right = _l(column), _r(column)
        if exclude is not None:
            # A null exclusion list means "nothing to exclude", not "no values at all".
            nothing = pl.lit([], dtype=pl.List(pl.String()))
            left = left.list.set_difference(_l(exclude).fill_null(nothing))
            right = right.list.set_difference(_r(exclude).fill_null(nothing))
        empty = (left.list.len() == 0) | (right.list.len() == 0)
        return _levels(
            pairs, empty.fill_null(True), [left.list.set_intersection(right).list.len() > 0]
        )

    return level


def _address(pairs: pl.DataFrame) -> pl.Series:
    same_postal = _l("postal_code") == _r("postal_code")
    same_street = _l("street_key") == _r("street_key")
    same_house = _l("house_number") == _r("house_number")
    same_place = same_postal | (_l("city_key") == _r("city_key"))
    return _levels(
        pairs,
        _either_null("postal_code") & _either_null("city_key"),
        [
            (same_postal & same_street & same_house).fill_null(False),
            (same_postal & same_street).fill_null(False),
            same_place.fill_null(False),
        ],
    )


def _organisation(pairs: pl.DataFrame) -> pl.Series:
    similarity = pl.Series(jaro_winkler(pairs, "organisation_key"))
    return _levels(
        pairs,
        _either_null("organisation_key"),
        [_l("organisation_key") == _r("organisation_key"), pl.lit(similarity) >= 0.9],
    )


def _vat_id(pairs: pl.DataFrame) -> pl.Series:
    return _levels(pairs, _either_null("vat_id"), [_l("vat_id") == _r("vat_id")])


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name", ("exact", "nickname", "jaro_winkler_0.9", "similar", "different"), _first_name
    ),
    Comparison("last_name", ("exact", "phonetic", "jaro_winkler_0.8", "different"), _last_name),
    Comparison("birth_date", ("exact", "swap_or_typo", "different"), _birth_date),
    Comparison("email", ("shared", "different"), _shared("emails", exclude="role_emails")),
    Comparison("phone", ("shared", "different"), _shared("phones")),
    Comparison("address", ("house", "street", "place", "different"), _address),
    Comparison("organisation", ("exact", "jaro_winkler_0.9", "different"), _organisation),
    Comparison("vat_id", ("exact", "different"), _vat_id),
)


def compare_pairs(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Attach ``<comparison>_level`` columns to the candidate pairs (left_key, right_key, ...)."""
    attributes = records.select(COMPARED_COLUMNS)
    joined = pairs.join(
        attributes.rename({name: f"{name}_l" for name in COMPARED_COLUMNS}),
        left_on="left_key",
        right_on="record_key_l",
    ).join(
        attributes.rename({name: f"{name}_r" for name in COMPARED_COLUMNS}),
        left_on="right_key",
        right_on="record_key_r",
    )
    levels = [
        comparison.level(joined).alias(f"{comparison.name}_level") for comparison in COMPARISONS
    ]
    return joined.select(*pairs.columns, "record_type_l", "record_type_r").with_columns(levels)
