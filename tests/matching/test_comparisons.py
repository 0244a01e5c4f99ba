"""Comparisons: the agreement level of every field for a candidate pair.

Cases are written with level labels ("nickname", "swap_or_typo" ...) rather than numbers; the
test translates them through the comparison's own ladder, so reordering the labels in code and
weights together keeps the tests meaningful. Where a case depends on a Jaro-Winkler threshold,
the similarity is asserted first (values worked out by hand, e.g. anna/anja: 3 matches of 4, no
transposition, Jaro 0.833, common prefix 2 -> 0.867), and e-mail cases assert the edit distance
of each part, so the case tests the branch it claims to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from rapidfuzz.distance import OSA, JaroWinkler

from matching.comparisons import (
    COMPARE_CHUNK_PAIRS,
    COMPARED_COLUMNS,
    COMPARISONS,
    MISSING,
    _align_swapped_names,
    _attributes_of,
    _both_organisations_expr,
    _business_pair,
    _email_domain,
    _organisation,
    _organisation_named,
    _site,
    compare_pairs,
    comparison_attributes,
    domain_owners,
)

LADDERS = {comparison.name: comparison.levels for comparison in COMPARISONS}


def _label(name: str, level: int) -> str:
    return "missing" if level == MISSING else LADDERS[name][level]


def _pair_frame(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "left_key": [left for left, _ in pairs],
            "right_key": [right for _, right in pairs],
            "rules": ["test"] * len(pairs),
        },
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
    )


def _first_name(key: str | None, group: str | None, phonetic: str | None) -> dict[str, Any]:
    return {"first_name_key": key, "first_name_group": group, "first_name_phonetic": phonetic}


def _last_name(key: str | None, phonetic: str | None) -> dict[str, Any]:
    return {"last_name_key": key, "last_name_phonetic": phonetic}


def _address(
    postal: str | None, street: str | None, house: str | None, city: str | None
) -> dict[str, Any]:
    return {"postal_code": postal, "street_key": street, "house_number": house, "city_key": city}


ORGANISATION = {"record_type": "organisation"}

# similarity bounds: (low, high) the Jaro-Winkler value of the two keys must lie in, or None.
CASES: list[dict[str, Any]] = [
    # --- first name: exact, nickname group, JW >= 0.9, phonetic or JW >= 0.8, different ------
    {
        "description": "first name identical",
        "comparison": "first_name",
        "left": _first_name("max", "maximilian", "68"),
        "right": _first_name("max", "maximilian", "68"),
        "level": "exact",
    },
    {
        "description": "Hans and Johannes share a nickname group",
        "comparison": "first_name",
        "left": _first_name("hans", "johannes", "068"),
        "right": _first_name("johannes", "johannes", "0668"),
        "level": "nickname",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Michael / Micheal: transposition typo, JW 0.97",
        "comparison": "first_name",
        "left": _first_name("michael", "michael", "645"),
        "right": _first_name("micheal", None, "6455"),
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "Anna / Anka: JW 0.87, different phonetic codes, Anka no listed name",
        "comparison": "first_name",
        "left": _first_name("anna", "anna", "06"),
        "right": _first_name("anka", None, "064"),
        "level": "similar",
        "similarity": (0.8, 0.9),
    },
    {
        "description": "Anna / Anja: as alike, but two established given names",
        "comparison": "first_name",
        "left": _first_name("anna", "anna", "06"),
        "right": _first_name("anja", "anja", "064"),
        "level": "other_given_name",
        "similarity": (0.8, 0.9),
    },
    {
        "description": "Christoph / Kristof: sound alike though JW is low",
        "comparison": "first_name",
        "left": _first_name("christoph", "christoph", "4783"),
        "right": _first_name("kristof", "kristof", "4783"),
        "level": "similar",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Max / Moritz: twins' names",
        "comparison": "first_name",
        "left": _first_name("max", "maximilian", "48"),
        "right": _first_name("moritz", "moritz", "678"),
        "level": "different",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "same group but no first name key on one side is missing",
        "comparison": "first_name",
        "left": _first_name(None, "johannes", None),
        "right": _first_name("johannes", "johannes", "0668"),
        "level": "missing",
    },
    {
        "description": "both groups null is not a nickname match",
        "comparison": "first_name",
        "left": _first_name("paul", None, "15"),
        "right": _first_name("peter", None, "127"),
        "level": "different",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Stefan / Stefanie without salutation: masculine and feminine form",
        "comparison": "first_name",
        "left": _first_name("stefan", "stefan", "382"),
        "right": _first_name("stefanie", "stefanie", "382"),
        "level": "opposite_sex",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "Christian / Christiane: JW 0.98, still two people",
        "comparison": "first_name",
        "left": _first_name("christian", "christian", "4782"),
        "right": _first_name("christiane", "christiane", "4782"),
        "level": "opposite_sex",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "Andreas / Andrea: an explicit pair the suffix rule does not reach",
        "comparison": "first_name",
        "left": _first_name("andreas", "andreas", "0628"),
        "right": _first_name("andrea", "andrea", "062"),
        "level": "opposite_sex",
    },
    {
        "description": "Daniel / Danielle: the French feminine -le",
        "comparison": "first_name",
        "left": _first_name("daniel", "daniel", "256"),
        "right": _first_name("danielle", "danielle", "256"),
        "level": "opposite_sex",
    },
    {
        "description": "Oliver / Olivia and Harry / Harriet: English pairs the suffixes miss",
        "comparison": "first_name",
        "left": _first_name("oliver", "oliver", "0537"),
        "right": _first_name("olivia", "olivia", "053"),
        "level": "opposite_sex",
    },
    {
        "description": "Harry / Harriet, Harry read as Henry by its nickname group",
        "comparison": "first_name",
        "left": _first_name("harry", "henry", "07"),
        "right": _first_name("harriet", "harriet", "072"),
        "level": "opposite_sex",
    },
    {
        "description": "Peter / Petra at one address (a couple): Petra is Peter's feminine form",
        "comparison": "first_name",
        "left": _first_name("peter", "peter", "127"),
        "right": _first_name("petra", "petra", "127"),
        "level": "opposite_sex",
    },
    {
        "description": "Carolin / Caroline: a feminine base, both women, not opposite sex",
        "comparison": "first_name",
        "left": _first_name("carolin", "carolin", "4756"),
        "right": _first_name("caroline", "caroline", "4756"),
        "level": "jaro_winkler_0.9",
    },
    {
        "description": "Mia / Mila: two established given names one letter apart (twins)",
        "comparison": "first_name",
        "left": _first_name("mia", "mia", "6"),
        "right": _first_name("mila", "mila", "65"),
        "level": "other_given_name",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "Lena / Lea: two given names, not a typo of one",
        "comparison": "first_name",
        "left": _first_name("lena", "lena", "56"),
        "right": _first_name("lea", "lea", "5"),
        "level": "other_given_name",
    },
    {
        "description": "Tim / Tom: two given names alike only in sound (JW 0.78)",
        "comparison": "first_name",
        "left": _first_name("tim", "tim", "26"),
        "right": _first_name("tom", "tom", "26"),
        "level": "other_given_name",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Lukas / Lucas: one name spelt two ways (c/k), a typo's level",
        "comparison": "first_name",
        "left": _first_name("lukas", "lukas", "548"),
        "right": _first_name("lucas", "lucas", "548"),
        "level": "similar",
    },
    {
        "description": "Hannah / Hanna and Jana / Janna: a silent h, a doubled letter",
        "comparison": "first_name",
        "left": _first_name("janna", "janna", "06"),
        "right": _first_name("jana", "jana", "06"),
        "level": "jaro_winkler_0.9",
    },
    {
        "description": "Isabella / Isabell: a letter lost at the end is a typo, names or not",
        "comparison": "first_name",
        "left": _first_name("isabella", "isabella", "0815"),
        "right": _first_name("isabell", "isabell", "0815"),
        "level": "jaro_winkler_0.9",
    },
    {
        "description": "Mia / Mya: Mya is no listed name, so a typo may explain it",
        "comparison": "first_name",
        "left": _first_name("mia", "mia", "6"),
        "right": _first_name("mya", None, "6"),
        "level": "similar",
    },
    {
        "description": "Anna / Petra: listed names far apart stay strongly different",
        "comparison": "first_name",
        "left": _first_name("anna", "anna", "06"),
        "right": _first_name("petra", "petra", "127"),
        "level": "different",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Edward / Ddwae: scrambled letters explain it, not strong evidence",
        "comparison": "first_name",
        "left": _first_name("edward", "edward", "0372"),
        "right": _first_name("ddwae", None, "23"),
        "level": "unlike",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Snadra / Sandy: a typo of Sandra next to its nickname, no strong evidence",
        "comparison": "first_name",
        "left": _first_name("snadra", None, "8627"),
        "right": _first_name("sandy", "sandra", "862"),
        "level": "unlike",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "J. / Johann: an initial is not a different first name",
        "comparison": "first_name",
        "left": _first_name("j", None, "0"),
        "right": _first_name("johann", "johannes", "06"),
        "level": "unlike",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Watson Noah / Noah (no last name): the first name is the other's last",
        "comparison": "first_name",
        "left": {**_first_name("watson", None, "386"), **_last_name("noah", "06")},
        "right": {**_first_name("noah", None, "06"), **_last_name(None, None)},
        "level": "unlike",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Schultz Ute / Ute Haas: swapped in one record, which also carries the "
        "married name, so only one way crosses; no strong evidence, it only weighs",
        "comparison": "first_name",
        "left": {**_first_name("schultz", None, "858"), **_last_name("ute", "02")},
        "right": {**_first_name("ute", None, "02"), **_last_name("haas", "08")},
        "level": "swapped_one_way",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Ute Haas / Anna Schultz: neither name crosses to the other column",
        "comparison": "first_name",
        "left": {**_first_name("ute", None, "02"), **_last_name("haas", "08")},
        "right": {**_first_name("anna", None, "06"), **_last_name("schultz", "858")},
        "level": "different",
        "similarity": (0.0, 0.8),
    },
    # --- last name: exact, phonetic or JW >= 0.92, JW >= 0.8, different ----------------------
    {
        "description": "last name identical",
        "comparison": "last_name",
        "left": _last_name("mueller", "657"),
        "right": _last_name("mueller", "657"),
        "level": "exact",
    },
    {
        "description": "Meier / Mayer: same Cologne code, JW only 0.76",
        "comparison": "last_name",
        "left": _last_name("meier", "67"),
        "right": _last_name("mayer", "67"),
        "level": "phonetic",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "Mustermann / Mustermenn: JW 0.96 counts as phonetic level",
        "comparison": "last_name",
        "left": _last_name("mustermann", "68276"),
        "right": _last_name("mustermenn", "682766"),
        "level": "phonetic",
        "similarity": (0.92, 1.0),
    },
    {
        "description": "Lehmann / Lehner: JW 0.82, codes differ",
        "comparison": "last_name",
        "left": _last_name("lehmann", "56"),
        "right": _last_name("lehner", "567"),
        "level": "jaro_winkler_0.8",
        "similarity": (0.8, 0.92),
    },
    {
        "description": "a married double name holds the former name (Bauer / Busch-Bauer)",
        "comparison": "last_name",
        "left": _last_name("bauer", "17"),
        "right": _last_name("busch bauer", "8117"),
        "level": "jaro_winkler_0.8",
    },
    {
        "description": "a double name's first part: the maiden name before a marriage",
        "comparison": "last_name",
        "left": _last_name("auer maier", "0767"),
        "right": _last_name("auer", "07"),
        "level": "jaro_winkler_0.8",
    },
    {
        "description": "one name only inside a word of the other is no part of a double name",
        "comparison": "last_name",
        "left": _last_name("bauer", "17"),
        "right": _last_name("neubauer", "6317"),
        "level": "different",
    },
    {
        "description": "Schulz / Wagner",
        "comparison": "last_name",
        "left": _last_name("schulz", "858"),
        "right": _last_name("wagner", "3467"),
        "level": "different",
        "similarity": (0.0, 0.8),
    },
    {
        "description": "no last name on one side",
        "comparison": "last_name",
        "left": _last_name("schulz", "858"),
        "right": _last_name(None, None),
        "level": "missing",
    },
    # --- birth date: exact, day-month swap or one-digit typo, within 366 days, different -------
    {
        "description": "no dates, addresses ending in years a generation apart (father, son)",
        "comparison": "birth_date",
        "left": {"birth_date": None, "emails": ["josef.huber1958@gmx.de"]},
        "right": {"birth_date": None, "emails": ["josef.huber85@web.de"]},
        "level": "different",
    },
    {
        "description": "no dates, addresses ending in years a few years apart: no evidence",
        "comparison": "birth_date",
        "left": {"birth_date": None, "emails": ["josef.huber58@gmx.de"]},
        "right": {"birth_date": None, "emails": ["j.huber1962@web.de"]},
        "level": "missing",
    },
    {
        "description": "a birth date beside an address's digits: the digits may be anything",
        "comparison": "birth_date",
        "left": {"birth_date": date(1958, 3, 1), "emails": ["josef.huber@gmx.de"]},
        "right": {"birth_date": None, "emails": ["josef.huber85@web.de"]},
        "level": "missing",
    },
    {
        "description": "2-digit numbers under 30 are no year (hans.meier12@ / hans.meier77@)",
        "comparison": "birth_date",
        "left": {"birth_date": None, "emails": ["hans.meier12@gmx.de"]},
        "right": {"birth_date": None, "emails": ["hans.meier77@web.de"]},
        "level": "missing",
    },
    # --- email_year: one record's year of birth against the other's address's year ----------
    {
        "description": "a birth date beside an address on a record without one that ends in "
        "the same year (ida.frei84@ / 1984): one person's habit",
        "comparison": "email_year",
        "left": {"birth_date": date(1984, 6, 2), "emails": ["ida.frei@posteo.de"]},
        "right": {"birth_date": None, "emails": ["ida.frei84@web.de"]},
        "level": "same_year",
    },
    {
        "description": "a year column (1984) beside an address ending in 84: the same year",
        "comparison": "email_year",
        "left": {"birth_date": None, "birth_year": 1984},
        "right": {"birth_date": None, "emails": ["ifrei84@gmx.at"]},
        "level": "same_year",
    },
    {
        "description": "born 1995 beside egon73@ on a record without birth date: a generation "
        "apart (father and son of one name), weighs, decides nothing",
        "comparison": "email_year",
        "left": {"birth_date": date(1995, 4, 18), "emails": ["braendli.egon@icloud.com"]},
        "right": {"birth_date": None, "emails": ["egon73@arcor.de"]},
        "level": "different",
    },
    {
        "description": "born 1988 beside gisler75@: years apart, not a generation: the digits "
        "may be any number, no evidence",
        "comparison": "email_year",
        "left": {"birth_date": date(1988, 6, 26)},
        "right": {"birth_date": None, "emails": ["gisler75@hispeed.ch"]},
        "level": "missing",
    },
    {
        "description": "both records with a birth date: the dates compare, not the addresses",
        "comparison": "email_year",
        "left": {"birth_date": date(1995, 4, 18)},
        "right": {"birth_date": date(1973, 1, 2), "emails": ["egon73@arcor.de"]},
        "level": "missing",
    },
    {
        "description": "the address shared by both records reads one year: no second evidence",
        "comparison": "email_year",
        "left": {"birth_date": date(1995, 4, 18), "emails": ["egon73@arcor.de"]},
        "right": {"birth_date": None, "emails": ["egon73@arcor.de"]},
        "level": "missing",
    },
    {
        "description": "a household mailbox's digits are nobody's year of birth",
        "comparison": "email_year",
        "left": {"birth_date": date(1995, 4, 18)},
        "right": {"birth_date": None, "emails": ["familie.braendli73@gmx.de"]},
        "level": "missing",
    },
    {
        "description": "same birth date",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 3, 5)},
        "level": "exact",
    },
    {
        "description": "day and month swapped (05.03. vs 03.05.)",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 5, 3)},
        "level": "swap_or_typo",
    },
    {
        "description": "day and month swapped with two-digit parts (01.12. vs 12.01.)",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 12, 1)},
        "right": {"birth_date": date(1980, 1, 12)},
        "level": "swap_or_typo",
    },
    {
        "description": "one-digit typo in the day",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 15)},
        "right": {"birth_date": date(1980, 3, 25)},
        "level": "swap_or_typo",
    },
    {
        "description": "one-digit typo in the year",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1989, 3, 5)},
        "level": "swap_or_typo",
    },
    {
        "description": "one-digit typo in the month",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 8, 5)},
        "level": "swap_or_typo",
    },
    {
        "description": "two digits differ (day and month each by one): a month apart",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 4, 6)},
        "level": "within_one_year",
    },
    {
        "description": "a year apart across a decade (1989 / 1990): two digits, 365 days",
        "comparison": "birth_date",
        "left": {"birth_date": date(1989, 6, 15)},
        "right": {"birth_date": date(1990, 6, 15)},
        "level": "within_one_year",
    },
    {
        "description": "366 days apart is still within one year (a leap day between)",
        "comparison": "birth_date",
        "left": {"birth_date": date(1989, 6, 15)},
        "right": {"birth_date": date(1990, 6, 16)},
        "level": "within_one_year",
    },
    {
        "description": "367 days apart: years one apart, a typo in year and day, weak evidence",
        "comparison": "birth_date",
        "left": {"birth_date": date(1989, 6, 15)},
        "right": {"birth_date": date(1990, 6, 17)},
        "level": "year_typo",
    },
    {
        "description": "two digits of the year differ, eleven years apart: weighs (namesakes "
        "or heavy typos), conflicts only between group members",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1991, 3, 5)},
        "level": "years_apart",
    },
    {
        "description": "a generation apart (father and son, 1955 / 1982): the hard-rule level",
        "comparison": "birth_date",
        "left": {"birth_date": date(1955, 6, 1)},
        "right": {"birth_date": date(1982, 6, 1)},
        "level": "different",
    },
    {
        "description": "swap but another year: two typos, weighs only",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1981, 5, 3)},
        "level": "year_typo",
    },
    {
        "description": "the year's last digit, the day and the month all differ (26.05.1993 / "
        "11.10.1999): namesakes born six years apart, not a typo",
        "comparison": "birth_date",
        "left": {"birth_date": date(1993, 5, 26)},
        "right": {"birth_date": date(1999, 10, 11)},
        "level": "years_apart",
    },
    {
        "description": "the year's last digit and the day differ, the month kept (08.09.1974 / "
        "05.09.1979): a typo in year and day",
        "comparison": "birth_date",
        "left": {"birth_date": date(1974, 9, 8)},
        "right": {"birth_date": date(1979, 9, 5)},
        "level": "year_typo",
    },
    {
        "description": "one digit of the year (1972 / 1982) and the day differ: year_typo",
        "comparison": "birth_date",
        "left": {"birth_date": date(1972, 4, 5)},
        "right": {"birth_date": date(1982, 5, 3)},
        "level": "year_typo",
    },
    {
        "description": "one digit of the year differs, 20 years apart, and the month too "
        "(02.07.1946 / 02.02.1966): two typos or mother and daughter, a generation apart",
        "comparison": "birth_date",
        "left": {"birth_date": date(1946, 7, 2)},
        "right": {"birth_date": date(1966, 2, 2)},
        "level": "different",
    },
    {
        "description": "one digit of the year differs, the rest equal (02.07.1946 / "
        "02.07.1966): one typo",
        "comparison": "birth_date",
        "left": {"birth_date": date(1946, 7, 2)},
        "right": {"birth_date": date(1966, 7, 2)},
        "level": "swap_or_typo",
    },
    {
        "description": "12.03.1980 / 03.12.1980: day and month swapped",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 12)},
        "right": {"birth_date": date(1980, 12, 3)},
        "level": "swap_or_typo",
    },
    {
        "description": "1980 / 1908: two neighbouring digits of the year swapped",
        "comparison": "birth_date",
        "left": {"birth_date": date(1980, 3, 12)},
        "right": {"birth_date": date(1908, 3, 12)},
        "level": "swap_or_typo",
    },
    {
        "description": "father and son, 25 years apart",
        "comparison": "birth_date",
        "left": {"birth_date": date(1955, 6, 20)},
        "right": {"birth_date": date(1980, 11, 2)},
        "level": "different",
    },
    {
        "description": "only a year on one side, a generation from the other's date (father "
        '"1951", son 12.03.1980): the hard-rule level, as with two dates',
        "comparison": "birth_date",
        "left": {"birth_date": None, "birth_year": 1980},
        "right": {"birth_date": date(1951, 3, 12)},
        "level": "different",
    },
    {
        "description": "only a year on both sides, a generation apart",
        "comparison": "birth_date",
        "left": {"birth_year": 1945},
        "right": {"birth_year": 2004},
        "level": "different",
    },
    {
        "description": "only a year, eight years and two digits from the other's date: years apart",
        "comparison": "birth_date",
        "left": {"birth_year": 1991},
        "right": {"birth_date": date(1983, 3, 12)},
        "level": "years_apart",
    },
    {
        "description": "only a year, one digit off the other's (1972 / 1982): year_typo",
        "comparison": "birth_date",
        "left": {"birth_year": 1972},
        "right": {"birth_date": date(1982, 3, 12)},
        "level": "year_typo",
    },
    {
        "description": "only a year, one year from the other's date",
        "comparison": "birth_date",
        "left": {"birth_year": 1979},
        "right": {"birth_date": date(1980, 3, 12)},
        "level": "within_one_year",
    },
    {
        "description": "only a year, the other's date in that year: no evidence either way",
        "comparison": "birth_date",
        "left": {"birth_year": 1980},
        "right": {"birth_date": date(1980, 3, 12)},
        "level": "missing",
    },
    {
        "description": "birth date unknown on one side",
        "comparison": "birth_date",
        "left": {"birth_date": None},
        "right": {"birth_date": date(1980, 3, 5)},
        "level": "missing",
    },
    # --- e-mail: shared (role addresses excluded), similar first address, different -----------
    {
        "description": "one address in common among several",
        "comparison": "email",
        "left": {"emails": ["max@example.de", "max.m@work.de"]},
        "right": {"emails": ["m@old.de", "max@example.de"]},
        "level": "shared",
    },
    {
        "description": "no address in common",
        "comparison": "email",
        "left": {"emails": ["max@example.de"]},
        "right": {"emails": ["moritz@example.de"]},
        "level": "different",
        "edits": {"local": 5, "domain": 0},
    },
    {
        "description": "twins' own addresses, each with its own first name (Lina / Lisa)",
        "comparison": "email",
        "left": {"first_name_key": "lina", "emails": ["lina.gerber@chello.at"]},
        "right": {"first_name_key": "lisa", "emails": ["lisa.gerber@a1.net"]},
        "level": "own_names",
    },
    {
        "description": "a first-name typo beside an address with the right name (Jon / John)",
        "comparison": "email",
        "left": {"first_name_key": "jon", "emails": ["john.smith@example.com"]},
        "right": {"first_name_key": "john", "emails": ["jsmith@example.org"]},
        "level": "different",
    },
    {
        "description": "one name inside the other (Anna / Hanna): each address names the longer "
        "name it holds, anna.kofler@ Anna and hanna.kofler@ Hanna",
        "comparison": "email",
        "left": {"first_name_key": "anna", "emails": ["anna.kofler@gmx.at"]},
        "right": {"first_name_key": "hanna", "emails": ["hanna.kofler@aon.at"]},
        "level": "own_names",
    },
    {
        "description": "a record 'Anna' whose address is hanna.kofler@ names Hanna: no own name",
        "comparison": "email",
        "left": {"first_name_key": "anna", "emails": ["hanna.kofler@gmx.at"]},
        "right": {"first_name_key": "hanna", "emails": ["hkofler77@aon.at"]},
        "level": "different",
    },
    {
        "description": "Lukas and Luka: lukas.gruber@ holds Luka too but names Lukas",
        "comparison": "email",
        "left": {"first_name_key": "lukas", "emails": ["lukas.gruber@mail.de"]},
        "right": {"first_name_key": "luka", "emails": ["luka.gruber@web.de"]},
        "level": "own_names",
    },
    {
        "description": "one address names its own first name (lea.winkler@ for Lea), the other "
        "neither name (lwinkler39@ for Lena)",
        "comparison": "email",
        "left": {"first_name_key": "lena", "emails": ["lwinkler39@gmx.at"]},
        "right": {"first_name_key": "lea", "emails": ["lea.winkler@a1.net"]},
        "level": "own_names",
    },
    {
        "description": "one typo apart exactly where each repeats its own first name "
        "(jonas.lehmann@ / jonah.lehmann@): the addresses follow the names",
        "comparison": "email",
        "left": {"first_name_key": "jonas", "emails": ["jonas.lehmann@outlook.de"]},
        "right": {"first_name_key": "jonah", "emails": ["jonah.lehmann@outlook.de"]},
        "level": "own_names",
    },
    {
        "description": "one typo apart, the mistyped first name not repeated in the address",
        "comparison": "email",
        "left": {"first_name_key": "jonas", "emails": ["jonas.lehmann@outlook.de"]},
        "right": {"first_name_key": "jnoas", "emails": ["jonas.lehmnan@outlook.de"]},
        "level": "similar",
    },
    {
        "description": "same local part, two letters of the domain swapped (gmail / gmial)",
        "comparison": "email",
        "left": {"emails": ["max.mueller@gmail.com"]},
        "right": {"emails": ["max.mueller@gmial.com"]},
        "level": "similar",
        "edits": {"local": 0, "domain": 1},
    },
    {
        "description": "same domain, two letters of the local part swapped (schmidt / schmitd)",
        "comparison": "email",
        "left": {"emails": ["anna.schmidt@example.de"]},
        "right": {"emails": ["anna.schmitd@example.de"]},
        "level": "similar",
        "edits": {"local": 1, "domain": 0},
    },
    {
        "description": "same domain, a letter missing from the local part (mueller / muller)",
        "comparison": "email",
        "left": {"emails": ["max.mueller@web.de"]},
        "right": {"emails": ["max.muller@web.de"]},
        "level": "similar",
        "edits": {"local": 1, "domain": 0},
    },
    {
        "description": "a numbered namesake is no typo (max.mueller / max.mueller2)",
        "comparison": "email",
        "left": {"emails": ["max.mueller@web.de"]},
        "right": {"emails": ["max.mueller2@web.de"]},
        "level": "different",
        "edits": {"local": 1, "domain": 0},
    },
    {
        "description": "numbered namesakes differing in the number only (anna.s1 / anna.s2)",
        "comparison": "email",
        "left": {"emails": ["anna.s1@web.de"]},
        "right": {"emails": ["anna.s2@web.de"]},
        "level": "different",
        "edits": {"local": 1, "domain": 0},
    },
    {
        "description": "a digit typed for a letter is a typo (anna.s / anna.5)",
        "comparison": "email",
        "left": {"emails": ["anna.s@web.de"]},
        "right": {"emails": ["anna.5@web.de"]},
        "level": "similar",
        "edits": {"local": 1, "domain": 0},
    },
    {
        "description": "same domain, local parts two edits apart (anna / anke)",
        "comparison": "email",
        "left": {"emails": ["anna@example.de"]},
        "right": {"emails": ["anke@example.de"]},
        "level": "different",
        "edits": {"local": 2, "domain": 0},
    },
    {
        "description": "namesakes at look-alike providers (gmx.de / gmx.at) are different",
        "comparison": "email",
        "left": {"emails": ["max.mueller@gmx.de"]},
        "right": {"emails": ["max.mueller@gmx.at"]},
        "level": "different",
        "edits": {"local": 0, "domain": 2},
    },
    {
        "description": "namesakes at different providers (gmail.com / gmx.de)",
        "comparison": "email",
        "left": {"emails": ["max.mueller@gmail.com"]},
        "right": {"emails": ["max.mueller@gmx.de"]},
        "level": "different",
        "edits": {"local": 0, "domain": 6},
    },
    {
        "description": "one typo in each part: neither part equal",
        "comparison": "email",
        "left": {"emails": ["anna.schmidt@gmail.com"]},
        "right": {"emails": ["anna.schmitd@gmial.com"]},
        "level": "different",
        "edits": {"local": 1, "domain": 1},
    },
    {
        "description": "typo check looks at the first personal address of each side",
        "comparison": "email",
        "left": {
            "emails": ["info@firma.de", "anna.schmidt@firma.de"],
            "role_emails": ["info@firma.de"],
        },
        "right": {"emails": ["anna.schmitd@firma.de"]},
        "level": "similar",
    },
    {
        "description": "a typo in a later address is not looked at",
        "comparison": "email",
        "left": {"emails": ["m@old.de", "max.mueller@gmail.com"]},
        "right": {"emails": ["max.mueller@gmial.com"]},
        "level": "different",
    },
    {
        "description": "only a shared role address: no evidence either way",
        "comparison": "email",
        "left": {"emails": ["info@firma.de"], "role_emails": ["info@firma.de"]},
        "right": {"emails": ["info@firma.de"], "role_emails": ["info@firma.de"]},
        "level": "missing",
    },
    {
        "description": "role address ignored, personal addresses differ",
        "comparison": "email",
        "left": {"emails": ["info@firma.de", "anna@firma.de"], "role_emails": ["info@firma.de"]},
        "right": {"emails": ["info@firma.de", "bernd@firma.de"], "role_emails": ["info@firma.de"]},
        "level": "different",
    },
    {
        "description": "role_emails null means no role addresses",
        "comparison": "email",
        "left": {"emails": ["max@example.de"], "role_emails": None},
        "right": {"emails": ["max@example.de"], "role_emails": []},
        "level": "shared",
    },
    {
        "description": "empty list on one side",
        "comparison": "email",
        "left": {"emails": []},
        "right": {"emails": ["max@example.de"]},
        "level": "missing",
    },
    {
        "description": "null list on one side",
        "comparison": "email",
        "left": {"emails": None},
        "right": {"emails": ["max@example.de"]},
        "level": "missing",
    },
    # --- e-mail: household mailboxes ---------------------------------------------------------
    {
        "description": "a shared household mailbox (familie.mueller@) is the household's",
        "comparison": "email",
        "left": {"emails": ["familie.mueller@web.de"]},
        "right": {"emails": ["familie.mueller@web.de"]},
        "level": "shared_household",
    },
    {
        "description": "household mailbox shared, personal addresses differ: household",
        "comparison": "email",
        "left": {"emails": ["fam-huber@gmx.at", "anna.huber@gmx.at"]},
        "right": {"emails": ["fam-huber@gmx.at", "tom.huber@gmx.at"]},
        "level": "shared_household",
    },
    {
        "description": "a shared personal address wins over the household one",
        "comparison": "email",
        "left": {"emails": ["hans.und.erika@web.de", "erika.wolf@web.de"]},
        "right": {"emails": ["hans.und.erika@web.de", "erika.wolf@web.de"]},
        "level": "shared",
    },
    {
        "description": "household mailbox on one side, personal address on the other",
        "comparison": "email",
        "left": {"emails": ["familie.mueller@web.de"]},
        "right": {"emails": ["anna.mueller@web.de"]},
        "level": "different",
    },
    {
        "description": "two different household mailboxes",
        "comparison": "email",
        "left": {"emails": ["familie.mueller@web.de"]},
        "right": {"emails": ["familie.meier@web.de"]},
        "level": "different",
    },
    {
        "description": "a last name alone (bauer@, twins Andrea and Andreas Bauer) is the "
        "family's mailbox, as familie.bauer@ is",
        "comparison": "email",
        "left": {"emails": ["bauer@yahoo.de"], "last_name_key": "bauer"},
        "right": {"emails": ["bauer@yahoo.de"], "last_name_key": "bauer"},
        "level": "shared_household",
    },
    {
        "description": "the family's mailbox by either record's last name (a typo, Buaer, on "
        "one side; one word of a double name on the other)",
        "comparison": "email",
        "left": {"emails": ["bauer@yahoo.de"], "last_name_key": "buaer"},
        "right": {"emails": ["bauer@yahoo.de"], "last_name_key": "bauer schmidt"},
        "level": "shared_household",
    },
    {
        "description": "the family's name in the plural (muellers@, Andrea and Andreas Müller) "
        "is the family's mailbox",
        "comparison": "email",
        "left": {"emails": ["muellers@netcologne.de"], "last_name_key": "mueller"},
        "right": {"emails": ["muellers@netcologne.de"], "last_name_key": "mueller"},
        "level": "shared_household",
    },
    {
        "description": "die.meiers@: the article and the plural, a household's mailbox",
        "comparison": "email",
        "left": {"emails": ["die.meiers@gmx.de"], "last_name_key": "meier"},
        "right": {"emails": ["die.meiers@gmx.de"], "last_name_key": "meier"},
        "level": "shared_household",
    },
    {
        "description": "huberfamilie@: the family word written onto the last name",
        "comparison": "email",
        "left": {"emails": ["huberfamilie@aon.at"], "last_name_key": "huber"},
        "right": {"emails": ["huberfamilie@aon.at"], "last_name_key": "huber"},
        "level": "shared_household",
    },
    {
        "description": "the last name with the home town (brandl.augsburg@, father and son "
        "Josef Brandl): no first name, the family's mailbox",
        "comparison": "email",
        "left": {
            "emails": ["brandl.augsburg@t-online.de"],
            "last_name_key": "brandl",
            "city_key": "augsburg",
        },
        "right": {
            "emails": ["brandl.augsburg@t-online.de"],
            "last_name_key": "brandl",
            "city_key": "augsburg",
        },
        "level": "shared_household",
    },
    {
        "description": "a last name with a first name or initial is one person's (a.bauer@)",
        "comparison": "email",
        "left": {"emails": ["a.bauer@yahoo.de"], "last_name_key": "bauer"},
        "right": {"emails": ["a.bauer@yahoo.de"], "last_name_key": "bauer"},
        "level": "shared",
    },
    {
        "description": "a last name mailbox beside a shared personal address: shared",
        "comparison": "email",
        "left": {"emails": ["bauer@yahoo.de", "andrea.bauer@gmx.de"], "last_name_key": "bauer"},
        "right": {"emails": ["andrea.bauer@gmx.de", "bauer@yahoo.de"], "last_name_key": "bauer"},
        "level": "shared",
    },
    {
        "description": "a name that merely starts like one (famke@) is personal",
        "comparison": "email",
        "left": {"emails": ["famke.jansen@web.de"]},
        "right": {"emails": ["famke.jansen@web.de"]},
        "level": "shared",
    },
    # --- phone: shared mobile, shared landline, no common number, different mobiles -----------
    {
        "description": "a shared mobile number",
        "comparison": "phone",
        "left": {
            "phones": ["+4930123456", "+491701234567"],
            "phone_types": ["landline", "mobile"],
        },
        "right": {"phones": ["+491701234567"], "phone_types": ["mobile"]},
        "level": "shared",
    },
    {
        "description": "a shared landline, no mobile on one side",
        "comparison": "phone",
        "left": {
            "phones": ["+4930123456", "+491701234567"],
            "phone_types": ["landline", "mobile"],
        },
        "right": {"phones": ["+4930123456"], "phone_types": ["landline"]},
        "level": "shared_landline",
    },
    {
        "description": "shared landline but two different mobiles: two people of one household",
        "comparison": "phone",
        "left": {
            "phones": ["+4930123456", "+491701234567"],
            "phone_types": ["landline", "mobile"],
        },
        "right": {
            "phones": ["+4930123456", "+491609876543"],
            "phone_types": ["landline", "mobile"],
        },
        "level": "different",
    },
    {
        "description": "different mobiles",
        "comparison": "phone",
        "left": {"phones": ["+491701234567"], "phone_types": ["mobile"]},
        "right": {"phones": ["+491609876543"], "phone_types": ["mobile"]},
        "level": "different",
    },
    {
        "description": "mobiles one digit apart: one number mistyped, not two people's",
        "comparison": "phone",
        "left": {"phones": ["+4366442280120"], "phone_types": ["mobile"]},
        "right": {"phones": ["+4366440280120"], "phone_types": ["mobile"]},
        "level": "no_common_number",
    },
    {
        "description": "mobiles with two digits swapped: one number mistyped",
        "comparison": "phone",
        "left": {"phones": ["+491701234567"], "phone_types": ["mobile"]},
        "right": {"phones": ["+491701243567"], "phone_types": ["mobile"]},
        "level": "no_common_number",
    },
    {
        "description": "neighbour mobiles (a family contract's, 1234567 / 1234568): two people",
        "comparison": "phone",
        "left": {"phones": ["+491701234567"], "phone_types": ["mobile"]},
        "right": {"phones": ["+491701234568"], "phone_types": ["mobile"]},
        "level": "different",
    },
    {
        "description": "a landline on one side, a mobile on the other",
        "comparison": "phone",
        "left": {"phones": ["+4930123456"], "phone_types": ["landline"]},
        "right": {"phones": ["+491609876543"], "phone_types": ["mobile"]},
        "level": "no_common_number",
    },
    {
        "description": "two different landlines",
        "comparison": "phone",
        "left": {"phones": ["+4930123456"], "phone_types": ["landline"]},
        "right": {"phones": ["+4989123456"], "phone_types": ["landline"]},
        "level": "no_common_number",
    },
    {
        "description": "numbers without types count as personal: shared",
        "comparison": "phone",
        "left": {"phones": ["+4930123456"], "phone_types": None},
        "right": {"phones": ["+4930123456"], "phone_types": None},
        "level": "shared",
    },
    {
        "description": "numbers without types count as personal: different",
        "comparison": "phone",
        "left": {"phones": ["+4930123456"], "phone_types": None},
        "right": {"phones": ["+4989123456"], "phone_types": None},
        "level": "different",
    },
    {
        "description": "no phone on one side",
        "comparison": "phone",
        "left": {"phones": []},
        "right": {"phones": ["+4930123456"]},
        "level": "missing",
    },
    {
        "description": "one local number without area code on both records",
        "comparison": "phone",
        "left": {"phones": ["3865286"], "phone_types": ["local"]},
        "right": {"phones": ["3865286"], "phone_types": ["local"]},
        "level": "shared_landline",
    },
    {
        "description": "a local number is the local part of the other record's full number",
        "comparison": "phone",
        "left": {"phones": ["3865286"], "phone_types": ["local"]},
        "right": {"phones": ["+17733865286"], "phone_types": ["other"]},
        "level": "shared_landline",
    },
    {
        "description": "two full numbers alike in their local part only: other area codes",
        "comparison": "phone",
        "left": {
            "phones": ["+13123865286", "5550100"],
            "phone_types": ["other", "local"],
            **ORGANISATION,
        },
        "right": {"phones": ["+17733865286"], "phone_types": ["other"], **ORGANISATION},
        "level": "no_common_number",
    },
    {
        "description": "two local numbers that differ",
        "comparison": "phone",
        "left": {"phones": ["3865286"], "phone_types": ["local"]},
        "right": {"phones": ["3865287"], "phone_types": ["local"]},
        "level": "no_common_number",
    },
    {
        "description": "two organisations with other numbers: switchboards, not mobiles",
        "comparison": "phone",
        "left": {"record_type": "organisation", "phones": ["+491701234567"]},
        "right": {"record_type": "organisation", "phones": ["+491609876543"]},
        "level": "no_common_number",
    },
    {
        "description": "two persons with other US numbers (fixed line or mobile): no veto",
        "comparison": "phone",
        "left": {"phones": ["+13123865286"], "phone_types": ["other"]},
        "right": {"phones": ["+17733865286"], "phone_types": ["other"]},
        "level": "no_common_number",
    },
    {
        "description": "two persons share a US number of either kind: shared like a landline",
        "comparison": "phone",
        "left": {"phones": ["+17733865286"], "phone_types": ["other"]},
        "right": {"phones": ["+17733865286"], "phone_types": ["other"]},
        "level": "shared_landline",
    },
    {
        "description": "two organisations: a direct dial (Durchwahl) and its switchboard",
        "comparison": "phone",
        "left": {"phones": ["+493057425549774"], "phone_types": ["landline"], **ORGANISATION},
        "right": {"phones": ["+4930574255497"], "phone_types": ["landline"], **ORGANISATION},
        "level": "shared_landline",
    },
    {
        "description": "two organisations: numbers that only begin alike are not one line",
        "comparison": "phone",
        "left": {"phones": ["+4930574255"], "phone_types": ["landline"], **ORGANISATION},
        "right": {"phones": ["+493057425549774"], "phone_types": ["landline"], **ORGANISATION},
        "level": "no_common_number",
    },
    {
        "description": "two persons: a number that extends the other is no shared line",
        "comparison": "phone",
        "left": {"phones": ["+493057425549774"], "phone_types": ["landline"]},
        "right": {"phones": ["+4930574255497"], "phone_types": ["landline"]},
        "level": "no_common_number",
    },
    {
        "description": "two organisations: a number with extension is its switchboard's line",
        "comparison": "phone",
        "left": {"phones": ["+19194008648;ext=2"], "phone_types": ["other"], **ORGANISATION},
        "right": {"phones": ["+19194008648"], "phone_types": ["other"], **ORGANISATION},
        "level": "shared_landline",
    },
    {
        "description": "two persons: another extension of one switchboard is no shared number",
        "comparison": "phone",
        "left": {"phones": ["+4989123456;ext=12"], "phone_types": ["landline"]},
        "right": {"phones": ["+4989123456;ext=34"], "phone_types": ["landline"]},
        "level": "no_common_number",
    },
    # --- gender from the salutation ------------------------------------------------------------
    {
        "description": "both Frau",
        "comparison": "gender",
        "left": {"salutation": "Frau"},
        "right": {"salutation": "Frau"},
        "level": "same",
    },
    {
        "description": "Herr and Frau (Stefan and Stefanie)",
        "comparison": "gender",
        "left": {"salutation": "Herr"},
        "right": {"salutation": "Frau"},
        "level": "different",
    },
    {
        "description": "Familie with its first name says nothing about the person's sex",
        "comparison": "gender",
        "left": {"salutation": "Familie", "first_name_key": "wolfgang"},
        "right": {"salutation": "Frau", "first_name_key": "wolfgang"},
        "level": "missing",
    },
    {
        "description": "a household's record (Familie Volz) beside Frau Volz: the household's",
        "comparison": "gender",
        "left": {"salutation": "Familie", "first_name_key": None},
        "right": {"salutation": "Frau", "first_name_key": None},
        "level": "household",
    },
    {
        "description": "a household's record beside Wolfgang Volz without salutation",
        "comparison": "gender",
        "left": {"salutation": None, "first_name_key": "wolfgang"},
        "right": {"salutation": "Familie", "first_name_key": None},
        "level": "household",
    },
    {
        "description": "a newsletter row of familie.volz@ without first name beside Herr "
        "Wolfgang Volz: the household's mailbox, either spouse reads it",
        "comparison": "gender",
        "left": {"emails": ["familie.volz@web.de"], "last_name_key": "volz"},
        "right": {
            "salutation": "Herr",
            "first_name_key": "wolfgang",
            "emails": ["familie.volz@web.de"],
            "last_name_key": "volz",
        },
        "level": "household",
    },
    {
        "description": "a nameless newsletter row of hinterbergers@ beside Elisabeth "
        "Hinterberger who reads it too: the family's name in the plural, the household's",
        "comparison": "gender",
        "left": {"emails": ["hinterbergers@web.de"]},
        "right": {
            "first_name_key": "elisabeth",
            "last_name_key": "hinterberger",
            "emails": ["hinterbergers@web.de"],
        },
        "level": "household",
    },
    {
        "description": "grafs@ with the last name Graf and no first name: the household's",
        "comparison": "gender",
        "left": {"last_name_key": "graf", "emails": ["grafs@bluewin.ch"]},
        "right": {"salutation": "Herr", "first_name_key": "roger", "last_name_key": "graf"},
        "level": "household",
    },
    {
        "description": "the last name alone as the mailbox (graf@) may be one person's own",
        "comparison": "gender",
        "left": {"last_name_key": "graf", "emails": ["graf@bluewin.ch"]},
        "right": {"salutation": "Herr", "first_name_key": "roger", "last_name_key": "graf"},
        "level": "missing",
    },
    {
        "description": "a local part ending in s that is no family's plural (duanejames@, the "
        "last name read from the address itself): no household",
        "comparison": "gender",
        "left": {"emails": ["duanejames@reyes.net"]},
        "right": {
            "first_name_key": "freddie",
            "last_name_key": "duanejames",
            "emails": ["duanejames@reyes.net"],
        },
        "level": "missing",
    },
    {
        "description": "the family mailbox beside a personal address on the record without "
        "first name: the personal address says whose record it is",
        "comparison": "gender",
        "left": {"emails": ["familie.volz@web.de", "w.volz@gmx.de"], "last_name_key": "volz"},
        "right": {"salutation": "Herr", "first_name_key": "wolfgang", "last_name_key": "volz"},
        "level": "missing",
    },
    {
        "description": "Frau Volz without first name at the family mailbox: a person's record",
        "comparison": "gender",
        "left": {"salutation": "Frau", "emails": ["familie.volz@web.de"]},
        "right": {"salutation": "Frau", "first_name_key": "waltraud"},
        "level": "same",
    },
    {
        "description": "a family mailbox with an initial (M. Prohaska) names a person",
        "comparison": "gender",
        "left": {"first_name_key": "m", "emails": ["familie.prohaska@yahoo.com"]},
        "right": {"salutation": "Frau", "first_name_key": "martina"},
        "level": "missing",
    },
    {
        "description": "two records of one household (Familie Volz twice): nothing to compare",
        "comparison": "gender",
        "left": {"salutation": "Familie", "first_name_key": None},
        "right": {"salutation": "Familie", "first_name_key": None},
        "level": "missing",
    },
    {
        "description": "no salutation on one side",
        "comparison": "gender",
        "left": {"salutation": None},
        "right": {"salutation": "Herr"},
        "level": "missing",
    },
    # --- address: house, street, other house, other street, place, different -----------------
    {
        "description": "same postal code, street and house number",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12a", "berlin"),
        "right": _address("10115", "invalidenstr", "12a", "berlin"),
        "level": "house",
    },
    {
        "description": "same street, another house number beyond a typo (21 / 102)",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "21", "berlin"),
        "right": _address("10115", "invalidenstr", "102", "berlin"),
        "level": "other_house",
    },
    {
        "description": "one house, two floors named (5. OG / 4. OG): two dwellings",
        "comparison": "address",
        "left": {
            **_address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
            "address_extra": "5. OG",
        },
        "right": {
            **_address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
            "address_extra": "4. OG",
        },
        "level": "other_house",
    },
    {
        "description": "one house, French floors (3e étage / 5e étage): two dwellings",
        "comparison": "address",
        "left": {**_address("1752", "ruedutemple", "4", "villars"), "address_extra": "3e étage"},
        "right": {**_address("1752", "ruedutemple", "4", "villars"), "address_extra": "5e étage"},
        "level": "other_house",
    },
    {
        "description": "one house, two flats (Top 4 / Whg. 7): two dwellings",
        "comparison": "address",
        "left": {**_address("1100", "favoritenstr", "12", "wien"), "address_extra": "Top 4"},
        "right": {**_address("1100", "favoritenstr", "12", "wien"), "address_extra": "Whg. 7"},
        "level": "other_house",
    },
    {
        "description": "one Vienna house, two doors in the house number (29/4 / 29/5): two flats",
        "comparison": "address",
        "left": _address("1100", "feldgasse", "29/4", "wien"),
        "right": _address("1100", "feldgasse", "29/5", "wien"),
        "level": "other_house",
    },
    {
        "description": "staircase and door (29/2/4) beside the door alone (29/4): one flat",
        "comparison": "address",
        "left": _address("1100", "feldgasse", "29/2/4", "wien"),
        "right": _address("1100", "feldgasse", "29/4", "wien"),
        "level": "house",
    },
    {
        "description": "the door on one record only (29/4 / 29): the house",
        "comparison": "address",
        "left": _address("1100", "feldgasse", "29/4", "wien"),
        "right": _address("1100", "feldgasse", "29", "wien"),
        "level": "house",
    },
    {
        "description": "the floor word before its number (Stock 3 / 2. Stock): two dwellings",
        "comparison": "address",
        "left": {**_address("1100", "feldgasse", "29", "wien"), "address_extra": "Stock 3"},
        "right": {**_address("1100", "feldgasse", "29", "wien"), "address_extra": "2. Stock"},
        "level": "other_house",
    },
    {
        "description": "one floor written both ways (Stock 3 / 3. Stock): the house",
        "comparison": "address",
        "left": {**_address("1100", "feldgasse", "29", "wien"), "address_extra": "Stock 3"},
        "right": {**_address("1100", "feldgasse", "29", "wien"), "address_extra": "3. Stock"},
        "level": "house",
    },
    {
        "description": "one house, the floor on one record only: the house",
        "comparison": "address",
        "left": {
            **_address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
            "address_extra": "5. OG",
        },
        "right": _address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
        "level": "house",
    },
    {
        "description": "one house, one floor written two ways (2. Stock / 2nd floor): the house",
        "comparison": "address",
        "left": {
            **_address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
            "address_extra": "2. Stock",
        },
        "right": {
            **_address("5071", "drkarlrennerstr", "63", "walssiezenheim"),
            "address_extra": "2nd floor",
        },
        "level": "house",
    },
    {
        "description": "same street, house numbers two edits apart (12a / 14)",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12a", "berlin"),
        "right": _address("10115", "invalidenstr", "14", "berlin"),
        "level": "other_house",
    },
    {
        "description": "same street, the house number's digits swapped (12 / 21): a typo",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12", "berlin"),
        "right": _address("10115", "invalidenstr", "21", "berlin"),
        "level": "street",
    },
    {
        "description": "same street, a digit of the house number lost (102 / 12): a typo",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "102", "berlin"),
        "right": _address("10115", "invalidenstr", "12", "berlin"),
        "level": "street",
    },
    {
        "description": "same street, a range beside its first number (12-16 / 12): one house",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12-16", "berlin"),
        "right": _address("10115", "invalidenstr", "12", "berlin"),
        "level": "street",
    },
    {
        "description": "same street, one number with a letter written apart (12 A / 12a)",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12 A", "berlin"),
        "right": _address("10115", "invalidenstr", "12a", "berlin"),
        "level": "street",
    },
    {
        "description": "same street, house number unknown on one side",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", None, "berlin"),
        "right": _address("10115", "invalidenstr", "12a", "berlin"),
        "level": "street",
    },
    {
        "description": "same postal code, other street",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12a", "berlin"),
        "right": _address("10115", "chausseestr", "12a", "berlin"),
        "level": "other_street",
    },
    {
        "description": "same town, a street one typo apart: no other street",
        "comparison": "address",
        "left": _address("36037", "rosenstr", "17", "fulda"),
        "right": _address("36039", "rosenstrr", "17", "fulda"),
        "level": "place",
    },
    {
        "description": "same city, other postal code (moved within Berlin)",
        "comparison": "address",
        "left": _address("10115", "invalidenstr", "12a", "berlin"),
        "right": _address("10245", "invalidenstr", "12a", "berlin"),
        "level": "place",
    },
    {
        "description": "same street and house in one city, postal code one typo off: the house",
        "comparison": "address",
        "left": _address("80460", "schleissheimerstr", "50", "muenchen"),
        "right": _address("80469", "schleissheimerstr", "50", "muenchen"),
        "level": "house",
    },
    {
        "description": "the city's umlaut lost in an export (Munchen / München): one place",
        "comparison": "address",
        "left": _address("80331", "marienplatz", "1", "munchen"),
        "right": _address("80469", "schleissheimerstr", "50", "muenchen"),
        "level": "other_street",
    },
    {
        "description": "same postal code, street unknown on one side",
        "comparison": "address",
        "left": _address("10115", None, None, None),
        "right": _address("10115", "invalidenstr", "12a", "berlin"),
        "level": "place",
    },
    {
        "description": "only cities known, and equal",
        "comparison": "address",
        "left": _address(None, None, None, "wien"),
        "right": _address(None, "ring", "1", "wien"),
        "level": "place",
    },
    {
        "description": "other postal code, city spelt slightly differently (JW 0.95)",
        "comparison": "address",
        "left": _address("50667", "hohe str", "1", "koeln"),
        "right": _address("50668", None, None, "koln"),
        "level": "place",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "other postal code, cities alike below 0.9 (JW 0.84)",
        "comparison": "address",
        "left": _address("60311", "zeil", "1", "frankfurt"),
        "right": _address("67227", "zeil", "1", "frankenthal"),
        "level": "different",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "other postal code and city",
        "comparison": "address",
        "left": _address("10115", "hauptstr", "1", "berlin"),
        "right": _address("80331", "hauptstr", "1", "muenchen"),
        "level": "different",
    },
    {
        "description": "no postal code and no city on one side",
        "comparison": "address",
        "left": _address(None, "hauptstr", "1", None),
        "right": _address("80331", "hauptstr", "1", "muenchen"),
        "level": "missing",
    },
    {
        "description": "a person's apartment on one side only: one house",
        "comparison": "address",
        "left": _address("60611", "nlakeshore", "800 Apt 5B", "chicago"),
        "right": _address("60611", "nlakeshore", "800", "chicago"),
        "level": "house",
    },
    {
        "description": "two organisations compare their addresses as sites, not here",
        "comparison": "address",
        "left": {**_address("80331", "hauptstr", "1", "muenchen"), **ORGANISATION},
        "right": {**_address("80331", "hauptstr", "1", "muenchen"), **ORGANISATION},
        "level": "missing",
    },
    # --- site: the address of two organisations ------------------------------------------------
    {
        "description": "same street and number, the postal code on one side only",
        "comparison": "site",
        "left": {**_address(None, "w43", "1653", None), **ORGANISATION},
        "right": {**_address("60609", "w43", "1653", None), **ORGANISATION},
        "level": "house",
    },
    {
        "description": "one house and town, the postal code's digits swapped (45675 / 45657)",
        "comparison": "site",
        "left": {**_address("45675", "birkenweg", "76", "recklinghausen"), **ORGANISATION},
        "right": {**_address("45657", "birkenweg", "76", "recklinghausen"), **ORGANISATION},
        "level": "house",
    },
    {
        "description": "one street and number in two towns, postal codes a typo apart: other sites",
        "comparison": "site",
        "left": {**_address("45675", "birkenweg", "76", "recklinghausen"), **ORGANISATION},
        "right": {**_address("45657", "birkenweg", "76", "herten"), **ORGANISATION},
        "level": "different",
    },
    {
        "description": "a typo in the street and a range of house numbers: one building",
        "comparison": "site",
        "left": {**_address(None, "wroosevelt", "2020-24", None), **ORGANISATION},
        "right": {**_address(None, "wroosevlet", "2020", None), **ORGANISATION},
        "level": "house",
    },
    {
        "description": "one building, other suites: two organisations",
        "comparison": "site",
        "left": {**_address("27601", "s6", "312 Ste. 103", None), **ORGANISATION},
        "right": {**_address("27601", "s6", "312 Suite 201", None), **ORGANISATION},
        "level": "other_unit",
    },
    {
        "description": "one suite written two ways: one house",
        "comparison": "site",
        "left": {**_address("27601", "s6", "312 Ste. 103", None), **ORGANISATION},
        "right": {**_address("27601", "s6", "312 #103", None), **ORGANISATION},
        "level": "house",
    },
    {
        "description": "a suite on one side only: one house (lists leave the unit out)",
        "comparison": "site",
        "left": {**_address("27601", "s6", "312", None), **ORGANISATION},
        "right": {**_address("27601", "s6", "312 Suite 201", None), **ORGANISATION},
        "level": "house",
    },
    {
        "description": "same street, other number",
        "comparison": "site",
        "left": {**_address("60609", "w43", "1653", None), **ORGANISATION},
        "right": {**_address("60609", "w43", "1633", None), **ORGANISATION},
        "level": "street",
    },
    {
        "description": "same postal code, no street on one side",
        "comparison": "site",
        "left": {**_address("80331", None, None, "muenchen"), **ORGANISATION},
        "right": {**_address("80331", "hauptstr", "1", "muenchen"), **ORGANISATION},
        "level": "place",
    },
    {
        "description": "no street on either side, one town: the place only",
        "comparison": "site",
        "left": {**_address(None, None, None, "linz"), **ORGANISATION},
        "right": {**_address(None, None, None, "linz"), **ORGANISATION},
        "level": "place",
    },
    {
        "description": "same street and number in another town: another site",
        "comparison": "site",
        "left": {**_address("10115", "hauptstr", "1", "berlin"), **ORGANISATION},
        "right": {**_address("80331", "hauptstr", "1", "muenchen"), **ORGANISATION},
        "level": "different",
    },
    {
        "description": "other streets: a branch of the same chain",
        "comparison": "site",
        "left": {**_address(None, "ncentralpark", "2124", None), **ORGANISATION},
        "right": {**_address(None, "w19", "2929", None), **ORGANISATION},
        "level": "different",
    },
    {
        "description": "one business domain in two towns: franchise branches, two sites",
        "comparison": "site",
        "left": {
            **_address("01067", "ringstr", "90a", "dresden"),
            **ORGANISATION,
            "emails": ["rechnung@reifenprofi.de"],
        },
        "right": {
            **_address("60311", "gewerbepark", "73", "frankfurtammain"),
            **ORGANISATION,
            "emails": ["office@reifenprofi.de"],
        },
        "level": "different",
    },
    {
        "description": "one business domain, another street in the same town: no evidence",
        "comparison": "site",
        "left": {
            **_address("80331", "werkstr", "3", "muenchen"),
            **ORGANISATION,
            "emails": ["info@huber-bau.de"],
        },
        "right": {
            **_address("80331", "lagerweg", "9", "muenchen"),
            **ORGANISATION,
            "emails": ["lager@huber-bau.de"],
        },
        "level": "same_firm",
    },
    {
        "description": "one business domain, another district of the same town: no evidence",
        "comparison": "site",
        "left": {
            **_address("4030", "wiener", "200", "linz"),
            **ORGANISATION,
            "emails": ["office@steiner-elektro.at"],
        },
        "right": {
            **_address("4020", "industriezeile", "44", "linz"),
            **ORGANISATION,
            "emails": ["lager@steiner-elektro.at"],
        },
        "level": "same_firm",
    },
    {
        "description": "one domain, another street, an AG and a GmbH: two legal entities",
        "comparison": "site",
        "left": {
            **_address("88212", "friedhofstr", "15", "ravensburg"),
            **ORGANISATION,
            "legal_form": "AG",
            "emails": ["info@kuebler-consulting.de"],
        },
        "right": {
            **_address("88212", "schillerstr", "5", "ravensburg"),
            **ORGANISATION,
            "legal_form": "GmbH",
            "emails": ["office@kuebler-consulting.de"],
        },
        "level": "different",
    },
    {
        "description": "one domain, another district, GesmbH and GmbH (one family): no evidence",
        "comparison": "site",
        "left": {
            **_address("4030", "wiener", "200", "linz"),
            **ORGANISATION,
            "legal_form": "GesmbH",
            "emails": ["office@steiner-elektro.at"],
        },
        "right": {
            **_address("4020", "industriezeile", "44", "linz"),
            **ORGANISATION,
            "legal_form": "GmbH",
            "emails": ["lager@steiner-elektro.at"],
        },
        "level": "same_firm",
    },
    {
        "description": "one VAT id in two towns, a KG and a GmbH & Co. KG (one family): a branch",
        "comparison": "site",
        "left": {
            **_address("80331", "werkstr", "3", "muenchen"),
            **ORGANISATION,
            "legal_form": "KG",
            "vat_id": "DE136695976",
        },
        "right": {
            **_address("86150", "gewerbepark", "12", "augsburg"),
            **ORGANISATION,
            "legal_form": "GmbH & Co. KG",
            "vat_id": "DE136695976",
        },
        "level": "same_firm",
    },
    {
        "description": "one domain, another street, a Ltd. and an Inc. (no family): no evidence",
        "comparison": "site",
        "left": {
            **_address("80331", "werkstr", "3", "muenchen"),
            **ORGANISATION,
            "legal_form": "Ltd.",
            "emails": ["info@huber-bau.de"],
        },
        "right": {
            **_address("80331", "lagerweg", "9", "muenchen"),
            **ORGANISATION,
            "legal_form": "Inc.",
            "emails": ["lager@huber-bau.de"],
        },
        "level": "same_firm",
    },
    {
        "description": "one VAT id in two towns: a branch of one legal entity, no evidence",
        "comparison": "site",
        "left": {
            **_address("80331", "werkstr", "3", "muenchen"),
            **ORGANISATION,
            "vat_id": "DE136695976",
        },
        "right": {
            **_address("86150", "gewerbepark", "12", "augsburg"),
            **ORGANISATION,
            "vat_id": "DE136695976",
        },
        "level": "same_firm",
    },
    {
        "description": "one VAT id in two towns, one record naming its branch: two branches",
        "comparison": "site",
        "left": {
            **_address("01662", "jahnallee", "103", "meissen"),
            **ORGANISATION,
            "organisation_key": "brillenmacher",
            "organisation_name": "Brillenmacher AG - Filiale Meißen",
            "vat_id": "DE223449778",
        },
        "right": {
            **_address("04109", "jahnallee", "124", "leipzig"),
            **ORGANISATION,
            "organisation_key": "brillenmacher",
            "vat_id": "DE223449778",
        },
        "level": "different",
    },
    {
        "description": "the branch in the name addition (an ERP's zusatz) or after the street",
        "comparison": "site",
        "left": {
            **_address("3500", "neugasse", "73", "kremsanderdonau"),
            **ORGANISATION,
            "organisation_key": "elektro fachmarkt ebner",
            "contact_name": "Niederlassung Krems an der Donau",
            "emails": ["info@elektro-fachmarkt-ebner.at"],
        },
        "right": {
            **_address("3400", "hauptstr", "56", "klosterneuburg"),
            **ORGANISATION,
            "organisation_key": "elektro fachmarkt ebner",
            "street": "Hauptstraße 56, Fil. 01",
            "emails": ["info@elektro-fachmarkt-ebner.at"],
        },
        "level": "different",
    },
    {
        "description": "one VAT id, another street in the same town: no evidence",
        "comparison": "site",
        "left": {
            **_address("97082", "rosenweg", "129", "wuerzburg"),
            **ORGANISATION,
            "organisation_name": "Wäscherei Blitzblank GmbH - Niederlassung Würzburg",
            "vat_id": "DE637305584",
        },
        "right": {
            **_address("97082", "sonnenstr", "19", "wuerzburg"),
            **ORGANISATION,
            "vat_id": "DE637305584",
        },
        "level": "same_firm",
    },
    {
        "description": "a branch named after a town, no address, beside another town: other site",
        "comparison": "site",
        "left": {
            **_address(None, None, None, None),
            **ORGANISATION,
            "organisation_key": "papier",
            "organisation_name": "Papier & Co GMBH Filiale Wien",
            "emails": ["wien@papier-co.at"],
        },
        "right": {
            **_address("2700", "wiesenweg", "72", "wiener neustadt"),
            **ORGANISATION,
            "organisation_key": "papier",
            "emails": ["info@papier-co.at"],
        },
        "level": "different",
    },
    {
        "description": "two branch numbers, no places: two sites",
        "comparison": "site",
        "left": {**ORGANISATION, "organisation_name": "Pizza Presto GmbH Fil. 02"},
        "right": {**ORGANISATION, "organisation_name": "Pizza Presto GmbH (Fil. 03)"},
        "level": "different",
    },
    {
        "description": "a numbered branch beside the firm's record at another street, no "
        "branch named there (Fil. 02 / the head office): two sites",
        "comparison": "site",
        "left": {
            **_address("21029", "muehlenweg", "17-19", "hamburg"),
            **ORGANISATION,
            "organisation_name": "Blumen Flora GmbH & Co. KG Fil. 02",
            "vat_id": "DE420144492",
            "emails": ["hamburg@blumen-flora.de"],
        },
        "right": {
            **_address("20255", "uhlandstr", "74", "hamburg"),
            **ORGANISATION,
            "organisation_name": "Blumen Flora GmbH & Co. KG",
            "emails": ["info@blumen-flora.de"],
        },
        "level": "different",
    },
    {
        "description": "a numbered branch beside the firm's record at its own house: one site",
        "comparison": "site",
        "left": {
            **_address("21029", "muehlenweg", "17-19", "hamburg"),
            **ORGANISATION,
            "organisation_name": "Blumen Flora GmbH & Co. KG Fil. 02",
        },
        "right": {
            **_address("21029", "muehlenweg", "17", "hamburg"),
            **ORGANISATION,
            "organisation_name": "Blumen Flora GmbH & Co. KG",
        },
        "level": "house",
    },
    {
        "description": "the branch's town beside a record in that town: no evidence",
        "comparison": "site",
        "left": {
            **ORGANISATION,
            "organisation_name": "Elektro Ebner GmbH Niederlassung Krems an der Donau",
        },
        "right": {**_address("3500", None, None, "krems an der donau"), **ORGANISATION},
        "level": "missing",
    },
    {
        "description": "two branches of one town at two streets (Filiale Graz in the ERP's "
        "name addition / Fil. 03), one VAT id: two sites of the chain's city",
        "comparison": "site",
        "left": {
            **_address("8010", "schoenaugasse", "8", "graz"),
            **ORGANISATION,
            "department": "Filiale Graz",
            "vat_id": "ATU52009160",
        },
        "right": {
            **_address("8010", "muenzgrabenstr", "5", "graz"),
            **ORGANISATION,
            "department": "Fil. 03",
            "vat_id": "ATU52009160",
        },
        "level": "different",
    },
    {
        "description": "'Lausanne 3' and 'Lausanne' at two streets of Lausanne: two branches",
        "comparison": "site",
        "left": {
            **_address("1005", "avenue du leman", "15", "lausanne"),
            **ORGANISATION,
            "organisation_name": "Garage du Rhône Sàrl, Filiale Lausanne 3",
            "emails": ["admin@garage-du-rhone.ch"],
        },
        "right": {
            **_address("1004", "avenue de morges", "70", "lausanne"),
            **ORGANISATION,
            "organisation_name": "Garage du Rhône Sàrl, Succursale Lausanne",
            "emails": ["lausanne@garage-du-rhone.ch"],
        },
        "level": "different",
    },
    {
        "description": "one branch named on both records at one house: one site",
        "comparison": "site",
        "left": {
            **_address("8010", "schoenaugasse", "8", "graz"),
            **ORGANISATION,
            "department": "Filiale Graz",
        },
        "right": {
            **_address("8010", "schoenaugasse", "8", "graz"),
            **ORGANISATION,
            "organisation_name": "Hörakustik Leitner GesmbH Fil. 03",
        },
        "level": "house",
    },
    {
        "description": "a branch number beside a branch town: no evidence (a branch has both)",
        "comparison": "site",
        "left": {**ORGANISATION, "organisation_name": "Teehaus AG Fil. 01"},
        "right": {**ORGANISATION, "organisation_name": "Teehaus AG (Niederlassung St. Pölten)"},
        "level": "missing",
    },
    {
        "description": "a four-digit code read as German on a row without town: one place",
        "comparison": "site",
        "left": {
            **_address("04125", None, None, None),
            **ORGANISATION,
            "emails": ["info@papeterie-kaeser.ch"],
        },
        "right": {
            **_address("4125", "schulhausstr", "5", "riehen"),
            **ORGANISATION,
            "emails": ["info@papeterie-kaeser.ch"],
        },
        "level": "place",
    },
    {
        "description": "one name and one domain in two towns: one firm's offices, no evidence",
        "comparison": "site",
        "left": {
            **_address("1030", "rennweg", "17", "wien"),
            **ORGANISATION,
            "organisation_key": "pichler lang spedition",
            "emails": ["office@pichler-lang.at"],
        },
        "right": {
            **_address("80636", "landshuter allee", "8", "muenchen"),
            **ORGANISATION,
            "organisation_key": "pichler lang spedition",
            "emails": ["dispo@pichler-lang.at"],
        },
        "level": "same_firm",
    },
    {
        "description": "one name in two towns, one without e-mail that the domain spells",
        "comparison": "site",
        "left": {
            **_address("1030", "rennweg", "17", "wien"),
            **ORGANISATION,
            "organisation_key": "pichler lang spedition",
        },
        "right": {
            **_address("80636", "landshuter allee", "8", "muenchen"),
            **ORGANISATION,
            "organisation_key": "pichler lang spedition",
            "emails": ["office@pichler-lang-spedition.at"],
        },
        "level": "same_firm",
    },
    {
        "description": "one name and domain in two towns, a mailbox named after its town: a chain",
        "comparison": "site",
        "left": {
            **_address("93047", "maximilianstr", "4", "regensburg"),
            **ORGANISATION,
            "organisation_key": "pizzeria bella napoli",
            "emails": ["regensburg@bella-napoli-pizza.de"],
        },
        "right": {
            **_address("94032", "ludwigstr", "11", "passau"),
            **ORGANISATION,
            "organisation_key": "pizzeria bella napoli",
            "emails": ["info@bella-napoli-pizza.de"],
        },
        "level": "different",
    },
    {
        "description": "its town cut short (filiale.rosenhei@ in Rosenheim): a chain's branch",
        "comparison": "site",
        "left": {
            **_address("83022", "kaiserstr", "7", "rosenheim"),
            **ORGANISATION,
            "organisation_key": "lindner orthopaedie",
            "emails": ["filiale.rosenhei@lindner-orthopaedie.de"],
        },
        "right": {
            **_address("79098", "bertoldstr", "21", "freiburg im breisgau"),
            **ORGANISATION,
            "organisation_key": "lindner orthopaedie",
            "emails": ["info@lindner-orthopaedie.de"],
        },
        "level": "different",
    },
    {
        "description": "a mailbox with three letters of the town (ros@ in Rosenheim): no town",
        "comparison": "site",
        "left": {
            **_address("83026", "muenchener str", "40", "rosenheim"),
            **ORGANISATION,
            "organisation_key": "berger hoerakustik",
            "emails": ["ros@berger-hoerakustik.de"],
        },
        "right": {
            **_address("79098", "bertoldstr", "21", "freiburg im breisgau"),
            **ORGANISATION,
            "organisation_key": "berger hoerakustik",
            "emails": ["info@berger-hoerakustik.de"],
        },
        "level": "same_firm",
    },
    {
        "description": "one domain in two towns under other names: a group's companies",
        "comparison": "site",
        "left": {
            **_address("1030", "rennweg", "17", "wien"),
            **ORGANISATION,
            "organisation_key": "pichler lang spedition",
            "emails": ["office@pichler-lang.at"],
        },
        "right": {
            **_address("80636", "landshuter allee", "8", "muenchen"),
            **ORGANISATION,
            "organisation_key": "pichler lang lagerlogistik",
            "emails": ["office@pichler-lang.at"],
        },
        "level": "different",
    },
    {
        "description": "two persons: sites are for organisations only",
        "comparison": "site",
        "left": _address("80331", "hauptstr", "1", "muenchen"),
        "right": _address("80331", "hauptstr", "1", "muenchen"),
        "level": "missing",
    },
    # --- organisation and VAT id ---------------------------------------------------------------
    {
        "description": "organisation key identical",
        "comparison": "organisation",
        "left": {"organisation_key": "mueller bau"},
        "right": {"organisation_key": "mueller bau"},
        "level": "exact",
    },
    {
        "description": "organisation key nearly identical (JW 0.96)",
        "comparison": "organisation",
        "left": {"organisation_key": "mueller bau"},
        "right": {"organisation_key": "mueller bauten"},
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "other organisation",
        "comparison": "organisation",
        "left": {"organisation_key": "mueller bau"},
        "right": {"organisation_key": "schmidt holz"},
        "level": "different",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "the same name but for a trade on each side: sister companies of a group",
        "comparison": "organisation",
        "left": {"organisation_key": "huber bau"},
        "right": {"organisation_key": "huber immobilien"},
        "level": "sister",
    },
    {
        "description": "a GmbH & Co. KG and its Verwaltungs-GmbH: two legal entities of a group",
        "comparison": "organisation",
        "left": {"organisation_key": "wagner consulting", "legal_form": "GmbH & Co. KG"},
        "right": {"organisation_key": "wagner consulting verwaltungs", "legal_form": "GmbH"},
        "level": "sister",
    },
    {
        "description": "one name as an AG and as a GmbH: two legal entities",
        "comparison": "organisation",
        "left": {"organisation_key": "huber haustechnik", "legal_form": "AG"},
        "right": {"organisation_key": "huber haustechnik", "legal_form": "GmbH"},
        "level": "sister",
    },
    {
        "description": "GmbH, Sàrl and UG are of one family: the same name is one firm",
        "comparison": "organisation",
        "left": {"organisation_key": "garage du rhone", "legal_form": "Sàrl"},
        "right": {"organisation_key": "garage du rhone", "legal_form": "GmbH"},
        "level": "exact",
    },
    {
        "description": "two families but names unlike: different, not sisters",
        "comparison": "organisation",
        "left": {"organisation_key": "mueller bau", "legal_form": "AG"},
        "right": {"organisation_key": "schmidt holz", "legal_form": "GmbH"},
        "level": "different",
    },
    {
        "description": "trade compounds on each side (Dach + Bau, Haus + Technik): sisters",
        "comparison": "organisation",
        "left": {"organisation_key": "naegele dachbau"},
        "right": {"organisation_key": "naegele haustechnik"},
        "level": "sister",
    },
    {
        "description": "regional names of one trade (Metzgerei / Fleischerei): one company",
        "comparison": "organisation",
        "left": {"organisation_key": "kern metzgerei"},
        "right": {"organisation_key": "kern fleischerei"},
        "level": "same_trade",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "a trade word and a longer one it begins, far in spelling: one company",
        "comparison": "organisation",
        "left": {"organisation_key": "ott elektro"},
        "right": {"organisation_key": "ott elektroinstallation"},
        "level": "same_trade",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "a plural trade word's stem begins the other (Systeme / Systemtechnik)",
        "comparison": "organisation",
        "left": {"organisation_key": "bergwind systeme"},
        "right": {"organisation_key": "bergwind systemtechnik"},
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "one trade written two ways and close in spelling: a typo's level",
        "comparison": "organisation",
        "left": {"organisation_key": "hofstetter elektro"},
        "right": {"organisation_key": "hofstetter elektrotechnik"},
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "a typo in a long trade compound is no other trade",
        "comparison": "organisation",
        "left": {"organisation_key": "oberhuber getraenkehandel"},
        "right": {"organisation_key": "oberhuber getrraenkehandel"},
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "two trades sharing only a short start (Bau / Baustoffe): sisters",
        "comparison": "organisation",
        "left": {"organisation_key": "reindl bau"},
        "right": {"organisation_key": "reindl baustoffe"},
        "level": "sister",
    },
    {
        "description": "Fliesenleger and Haustechnik of one family: sister companies",
        "comparison": "organisation",
        "left": {"organisation_key": "wimmer fliesenleger"},
        "right": {"organisation_key": "wimmer haustechnik"},
        "level": "sister",
    },
    {
        "description": "a trade compound beside a family name that is no trade: other firms",
        "comparison": "organisation",
        "left": {"organisation_key": "naegele dachbau"},
        "right": {"organisation_key": "naegele huber"},
        "level": "one_word",
    },
    {
        "description": "a typo in a trade word is no other trade (JW 0.98)",
        "comparison": "organisation",
        "left": {"organisation_key": "kaelin handel"},
        "right": {"organisation_key": "kaelin handdel"},
        "level": "jaro_winkler_0.9",
        "similarity": (0.9, 1.0),
    },
    {
        "description": "one record without organisation (a contact next to a private record)",
        "comparison": "organisation",
        "left": {"organisation_key": None},
        "right": {"organisation_key": "schmidt holz"},
        "level": "only_one",
    },
    {
        "description": "neither record names an organisation",
        "comparison": "organisation",
        "left": {"organisation_key": None},
        "right": {"organisation_key": None},
        "level": "missing",
    },
    {
        "description": "organisation key written together (Harbor View / Harborview)",
        "comparison": "organisation",
        "left": {"organisation_key": "harbor view medical ctr"},
        "right": {"organisation_key": "harborview medical ctr"},
        "level": "exact",
    },
    {
        "description": "one organisation key's words all in the other",
        "comparison": "organisation",
        "left": {"organisation_key": "hillside chiropractic"},
        "right": {"organisation_key": "the hillside chiropractic ctr boise"},
        "level": "contained",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "a short word inside a long name is not containment",
        "comparison": "organisation",
        "left": {"organisation_key": "bau"},
        "right": {"organisation_key": "schmidt bau holz"},
        "level": "different",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "most of the shorter name's words in the other",
        "comparison": "organisation",
        "left": {"organisation_key": "ymca rauner family"},
        "right": {"organisation_key": "ymca metropolitan chicago rauner"},
        "level": "most_words",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "one longer word in common",
        "comparison": "organisation",
        "left": {"organisation_key": "bethel new life school"},
        "right": {"organisation_key": "bethel day care ctr"},
        "level": "one_word",
        "similarity": (0.0, 0.9),
    },
    {
        "description": "two organisations, the same info@ mailbox",
        "comparison": "email_domain",
        "left": {"record_type": "organisation", "emails": ["info@huber-bau.de"]},
        "right": {"record_type": "organisation", "emails": ["info@huber-bau.de"]},
        "level": "same_address",
    },
    {
        "description": "a firm without e-mail and a mailbox at the domain its name spells",
        "comparison": "email_domain",
        "left": {**ORGANISATION, "organisation_key": "maier transporte", "emails": []},
        "right": {**ORGANISATION, "emails": ["kontakt@maiertransporte.de"]},
        "level": "shared",
    },
    {
        "description": "a namesake with a domain of its own is not named by another's domain",
        "comparison": "email_domain",
        "left": {**ORGANISATION, "organisation_key": "huber bau", "emails": ["office@huberbau.ch"]},
        "right": {**ORGANISATION, "emails": ["info@huber-bau.de"]},
        "level": "different",
    },
    {
        "description": "a branch's mailbox named after the town of the branch's record",
        "comparison": "email_domain",
        "left": {
            **ORGANISATION,
            "emails": ["zuerich@veloblitz.ch"],
            "role_emails": ["zuerich@veloblitz.ch"],
        },
        "right": {
            **ORGANISATION,
            "organisation_key": "veloblitz",
            "city_key": "zuerich",
            "emails": ["info@veloblitz.ch"],
        },
        "level": "names_contact",
    },
    {
        "description": "a branch named after its town without e-mail, its mailbox at the brand",
        "comparison": "email_domain",
        "left": {
            **ORGANISATION,
            "emails": ["filiale.zurich@veloblitz.ch"],
            "role_emails": ["filiale.zurich@veloblitz.ch"],
        },
        "right": {**ORGANISATION, "organisation_key": "veloblitz zuerich", "city_key": "zuerich"},
        "level": "names_contact",
    },
    {
        "description": "a branch's mailbox naming its town short (krems@, Krems an der Donau)",
        "comparison": "email_domain",
        "left": {
            **ORGANISATION,
            "emails": ["krems@seeblick-hundesalon.at"],
            "role_emails": ["krems@seeblick-hundesalon.at"],
        },
        "right": {
            **ORGANISATION,
            "organisation_key": "hundesalon seeblick",
            "city_key": "krems an der donau",
            "emails": ["info@seeblick-hundesalon.at"],
        },
        "level": "names_contact",
    },
    {
        "description": "a branch's mailbox of another town: another branch",
        "comparison": "email_domain",
        "left": {
            **ORGANISATION,
            "emails": ["salzburg@sprachschule-lingua.at"],
            "role_emails": ["salzburg@sprachschule-lingua.at"],
        },
        "right": {
            **ORGANISATION,
            "organisation_key": "sprachschule lingua",
            "city_key": "graz",
            "emails": ["info@sprachschule-lingua.at"],
        },
        "level": "different",
    },
    {
        "description": "two organisations, person@ and info@ of one business domain",
        "comparison": "email_domain",
        "left": {"record_type": "organisation", "emails": ["a.huber@huber-bau.de"]},
        "right": {"record_type": "organisation", "emails": ["info@huber-bau.de"]},
        "level": "shared",
    },
    {
        "description": "two organisations, free-mail addresses never count as a domain",
        "comparison": "email_domain",
        "left": {"record_type": "organisation", "emails": ["huberbau@gmx.at"]},
        "right": {"record_type": "organisation", "emails": ["office.huber@gmx.at"]},
        "level": "missing",
    },
    {
        "description": "two organisations at different business domains",
        "comparison": "email_domain",
        "left": {"record_type": "organisation", "emails": ["info@huber-bau.de"]},
        "right": {"record_type": "organisation", "emails": ["info@huber-holz.de"]},
        "level": "different",
    },
    {
        "description": "two persons at one business domain are colleagues: no domain evidence",
        "comparison": "email_domain",
        "left": {"record_type": "person", "emails": ["a.huber@huber-bau.de"]},
        "right": {"record_type": "person", "emails": ["m.huber@huber-bau.de"]},
        "level": "missing",
    },
    {
        "description": "a company's contact and a newsletter row at its domain: shared domain",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "organisation_key": "nordlicht logistik",
            "emails": ["info@nordlicht.de"],
        },
        "right": {"record_type": "person", "emails": ["b.schroeder@nordlicht.de"]},
        "level": "shared",
    },
    {
        "description": "two contacts of one company at its domain are colleagues: missing",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "organisation_key": "nordlicht logistik",
            "emails": ["info@nordlicht.de"],
        },
        "right": {
            "record_type": "person",
            "organisation_key": "nordlicht logistik",
            "emails": ["b.schroeder@nordlicht.de"],
        },
        "level": "missing",
    },
    {
        "description": "colleagues' initial.surname addresses at one firm are no typo",
        "comparison": "email",
        "left": {"emails": ["t.wolf@berger-druck.de"]},
        "right": {"emails": ["k.wolf@berger-druck.de"]},
        "level": "different",
    },
    {
        "description": "a person row whose address at the firm spells the contact's name",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "elena",
            "last_name_key": "schneider",
            "organisation_key": "schreinerei kaeser",
            "emails": ["info@schreinerei-kaeser.ch"],
        },
        "right": {"record_type": "person", "emails": ["e.schneider@schreinerei-kaeser.ch"]},
        "level": "names_contact",
    },
    {
        "description": "a colleague's address at the contact's firm: only the domain",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "elena",
            "last_name_key": "schneider",
            "organisation_key": "schreinerei kaeser",
            "emails": ["info@schreinerei-kaeser.ch"],
        },
        "right": {"record_type": "person", "emails": ["m.huber@schreinerei-kaeser.ch"]},
        "level": "shared",
    },
    {
        "description": "family firm: an initial and the firm's surname could be any family member",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "thomas",
            "last_name_key": "vogt",
            "organisation_key": "schreinerei vogt",
            "emails": ["info@vogt-holz.de"],
        },
        "right": {
            "record_type": "person",
            "last_name_key": "vogt",
            "emails": ["t.vogt@vogt-holz.de"],
        },
        "level": "missing",
    },
    {
        "description": "family firm: the whole first name in the address names the contact",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "thomas",
            "last_name_key": "vogt",
            "organisation_key": "schreinerei vogt",
            "emails": ["info@vogt-holz.de"],
        },
        "right": {
            "record_type": "person",
            "first_name_key": "thomas",
            "last_name_key": "vogt",
            "emails": ["thomas.vogt@vogt-holz.de"],
        },
        "level": "names_contact",
    },
    {
        "description": "family firm: records with first names keep the domain for the names",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "thomas",
            "last_name_key": "vogt",
            "organisation_key": "schreinerei vogt",
            "emails": ["info@vogt-holz.de"],
        },
        "right": {
            "record_type": "person",
            "first_name_key": "tobias",
            "last_name_key": "vogt",
            "emails": ["t.vogt@vogt-holz.de"],
        },
        "level": "shared",
    },
    {
        "description": "a contact without e-mail and an address at the domain named after its firm",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "first_name_key": "paul",
            "last_name_key": "schmid",
            "organisation_key": "druckerei meier",
        },
        "right": {"record_type": "person", "emails": ["paul.schmid@druckerei-meier.de"]},
        "level": "names_contact",
    },
    {
        "description": "a contact without e-mail and a colleague at its firm's domain",
        "comparison": "email_domain",
        "left": {"record_type": "person", "organisation_key": "druckerei meier"},
        "right": {"record_type": "person", "emails": ["k.berger@druckerei-meier.de"]},
        "level": "shared",
    },
    {
        "description": "a contact without e-mail and an address at another firm's domain",
        "comparison": "email_domain",
        "left": {"record_type": "person", "organisation_key": "druckerei meier"},
        "right": {"record_type": "person", "emails": ["k.berger@druckhaus-meier.de"]},
        "level": "missing",
    },
    {
        "description": "a company's contact and a private record at a free-mail domain: missing",
        "comparison": "email_domain",
        "left": {
            "record_type": "person",
            "organisation_key": "nordlicht logistik",
            "emails": ["info@nordlicht.de"],
        },
        "right": {"record_type": "person", "emails": ["baerbel.s@gmx.de"]},
        "level": "missing",
    },
    {
        "description": "same VAT id",
        "comparison": "vat_id",
        "left": {"vat_id": "DE123456789"},
        "right": {"vat_id": "DE123456789"},
        "level": "exact",
    },
    {
        "description": "other VAT id",
        "comparison": "vat_id",
        "left": {"vat_id": "DE123456789"},
        "right": {"vat_id": "ATU12345678"},
        "level": "different",
    },
    {
        "description": "VAT id on one side only",
        "comparison": "vat_id",
        "left": {"vat_id": None},
        "right": {"vat_id": "ATU12345678"},
        "level": "missing",
    },
    {
        "description": "same checked AHV number",
        "comparison": "personal_id",
        "left": {"personal_id": "CH-AHV:7569217076985"},
        "right": {"personal_id": "CH-AHV:7569217076985"},
        "level": "exact_checked",
    },
    {
        "description": "same unchecked social security number",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "6988048"},
        "level": "exact",
    },
    {
        "description": "unchecked ids two digits swapped: a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "6980848"},
        "level": "typo",
    },
    {
        "description": "unchecked ids one digit wrong, far apart as numbers: a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "6938048"},
        "level": "typo",
    },
    {
        "description": "unchecked ids one digit missing: a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "698848"},
        "level": "typo",
    },
    {
        "description": "unchecked ids ten apart (the tens digit wrong): a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "6988058"},
        "level": "typo",
    },
    {
        "description": "consecutive unchecked ids (twins registered together): neighbour",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "6988049"},
        "level": "neighbour",
    },
    {
        "description": "unchecked ids whose last digits are swapped, 9 apart: neighbour",
        "comparison": "personal_id",
        "left": {"personal_id": "6988012"},
        "right": {"personal_id": "6988021"},
        "level": "neighbour",
    },
    {
        "description": "unchecked ids with letters one apart: a typo, never a neighbour",
        "comparison": "personal_id",
        "left": {"personal_id": "X6988048"},
        "right": {"personal_id": "X6988049"},
        "level": "typo",
    },
    {
        "description": "a checked id and its copy with a wrong check digit: a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "36574261808"},
        "right": {"personal_id": "DE-IDNR:36574261809"},
        "level": "typo",
    },
    {
        "description": "a checked id and the same number unchecked (no country): equal",
        "comparison": "personal_id",
        "left": {"personal_id": "1237010180"},
        "right": {"personal_id": "AT-SVNR:1237010180"},
        "level": "exact",
    },
    {
        "description": "unchecked ids far apart",
        "comparison": "personal_id",
        "left": {"personal_id": "6988048"},
        "right": {"personal_id": "1234567"},
        "level": "unlike",
    },
    {
        "description": "two checked ids that differ: two numbers, not a typo",
        "comparison": "personal_id",
        "left": {"personal_id": "DE-IDNR:36574261809"},
        "right": {"personal_id": "DE-IDNR:36574261868"},
        "level": "different",
    },
    {
        "description": "personal id on one side only",
        "comparison": "personal_id",
        "left": {"personal_id": None},
        "right": {"personal_id": "6988048"},
        "level": "missing",
    },
    {
        "description": "both junior",
        "comparison": "name_suffix",
        "left": {"name_suffix": "jun."},
        "right": {"name_suffix": "jun."},
        "level": "same",
    },
    {
        "description": "junior and senior: father and son",
        "comparison": "name_suffix",
        "left": {"name_suffix": "jun."},
        "right": {"name_suffix": "sen."},
        "level": "different",
    },
    {
        "description": "suffix on one side only: the household holds a namesake",
        "comparison": "name_suffix",
        "left": {"name_suffix": "sen."},
        "right": {"name_suffix": None},
        "level": "one_missing",
    },
    {
        "description": "sen. written into the address only (josef.huber.sen@) beside jun.",
        "comparison": "name_suffix",
        "left": {"name_suffix": "jun.", "emails": ["josef.huber@gmx.de"]},
        "right": {"name_suffix": None, "emails": ["josef.huber.sen@gmx.de"]},
        "level": "different",
    },
    {
        "description": "jun. in the address of one record, the other says nothing",
        "comparison": "name_suffix",
        "left": {"name_suffix": None, "emails": ["huber_jun87@web.de"]},
        "right": {"name_suffix": None, "emails": ["josef.huber@gmx.de"]},
        "level": "one_missing",
    },
    {
        "description": "Jensen and Arsen: the letters inside a name are no suffix",
        "comparison": "name_suffix",
        "left": {"name_suffix": None, "emails": ["jensen@gmx.de"]},
        "right": {"name_suffix": None, "emails": ["t.arsen@gmx.de"]},
        "level": "missing",
    },
    {
        "description": "no suffix on either side",
        "comparison": "name_suffix",
        "left": {"name_suffix": None},
        "right": {"name_suffix": None},
        "level": "missing",
    },
    {
        "description": "nickname sharing only a second group (Andi is also Andrea)",
        "comparison": "first_name",
        "left": {
            "first_name_key": "andi",
            "first_name_group": "andreas",
            "first_name_groups": ["andrea", "andreas"],
            "first_name_phonetic": "062",
        },
        "right": {
            "first_name_key": "andrea",
            "first_name_group": "andrea",
            "first_name_groups": ["andrea"],
            "first_name_phonetic": "0627",
        },
        "level": "nickname",
    },
]

SIMILARITY_COLUMN = {
    "first_name": "first_name_key",
    "last_name": "last_name_key",
    "address": "city_key",
    "organisation": "organisation_key",
}


def _within(similarity: float, bounds: tuple[float, float]) -> bool:
    low, high = bounds
    return low <= similarity < high or similarity == high == 1.0


def _email_part(address: str, part: str) -> str:
    local, _, domain = address.partition("@")
    return local if part == "local" else domain


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_level_of_one_pair(case: dict[str, Any], make_records: Any) -> None:
    name = case["comparison"]
    if "similarity" in case:
        column = SIMILARITY_COLUMN[name]
        similarity = JaroWinkler.normalized_similarity(case["left"][column], case["right"][column])
        assert _within(similarity, case["similarity"]), "case premise is wrong"
    for part, edits in case.get("edits", {}).items():
        # E-mail typos: "similar" means exactly one edit (a swap of two letters counts one) in
        # one part of the first address while the other part is equal.
        left, right = case["left"]["emails"][0], case["right"]["emails"][0]
        distance = OSA.distance(_email_part(left, part), _email_part(right, part))
        assert distance == edits, f"case premise is wrong ({part})"
    frame = make_records(
        [{"record_key": "crm:1", **case["left"]}, {"record_key": "shop:1", **case["right"]}]
    )
    compared = compare_pairs(_pair_frame([("crm:1", "shop:1")]), frame)
    assert compared.height == 1
    assert _label(name, compared[f"{name}_level"][0]) == case["level"]


def test_comparison_is_symmetric(make_records: Any) -> None:
    # Every case gives the same level with left and right exchanged.
    rows = []
    pairs = []
    for index, case in enumerate(CASES):
        rows.append({"record_key": f"a:{index:03}", **case["left"]})
        rows.append({"record_key": f"b:{index:03}", **case["right"]})
        pairs.append((f"b:{index:03}", f"a:{index:03}"))
    compared = compare_pairs(_pair_frame(pairs), make_records(rows))
    by_pair = {row["left_key"]: row for row in compared.to_dicts()}
    for index, case in enumerate(CASES):
        name = case["comparison"]
        level = by_pair[f"b:{index:03}"][f"{name}_level"]
        assert _label(name, level) == case["level"], case["description"]


@pytest.mark.parametrize("chunk_pairs", [COMPARE_CHUNK_PAIRS, 7, 1])
def test_many_pairs_at_once_give_each_pair_its_own_levels(
    make_records: Any, chunk_pairs: int
) -> None:
    # Jaro-Winkler runs over whole columns: a misaligned array would mix pairs up. All cases go
    # through one call, in reverse order, and each must keep the level it has on its own,
    # whether the pairs are compared all at once or in chunks of 7 or 1.
    rows = []
    pairs = []
    for index, case in enumerate(CASES):
        rows.append({"record_key": f"l:{index:03}", **case["left"]})
        rows.append({"record_key": f"r:{index:03}", **case["right"]})
        pairs.append((f"l:{index:03}", f"r:{index:03}"))
    compared = compare_pairs(_pair_frame(pairs[::-1]), make_records(rows), chunk_pairs=chunk_pairs)
    assert compared.height == len(CASES)
    by_pair = {row["left_key"]: row for row in compared.to_dicts()}
    for index, case in enumerate(CASES):
        name = case["comparison"]
        level = by_pair[f"l:{index:03}"][f"{name}_level"]
        assert _label(name, level) == case["level"], case["description"]


def test_output_columns_and_types(make_records: Any) -> None:
    frame = make_records(
        [
            {"record_key": "crm:1", "record_type": "person"},
            {"record_key": "crm:2", "record_type": "organisation"},
        ]
    )
    compared = compare_pairs(_pair_frame([("crm:1", "crm:2")]), frame)
    no_pairs = compare_pairs(_pair_frame([]), frame, chunk_pairs=1)
    assert no_pairs.height == 0 and no_pairs.schema == compared.schema
    level_columns = [f"{comparison.name}_level" for comparison in COMPARISONS]
    assert compared.columns == [
        "left_key",
        "right_key",
        "rules",
        "record_type_l",
        "record_type_r",
        "same_domain_owner",
        *level_columns,
    ]
    assert all(compared.schema[column] == pl.Int8 for column in level_columns)
    assert compared.schema["same_domain_owner"] == pl.Boolean
    assert compared.row(0, named=True)["record_type_l"] == "person"
    assert compared.row(0, named=True)["record_type_r"] == "organisation"
    # Nothing is known about either record: every comparison is missing.
    assert all(compared[column][0] == MISSING for column in level_columns)


def test_compare_reads_only_the_documented_columns(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1"}, {"record_key": "crm:2"}]).select(
        COMPARED_COLUMNS
    )
    assert compare_pairs(_pair_frame([("crm:1", "crm:2")]), frame).height == 1


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda comparison: comparison.name)
def test_every_ladder_ends_in_different(comparison: Any) -> None:
    assert comparison.levels[-1] == "different"
    assert len(set(comparison.levels)) == len(comparison.levels)


def test_cases_cover_every_level_of_every_comparison() -> None:
    covered = {(case["comparison"], case["level"]) for case in CASES}
    expected = {
        (comparison.name, label)
        for comparison in COMPARISONS
        for label in (*comparison.levels, "missing")
    }
    assert expected <= covered


# --- swapped first and last names --------------------------------------------------------------

SWAP_CASES: list[dict[str, Any]] = [
    {
        "description": "Meier Hans / Hans Meier: names in the wrong fields are aligned",
        "left": {**_first_name("meier", None, "67"), **_last_name("hans", "068")},
        "right": {**_first_name("hans", "johannes", "068"), **_last_name("meier", "67")},
        "levels": {"first_name": "exact", "last_name": "exact"},
    },
    {
        # Neumann / Naumann: JW 0.914 is below the 0.92 of the phonetic level, so only the
        # (aligned) Cologne codes 666 put the pair there.
        "description": "swapped, with a typo in the last name: phonetic codes are aligned too",
        "left": {**_first_name("hans", "johannes", "068"), **_last_name("neumann", "666")},
        "right": {**_first_name("naumann", None, "666"), **_last_name("hans", "068")},
        # Whichever record is the swapped one is turned round: when it is the left one (only
        # its last name, Hans, is a known first name), the typo still shows in the last name,
        # not in Naumann / Neumann read as first names.
        "levels": {"first_name": "exact", "last_name": "phonetic"},
    },
    {
        "description": "only one name crosses over (Hans Meier / Peter Hans): not aligned, and "
        "the first names only weigh (the other column may hold a married name)",
        "left": {**_first_name("hans", "johannes", "068"), **_last_name("meier", "67")},
        "right": {**_first_name("peter", "peter", "127"), **_last_name("hans", "068")},
        "levels": {"first_name": "swapped_one_way", "last_name": "different"},
    },
    {
        "description": "names alike each other (Marie Maria): the straight reading wins",
        "left": {**_first_name("marie", "maria", "67"), **_last_name("maria", "67")},
        "right": {**_first_name("marie", "maria", "67"), **_last_name("maria", "67")},
        "levels": {"first_name": "exact", "last_name": "exact"},
    },
    {
        # atelia / amelia: Jaro-Winkler exactly 0.9 (rapidfuzz gives it as float32), which is
        # "at least 0.9", so the pair is aligned however the similarities are computed.
        "description": "swapped with a typo in each name, one at exactly 0.9: aligned",
        "left": {**_first_name("khn", None, None), **_last_name("atelia", None)},
        "right": {**_first_name("amelia", None, None), **_last_name("khan", None)},
        "levels": {"first_name": "jaro_winkler_0.9", "last_name": "jaro_winkler_0.8"},
        "levels_reversed": {"first_name": "jaro_winkler_0.9", "last_name": "phonetic"},
    },
    {
        "description": "a last name missing on one side: not aligned, but the swap explains "
        "the first names, so they are no strong evidence of two people",
        "left": {**_first_name("meier", None, "67"), **_last_name(None, None)},
        "right": {**_first_name("hans", "johannes", "068"), **_last_name("meier", "67")},
        "levels": {"first_name": "unlike", "last_name": "missing"},
    },
]


@pytest.mark.parametrize("case", SWAP_CASES, ids=[case["description"] for case in SWAP_CASES])
@pytest.mark.parametrize("reversed_pair", [False, True], ids=["as written", "reversed"])
def test_swapped_names_are_aligned_before_comparing(
    case: dict[str, Any], reversed_pair: bool, make_records: Any
) -> None:
    # Either record may be the one with the names the wrong way round (a pair is compared as
    # smaller key, larger key), so both orders are tried.
    left, right = (case["right"], case["left"]) if reversed_pair else (case["left"], case["right"])
    expected = case.get("levels_reversed", case["levels"]) if reversed_pair else case["levels"]
    frame = make_records([{"record_key": "a:1", **left}, {"record_key": "b:1", **right}])
    compared = compare_pairs(_pair_frame([("a:1", "b:1")]), frame).row(0, named=True)
    labels = {name: _label(name, compared[f"{name}_level"]) for name in expected}
    assert labels == expected


def test_alignment_is_per_pair_and_keeps_the_records(make_records: Any) -> None:
    # One record paired with a swapped twin of itself and with a straight copy: each pair is
    # aligned on its own, and the record's own names are not changed for its other pairs.
    hans_meier = {**_first_name("hans", "johannes", "068"), **_last_name("meier", "67")}
    meier_hans = {**_first_name("meier", None, "67"), **_last_name("hans", "068")}
    frame = make_records(
        [
            {"record_key": "a:1", **hans_meier},
            {"record_key": "b:1", **meier_hans},
            {"record_key": "c:1", **hans_meier},
            {"record_key": "d:1", **_first_name("meier", None, "67")},
        ]
    )
    compared = compare_pairs(
        _pair_frame([("a:1", "b:1"), ("a:1", "c:1"), ("b:1", "c:1"), ("b:1", "d:1")]), frame
    )
    levels = {
        (row["left_key"], row["right_key"]): (
            _label("first_name", row["first_name_level"]),
            _label("last_name", row["last_name_level"]),
        )
        for row in compared.to_dicts()
    }
    assert levels == {
        ("a:1", "b:1"): ("exact", "exact"),
        ("a:1", "c:1"): ("exact", "exact"),
        ("b:1", "c:1"): ("exact", "exact"),
        ("b:1", "d:1"): ("exact", "missing"),
    }


def test_prepared_attributes_give_the_same_levels(make_records: Any) -> None:
    # comparison_attributes prepares the records once per run; compare_pairs on the prepared
    # frame, or on the prepared rows of just the records a partition names, gives the levels
    # it gives on the cleaned records themselves.
    rows = []
    pairs = []
    for index, case in enumerate(CASES):
        rows.append({"record_key": f"l:{index:03}", **case["left"]})
        rows.append({"record_key": f"r:{index:03}", **case["right"]})
        pairs.append((f"l:{index:03}", f"r:{index:03}"))
    records = make_records(rows)
    frame = _pair_frame(pairs)
    expected = compare_pairs(frame, records)
    prepared = comparison_attributes(records)
    assert comparison_attributes(prepared) is prepared
    assert compare_pairs(frame, prepared).equals(expected)
    half = frame.head(len(pairs) // 2)
    named = pl.concat([half["left_key"], half["right_key"]])
    part = prepared.filter(pl.col("record_key").is_in(named.implode()))
    assert compare_pairs(half, part).equals(expected.head(half.height))


def test_pairs_naming_an_unknown_record_are_left_out_in_order(make_records: Any) -> None:
    # compare_pairs looks the records up by key (a gather, not a join of the wide frames): a
    # pair whose record is not among ``records`` is dropped, as an inner join would, and the
    # others keep their order and their own records' values.
    records = make_records(
        [
            {"record_key": "crm:1", **_first_name("anna", "anna", "AN")},
            {"record_key": "crm:2", **_first_name("anna", "anna", "AN")},
            {"record_key": "crm:3", **_first_name("jonas", "jonas", "JNS")},
        ]
    )
    pairs = _pair_frame(
        [("crm:2", "crm:3"), ("crm:1", "crm:9"), ("crm:1", "crm:2"), ("crm:8", "crm:3")]
    )
    compared = compare_pairs(pairs, records, chunk_pairs=2)
    assert compared.select("left_key", "right_key").rows() == [
        ("crm:2", "crm:3"),
        ("crm:1", "crm:2"),
    ]
    levels = [_label("first_name", level) for level in compared["first_name_level"]]
    assert levels[1] == "exact" and levels[0] != "exact"


@pytest.mark.parametrize(
    ("masculine", "short_form"),
    [("stefan", "steffi"), ("stefan", "stefanie")],
)
def test_a_short_form_of_the_feminine_name_is_the_other_sex(
    masculine: str, short_form: str, make_records: Any
) -> None:
    # Steffi is Stefanie's short form, not Stefan's: with the groups the cleaners give, Stefan
    # beside Steffi reaches the opposite-sex level (two people), not "nickname".
    from cleaners.nicknames import first_name_group, first_name_groups

    rows = [
        {
            "record_key": f"crm:{index}",
            "first_name_key": key,
            "first_name_group": first_name_group(key),
            "first_name_groups": list(first_name_groups(key) or ()),
        }
        for index, key in enumerate((masculine, short_form))
    ]
    compared = compare_pairs(_pair_frame([("crm:0", "crm:1")]), make_records(rows))
    level = compared["first_name_level"][0]
    first_name = next(c for c in COMPARISONS if c.name == "first_name")
    assert first_name.levels[level] == "opposite_sex"


def _joined(attributes: pl.DataFrame, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    """The pairs with both records' attributes, as compare_pairs hands them to a comparison."""
    keys = attributes.select("record_key", pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"))
    return _align_swapped_names(
        _attributes_of(
            _pair_frame(pairs),
            attributes.rename({column: f"{column}_l" for column in attributes.columns}),
            attributes.rename({column: f"{column}_r" for column in attributes.columns}),
            keys,
        )
    )


_ORGANISATION_LEVELS = {
    "site": (_site, _both_organisations_expr),
    "organisation": (_organisation, _organisation_named),
    "email_domain": (_email_domain, _business_pair),
}


@pytest.mark.parametrize("name", sorted(_ORGANISATION_LEVELS))
def test_organisation_comparisons_skipped_only_where_missing_anyway(
    make_records: Any, name: str
) -> None:
    # site, organisation and email_domain are computed only on the pairs that may have a level
    # (two organisations, a record naming an organisation, a contact beside a person): on every
    # other pair the whole comparison gives "missing" too. Every case's records paired with
    # their neighbours' (persons, contacts and organisations mixed, most pairs person-only so
    # that only some rows are compared) give the levels the comparison gives on all pairs.
    rows = []
    pairs = []
    for index, case in enumerate(CASES):
        rows.append({"record_key": f"l:{index:03}", **case["left"]})
        rows.append({"record_key": f"r:{index:03}", **case["right"]})
        pairs.append((f"l:{index:03}", f"r:{index:03}"))
        pairs.append((f"l:{index:03}", f"r:{(index + 1) % len(CASES):03}"))
    joined = _joined(comparison_attributes(make_records(rows)), pairs)
    level, possible = _ORGANISATION_LEVELS[name]
    comparison = next(c for c in COMPARISONS if c.name == name)
    expected = level(joined)
    compared = int(joined.select(possible().fill_null(False).sum()).item())
    assert 0 < int((expected != MISSING).sum()) <= compared < joined.height // 2, (
        "case premise is wrong"
    )
    assert comparison.level(joined).to_list() == expected.to_list()


