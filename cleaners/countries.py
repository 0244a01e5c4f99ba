"""Countries: ISO alpha-2 codes from names, codes, plate prefixes ("A-8010"), phone prefixes
("+43 ...") and city names ("Zürich"), and localities by postal code (localities.csv)."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
import polars as pl

from cleaners.outcome import INVALID, Outcome, map_distinct
from cleaners.reference import read_table
from cleaners.text import clean_text, transliteration_key

#: A vehicle-plate country prefix in front of a postal code: "D-10115", "CH-8001", "A - 8010".
POSTAL_PREFIX = re.compile(r"^(?P<prefix>[A-Za-z]{1,3})\s*-\s*(?=\d)")


#: Languages whose country names are read from phonenumbers' locale data (besides countries.csv).
_NAME_LANGUAGES = ("en", "de", "fr", "it")


@cache
def _world_country_names() -> dict[str, str]:
    """Transliteration key -> alpha-2 of every region's name in English, German, French and
    Italian ("Georgia", "Georgien", "Géorgie"), from the locale data the phonenumbers library
    ships; a name two regions share is left out."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    found: dict[str, set[str]] = {}
    for region, names in LOCALE_DATA.items():
        if len(region) != 2 or not region.isalpha():
            continue
        for language in _NAME_LANGUAGES:
            name = names.get(language, "")
            if name.startswith("*"):  # "*aa": the name of that other language
                name = names.get(name[1:], "")
            if key := transliteration_key(name):
                found.setdefault(key, set()).add(region)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


@cache
def _country_names() -> dict[str, str]:
    names = dict(_world_country_names())
    names.update({region.lower(): region for region in phonenumbers.SUPPORTED_REGIONS})
    names.update({row["name"]: row["iso2"] for row in read_table("countries.csv")})
    return names


@cache
def _state_country_names() -> frozenset[str]:
    """Keys of names that are a US state's and another country's ("Georgia")."""
    states = {transliteration_key(row["name"]) for row in read_table("us_states.csv")}
    return frozenset(key for key in states if key and _country_names().get(key) not in (None, "US"))


def state_or_country(text: str | None) -> bool:
    """True for a name that is a US state's and a country's ("Georgia", "georgia"): the rest of
    the record decides (a ZIP or a +1 phone: the state; else the country)."""
    return bool(text) and transliteration_key(text or "") in _state_country_names()


#: State codes two countries use: "WA" is Washington (US) and Western Australia (AU). A one-line
#: address ending in one without a postal code keeps it as written; the record's evidence decides
#: (cleaners.addresses: a five-digit ZIP or four-digit postcode, the phone's calling code, the
#: silo's country), else the first country, as a US-looking address has always been read.
STATE_CODE_COUNTRIES: dict[str, tuple[str, ...]] = {"WA": ("US", "AU")}


def state_code_countries(text: str | None) -> str | None:
    """The countries a two-country state code ("WA", "wa") stands for, space-separated
    ("US AU"), else None."""
    if not text:
        return None
    countries = STATE_CODE_COUNTRIES.get(text.strip().upper().replace(".", ""))
    return " ".join(countries) if countries else None


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


#: The common shape of an international number: "+" or "00", then digits and the separators
#: " ./-()" ("+49 (0)30 ..."), ending in a digit. For it, phonenumbers' parse only reads the
#: calling code off the digits (calling codes are prefix-free: the first of the 1-, 2- and 3-digit
#: prefixes that is one) and succeeds whenever 4 to 17 digits follow it, whatever national prefix
#: it strips.
_PLAIN_INTERNATIONAL = r"^(?:\+|00) ?[1-9][0-9 ./()\-]*[0-9]$"


@cache
def _calling_code_regions() -> dict[str, str | None]:
    """Calling code as text ("49", "1", "423") -> the region phone_prefix_country gives for it."""
    found = {}
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        region = phonenumbers.region_code_for_country_code(code)
        found[str(code)] = None if region == phonenumbers.UNKNOWN_REGION else region
    return found


