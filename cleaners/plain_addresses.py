"""The common address line "Street 12a, 12345 City" read in polars, without the parser per line.

``parse_address_text`` (cleaners.address_lines) runs dozens of regular expressions per distinct
line; at 200,000 rows that is about 46,000 lines and most of the mapping stage. Nearly all of
them have one shape: a street of letter words, a house number (digits and at most one letter),
a comma, a postal code with an optional plate prefix ("A-1040", "CH-8004"), a city of letter
words, and optionally a comma and a country name ("8004 Zürich, Schweiz"). For that shape the
parser's result is the parts as written (country from the prefix or the country name), unless a
part is one of the words its other rules look for; those are checked once per distinct street,
city, prefix and country name with the parser's own expressions:

* street: a post-box, "c/o"/"bei" or building-part line ("Postfach 12", "Bei Huber 3", "Haus
  5"), a Mannheim block ("A 5"), "Nr."/"No" before the number;
* city: a US state code at its end ("Halle a.S."), a US street shape after the postal code
  ("10115 North Berlin", "Bad Steben": a unit designator);
* country name: not a country, a name that is also a person's, a place's or a US state's
  ("Jordan", "Georgia", "Texas"), the United States or Australia (their own rules), or after a
  plate prefix (then it is address_extra).

A street line alone ("Hauptstr. 12a", an ERP's street column) is read so too
(``plain_street_lines``). Every other line goes to the parser; tests/cleaners/
test_plain_addresses.py proves the result equal on generated lines made of such words and on
the demo's lines.
"""

from __future__ import annotations

import polars as pl

from cleaners.address_lines import (
    _AU_STATES,
    _NUMBER_AT_END,
    _STATE_TOKEN,
    EXTRA_LINE,
    POSTBOX_LINE,
    _ambiguous_country_names,
    _building_parts_only,
    _us_state_names,
    _us_street_line,
)
from cleaners.countries import country_code, state_or_country
from cleaners.text import CLEAN_LETTERS

_STREET_WORD = f"[{CLEAN_LETTERS}][{CLEAN_LETTERS}.\\-]*"
_CITY_WORD = f"[{CLEAN_LETTERS}(][{CLEAN_LETTERS}.\\-/()]*"
PLAIN_LINE = (
    f"^(?P<street>{_STREET_WORD}(?: {_STREET_WORD})*) (?P<number>[0-9]{{1,4}}[A-Za-z]?), "
    f"(?:(?P<prefix>[A-Za-z]{{1,3}})-)?(?P<postal>[0-9]{{4,5}}) "
    f"(?P<city>{_CITY_WORD}(?: {_CITY_WORD})*)(?:, (?P<country>[{CLEAN_LETTERS}]{{3,}}))?$"
)


PLAIN_STREET_LINE = (
    f"^(?P<street>{_STREET_WORD}(?: {_STREET_WORD})*) (?P<number>[0-9]{{1,4}}[A-Za-z]?)$"
)


def plain_street(street: str) -> bool:
    """True when "<street> <number>" is read by the parser as street and number as written."""
    line = f"{street} 1"
    found = _NUMBER_AT_END.match(line)
    return (
        len(street) >= 2  # "A 5": a Mannheim block without house number
        and POSTBOX_LINE.match(line) is None
        and EXTRA_LINE.match(line) is None
        and _building_parts_only().fullmatch(line) is None
        and found is not None
        and found["street"] == street  # "Hauptstr. Nr. 5": the "Nr." is no part of the street
    )


def plain_city(city: str) -> bool:
    """True when "<postal code> <city>" is no US state, ZIP or street line to the parser."""
    return _STATE_TOKEN.search(city) is None and _us_street_line(f"1000 {city}") is None


def plain_country(name: str) -> str | None:
    """The country code of a last part the parser takes as the country without asking the
    rest of the address, else None."""
    code = country_code(name)
    if (
        code is None
        or code in ("US", "AU")
        or name.upper() in ("USA", "US")
        or name.upper() in _AU_STATES
        or name.lower() in _ambiguous_country_names()
        or name.lower() in _us_state_names()
        or state_or_country(name)
    ):
        return None
    return code


def _lookup(values: pl.Series, func: object, dtype: pl.DataType) -> pl.DataFrame:
    distinct = values.drop_nulls().unique()
    return pl.DataFrame(
        {"key": distinct, "value": [func(value) for value in distinct]},  # type: ignore[operator]
        schema={"key": pl.String, "value": dtype},
    )


def plain_address_lines(lines: pl.Series) -> pl.DataFrame:
    """Per line: ``taken`` (the plain shape, see the module) and, where taken, the
    ``AddressParts`` columns ``parse_address_text`` gives for it, in ``lines``' order."""
    parts = lines.str.extract_groups(PLAIN_LINE).struct.unnest()
    streets = _lookup(parts["street"], plain_street, pl.Boolean())
    cities = _lookup(parts["city"], plain_city, pl.Boolean())
    prefixes = _lookup(parts["prefix"], country_code, pl.String())
    countries = _lookup(parts["country"], plain_country, pl.String())

    def joined(frame: pl.DataFrame, column: str, table: pl.DataFrame) -> pl.Series:
        return frame.join(table, left_on=column, right_on="key", how="left", maintain_order="left")[
            "value"
        ]

    has_prefix = parts["prefix"].is_not_null()
    has_country = parts["country"].is_not_null()
    prefix_country = joined(parts, "prefix", prefixes)
    named_country = joined(parts, "country", countries)
    taken = (
        parts["street"].is_not_null()
        & joined(parts, "street", streets).fill_null(False)
        & joined(parts, "city", cities).fill_null(False)
        & ~(has_country & (has_prefix | named_country.is_null()))
    )
    country = pl.select(
        pl.when(pl.lit(has_prefix)).then(pl.lit(prefix_country)).otherwise(pl.lit(named_country))
    ).to_series()
    empty = pl.Series([None] * len(lines), dtype=pl.String)
    values: dict[str, pl.Series] = {  # AddressParts._fields
        "street": parts["street"],
        "house_number": parts["number"],
        "postal_code": parts["postal"],
        "city": parts["city"],
        "country": country,
        "address_extra": empty,
    }
    frame = pl.DataFrame({"taken": taken, **values})
    return frame.with_columns(
        pl.when(pl.col("taken")).then(pl.col(name)).otherwise(None) for name in values
    )


def plain_street_lines(lines: pl.Series) -> pl.DataFrame:
    """Per street line ("Hauptstr. 12a"): ``taken`` (a plain street and number) and, where
    taken, the ``StreetLineParts`` columns ``split_street_line_text`` gives for it."""
    parts = lines.str.extract_groups(PLAIN_STREET_LINE).struct.unnest()
    streets = _lookup(parts["street"], plain_street, pl.Boolean())
    taken = parts.join(
        streets, left_on="street", right_on="key", how="left", maintain_order="left"
    )["value"].fill_null(False)
    return pl.DataFrame({"taken": taken}).with_columns(
        street=pl.when(taken).then(pl.lit(parts["street"])),
        house_number=pl.when(taken).then(pl.lit(parts["number"])),
        address_extra=pl.lit(None, dtype=pl.String),
    )