@pytest.mark.parametrize("name", sorted(_ORGANISATION_LEVELS))
@pytest.mark.parametrize("organisation_pairs", [1, 2])
def test_organisation_pairs_past_the_first_chunk_of_a_batch(
    make_records: Any, name: str, organisation_pairs: int
) -> None:
    # The 1M light run's failing shape: a batch of person pairs whose only organisation pairs
    # (1 or 2) sit past the first chunk of a frame in several chunks, as a batch's frame may
    # be. The organisation comparisons see those rows alone; taken from the frame by a filter
    # (empty first chunk), polars panicked in list.set_intersection; by a gather they give
    # the levels the comparison gives on the whole frame.
    persons = [
        {"record_key": f"p:{index}", **_first_name(name_, name_, name_.upper())}
        for index, name_ in enumerate(("anna", "jonas", "lena", "paul", "mia", "tim"))
    ]
    organisations = [
        {**ORGANISATION, "record_key": key, "organisation_key": "huber bau", **values}
        for key, values in (
            ("o:1", {"emails": ["info@huber-bau.de"], "city_key": "ulm"}),
            ("o:2", {"emails": ["info@huber-bau.de"], "city_key": "ulm"}),
            ("o:3", {"emails": ["hr@huber-bau.de"], "city_key": "bonn"}),
        )
    ]
    attributes = comparison_attributes(make_records(persons + organisations))
    person_pairs = [("p:0", "p:1"), ("p:2", "p:3"), ("p:4", "p:5"), ("p:1", "p:2")]
    business = [("o:1", "o:2"), ("o:1", "o:3")][:organisation_pairs]
    joined = _joined(attributes, person_pairs + business + [("p:3", "p:4"), ("p:0", "p:5")])
    first = 3  # a first chunk of person pairs only
    chunked = pl.concat([joined.slice(0, first), joined.slice(first)], rechunk=False)
    assert chunked.n_chunks() == 2
    level, possible = _ORGANISATION_LEVELS[name]
    rows = chunked.select(possible().fill_null(False)).to_series()
    assert 0 < int(rows.sum()) == organisation_pairs
    expected = level(chunked)
    assert set(expected.filter(~rows).to_list()) == {MISSING}
    if name == "email_domain":
        assert expected.filter(rows).to_list()[:1] == [0]  # same_address: a set intersection
    comparison = next(c for c in COMPARISONS if c.name == name)
    assert comparison.level(chunked).to_list() == expected.to_list()


