"""Countries: ISO alpha-2 codes from names, codes, plate prefixes ("A-8010"), phone prefixes
("+43 ...") and city names ("Zürich")."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from cleaners.outcome import INVALID, Outcome
from cleaners.reference import read_table
from cleaners.text import clean_text, transliteration_key

#: A vehicle-plate country prefix in front of a postal code: "D-10115", "CH-8001", "A - 8010".
POSTAL_PREFIX = re.compile(r"^(?P<prefix>[A-Za-z]{1,3})\s*-\s*(?=\d)")


@cache
def _country_names() -> dict[str, str]:
    names = {region.lower(): region for region in phonenumbers.SUPPORTED_REGIONS}
    names.update({row["name"]: row["iso2"] for row in read_table("countries.csv")})
    return names


def country_code(text: str | None) -> str | None:
    """ISO alpha-2 code for a country name, code or plate code ("Österreich", "A", "CHE")."""
    if not text:
        return None
    return _country_names().get(transliteration_key(text))


def normalize_country(value: str | None) -> Outcome:
    """ISO alpha-2 country code; unknown text -> invalid (the pipeline then falls back)."""
    if value is None or not clean_text(value):
        return Outcome(None)
    code = country_code(value)
    if code is None:
        return Outcome(None, INVALID, "unknown country (silo or default country used instead)")
    return Outcome(code)


def postal_prefix_country(value: str | None) -> str | None:
    """Country of a plate prefix in a postal code ("A-8010" -> "AT"), else None."""
    if not value:
        return None
    match = POSTAL_PREFIX.match(value.strip())
    return country_code(match.group("prefix")) if match else None


#: An international phone number: "+43 ...", "0043 ...".
INTERNATIONAL_PHONE = re.compile(r"^\s*(?:\+|00)\s*[1-9]")


def phone_prefix_country(value: str | None) -> str | None:
    """Country of an international phone number's calling code ("+43 316 ..." -> "AT")."""
    if not value or not INTERNATIONAL_PHONE.match(value):
        return None
    text = "+" + value.strip().lstrip("+").removeprefix("00")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return None if region == phonenumbers.UNKNOWN_REGION else region


@cache
def _city_countries() -> dict[str, str]:
    rows = read_table("city_variants.csv")
    found: dict[str, set[str]] = {}
    for row in rows:
        for key in (row["variant"], transliteration_key(row["city"])):
            found.setdefault(key, set()).update(row["countries"].split())
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


def city_country(value: str | None) -> str | None:
    """Country of a city name known to lie in one country only ("Zürich", "Wien"), else None."""
    if not value:
        return None
    return _city_countries().get(transliteration_key(value))
