"""The values an export column can show: golden-record fields and values derived from them.

A profile column names one value (``value = "street_line"``). Each value is a polars expression
over the golden frame and has a kind that decides how it is written (see reports.exports.render):
text as is, dates and datetimes in the profile's format, booleans as the profile's words for
true and false, phone numbers unescaped when they are plain E.164.

The golden frame has the columns of matching.survivorship.GOLDEN_COLUMNS (a test keeps
``GOLDEN_FIELDS`` in step) plus two phone lists, ``mobile_phones`` and ``other_phones`` (the
golden record's phones split by type, in trust order: ``with_phone_types`` with the phone-number
metadata flows.export passes in). Without them every phone counts as "other".
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial
from importlib import resources
from typing import Final

import polars as pl

from rules.canonical import CONSENT_CHANNELS
from rules.reference import freemail_domains


class Kind(StrEnum):
    """How a value is written into a cell."""

    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    PHONE = "phone"
    NUMBER = "number"


@dataclass(frozen=True)
class Value:
    """One nameable value: its kind and the expression that computes it."""

    kind: Kind
    expression: Callable[[], pl.Expr]


#: Scalar golden-record columns by kind (phones and emails are lists, reached through values).
GOLDEN_FIELDS: Final[dict[str, Kind]] = {
    "golden_id": Kind.TEXT,
    "record_type": Kind.TEXT,
    "salutation": Kind.TEXT,
    "title": Kind.TEXT,
    "first_name": Kind.TEXT,
    "last_name": Kind.TEXT,
    "organisation_name": Kind.TEXT,
    "legal_form": Kind.TEXT,
    "department": Kind.TEXT,
    "street": Kind.TEXT,
    "house_number": Kind.TEXT,
    "postal_code": Kind.TEXT,
    "city": Kind.TEXT,
    "country": Kind.TEXT,
    "address_extra": Kind.TEXT,
    "birth_date": Kind.DATE,
    "vat_id": Kind.TEXT,
    "segment": Kind.TEXT,
    "profession": Kind.TEXT,
    **{
        f"consent_{channel}{suffix}": kind
        for channel in CONSENT_CHANNELS
        for suffix, kind in (
            ("", Kind.BOOLEAN),
            ("_date", Kind.DATE),
            ("_source", Kind.TEXT),
            ("_text", Kind.TEXT),
            ("_confirmed_at", Kind.DATETIME),
        )
    },
    "created_at": Kind.DATETIME,
    "updated_at": Kind.DATETIME,
    "last_activity": Kind.DATETIME,
    "member_count": Kind.NUMBER,
    "silos": Kind.TEXT,
    "account_golden_id": Kind.TEXT,
}

#: Separator between the items of a list value inside one cell (as in every CSV output).
LIST_SEPARATOR: Final = "; "


def _data_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV in reports/exports/data (lines starting with # are its documentation)."""
    text = resources.files("reports.exports").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name (data/country_names.csv)."""
    return {row["code"]: row["name"] for row in _data_rows("country_names.csv")}


def _item(column: str, index: int) -> pl.Expr:
    return pl.col(column).list.get(index, null_on_oob=True)


def _joined(column: str) -> pl.Expr:
    items = pl.col(column)
    return pl.when(items.list.len() > 0).then(items.list.join(LIST_SEPARATOR))


def _organisation() -> pl.Expr:
    """Name with its legal form, unless the name already ends with it."""
    name, form = pl.col("organisation_name"), pl.col("legal_form")
    has_form = name.str.to_lowercase().str.ends_with(form.str.to_lowercase())
    return (
        pl.when(form.is_null() | has_form.fill_null(False))
        .then(name)
        .otherwise(pl.concat_str([name, form], separator=" "))
    )


def _street_line() -> pl.Expr:
    street = pl.col("street")
    return pl.when(street.is_not_null()).then(
        pl.concat_str([street, pl.col("house_number")], separator=" ", ignore_nulls=True)
    )


def _full_name() -> pl.Expr:
    first, last = pl.col("first_name"), pl.col("last_name")
    return pl.when(first.is_not_null() | last.is_not_null()).then(
        pl.concat_str([first, last], separator=" ", ignore_nulls=True)
    )


def _country_name() -> pl.Expr:
    return pl.col("country").replace(country_names())


def _postal_address() -> pl.Expr:
    """One line, as CRMs with a single address field (Pipedrive) geocode it."""
    postal_city = pl.concat_str(
        [pl.col("postal_code"), pl.col("city")], separator=" ", ignore_nulls=True
    )
    parts = [_street_line(), pl.when(postal_city != "").then(postal_city), _country_name()]
    line = pl.concat_str(parts, separator=", ", ignore_nulls=True)
    return pl.when(line != "").then(line)


def _display_name() -> pl.Expr:
    """What a CRM shows when a person has no name: the full name, else the e-mail address."""
    return pl.coalesce(_full_name(), _item("emails", 0))


def _email_domain() -> pl.Expr:
    domain = _item("emails", 0).str.extract(r"@([^@\s]+)$").str.to_lowercase()
    return pl.when(~domain.is_in(list(freemail_domains()))).then(domain)


def _account_name() -> pl.Expr:
    """The name (with legal form) of the organisation a contact belongs to: its account's
    golden record where golden.csv links one (with_accounts), else the contact's own."""
    return pl.coalesce(pl.col("account_name"), _organisation())