def with_phone_prefix_country(frame: pl.DataFrame, phone: str, output: str) -> pl.DataFrame:
    """``frame`` with ``output``: phone_prefix_country of each value of column ``phone``.

    Customer phones are nearly all distinct, so parsing distinct values alone saves little: the
    plain international shape (_PLAIN_INTERNATIONAL) is read in polars, and only the other
    numbers written internationally go through phonenumbers, once per distinct value. The result
    is phone_prefix_country's for every value (a test compares both on random numbers).
    """
    regions = _calling_code_regions()
    value = pl.col(phone)
    # Step by step, each part a column once: the eager frame does not share the digits and the
    # calling code between the expressions reading them (they were computed a dozen times).
    shaped = value.str.contains(_PLAIN_INTERNATIONAL) & (value.str.len_chars() <= 100)
    digits = (
        pl.when(shaped)
        .then(value.str.replace(r"^(?:\+|00)", "").str.replace_all(r"[^0-9]", ""))
        .alias("__digits")
    )
    frame = frame.with_columns(digits, shaped.fill_null(False).alias("__shaped"))
    prefixes = [pl.col("__digits").str.slice(0, length) for length in (1, 2, 3)]
    code = (
        pl.when(prefixes[0].is_in(list(regions)))
        .then(prefixes[0])
        .when(prefixes[1].is_in(list(regions)))
        .then(prefixes[1])
        .when(prefixes[2].is_in(list(regions)))
        .then(prefixes[2])
    )
    frame = frame.with_columns(code.alias("__code"))
    national = pl.col("__digits").str.len_chars() - pl.col("__code").str.len_chars()
    plain = (pl.col("__shaped") & national.is_between(4, 17)).fill_null(False)
    # Python's and polars' "\\s" differ at the edges: every value with a "+" or "00" that is
    # not plain goes to phone_prefix_country, which decides by INTERNATIONAL_PHONE itself.
    maybe = value.str.contains("+", literal=True) | value.str.contains("00", literal=True)
    slow = pl.when(~plain & maybe).then(value)
    frame = frame.with_columns(
        __plain_country=pl.when(plain).then(
            pl.col("__code").replace_strict(regions, default=None, return_dtype=pl.String)
        ),
        __slow_phone=slow,
    ).drop("__digits", "__shaped", "__code")
    frame = map_distinct(
        frame,
        ["__slow_phone"],
        lambda text: (phone_prefix_country(text),),
        {"__slow_country": pl.String()},
    )
    return frame.with_columns(pl.coalesce("__plain_country", "__slow_country").alias(output)).drop(
        "__plain_country", "__slow_phone", "__slow_country"
    )


#: The DACH countries whose postal codes and national phone numbers are told apart here.
DACH = ("DE", "AT", "CH", "LI")
_SANKT = re.compile(r"^st\b")
_QUALIFIER = re.compile(r"\s*(?:,|\(|/).*$")  # "Wien, Landstraße", "Neustadt (Dosse)", "Halle/S."


def locality_key(name: str | None) -> str | None:
    """Key of a locality name: transliterated, "St." and "Sankt" unified ("St. Gallen")."""
    if not name:
        return None
    return _SANKT.sub("sankt", transliteration_key(name)) or None


def _locality_keys(name: str) -> set[str]:
    """Keys a locality is written by: the full name and the name before a district or qualifier
    ("Graz, 06.Bez.:Jakomini" -> "graz", "Neustadt (Dosse)" -> "neustadt")."""
    keys = {locality_key(name), locality_key(_QUALIFIER.sub("", name))}
    return {key for key in keys if key}


