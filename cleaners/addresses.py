"""Addresses: country codes, postal codes, streets, house numbers, cities and their keys.

Streets are cleaned in ``streets.py``. An invalid postal code is kept as written with status invalid
(unlike other fields): a wrong country is a likelier cause than a wrong code, and the code still
helps matching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

import polars as pl

from cleaners.address_lines import split_street_extra, us_street_shape
from cleaners.countries import (
    POSTAL_PREFIX,
    city_country,
    country_code,
    national_phone_countries,
    normalize_country,
    postal_city_country,
    postal_prefix_country,
    state_code_countries,
    state_or_country,
    with_phone_prefix_country,
)
from cleaners.outcome import (
    CORRECTED,
    INVALID,
    VALID,
    CleanResult,
    Outcome,
    finding_rows,
    findings_for,
    join_reasons,
    map_distinct,
    outcome_schema,
    temporary_columns,
)
from cleaners.reference import read_table
from cleaners.streets import SHARP_S_COUNTRIES, clean_streets, place_particles
from cleaners.text import (
    apply_until_stable,
    clean_text,
    fix_casing,
    is_placeholder,
    transliteration_key,
)

_FLOAT_ARTEFACT = re.compile(r"^(\d+)\.0+$")  # 10115.0 from a spreadsheet number column
_NUMBER_PREFIX = re.compile(r"^(?:nr|no|hnr|hausnummer)\.?\s*", re.IGNORECASE)
_NUMBER_LETTER = re.compile(r"(\d)\s+([a-zA-Z])\b")
_NUMBER_RANGE = re.compile(r"\s*([-/])\s*")
_SIMPLE_NUMBER = re.compile(r"\d+[a-zA-Z]?(?:[-/]\d+[a-zA-Z]?)*")
_SANKT_KEY = re.compile(r"^st\b")


class CityParts(NamedTuple):
    city: str | None
    key: str | None
    status: str
    reason: str | None


@cache
def _postal_patterns() -> dict[str, re.Pattern[str]]:
    return {row["iso2"]: re.compile(row["pattern"]) for row in read_table("postal_codes.csv")}


def normalize_postal_code(
    value: str | None, country: str | None, alpine_evidence: bool | None = False
) -> Outcome:
    """Postal code as text ("D-01067" -> "01067"); invalid codes are kept with status invalid.

    A German four-digit code gets its leading zero back (lost in a spreadsheet) unless the
    record's city or phone point to AT, CH or LI (``alpine_evidence``).
    """
    if value is None or not clean_text(value):
        return Outcome(None)
    text = clean_text(value)
    prefix = POSTAL_PREFIX.match(text)
    code = _FLOAT_ARTEFACT.sub(r"\1", text[prefix.end() :] if prefix else text)
    if prefix and country and country_code(prefix.group("prefix")) != country:
        return Outcome(text, INVALID, f"postal code prefix does not fit country {country}")
    pattern = _postal_patterns().get(country or "")
    if pattern is None or pattern.fullmatch(code):
        return Outcome(code)
    lost_zero = country == "DE" and not alpine_evidence and re.fullmatch(r"\d{4}", code)
    if lost_zero:  # leading zero lost in a spreadsheet
        return Outcome("0" + code, CORRECTED, "leading zero restored")
    return Outcome(code, INVALID, f"not a valid postal code for {country}")


def postal_area(postal_code: pl.Expr) -> pl.Expr:
    """The postal code a place is compared by: a US ZIP+4 ("27601-5790") by its five-digit ZIP
    ("27601"), as lists write either for one address; every other code unchanged."""
    return postal_code.str.replace(r"^(\d{5})-\d{4}$", "${1}")


def normalize_house_number(value: str | None) -> Outcome:
    """Compact house number: "12 a" -> "12a", "12 - 14" -> "12-14", "Nr. 5" -> "5"."""
    if value is None or not clean_text(value):
        return Outcome(None)
    text = _FLOAT_ARTEFACT.sub(r"\1", _NUMBER_PREFIX.sub("", clean_text(value)))
    compact = _NUMBER_RANGE.sub(r"\1", _NUMBER_LETTER.sub(r"\1\2", text))
    if _SIMPLE_NUMBER.fullmatch(compact):
        return Outcome(compact.lower())
    if is_placeholder(compact):
        return Outcome(None, INVALID, "placeholder, not a house number")
    return Outcome(compact)  # "3, Stiege 2" and the like: kept as written


@cache
def _city_rules() -> tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]:
    return tuple(
        (
            re.compile(row["pattern"], re.IGNORECASE),
            row["replacement"],
            frozenset(row["countries"].split()),
        )
        for row in read_table("city_abbreviations.csv")
    )


def expand_city_abbreviations(city: str, country: str | None) -> str:
    """ "Frankfurt a.M." -> "Frankfurt am Main"; a leading "St." -> "Sankt" in DE/AT."""
    for pattern, replacement, countries in _city_rules():
        if "*" in countries or country in countries:
            city = pattern.sub(f" {replacement} ", city)
    if country in SHARP_S_COUNTRIES:
        city = re.sub(r"^St\.\s*", "Sankt ", city)
    return clean_text(city)


def city_key(city: str | None) -> str | None:
    """Matching key of a city: transliterated, "St." and "Sankt" unified."""
    if not city:
        return None
    return _SANKT_KEY.sub("sankt", transliteration_key(city)) or None


def normalize_city(value: str | None, country: str | None) -> CityParts:
    """Clean a city name: casing, abbreviations, "St." -> "Sankt" (DE/AT), "Zurich" -> "Zürich"."""
    if value is None or not clean_text(value):
        return CityParts(None, None, VALID, None)
    text = clean_text(value)
    if is_placeholder(text):
        return CityParts(None, None, INVALID, "placeholder, not a city")
    expanded, reasons = apply_until_stable(
        text,
        [
            (
                lambda text: fix_casing(text, place_particles(), capitalize_first=True),
                "casing fixed",
            ),
            (lambda text: expand_city_abbreviations(text, country), "abbreviation written out"),
            (lambda text: local_city_name(text, country), "city name in local spelling"),
        ],
    )
    status = CORRECTED if reasons else VALID
    return CityParts(expanded, city_key(expanded), status, join_reasons(reasons))


@cache
def _city_variants() -> dict[tuple[str, str], str]:
    return {
        (row["variant"], country): row["city"]
        for row in read_table("city_variants.csv")
        for country in row["countries"].split()
    }


def local_city_name(city: str, country: str | None) -> str:
    """Official local name of a city written otherwise ("Zurich" -> "Zürich" in CH)."""
    return _city_variants().get((transliteration_key(city), country or ""), city)


_CITY_WITH_POSTAL = r"^((?:[A-Za-z]{1,3}\s*-\s*)?\d{4,5})\s+(\D.*)$"
_PREFIX_ONLY = r"^[A-Za-z]{1,3}\s*-\s*"


def _postal_from_city(frame: pl.DataFrame) -> pl.DataFrame:
    """ "10115 Berlin" in city: the code moves to an empty (or equal) postal_code."""
    city, postal = pl.col("city"), pl.col("postal_code")
    found = city.str.extract(_CITY_WITH_POSTAL, 1)
    same = postal.str.replace(_PREFIX_ONLY, "") == found.str.replace(_PREFIX_ONLY, "")
    take = found.is_not_null() & (postal.is_null() | same.fill_null(False))
    return frame.with_columns(
        __city_src=pl.when(take).then(city.str.extract(_CITY_WITH_POSTAL, 2)).otherwise(city),
        __postal_src=pl.when(take & postal.is_null()).then(found).otherwise(postal),
        __city_moved=pl.when(take).then(
            pl.when(postal.is_null())
            .then(pl.lit("postal code moved to postal_code"))
            .otherwise(pl.lit("postal code removed from city"))
        ),
    )


#: E-mail country domains that name one alpine country (see _resolve_country).
_ALPINE_MAIL_DOMAINS = {"at": "AT", "ch": "CH", "li": "LI"}


def _email_country(frame: pl.DataFrame) -> pl.Expr:
    """AT, CH or LI when every .at/.ch/.li e-mail of the record points to that one country."""
    if "emails" not in frame.columns:
        return pl.lit(None, pl.String)
    domains = pl.col("emails").list.eval(
        pl.element()
        .str.strip_chars()
        .str.to_lowercase()
        .str.extract(r"@[^@\s]+\.([a-z]{2})$", 1)
        .replace_strict(_ALPINE_MAIL_DOMAINS, default=None, return_dtype=pl.String)
        .drop_nulls()
        .unique()
    )
    return pl.when(domains.list.len() == 1).then(domains.list.first())


def _resolve_country(
    frame: pl.DataFrame, default_country: str, silo_countries: Mapping[str, str] | None
) -> pl.DataFrame:
    """Country = cleaned country, else postal prefix ("A-8010"), else the postal code and city
    found together in the gazetteer ("6900 Lugano", "1067 Dresden"), else the city ("Zürich") or
    the phone's calling code ("+43 ...") where the postal code fits, else an e-mail at a .at,
    .ch or .li domain beside a four-digit postal code, else silo, else a national
    phone number ("0316 ...") invalid in the fallback country and valid in exactly one DACH
    country the postal code fits, else the default.

    The postal-code shape overrides the silo/default country only where it is unambiguous in
    DACH: a five-digit code cannot be Austrian or Swiss, so it is German. A four-digit code alone
    does not tell AT, CH, LI and a German code without its leading zero apart: the city and the
    phone decide.
    """
    frame = map_distinct(frame, ["country"], normalize_country, outcome_schema("__country"))
    # "WA" (Washington or Western Australia) as the country: no unknown country, the evidence
    # below decides between the two.
    frame = map_distinct(
        frame,
        ["country"],
        lambda country: (state_code_countries(country),),
        {"__state_code_countries": pl.String()},
    )
    frame = map_distinct(
        frame,
        ["country"],
        lambda country: (state_or_country(country),),
        {"__state_or_country": pl.Boolean()},
    )
    frame = map_distinct(
        frame,
        ["__postal_src"],
        lambda code: (postal_prefix_country(code),),
        {"__prefix_country": pl.String()},
    )
    frame = map_distinct(
        frame, ["__city_src"], lambda city: (city_country(city),), {"__city_country": pl.String()}
    )
    frame = map_distinct(
        frame,
        ["__postal_src", "__city_src"],
        lambda code, city: (postal_city_country(code, city),),
        {"__pair_country": pl.String()},
    )
    frame = frame.with_columns(
        __first_phone=pl.col("phones").list.first()
        if "phones" in frame.columns
        else pl.lit(None, pl.String)
    )
    frame = with_phone_prefix_country(frame, "__first_phone", "__phone_country")
    silo_country = (
        pl.col("silo").replace_strict(dict(silo_countries), default=None, return_dtype=pl.String)
        if silo_countries
        else pl.lit(None, pl.String)
    )
    postal = pl.col("__postal_src").str.strip_chars()
    five_digits = postal.str.contains(r"^\d{5}$")
    four_digits = postal.str.contains(r"^[1-9]\d{3}$")

    # A city or phone prefix counts where the postal code (if any) has that country's shape:
    # a German mobile of a customer in Vienna does not make the address German.
    def fits(country: pl.Expr) -> pl.Expr:
        return (
            postal.is_null()
            | (five_digits & (country == "DE"))
            | (four_digits & country.is_in(["AT", "CH", "LI"]))
            | ~country.is_in(["DE", "AT", "CH", "LI"])
        ).fill_null(False)

    city = pl.when(fits(pl.col("__city_country"))).then(pl.col("__city_country"))
    phone = pl.when(fits(pl.col("__phone_country"))).then(pl.col("__phone_country"))
    # An e-mail at a .at, .ch or .li domain tells AT, CH and LI apart where a four-digit code
    # alone cannot ("3400": Klosterneuburg AT, Burgdorf CH, or a German code without its zero).
    # Only then: a .de address says little (Austrians and Swiss use web.de and gmx.de too).
    mail = pl.when(four_digits).then(_email_country(frame))
    stated = pl.coalesce("__country", "__prefix_country", "__pair_country", city, phone, mail)
    frame = frame.with_columns(__stated_country=stated)
    # National numbers are parsed (four times) only where they can still decide: no country
    # stated and no five-digit code (German by shape).
    frame = map_distinct(
        frame.with_columns(
            __national_phone=pl.when(
                pl.col("__stated_country").is_null() & ~five_digits.fill_null(False)
            ).then(pl.col("__first_phone"))
        ).with_columns(
            __national_postal=pl.when(pl.col("__national_phone").is_not_null()).then(postal)
        ),
        ["__national_phone", "__national_postal"],
        national_phone_countries,
        {"__phone_valid": pl.String(), "__phone_fitting": pl.String()},
    ).drop("__first_phone", "__national_phone", "__national_postal")
    fallback = pl.coalesce(silo_country, _silo_majority(frame), pl.lit(default_country))
    # A national number says a country only against a DACH fallback it is not valid in, and only
    # where one country is left: German numbering is so permissive that most Swiss and Austrian
    # numbers are also valid German ones, so this mostly helps AT against CH and the reverse.
    valid = pl.col("__phone_valid").str.split(" ")
    fitting = pl.col("__phone_fitting").str.split(" ")
    national = pl.when(
        fallback.is_in(["DE", "AT", "CH", "LI"])
        & ~valid.list.contains(fallback)
        & (pl.col("__phone_fitting").str.len_chars() == 2)
    ).then(pl.col("__phone_fitting"))
    # The phone says "not German" though no single country is left: no leading zero restored.
    alpine_phone = (
        ~valid.list.contains(pl.lit("DE"))
        & (pl.col("__phone_fitting").str.len_chars() > 0)
        & ~fitting.list.contains(pl.lit("DE"))
    )
    shape_country = pl.when(five_digits & fallback.is_in(["AT", "CH", "LI"])).then(pl.lit("DE"))
    # "Georgia" names a country and a US state: the state where the record looks American (a
    # +1 phone, a five-digit ZIP, an American silo or default), else the country.
    american = ((pl.col("__phone_country") == "US") | five_digits | (fallback == "US")).fill_null(
        False
    )
    state_not_country = pl.col("__state_or_country") & american
    # "WA" names a state of two countries (countries.STATE_CODE_COUNTRIES): the postal code's
    # shape (five digits: a US ZIP, four: an Australian postcode), else the phone's calling code,
    # else the silo's country or the default, where it is one of them; else the first (US).
    state_code = pl.col("__state_code_countries").is_not_null()
    candidates = pl.col("__state_code_countries").str.split(" ")
    written = (
        pl.col("country")
        .str.strip_chars()
        .str.to_uppercase()
        .str.replace_all(".", "", literal=True)
    )
    evidence = [
        (five_digits & candidates.list.contains(pl.lit("US")), pl.lit("US"), "a five-digit ZIP"),
        (
            postal.str.contains(r"^\d{4}$") & candidates.list.contains(pl.lit("AU")),
            pl.lit("AU"),
            "a four-digit postcode",
        ),
        (
            candidates.list.contains(pl.col("__phone_country")),
            pl.col("__phone_country"),
            "the phone's calling code",
        ),
        (candidates.list.contains(fallback), fallback, "the silo's or default country"),
    ]
    state_country: pl.Expr = candidates.list.first()
    state_reason: pl.Expr = pl.format(
        "state {} read as {}: no postal code, phone or silo country tells", written, state_country
    )
    for condition, country, why in reversed(evidence):
        state_country = pl.when(condition.fill_null(False)).then(country).otherwise(state_country)
        state_reason = (
            pl.when(condition.fill_null(False))
            .then(pl.format(f"state {{}} read as {{}}: {why}", written, country))
            .otherwise(state_reason)
        )
    frame = frame.with_columns(
        __country_final=pl.when(state_code)
        .then(state_country)
        .when(state_not_country)
        .then(pl.lit("US"))
        .otherwise(pl.coalesce("__stated_country", national, shape_country, fallback)),
        __country_status=pl.when(state_code)
        .then(pl.lit(CORRECTED))
        .when(state_not_country)
        .then(pl.lit(CORRECTED))
        .otherwise(pl.col("__country_status")),
        __country_reason=pl.when(state_code)
        .then(state_reason)
        .when(state_not_country)
        .then(pl.lit("the US state, not the country: the record looks American"))
        .otherwise(pl.col("__country_reason")),
        __alpine_evidence=(
            pl.col("__city_country").is_in(["AT", "CH", "LI"])
            & four_digits
            & (pl.col("__pair_country").is_null() | (pl.col("__pair_country") != "DE"))
            | alpine_phone & four_digits
        ).fill_null(False),
    )
    return frame.drop(
        "__city_country",
        "__pair_country",
        "__phone_country",
        "__phone_valid",
        "__phone_fitting",
        "__stated_country",
        "__state_or_country",
        "__state_code_countries",
    )


#: A silo's records without a country of their own take the country more than this share of
#: all its records point to (see _silo_majority).
SILO_MAJORITY_SHARE = 0.5


def _silo_majority(frame: pl.DataFrame) -> pl.Expr:
    """Per record, the country most of its silo's records point to, when over half of them do.

    A record points to a country by what it states (country, postal prefix, city, phone prefix:
    ``__stated_country``) or, for the US, by its street: the American shape ("3436 N. Osceola",
    "Wentworth Ave", see address_lines.us_street_shape) with no postal code or a 5-digit one.
    A site list from Chicago whose addresses name no city or state is then American, not the
    --country default; a German CRM with a few American customers stays German.
    """
    streets = frame.select(pl.col("street").unique().drop_nulls())["street"]
    american = streets.filter(
        streets.map_elements(us_street_shape, return_dtype=pl.Boolean, skip_nulls=True)
    )
    postal = pl.col("__postal_src").str.strip_chars()
    us_shape = pl.col("street").is_in(american.implode()) & (
        postal.is_null() | postal.str.contains(r"^\d{5}(?:-\d{4})?$")
    )
    points = pl.coalesce("__stated_country", pl.when(us_shape).then(pl.lit("US")))
    counts = (
        frame.select("silo", points.alias("country"))
        .group_by("silo")
        .agg(
            pl.len().alias("records"),
            pl.col("country").drop_nulls().mode().sort().first().alias("country"),
        )
    )
    voted = frame.select("silo", points.alias("country")).group_by("silo", "country").len()
    winners = counts.join(voted, on=["silo", "country"]).filter(
        pl.col("len") > SILO_MAJORITY_SHARE * pl.col("records")
    )
    table = dict(zip(winners["silo"].to_list(), winners["country"].to_list(), strict=True))
    return pl.col("silo").replace_strict(table, default=None, return_dtype=pl.String)


def _building_parts_to_extra(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """ "Hauptstr. 5 Hinterhaus" in street, "5, 2. OG" in house_number: the building part moves
    to address_extra (after what the silo's own Adresszusatz holds), with a finding; the frame
    and the findings."""
    for column in ("street", "house_number"):
        frame = map_distinct(
            frame,
            [column],
            split_street_extra,
            {f"__{column}_rest": pl.String(), f"__{column}_part": pl.String()},
        )
    moved = pl.col("__street_part").is_not_null() | pl.col("__house_number_part").is_not_null()
    findings = finding_rows(
        frame.filter(moved),
        "address_extra",
        reason=pl.when(pl.col("__street_part").is_not_null())
        .then(pl.lit("building part moved from street to address_extra"))
        .otherwise(pl.lit("building part moved from house_number to address_extra")),
        value=pl.concat_str(["street", "house_number"], separator=" | ", ignore_nulls=True),
    )
    extra = pl.col("address_extra").str.strip_chars()
    frame = frame.with_columns(
        street=pl.when(pl.col("__street_part").is_not_null())
        .then(pl.col("__street_rest"))
        .otherwise(pl.col("street")),
        house_number=pl.when(pl.col("__house_number_part").is_not_null())
        .then(pl.col("__house_number_rest"))
        .otherwise(pl.col("house_number")),
        address_extra=pl.concat_str(
            [
                pl.when(extra != "").then(extra),
                pl.col("__street_part"),
                pl.col("__house_number_part"),
            ],
            separator=", ",
            ignore_nulls=True,
        ).replace("", None),
    ).drop("__street_rest", "__street_part", "__house_number_rest", "__house_number_part")
    return frame, findings


def clean_addresses(
    frame: pl.DataFrame, *, default_country: str, silo_countries: Mapping[str, str] | None
) -> CleanResult:
    """Clean country, postal_code, street, house_number, city, address_extra; add street_key
    and city_key."""
    frame, moved = _building_parts_to_extra(frame)
    frame = _resolve_country(_postal_from_city(frame), default_country, silo_countries)
    frame = map_distinct(
        frame,
        ["__postal_src", "__country_final", "__alpine_evidence"],
        normalize_postal_code,
        outcome_schema("__postal"),
    )
    frame = clean_streets(frame, "street", "__country_final")
    frame = frame.with_columns(__number_src=pl.coalesce("house_number", "__street_number"))
    frame = map_distinct(
        frame, ["__number_src"], normalize_house_number, outcome_schema("__number")
    )
    frame = map_distinct(
        frame,
        ["__city_src", "__country_final"],
        normalize_city,
        {f"__city{suffix}": pl.String() for suffix in ("", "_key", "_status", "_reason")},
    ).with_columns(
        __city_status=pl.when(
            pl.col("__city_moved").is_not_null() & (pl.col("__city_status") != INVALID)
        )
        .then(pl.lit(CORRECTED))
        .otherwise(pl.col("__city_status")),
        __city_reason=pl.concat_str(
            ["__city_moved", "__city_reason"], separator="; ", ignore_nulls=True
        ),
    )
    findings = pl.concat(
        [
            findings_for(
                frame,
                "country",
                value="country",
                status="__country_status",
                reason="__country_reason",
            ),
            findings_for(
                frame,
                "postal_code",
                value="__postal_src",
                status="__postal_status",
                reason="__postal_reason",
            ),
            findings_for(
                frame, "street", value="street", status="__street_status", reason="__street_reason"
            ),
            findings_for(
                frame,
                "house_number",
                value="__number_src",
                status="__number_status",
                reason="__number_reason",
            ),
            findings_for(
                frame, "city", value="city", status="__city_status", reason="__city_reason"
            ),
            moved,
        ]
    )
    frame = frame.with_columns(
        country=pl.col("__country_final"),
        postal_code=pl.col("__postal"),
        street=pl.col("__street"),
        house_number=pl.col("__number"),
        city=pl.col("__city"),
        street_key=pl.col("__street_key"),
        city_key=pl.col("__city_key"),
    )
    return CleanResult(frame.drop(temporary_columns(frame)), findings)
