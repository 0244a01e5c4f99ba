"""Split combined address fields: street lines, "PLZ Ort" and whole one-line addresses.

The mapping step calls the frame-level functions (``split_street_line``, ``split_postal_city``,
``parse_address_line``); they only split, the address cleaners normalize afterwards. Parts that fit
no address column (a "c/o" line, "z. Hd." ...) go to ``address_extra`` so nothing disappears.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import polars as pl

from cleaners.countries import country_code
from cleaners.outcome import map_distinct
from cleaners.text import clean_text

_NUMBER = r"\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)*"
_NUMBER_AT_END = re.compile(
    rf"^(?P<street>.*?[^\d\s,])[\s,]*(?:(?:Nr|No)\.?\s*)?(?P<number>{_NUMBER})$", re.IGNORECASE
)
_NUMBER_AT_START = re.compile(r"^(?P<number>\d+\s*[a-zA-Z]?)[\s,]+(?P<street>[^\d\s].*)$")
_POSTAL = r"(?:(?P<prefix>[A-Za-z]{1,3})\s*-\s*)?(?P<postal>\d{4,5})"
_POSTAL_CITY = re.compile(rf"^{_POSTAL}\s+(?P<city>[^\d\s].*)$")
_CITY_POSTAL = re.compile(r"^(?P<city>[^\d]+?)\s+(?P<postal>\d{4,5})$")
_ONE_LINE = re.compile(rf"^(?P<street>.+?)\s+{_POSTAL}\s+(?P<city>[^\d\s].*)$")
_SEGMENT_SEPARATORS = re.compile(r"\s*[\n\r,;|·•]\s*")
_EXTRA_LINE = re.compile(
    r"^(?:c/o|c\.o\.|z\.\s*hd\.?|z\.\s*h\.|zu\s+h(?:ä|ae)nden|attn\.?|bei)\s", re.IGNORECASE
)


class StreetLine(NamedTuple):
    street: str | None
    house_number: str | None


class PostalCity(NamedTuple):
    postal_code: str | None
    city: str | None
    country: str | None


class AddressParts(NamedTuple):
    street: str | None
    house_number: str | None
    postal_code: str | None
    city: str | None
    country: str | None
    address_extra: str | None


def split_street_text(text: str | None) -> StreetLine:
    """ "Musterstr. 12a" -> ("Musterstr.", "12a"); "12 rue du Lac" -> ("rue du Lac", "12")."""
    if text is None or not clean_text(text):
        return StreetLine(None, None)
    line = clean_text(text)
    match = _NUMBER_AT_END.match(line) or _NUMBER_AT_START.match(line)
    if match is None:
        return StreetLine(line, None)
    return StreetLine(match.group("street").strip(), match.group("number"))


def split_postal_city_text(text: str | None) -> PostalCity:
    """ "10115 Berlin" -> ("10115", "Berlin", None); "A-8010 Graz" -> ("8010", "Graz", "AT")."""
    if text is None or not clean_text(text):
        return PostalCity(None, None, None)
    line = clean_text(text)
    match = _POSTAL_CITY.match(line)
    if match:
        prefix = match.group("prefix")
        return PostalCity(match.group("postal"), match.group("city"), country_code(prefix))
    match = _CITY_POSTAL.match(line)
    if match:
        return PostalCity(match.group("postal"), match.group("city"), None)
    if re.fullmatch(r"\d{4,5}", line):
        return PostalCity(line, None, None)
    return PostalCity(None, line, None)


def parse_address_text(text: str | None) -> AddressParts:
    """Split a one-line or multi-line address into street, number, postal code, city, country."""
    if text is None or not clean_text(text):
        return AddressParts(None, None, None, None, None, None)
    segments = [clean_text(s) for s in _SEGMENT_SEPARATORS.split(text.strip()) if clean_text(s)]
    if len(segments) == 1:
        match = _ONE_LINE.match(segments[0])
        if match:
            segments = [match.group("street"), segments[0][match.end("street") :].strip()]
    street = postal = None
    country: str | None = None
    extra: list[str] = []
    for index, segment in enumerate(segments):
        if index > 0 and country is None and country_code(segment) and len(segment) > 1:
            country = country_code(segment)
        elif postal is None and _POSTAL_CITY.match(segment):
            postal = split_postal_city_text(segment)
            country = country or postal.country
        elif street is None and not _EXTRA_LINE.match(segment):
            street = split_street_text(segment)
        else:
            extra.append(segment)
    return AddressParts(
        street.street if street else None,
        street.house_number if street else None,
        postal.postal_code if postal else None,
        postal.city if postal else None,
        country,
        ", ".join(extra) or None,
    )


def _fill(frame: pl.DataFrame, parsed: pl.DataFrame, parts: tuple[str, ...]) -> pl.DataFrame:
    """Set the parsed parts; where the frame already has a part's column, its values win."""
    return parsed.with_columns(
        pl.coalesce(part, f"__split_{part}").alias(part)
        if part in frame.columns
        else pl.col(f"__split_{part}").alias(part)
        for part in parts
    ).drop(f"__split_{part}" for part in parts)


def _split(frame: pl.DataFrame, column: str, func: object, parts: tuple[str, ...]) -> pl.DataFrame:
    schema = {f"__split_{part}": pl.String() for part in parts}
    parsed = map_distinct(frame, [column], func, schema)  # type: ignore[arg-type]
    return _fill(frame, parsed, parts)


def split_street_line(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add street and house_number split from ``column`` ("Musterstr. 12a")."""
    return _split(frame, column, split_street_text, StreetLine._fields)


def split_postal_city(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add postal_code, city and country (from a plate prefix) split from ``column``."""
    return _split(frame, column, split_postal_city_text, PostalCity._fields)


def parse_address_line(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add street, house_number, postal_code, city, country and address_extra from ``column``.

    ``address_extra`` holds what fits no address column (e.g. "c/o Müller"); the mapping step
    should report it rather than drop it silently.
    """
    return _split(frame, column, parse_address_text, AddressParts._fields)
