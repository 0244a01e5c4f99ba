"""Masking of personal values shown in reports (DSGVO Art. 5(1)(c), data minimisation).

Reports are read by more people than the steward who fixes the data, so the values a report
shows as examples are masked, and only so far that the problem stays visible:

=========  ====================================================  ===========================
field      masked                                                example
=========  ====================================================  ===========================
emails     the local part (first character kept), domain shown   ``m***@gmial.com``
phones     every digit but the last two (all in numbers of up to  ``+** ** *****67``,
           six digits); signs, spaces and letters stay: they     ``***-KAPUTT``
           are what makes a number invalid
any other  first character and ``***``                           ``B***``
=========  ====================================================  ===========================

``[project] show_contact_data = true`` shows every value in full (a steward's own report in a
folder only they can read). Full values are always in the CSV files next to the report
(findings.csv, dq_failures.csv), which stay in the restricted output folder.
"""

from __future__ import annotations

from typing import Final

import polars as pl

EMAIL_FIELDS: Final = ("emails", "email")
PHONE_FIELDS: Final = ("phones", "phone")
#: Trailing digits of a phone number left visible, only when it has more than MIN digits.
PHONE_DIGITS_SHOWN: Final = 2
PHONE_DIGITS_MIN: Final = 6


def mask_email(value: pl.Expr) -> pl.Expr:
    """``m***@domain``: the local part masked; a value without "@" as any other value."""
    domain = value.str.extract(r"(@[^@]*)$")
    return (
        pl.when(domain.is_not_null())
        .then(value.str.slice(0, 1) + pl.lit("***") + domain)
        .otherwise(mask_other(value))
    )


def mask_phone(value: pl.Expr) -> pl.Expr:
    """Every digit but the last two replaced by ``*`` (all of them in a short number)."""
    digit = pl.element().str.contains(r"^[0-9]$")
    digits_from_end = digit.cast(pl.Int32).reverse().cum_sum().reverse()
    shown = pl.when(digit.sum() > PHONE_DIGITS_MIN).then(PHONE_DIGITS_SHOWN).otherwise(0)
    masked = pl.when(digit & (digits_from_end > shown)).then(pl.lit("*"))
    return (
        value.str.split("")
        .list.eval(masked.otherwise(pl.element()))
        .list.join("")
        .fill_null(value)  # keeps null as null and "" as ""
    )


def mask_other(value: pl.Expr) -> pl.Expr:
    """The first character and ``***`` (null stays null)."""
    return value.str.slice(0, 1) + pl.lit("***")


def mask_contact(value: pl.Expr, field: pl.Expr, *, show_contact_data: bool = False) -> pl.Expr:
    """``value`` (text) masked by the kind of its ``field``; as it is with show_contact_data."""
    if show_contact_data:
        return value
    return (
        pl.when(field.is_in(EMAIL_FIELDS))
        .then(mask_email(value))
        .when(field.is_in(PHONE_FIELDS))
        .then(mask_phone(value))
        .otherwise(mask_other(value))
    )
