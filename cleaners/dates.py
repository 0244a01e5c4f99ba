"""Dates and timestamps: birth dates, consent dates and record timestamps.

Accepted: ISO (with T, fractions and time zone; zoned values become naive UTC), DD.MM.YYYY and
D.M.YY, YYYY/MM/DD and YYYY.MM.DD, YYYYMMDD, Excel serial numbers (days since 1899-12-30, e.g.
25569 = 1970-01-01) and month names ("3. März 1970", "3 Mar 1970", "March 3, 1970", Austrian
"Jänner"). Slash dates are read day first (DACH convention). A silo's fixed format
(``[silos.x] date_format``) is tried first. Two-digit years take the century that puts the date in
the past (status corrected, so the guess is visible). Date-only text becomes midnight in
timestamp columns.

The common unambiguous formats are parsed vectorized in polars; only the rest goes through
``parse_timestamp`` once per distinct text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple

import polars as pl

from cleaners.outcome import (
    CORRECTED,
    INVALID,
    VALID,
    CleanResult,
    findings_for,
    map_distinct,
)
from cleaners.reference import read_table
from cleaners.text import clean_text

_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX = 2958465  # 9999-12-31
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,7}(?:[.,]\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_NUMERIC = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\.?[\s-]*([^\W\d_]+)\.?[\s,-]*(\d{2}|\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\.?,?\s+(\d{4})$")


class DateOutcome(NamedTuple):
    """A parsed timestamp (naive UTC; midnight for date-only text) with status and reason."""

    value: datetime | None
    status: str
    reason: str | None


@cache
def _months() -> dict[str, int]:
    return {row["name"]: int(row["month"]) for row in read_table("month_names.csv")}


def _pivot(two_digit: int, month: int, day: int, today: date) -> int:
    """Century for a two-digit year: the latest one that does not put the date in the future."""
    year = 2000 + two_digit
    try:
        return year if date(year, month, day) <= today else year - 100
    except ValueError:
        return year if year <= today.year else year - 100


def parse_timestamp(
    value: str | None, fmt: str | None = None, today: date | None = None
) -> DateOutcome:
    """Parse one date or timestamp text; impossible or unrecognized text -> None, invalid."""
    if value is None or not clean_text(value):
        return DateOutcome(None, VALID, None)
    text = clean_text(value)
    today = today or date.today()
    if fmt:
        fixed = _with_format(text, fmt, today)
        if fixed is not None:
            return fixed
    for parser in (_parse_compact, _parse_serial, _parse_iso, _parse_numeric, _parse_month_name):
        outcome = parser(text, today)
        if outcome is not None:
            return outcome
    return DateOutcome(None, INVALID, "unrecognized date format")


def _with_format(text: str, fmt: str, today: date) -> DateOutcome | None:
    try:
        parsed = datetime.strptime(text, fmt)
    except ValueError:
        return None
    if "%y" in fmt:  # Python's own pivot (1969/2068) is not ours
        parsed = parsed.replace(year=_pivot(parsed.year % 100, parsed.month, parsed.day, today))
    return DateOutcome(_to_naive_utc(parsed), VALID, None)


def _build(year: int, month: int, day: int, time: Sequence[int] = ()) -> DateOutcome:
    hour, minute, second = (*time, 0, 0, 0)[:3]
    try:
        return DateOutcome(datetime(year, month, day, hour, minute, second), VALID, None)
    except ValueError:
        return DateOutcome(None, INVALID, "impossible date")


def _parse_compact(text: str, today: date) -> DateOutcome | None:
    match = _COMPACT.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    return _build(year, month, day)


def _parse_serial(text: str, today: date) -> DateOutcome | None:
    if not _SERIAL.match(text):
        return None
    number = float(text.replace(",", "."))
    if 1900 <= number <= 2100 and number.is_integer():
        return DateOutcome(None, INVALID, "only a year, no date")
    if not 1 <= number <= _EXCEL_MAX:
        return DateOutcome(None, INVALID, "unrecognized date format")
    moment = _EXCEL_EPOCH + timedelta(days=number)
    return DateOutcome(moment.replace(microsecond=0), CORRECTED, "Excel serial number converted")


def _parse_iso(text: str, today: date) -> DateOutcome | None:
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    checked = _build(year, month, day)
    if checked.value is None:
        return checked
    try:
        parsed = datetime.fromisoformat(text.replace(" T", "T"))
    except ValueError:
        return DateOutcome(None, INVALID, "unrecognized date format")
    return DateOutcome(_to_naive_utc(parsed), VALID, None)


def _parse_numeric(text: str, today: date) -> DateOutcome | None:
    match = _NUMERIC.match(text)
    if match is None:
        return None
    first, _, middle, last, *clock = match.groups()
    time = [int(part) for part in clock if part is not None]
    if len(first) == 4:
        return _build(int(first), int(middle), int(last), time)
    if len(last) == 4:
        return _build(int(last), int(middle), int(first), time)
    if len(last) == 2:
        year = _pivot(int(last), int(middle), int(first), today)
        built = _build(year, int(middle), int(first), time)
        if built.value is None:
            return built
        return DateOutcome(built.value, CORRECTED, f"two-digit year read as {year}")
    return DateOutcome(None, INVALID, "unrecognized date format")


def _parse_month_name(text: str, today: date) -> DateOutcome | None:
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, name, year = match.groups()
    else:
        match = _MONTH_DAY_YEAR.match(text)
        if match is None:
            return None
        name, day, year = match.groups()
    month = _months().get(name.lower())
    if month is None:
        return DateOutcome(None, INVALID, "unrecognized month name")
    if len(year) == 2:
        full_year = _pivot(int(year), month, int(day), today)
        built = _build(full_year, month, int(day))
        if built.value is None:
            return built
        return DateOutcome(built.value, CORRECTED, f"two-digit year read as {full_year}")
    return _build(int(year), month, int(day))


def _to_naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


#: Older than this no birth date is possible: removed as invalid, like a date in the future.
#: Younger ones are kept, also past 120 years (rules.dq_rules.PLAUSIBLE_AGE_YEARS flags them).
POSSIBLE_AGE_YEARS = 150


@cache
def _placeholder_dates() -> frozenset[date]:
    return frozenset(date.fromisoformat(row["date"]) for row in read_table("placeholder_dates.csv"))


def birth_date_problem(born: date, today: date) -> str | None:
    """Why a birth date is impossible (future, placeholder, more than 150 years back), else
    None. A date 120 to 150 years back is possible: kept, and flagged by the DQ rules."""
    if born > today:
        return "birth date in the future"
    if born in _placeholder_dates():
        return "placeholder date, not a birth date"
    if born < _years_before(today, POSSIBLE_AGE_YEARS):
        return f"birth date more than {POSSIBLE_AGE_YEARS} years ago"
    return None


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


DATE_COLUMNS = ("birth_date", "consent_email_date", "consent_post_date", "consent_phone_date")
TIMESTAMP_COLUMNS = (
    "created_at",
    "updated_at",
    "last_activity",
    "consent_email_confirmed_at",
    "consent_post_confirmed_at",
    "consent_phone_confirmed_at",
)

# (guard regex, chrono format): unambiguous shapes parsed in polars without Python.
_FAST_FORMATS = (
    (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
    (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", "%Y-%m-%dT%H:%M:%S"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}$", "%d.%m.%Y %H:%M"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}:\d{2}$", "%d.%m.%Y %H:%M:%S"),
)
_TIMESTAMP = pl.Datetime("us")
# ISO with a zone ("Z", "+01:00"), converted to naive UTC like the Python path does.
_ZONED_GUARD = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$"


def _fast_parse(text: pl.Expr, silo_formats: Mapping[str, str]) -> pl.Expr:
    """Vectorized parse of the common formats; null where Python has to look at the text.

    Rows of a silo with a fixed format use only that format (unless it has %y or %z, whose
    handling differs from Python's and ours: those rows always go to Python).
    """
    zoned = (
        text.str.replace(r"Z$", "+00:00")
        .str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%z", strict=False)
        .dt.replace_time_zone(None)
    )
    generic = pl.when(text.str.contains(_ZONED_GUARD)).then(zoned).otherwise(None)
    for guard, fmt in reversed(_FAST_FORMATS):
        parsed = text.str.strptime(_TIMESTAMP, fmt, strict=False)
        generic = pl.when(text.str.contains(guard)).then(parsed).otherwise(generic)
    result = generic
    for silo, fmt in silo_formats.items():
        fixed = (
            pl.lit(None, _TIMESTAMP)
            if "%y" in fmt or "%z" in fmt
            else text.str.strptime(_TIMESTAMP, fmt, strict=False)
        )
        result = pl.when(pl.col("silo") == silo).then(fixed).otherwise(result)
    return result


def _clean_column(
    frame: pl.DataFrame, column: str, silo_formats: Mapping[str, str], today: date
) -> pl.DataFrame:
    text = pl.col(column).str.strip_chars()
    fmt = pl.col("silo").replace_strict(dict(silo_formats), default=None, return_dtype=pl.String)
    frame = frame.with_columns(__fast=_fast_parse(text, silo_formats), __fmt=fmt)
    frame = frame.with_columns(__slow=pl.when(pl.col("__fast").is_null()).then(pl.col(column)))
    frame = map_distinct(
        frame,
        ["__slow", "__fmt"],
        lambda value, fmt: parse_timestamp(value, fmt, today),
        {"__parsed": _TIMESTAMP, "__status": pl.String(), "__reason": pl.String()},
    )
    fast = pl.col("__fast").is_not_null()
    return frame.with_columns(
        __value=pl.coalesce("__fast", "__parsed"),
        __status=pl.when(fast).then(pl.lit(VALID)).otherwise(pl.col("__status")),
        __reason=pl.when(fast).then(None).otherwise(pl.col("__reason")),
    )


def _check_birth_dates(frame: pl.DataFrame, today: date) -> pl.DataFrame:
    """Impossible birth dates (``birth_date_problem``) are removed with a finding; an old but
    possible one (FEBRL's 1900-1906) stays a date for matching."""
    born = pl.col("__value").dt.date()
    future = born > today
    placeholder = born.is_in(sorted(_placeholder_dates()))
    ancient = born < _years_before(today, POSSIBLE_AGE_YEARS)
    impossible = (future | placeholder | ancient).fill_null(False)
    return frame.with_columns(
        __value=pl.when(impossible).then(None).otherwise(pl.col("__value")),
        __status=pl.when(impossible).then(pl.lit(INVALID)).otherwise(pl.col("__status")),
        __reason=pl.when(future)
        .then(pl.lit("birth date in the future"))
        .when(placeholder)
        .then(pl.lit("placeholder date, not a birth date"))
        .when(ancient)
        .then(pl.lit(f"birth date more than {POSSIBLE_AGE_YEARS} years ago"))
        .otherwise(pl.col("__reason")),
    )


def _birth_year(text: pl.Expr, today: date) -> pl.Expr:
    """The year of a birth date given as a year alone ("1980"), else null.

    No date (the finding says "only a year, no date"), yet the year tells parent and child of
    one name and address apart: matching compares it with the other record's year or date.
    Only a possible one (not in the future, at most POSSIBLE_AGE_YEARS back).
    """
    year = text.str.strip_chars().str.extract(r"^(\d{4})$", 1).cast(pl.Int32, strict=False)
    possible = (year <= today.year) & (year >= today.year - POSSIBLE_AGE_YEARS)
    return pl.when(possible).then(year).otherwise(None).cast(pl.Int32)


def clean_dates(
    frame: pl.DataFrame, *, date_formats: Mapping[str, str | None] | None, today: date
) -> CleanResult:
    """Parse birth_date and consent dates to Date; the timestamps (TIMESTAMP_COLUMNS) too.

    Adds ``birth_year``: the year of a birth date given as a year alone (``_birth_year``).
    """
    silo_formats = {silo: fmt for silo, fmt in (date_formats or {}).items() if fmt}
    findings = []
    for column in (*DATE_COLUMNS, *TIMESTAMP_COLUMNS):
        frame = _clean_column(frame, column, silo_formats, today)
        if column == "birth_date":
            frame = _check_birth_dates(frame, today).with_columns(
                pl.when(pl.col("__value").is_null())
                .then(_birth_year(pl.col(column), today))
                .alias("birth_year")
            )
        findings.append(
            findings_for(frame, column, value=column, status="__status", reason="__reason")
        )
        value = pl.col("__value")
        frame = frame.with_columns(
            (value.dt.date() if column in DATE_COLUMNS else value).alias(column)
        ).drop("__fast", "__fmt", "__slow", "__parsed", "__status", "__reason", "__value")
    return CleanResult(frame, pl.concat(findings))