@cache
def _gazetteer() -> dict[tuple[str, str], frozenset[str]]:
    """(postal code, locality key) -> countries, from localities.csv (AT, CH, LI complete; DE large
    cities and names shared with AT/CH/LI)."""
    found: dict[tuple[str, str], set[str]] = {}
    for row in read_table("localities.csv"):
        for name in row["localities"].split("|"):
            for key in _locality_keys(name):
                found.setdefault((row["postal_code"], key), set()).add(row["country"])
    return {pair: frozenset(codes) for pair, codes in found.items()}


@cache
def _postal_code_countries() -> dict[str, frozenset[str]]:
    """Four-digit postal code -> the countries among AT, CH, LI that use it."""
    found: dict[str, set[str]] = {}
    for row in read_table("localities.csv"):
        if row["country"] != "DE":
            found.setdefault(row["postal_code"], set()).add(row["country"])
    return {code: frozenset(codes) for code, codes in found.items()}


@cache
def _city_countries() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for row in read_table("city_variants.csv"):
        for key in (row["variant"], locality_key(row["city"])):
            if key:
                found.setdefault(key, set()).update(row["countries"].split())
    for (_, key), countries in _gazetteer().items():
        found.setdefault(key, set()).update(countries)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


@cache
def locality_keys() -> frozenset[str]:
    """Every locality key of localities.csv, german_towns.csv and city_variants.csv ("wien",
    "graz", "sankt gallen", "zurich", "freising" ...): the towns a branch's mailbox may be named
    after. german_towns.csv holds the German towns with two postal codes or more; the
    gazetteer of countries keeps only the large German cities and names shared with AT, CH and
    LI."""
    keys = {key for _, key in _gazetteer()}
    for row in read_table("german_towns.csv"):
        keys |= _locality_keys(row["town"])
    for row in read_table("city_variants.csv"):
        keys |= {key for key in (row["variant"], locality_key(row["city"])) if key}
    return frozenset(keys)


def city_country(value: str | None) -> str | None:
    """Country of a city name known to lie in one country only ("Zürich", "Graz", "Vaduz",
    "Dresden"), else None ("Kirchberg" lies in AT and DE)."""
    return _city_countries().get(locality_key(value) or "")


def postal_city_country(postal_code: str | None, city: str | None) -> str | None:
    """Country of a postal code and city found together in only one country's gazetteer.

    A four-digit code is looked up in AT, CH and LI and, with its leading zero restored, in DE
    ("6900 Lugano" -> CH, "8010 Graz" -> AT, "1067 Dresden" -> DE); a five-digit code in DE.
    """
    key = locality_key(city)
    code = (postal_code or "").strip()
    if not key or not re.fullmatch(r"\d{4,5}", code):
        return None
    gazetteer = _gazetteer()
    found = set(gazetteer.get((code, key), ())) if len(code) == 4 else set()
    found |= gazetteer.get((code.zfill(5), key), frozenset()) & {"DE"}
    return next(iter(found)) if len(found) == 1 else None


def national_phone_countries(phone: str | None, postal_code: str | None) -> tuple[str, str]:
    """DACH countries a phone number written nationally ("0316 757644", no +/00) is valid in,
    and those of them the postal code fits, each as space-separated codes ("AT CH", "AT").

    A five-digit code fits DE, a four-digit code the AT/CH/LI countries that use it. International
    numbers, a missing postal code and codes that fit no DACH country give ("", ""): the number
    is then not parsed at all (four parses per number cost).
    """
    if not phone or INTERNATIONAL_PHONE.match(phone) or not re.search(r"\d", phone):
        return "", ""
    code = (postal_code or "").strip()
    if not code:
        # Without an address a bare national number is too weak to move a record abroad: a
        # six-digit "123456" is no German number, but not thereby a Viennese one either.
        return "", ""
    fits: tuple[str, ...] | frozenset[str]
    if re.fullmatch(r"\d{5}", code):
        fits = ("DE",)
    else:
        fits = _postal_code_countries().get(code, frozenset())
    if not fits:
        return "", ""
    valid = []
    for region in DACH:
        try:
            number = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            valid.append(region)
    return " ".join(valid), " ".join(region for region in valid if region in fits)