def test_the_cheap_sex_form_test_keeps_every_masculine_feminine_pair() -> None:
    # _first_name computes opposite_sex_forms only where may_be_opposite_sex_forms holds: it
    # must hold wherever the full test does (every listed name, each with every feminine
    # suffix, against each other both ways), and leave unrelated names out.
    from matching.first_names import _sex_forms, may_be_opposite_sex_forms, opposite_sex_forms

    suffixes, bases, pairs = _sex_forms()
    listed = {name for pair in pairs for name in pair.split("|")} | set(bases)
    stems = listed | {"stefan", "paul", "christian", "daniel", "jan", "sophi", "ann"}
    names = sorted(stems | {stem + suffix for stem in stems for suffix in suffixes})
    frame = (
        pl.DataFrame({"left": [*names, None]})
        .join(pl.DataFrame({"right": [*names, None]}), how="cross")
        .select(
            opposite_sex_forms(pl.col("left"), pl.col("right")).alias("opposite"),
            may_be_opposite_sex_forms(pl.col("left"), pl.col("right")).alias("may_be"),
        )
    )
    assert frame["opposite"].sum() >= len(pairs) + len(stems)  # premise: many true forms
    assert frame.filter(pl.col("opposite") & ~pl.col("may_be")).height == 0
    assert frame["may_be"].sum() < frame.height // 10