def _opt_out(channel: str) -> pl.Expr:
    # Unknown consent stays empty: writing "not opted out" could undo an opt-out kept in the CRM.
    return ~pl.col(f"consent_{channel}")


def _second_phone() -> pl.Expr:
    return pl.coalesce(_item("other_phones", 1), _item("mobile_phones", 1))


DERIVED: Final[dict[str, Value]] = {
    "organisation": Value(Kind.TEXT, _organisation),
    "account_name": Value(Kind.TEXT, _account_name),
    "street_line": Value(Kind.TEXT, _street_line),
    "full_name": Value(Kind.TEXT, _full_name),
    "display_name": Value(Kind.TEXT, _display_name),
    "country_name": Value(Kind.TEXT, _country_name),
    "postal_address": Value(Kind.TEXT, _postal_address),
    "phone": Value(Kind.PHONE, lambda: _item("other_phones", 0)),
    "mobile": Value(Kind.PHONE, lambda: _item("mobile_phones", 0)),
    "phone_other": Value(Kind.PHONE, _second_phone),
    "phone_1": Value(Kind.PHONE, lambda: _item("phones", 0)),
    "phone_2": Value(Kind.PHONE, lambda: _item("phones", 1)),
    "phones": Value(Kind.PHONE, lambda: _joined("phones")),
    "email": Value(Kind.TEXT, lambda: _item("emails", 0)),
    "email_2": Value(Kind.TEXT, lambda: _item("emails", 1)),
    "email_3": Value(Kind.TEXT, lambda: _item("emails", 2)),
    "emails": Value(Kind.TEXT, lambda: _joined("emails")),
    "email_domain": Value(Kind.TEXT, _email_domain),
    "birth_year": Value(Kind.NUMBER, lambda: pl.col("birth_date").dt.year()),
    **{
        f"{channel}_opt_out": Value(Kind.BOOLEAN, partial(_opt_out, channel))
        for channel in CONSENT_CHANNELS
    },
}

#: Every value a profile column may name.
VALUES: Final[dict[str, Value]] = {
    **{name: Value(kind, partial(pl.col, name)) for name, kind in GOLDEN_FIELDS.items()},
    **DERIVED,
}


def with_accounts(golden: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``account_name``: the organisation name of the golden record ``account_golden_id``
    points to (null without a link; golden.parquet of older runs has no link column)."""
    if "account_golden_id" not in golden.collect_schema().names():
        golden = golden.with_columns(pl.lit(None, dtype=pl.String).alias("account_golden_id"))
    accounts = golden.filter(pl.col("record_type") == "organisation").select(
        pl.col("golden_id").alias("account_golden_id"), _organisation().alias("account_name")
    )
    return golden.join(accounts, on="account_golden_id", how="left", maintain_order="left")


#: Adds a column (third argument) with "mobile", "landline", "other" or null for the phone
#: number in a column (second argument) of a frame (cleaners.phone_metadata.with_phone_type).
PhoneTyper = Callable[[pl.LazyFrame, str, str], pl.LazyFrame]


def with_phone_types(golden: pl.LazyFrame, phone_type: PhoneTyper | None = None) -> pl.LazyFrame:
    """Split each golden record's phones into ``mobile_phones`` and ``other_phones``.

    Mobile is what ``phone_type`` calls mobile; every other number (landline, other, a country
    it does not know) counts as other. Order within each list is the golden record's (trust)
    order. Without ``phone_type`` every number is other. A frame that has both lists already
    is returned as it is.
    """
    names = golden.collect_schema().names()
    if "mobile_phones" in names and "other_phones" in names:
        return golden
    if phone_type is None:
        return golden.with_columns(
            pl.col("phones").list.head(0).alias("mobile_phones"),
            pl.col("phones").alias("other_phones"),
        )
    numbers = golden.select("golden_id", pl.col("phones").alias("phone")).explode("phone")
    typed = (
        phone_type(numbers.drop_nulls("phone"), "phone", "__type")
        .with_columns((pl.col("__type").fill_null("") == "mobile").alias("__mobile"))
        .group_by("golden_id", maintain_order=True)
        .agg(
            pl.col("phone").filter(pl.col("__mobile")).alias("mobile_phones"),
            pl.col("phone").filter(~pl.col("__mobile")).alias("other_phones"),
        )
    )
    return golden.join(typed, on="golden_id", how="left").with_columns(
        pl.col("mobile_phones").fill_null(pl.lit([], pl.List(pl.String))),
        pl.col("other_phones").fill_null(pl.lit([], pl.List(pl.String))),
    )