def _tutoring_chain(make_records: Any) -> pl.DataFrame:
    """A tutoring chain's branch in Stuttgart (two records at one address, one of them with
    stuttgart@ at the brand's domain, one without e-mail) and its branch in Freiburg (info@)."""
    stuttgart = _address("70372", "herderstr", "15a", "stuttgart")
    return make_records(
        [
            {
                "record_key": "crm:1",
                **ORGANISATION,
                **stuttgart,
                "organisation_key": "lernwerk nachhilfe",
                "emails": ["stuttgart@lernwerk-nachhilfe.de"],
            },
            {
                "record_key": "erp:1",
                **ORGANISATION,
                **stuttgart,
                "organisation_key": "lernwerk nachhilfe",
            },
            {
                "record_key": "erp:2",
                **ORGANISATION,
                **_address("79102", "heidestr", "14", "freiburg im breisgau"),
                "organisation_key": "lernwerk nachhilfe",
                "emails": ["info@lernwerk-nachhilfe.de"],
            },
        ]
    )


def test_a_town_mailbox_makes_the_firm_of_its_name_in_its_town_a_branch(
    make_records: Any,
) -> None:
    # The Stuttgart record without e-mail is the branch whose other record has stuttgart@:
    # the brand's info@ in Freiburg is another site, as it is for the record with the mailbox.
    records = _tutoring_chain(make_records)
    compared = compare_pairs(_pair_frame([("crm:1", "erp:2"), ("erp:1", "erp:2")]), records)
    assert [_label("site", level) for level in compared["site_level"]] == [
        "different",
        "different",
    ]
    # Without the mailbox record the same two are one firm's offices (one name, one domain).
    alone = records.filter(pl.col("record_key") != "crm:1")
    compared = compare_pairs(_pair_frame([("erp:1", "erp:2")]), alone)
    assert _label("site", compared["site_level"][0]) == "same_firm"


def test_the_town_branch_is_decided_over_all_records_when_a_subset_is_compared(
    make_records: Any,
) -> None:
    # An incremental night prepares only the records of its pairs, with the owners decided
    # over all records (domain_owners): the mailbox record need not be in the pair.
    records = _tutoring_chain(make_records)
    subset = records.filter(pl.col("record_key") != "crm:1")
    prepared = comparison_attributes(subset, domain_owners(records))
    compared = compare_pairs(_pair_frame([("erp:1", "erp:2")]), prepared)
    assert _label("site", compared["site_level"][0]) == "different"
