"""Split combined address fields: street lines, "PLZ Ort" and whole one-line addresses.

The mapping step calls the frame-level functions (``split_street_line``, ``split_postal_city``,
``parse_address_line``); they only split, the address cleaners normalize afterwards. Parts that fit
no address column (a "c/o" line, "z. Hd.", a post box beside a street, a building part such as
"Hinterhaus", "2. OG" or "Gebäude B" from cleaners/data/address_extras.csv ...) go to
``address_extra`` so nothing disappears; a post box without a street is the street line. A US
secondary unit ("Suite 200", "#3", "2nd Floor") rides in the house number ("100 Suite 200"): one
building holds many organisations, and the unit tells them apart (``house_unit``,
``house_building``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import polars as pl

from cleaners.countries import (
    STATE_CODE_COUNTRIES,
    country_code,
    postal_city_country,
    state_or_country,
)
from cleaners.distinct_memo import DistinctMemo
from cleaners.outcome import map_distinct
from cleaners.reference import read_column, read_table
from cleaners.text import clean_text

_NUMBER = r"\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)*"
# "Nr."/"No" before the number must be a word of its own: "Via Lugano 12" is no "Via Luga" + "No".
_NUMBER_AT_END = re.compile(
    rf"^(?P<street>.*?[^\d\s,])[\s,]*(?:\b(?:Nr|No)(?![^\W\d_])\.?\s*)?(?P<number>{_NUMBER})$",
    re.IGNORECASE,
)
# "12 rue du Lac", "11c, ch. de Bellerive", "3 bis, avenue de Cour" (the French bis / ter /
# quater after the number belongs to it, as in "3bis").
_NUMBER_AT_START = re.compile(
    r"^(?P<number>\d+\s*(?:(?:bis|ter|quater)\b|[a-zA-Z](?![^\W\d_]))?)[\s,]+"
    r"(?P<street>[^\d\s].*)$",
    re.IGNORECASE,
)
_POSTAL = r"(?:(?P<prefix>[A-Za-z]{1,3})\s*-\s*)?(?P<postal>\d{4,5})"
_POSTAL_CITY = re.compile(rf"^{_POSTAL}\s+(?P<city>[^\d\s].*)$")
_CITY_POSTAL = re.compile(r"^(?P<city>[^\d]+?)\s+(?P<postal>\d{4,5})$")
_ONE_LINE = re.compile(rf"^(?P<street>.+?)\s+{_POSTAL}\s+(?P<city>[^\d\s].*)$")
_SEGMENT_SEPARATORS = re.compile(r"\s*[\n\r,;|·•]\s*")
#: A line that is no part of the address proper: "c/o Müller", "z. Hd. Frau Huber", "bei Meier"
#: (but "Bei der Kirche 3" is a street name).
EXTRA_LINE = re.compile(
    r"^(?:c/o|c\.o\.|z\.\s*hd\.?|z\.\s*h\.|zu\s+h(?:ä|ae)nden|attn\.?"
    r"|bei(?=\s)(?!\s+(?:der|dem|den|die|das)\b))\s",
    re.IGNORECASE,
)
#: A post-office box line: "Postfach 10 01 23", "PF 1234", "Postlagernd", Swiss "Case postale 12".
POSTBOX_LINE = re.compile(
    r"^(?:postfach|postf\.|pf\.?|postlagernd|case\s+postale|casella\s+postale|p\.?\s?o\.?\s+box)"
    r"(?:\s+[\d\s]*\d)?$",
    re.IGNORECASE,
)
#: A US secondary unit after the street: "Suite 200", "Ste B", "#3", "Unit 3", "Apt 5B",
#: "Fl 12" (USPS Publication 28, Appendix C2, Secondary Unit Designators).
_UNIT_DESIGNATOR = (
    r"(?:(?:suite|ste|unit|apt|apartment|fl|floor|rm|room|bldg|building|dept)\.?\s*#?\s*|#\s*)"
)
# "Suite 200", "#3", or a floor written ordinal first: "2nd Floor", "3rd Fl."
_UNIT = rf"(?:{_UNIT_DESIGNATOR}([0-9A-Za-z-]+)|(\d+)(?:st|nd|rd|th)\s+(?:floor|fl)\b\.?)"
_US_UNIT = re.compile(rf"[\s,]+{_UNIT}$", re.IGNORECASE)
_UNIT_ALONE = re.compile(rf"^{_UNIT}$", re.IGNORECASE)
#: The unit at the end of a house number ("312 Ste. 103"), for ``house_unit``.
_UNIT_IN_NUMBER = rf"(?i)[\s,]*{_UNIT}$"
_UNIT_IN_NUMBER_RE = re.compile(_UNIT_IN_NUMBER)
_UNIT_BEFORE_CITY = re.compile(rf"^(?P<unit>{_UNIT_DESIGNATOR}[0-9A-Za-z-]+)\s+(?=\S)", re.I)
# "Tucson AZ" as the last part: a city and a US state code without ZIP.
_CITY_STATE = re.compile(r"^(?P<city>[^\d,]*[^\d\s,])\s+(?P<state>[A-Z]{2})$")
# "800 N Lake Shore Dr": the number is "800" (a letter after a space is a direction).
# A numbered street starts with its ordinal: "1709 2nd Avenue".
_US_STREET_START = r"(?:\d+(?i:st|nd|rd|th)\b|[^\d\s])"
_US_NUMBER_FIRST = re.compile(
    rf"^(?P<number>\d+[A-Za-z]?(?:-\d+)?)\s+(?P<street>{_US_STREET_START}.*)$"
)
_US_STATE_ZIP = re.compile(r"^(?P<state>[A-Z]{2})\s+(?P<zip>\d{5})(?:-\d{4})?$")
_US_STATE_ALONE = re.compile(r"^(?P<state>[A-Z]{2})(?P<zip>)$")
# "27 Washington Oak Park IL 60302": state and ZIP at the end of a line without commas.
_TRAILING_STATE_ZIP = re.compile(
    r"^(?P<rest>.*?[^\s,])[\s,]+(?P<tail>[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?)$"
)
#: Australian state and territory abbreviations (Australia Post); before a four-digit postcode
#: they end an Australian address: "Perth WA 6000", "Sydney, NSW 2000".
_AU_STATES = frozenset({"ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"})
_AU_STATE_POSTCODE = re.compile(
    r"^(?:(?P<city>[^\d,]*[^\d\s,])\s+)?(?P<state>[A-Za-z]{2,3})\.?\s+(?P<postcode>\d{4})$"
)
# A US street line: the number first (also a range, "8938-40"), then the street.
_US_STREET = re.compile(
    rf"^(?P<number>\d+[A-Za-z]?(?:\s*-\s*\d+[A-Za-z]?)?)\s+(?P<street>{_US_STREET_START}.*)$"
)
_COMPASS = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw"})
# Mannheim's city centre has no street names: block ("Quadrat") letter + number, then the house
# number: "C 3 54", "Q7, 24". Blocks are A-K and L-U with numbers 1-7.
_QUADRAT = re.compile(r"^(?P<letter>[A-U])\s?(?P<block>[1-7])[\s,]+(?P<number>\d{1,3}\s*[a-z]?)$")


@cache
def _building_part() -> str:
    """Regular expression of one building part (cleaners/data/address_extras.csv)."""
    words: dict[str, list[str]] = {"word": [], "with_id": [], "after_ordinal": []}
    for row in read_table("address_extras.csv"):
        words[row["kind"]].append(row["word"])
    return (
        rf"(?:(?:{'|'.join(words['word'])})(?![^\W\d_])"
        rf"|(?:{'|'.join(words['with_id'])})\s*(?:nr\.?\s*)?[0-9]{{1,4}}[a-z]?(?![^\W_])"
        rf"|(?:{'|'.join(words['with_id'])})\s+[A-Z](?![^\W_])"
        rf"|\d{{1,2}}\.\s*(?:{'|'.join(words['after_ordinal'])})(?![^\W\d_]))"
    )


@cache
def _building_parts_at_end() -> re.Pattern[str]:
    part = _building_part()
    return re.compile(rf"(?i:[\s,]+(?P<extra>{part}(?:[\s,]+{part})*))$")


@cache
def _building_parts_only() -> re.Pattern[str]:
    part = _building_part()
    return re.compile(rf"(?i:{part}(?:[\s,]+{part})*)")


def is_building_part(text: str) -> bool:
    """True for a building part alone: "Hinterhaus", "2. OG", "Gebäude B", "Whg. 12"."""
    return bool(_building_parts_only().fullmatch(clean_text(text)))


def without_building_parts(text: str | None) -> str | None:
    """An address_extra without its building parts: "c/o Vogt, 2. OG" -> "c/o Vogt" (so that
    the Austrian legal form "OG" in "2. OG" names no company)."""
    if text is None:
        return None
    parts = [part for part in re.split(r"\s*[,;\n]\s*", text) if part]
    return ", ".join(part for part in parts if not is_building_part(part)) or None


def is_extra_part(text: str) -> bool:
    """True for a part of an address that fits no address column: "c/o Müller", "z. Hd. Frau
    Huber", "Hinterhaus", "2. OG", "Gebäude B", "Whg. 12"."""
    line = clean_text(text)
    return bool(EXTRA_LINE.match(line) or _building_parts_only().fullmatch(line))


def split_street_extra(text: str | None) -> tuple[str | None, str | None]:
    """ "Hauptstr. 5 Hinterhaus" -> ("Hauptstr. 5", "Hinterhaus"); "Hauptstr. 5, 2. OG" ->
    ("Hauptstr. 5", "2. OG"): building parts after the street line are address_extra, so
    nothing is lost and the number is found. A line without them comes back unchanged."""
    if text is None or not clean_text(text):
        return text, None
    line = clean_text(text)
    match = _building_parts_at_end().search(line)
    # The rest must still hold a house number: "Am Block 5" is a street called "Am Block".
    if match is None or not re.search(r"\d", line[: match.start()]):
        return line, None
    return line[: match.start()].rstrip(" ,"), match["extra"]


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
    if POSTBOX_LINE.match(line) or EXTRA_LINE.match(line):  # the number is no house number
        return StreetLine(line, None)
    if re.fullmatch(r"[A-Ua-u]\s?[1-7]", line):  # a Mannheim block without house number
        return StreetLine(line, None)
    quadrat = _QUADRAT.match(line)
    if quadrat:
        return StreetLine(f"{quadrat['letter']} {quadrat['block']}", quadrat["number"])
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


@cache
def _us_states() -> frozenset[str]:
    return frozenset(read_column("us_states.csv", "code"))


@cache
def _english_street_words() -> tuple[frozenset[str], frozenset[str]]:
    """(compass words, street-type words) of cleaners/data/street_words_en.csv, written out and
    abbreviated: "North"/"N", "Street"/"St"."""
    compass: set[str] = set()
    types: set[str] = set()
    for row in read_table("street_words_en.csv"):
        kind = compass if row["abbreviation"] in _COMPASS else types
        kind.update((row["word"], row["abbreviation"]))
    return frozenset(compass), frozenset(types)


def _street_words(text: str) -> list[str]:
    return [word.strip(".,").lower() for word in text.split() if word.strip(".,")]


def us_street_shape(street: str) -> bool:
    """True for a street written the American way, without its number: a compass word in front
    ("N. Osceola", "West 43rd"), or a street type at the end ("Wentworth Ave", "Main Street"),
    also before a quadrant ("Peachtree St NE").

    "Hauptstraße", "Rue du Lac" and "Via Roma" are not; the caller looks at the postal code
    (a British or Australian street has these words too).
    """
    words = _street_words(street)
    compass, types = _english_street_words()
    if len(words) >= 2 and words[0] in compass:
        return True
    if len(words) >= 3 and words[-1] in compass:  # "Peachtree St NE": the quadrant after the type
        words = words[:-1]
    return len(words) >= 2 and words[-1] in types


def _us_street_line(line: str) -> tuple[StreetLine, str | None] | None:
    """ "3436 N. Osceola" -> (("N. Osceola", "3436"), None) when the line has the American shape
    (number first, see ``us_street_shape``), with a secondary unit ("Suite 200", "Floor 1") split
    off as the second part; else None. "1010 Wien" is a postal code and a city."""
    text = clean_text(line)
    unit = _US_UNIT.search(text)
    if unit is not None:
        text = text[: unit.start()]
    match = _US_STREET.match(text)
    if match is None or not us_street_shape(match["street"]):
        return None
    street = StreetLine(match["street"].strip(), re.sub(r"\s+", "", match["number"]))
    return street, clean_text(line)[unit.start() :].strip(" ,") if unit else None


# A state code at the end of the last part, in any case and with dots ("oh", "O.H.", "OH."),
# before an optional ZIP: "Columbus, oh 43205" is written so by hand as often as "OH 43205".
_STATE_TOKEN = re.compile(
    r"(?:^|(?<=\s))(?P<first>[A-Za-z])\.?(?P<second>[A-Za-z])\.?(?P<zip>\s+\d{5}(?:-\d{4})?)?$"
)


def _upper_state(segments: list[str]) -> list[str]:
    """ "..., Columbus, oh 43205" -> "..., Columbus, OH 43205" and "OH." / "O.H." -> "OH": the
    state code of the last part (before "USA") as the US rules below read it. Only a US state's
    code is touched; the rules still want an American street line before they call it American."""
    if not segments:
        return segments
    last = len(segments) - 1
    if last > 0 and segments[last].upper().replace(".", "") in ("USA", "US"):
        last -= 1
    match = _STATE_TOKEN.search(segments[last])
    if match is None:
        return segments
    code = (match["first"] + match["second"]).upper()
    if code not in _us_states():
        return segments
    zip_code = f" {match['zip'].strip()}" if match["zip"] else ""
    written = segments[last][: match.start()].rstrip(" ,")
    fixed = f"{written} {code}{zip_code}".strip()
    return [*segments[:last], fixed, *segments[last + 1 :]]


def _split_trailing_state(segments: list[str]) -> list[str]:
    """ "27 Washington Oak Park IL 60302" -> ["27 Washington Oak Park", "IL 60302"] when the
    state code is a US state's; "1450 E Broad St Columbus OH" (one part, no ZIP) -> ["1450 E
    Broad St", "Columbus", "OH"] when the street ends in a street type; other segments
    unchanged."""
    if not segments:
        return segments
    match = _TRAILING_STATE_ZIP.match(segments[-1])
    if match is None or match["tail"][:2] not in _us_states():
        return _split_trailing_state_alone(segments)
    return [*segments[:-1], match["rest"].rstrip(" ,"), match["tail"].replace(".", "")]


def _split_trailing_state_alone(segments: list[str]) -> list[str]:
    if len(segments) != 1:
        return segments
    match = re.match(r"^(?P<rest>.*\S)\s+(?P<state>[A-Z]{2})$", segments[0])
    if match is None or match["state"] not in _us_states() or not _US_STREET.match(match["rest"]):
        return segments
    line, city = _street_and_city(match["rest"])
    if city is None or _us_street_line(line) is None:
        return segments
    return [line, city, match["state"]]


@cache
def _us_state_names() -> dict[str, str]:
    """Lower-case state name -> its code ("north carolina" -> "NC")."""
    return {row["name"].lower(): row["code"] for row in read_table("us_states.csv") if row["name"]}


_STATE_NAME_ZIP = re.compile(
    r"^(?P<name>[A-Za-z][A-Za-z .]*?)\.?(?:\s+(?P<zip>\d{5}(?:-\d{4})?))?$"
)


def _state_name_as_code(segments: list[str]) -> list[str]:
    """ "..., Raleigh, North Carolina 27601" -> "..., Raleigh, NC 27601": a state written out as
    the last part, with a ZIP or after a city ("100 Main St, Washington" keeps its city)."""
    if len(segments) < 2:
        return segments
    match = _STATE_NAME_ZIP.match(segments[-1])
    code = _us_state_names().get(match["name"].strip().lower()) if match else None
    if match is None or code is None or (match["zip"] is None and len(segments) < 3):
        return segments
    if match["zip"] is None and state_or_country(match["name"]):
        # "Tbilisi, Georgia": without a ZIP the country; the address cleaner makes it the state
        # when the record's phone is American (cleaners.addresses).
        return segments
    return [*segments[:-1], f"{code} {match['zip']}" if match["zip"] else code]


def _split_city_state(segments: list[str]) -> list[str]:
    """ "9 Palm Dr, Tucson AZ" -> ["9 Palm Dr", "Tucson", "AZ"] when the state code is a US
    state's and the first part is an American street line; other segments unchanged."""
    if len(segments) < 2:
        return segments
    match = _CITY_STATE.match(segments[-1])
    if match is None or match["state"] not in _us_states():
        return segments
    if _us_street_line(segments[0]) is None:
        return segments
    return [*segments[:-1], match["city"], match["state"]]


def _street_and_city(line: str) -> tuple[str, str | None]:
    """A US street line that runs into the city without a comma: "1001 W Roosevelt Rd Chicago"
    -> ("1001 W Roosevelt Rd", "Chicago"), split after the last street-type word; without one the
    whole line is the street."""
    words = line.split()
    _, types = _english_street_words()
    for index in range(len(words) - 2, 0, -1):
        if words[index].strip(".,").lower() in types:
            return " ".join(words[: index + 1]), " ".join(words[index + 1 :])
    return line, None


def _state_alone(segments: list[str]) -> re.Match[str] | None:
    """ "312 S 6th St Ste. 201, Raleigh, NC" (the ZIP in a column of its own): the state code as
    the last segment, after a city without digits and a street line of the American shape
    (number first, "St"/"Ave" or a compass word). "Hauptstr. 5, 10115 Berlin, DE" is no
    Delaware address: the street does not start with its number, the city has a postal code.
    A street without street type ("1450 Broad") counts when the code names no country."""
    if len(segments) < 3 or re.search(r"\d", segments[-2]):
        return None
    # "1450 Broad, Columbus, OH": a number and one word is American enough when the code is no
    # country's too ("CA", "DE", "IN" also name countries); "3 Via Roma, Milano, MI" is not.
    plain = (
        re.fullmatch(r"\d+[A-Za-z]?\s+[A-Za-z]+\.?", segments[0]) is not None
        and country_code(segments[-1]) is None
    )
    if _us_street_line(segments[0]) is None and not plain:
        return None
    return _US_STATE_ALONE.match(segments[-1])


def with_unit(number: str | None, unit: str | None) -> tuple[str | None, str | None]:
    """(house number with the unit, unit left over): ("312", "Ste. 103") -> ("312 Ste. 103",
    None). The canonical model has no unit column, and one building holds many organisations (a
    clinic in Suite 114, another in Suite 301): the unit rides in the house number, as the
    Austrian "12/3/5" (Stiege, Tür) does. Without a number the unit is left over (extra)."""
    if unit is None:
        return number, None
    if number is None:
        return None, unit
    return f"{number} {unit}", None


def house_unit(house_number: pl.Expr) -> pl.Expr:
    """The unit of a house number, designator left out and lower case: "312 Ste. 103", "312
    #103" and "312 Unit 103" -> "103"; "1365 Suite B" -> "b"; "40 2nd Floor" and "40 Fl 2" ->
    "2"; "12a" and "12/3" -> null."""
    return pl.coalesce(
        house_number.str.extract(_UNIT_IN_NUMBER, 1), house_number.str.extract(_UNIT_IN_NUMBER, 2)
    ).str.to_lowercase()


#: A floor in an address addition: "5. OG", "3. Stock", "Stock 3", "2. Etage", "1st floor",
#: "5e étage", "3ème étage", "2° piano"; the ground floor (EG, Erdgeschoss, Parterre,
#: rez-de-chaussée) is 0, the attic and basement floors keep their letters (dg, ug).
_FLOOR_NUMBER = (
    r"(?i)\b(\d{1,2})\s*(?:\.|st|nd|rd|th|e|er|ère|ème|eme|°)?\s*"
    r"(?:og\b|obergescho(?:ss|ß)|stock|stockwerk|etage|floor\b|fl\b|étage|piano\b)"
    # the floor word first: "Stock 3", "Etage 2", "Obergeschoss 1"
    r"|(?i)\b(?:stock|stockwerk|etage|obergescho(?:ss|ß))\s+(\d{1,2})\b"
)
_GROUND_FLOOR = r"(?i)\b(?:eg|erdgescho(?:ss|ß)|hochparterre|parterre|rez[- ]de[- ]chauss[ée]e)\b"
_OTHER_FLOOR = r"(?i)\b(dg|ug)\b|(dach|unter)gescho(?:ss|ß)"
#: A flat's number in an address addition: "Top 4", "Tür 12", "Whg. 3", "Wohnung 7", "Apt. 5",
#: "App. 12", "appartement 4".
_FLAT_NUMBER = (
    r"(?i)\b(?:top|tür|tuer|whg\.?|wohnung|apt\.?|app\.?|apartment|appartement)\s*(\d+[a-z]?)\b"
)


def dwelling_floor(address_extra: pl.Expr) -> pl.Expr:
    """The floor an address addition names, as a key: "5. OG" and "5e étage" -> "5", "EG" and
    "rez-de-chaussée" -> "0", "DG" / "Dachgeschoss" -> "dg"; null when it names none."""
    other = pl.coalesce(
        address_extra.str.extract(_OTHER_FLOOR, 1).str.to_lowercase(),
        address_extra.str.extract(_OTHER_FLOOR, 2)
        .str.to_lowercase()
        .replace({"dach": "dg", "unter": "ug"}),
    )
    return pl.coalesce(
        pl.coalesce(
            address_extra.str.extract(_FLOOR_NUMBER, 1),
            address_extra.str.extract(_FLOOR_NUMBER, 2),
        )
        .str.strip_chars_start("0")
        .replace("", "0"),
        pl.when(address_extra.str.contains(_GROUND_FLOOR)).then(pl.lit("0")),
        other,
    )


def dwelling_flat(address_extra: pl.Expr) -> pl.Expr:
    """The flat's number an address addition names ("Top 4", "Whg. 3", "Apt. 5" -> "4", "3",
    "5"), lower case; null when it names none."""
    return address_extra.str.extract(_FLAT_NUMBER, 1).str.to_lowercase()


#: An Austrian door number after the building's ("Feldgasse 29/4": door 4 of number 29;
#: "29/2/4": staircase 2, door 4). The door is the last part.
_DOOR = r"^(\d+\s*[a-zA-Z]?)(?:\s*/\s*\d+[a-zA-Z]?)?\s*/\s*(\d+[a-zA-Z]?)$"


def house_building(house_number: pl.Expr) -> pl.Expr:
    """The house number without its unit or door: "312 Ste. 103" -> "312"; "29/4" and "29/2/4"
    -> "29"."""
    return (
        house_number.str.replace(_UNIT_IN_NUMBER, "")
        .str.strip_chars()
        .str.replace(_DOOR, "${1}")
        .str.strip_chars()
    )


def house_door(house_number: pl.Expr) -> pl.Expr:
    """The door an Austrian house number names ("29/4" and "29/2/4" -> "4"), lower case; null
    when it names none. A German range written with a slash ("12/14") reads the same way: one
    building, the second number on one record only is the same house."""
    return house_number.str.extract(_DOOR, 2).str.to_lowercase()


def _us_address(segments: list[str]) -> AddressParts | None:
    """ "100 Main St Suite 200, Springfield, IL 62701" -> street, number with its unit ("100
    Suite 200", see ``with_unit``), ZIP, city, US. None unless the address ends in a US state
    (code or name) with a ZIP, or in a state after a city ("..., Raleigh, NC")."""
    tail = segments[-1] if segments else ""
    if len(segments) >= 2 and tail.upper() in ("USA", "US", "UNITED STATES"):
        segments, tail = segments[:-1], segments[-2]
    match = _US_STATE_ZIP.match(tail) or _state_alone(segments)
    if match is None or match["state"] not in _us_states() or len(segments) < 2:
        return None
    if len(segments) == 2:  # street and city in one segment: the number must come first
        if _US_STREET.match(segments[0]) is None:
            return None
        line, found_city = _street_and_city(segments[0])
        # "312 S 6th St Suite 201 Raleigh": the unit after the street type belongs to the street.
        unit_first = _UNIT_BEFORE_CITY.match(found_city) if found_city else None
        if found_city and unit_first is not None:
            line, found_city = f"{line} {unit_first['unit']}", found_city[unit_first.end() :]
        segments = [line, found_city, tail] if found_city else [line, "", tail]
    street_parts, city = segments[:-2], segments[-2] or None
    extra: list[str] = []
    units: list[str] = []
    line = street_parts[0]
    unit = _US_UNIT.search(line)
    if unit:
        units.append(line[unit.start() :].strip(" ,"))
        line = line[: unit.start()]
    for part in street_parts[1:]:  # "Ste 200" or "Floor 12" as a segment of its own
        (units if _UNIT_ALONE.match(part) and not units else extra).append(part)
    # American house numbers come first: "800 N Lake Shore Drive 5B" is number 800.
    start = _US_NUMBER_FIRST.match(clean_text(line)) or _US_STREET.match(clean_text(line))
    street = (
        StreetLine(start["street"].strip(), start["number"]) if start else split_street_text(line)
    )
    number, unit_left = with_unit(street.house_number, units[0] if units else None)
    extra = [unit_left, *extra] if unit_left else extra
    # "WA" without a ZIP is Washington's or Western Australia's: kept as written, the record's
    # phone or silo decides (cleaners.addresses); with a ZIP it is American.
    state = match["state"]
    country = state if not match["zip"] and state in STATE_CODE_COUNTRIES else "US"
    return AddressParts(
        street.street,
        number,
        match["zip"] or None,
        city,
        country,
        ", ".join(extra) or None,
    )


def _written_american(segments: list[str], code: str) -> bool:
    """True when the address says "USA" at its end or writes the state's name out."""
    last = segments[-1].upper().replace(".", "") if segments else ""
    if last in ("USA", "US", "UNITED STATES"):
        return True
    name = next((n for n, c in _us_state_names().items() if c == code), None)
    return name is not None and re.search(rf"\b{re.escape(name)}\b", last.lower()) is not None


def _au_address(segments: list[str]) -> AddressParts | None:
    """ "1 Main Rd, Perth, WA 6000", "5 George St, Sydney NSW 2000, Australia" -> street,
    number, postcode, city, AU: an Australian state or territory before a four-digit postcode
    (or alone, when "Australia" follows). None unless the street line starts with its number."""
    explicit = len(segments) >= 3 and country_code(segments[-1]) == "AU"
    if explicit:
        segments = segments[:-1]
    if len(segments) < 2:
        return None
    match = _AU_STATE_POSTCODE.match(segments[-1])
    state, postcode, city = (
        (match["state"].upper(), match["postcode"], match["city"])
        if match
        else (segments[-1].upper().replace(".", ""), None, None)
    )
    if state not in _AU_STATES or (postcode is None and not explicit):
        return None
    rest = segments[:-1]
    if city is None:
        if len(rest) < 2 or not _PLACE_NAME.fullmatch(rest[-1]):
            return None
        city, rest = rest[-1], rest[:-1]
    # The street line is the first that starts with its number ("Level 3, 5 George St").
    found = next(((i, m) for i, line in enumerate(rest) if (m := _US_STREET.match(line))), None)
    if found is None:
        return None
    index, start = found
    return AddressParts(
        start["street"].strip(),
        re.sub(r"\s+", "", start["number"]),
        postcode,
        city.strip(),
        "AU",
        ", ".join(rest[:index] + rest[index + 1 :]) or None,
    )


@cache
def _ambiguous_countries() -> dict[str, str | None]:
    """Country code -> its postal-code pattern (None: the country has none) of the country names
    that are also person names or places (cleaners/data/ambiguous_countries.csv)."""
    return {row["iso2"]: row["postal"] or None for row in read_table("ambiguous_countries.csv")}


@cache
def _ambiguous_country_names() -> frozenset[str]:
    return frozenset(row["name"].lower() for row in read_table("ambiguous_countries.csv"))


@cache
def _postal_pattern(code: str) -> re.Pattern[str] | None:
    """The postal-code pattern of a country (postal_codes.csv, ambiguous_countries.csv)."""
    patterns = {row["iso2"]: row["pattern"] for row in read_table("postal_codes.csv")}
    pattern = patterns.get(code) or _ambiguous_countries().get(code)
    return re.compile(pattern) if pattern else None


def _country_fits(code: str, postal: re.Match[str] | None, phone_country: str | None) -> bool:
    """The rest of the address fits the country: its phone's calling code, or a postal code of
    the country's shape that the gazetteer does not place elsewhere ("10115 Berlin" is German,
    though Jordan's codes have five digits too)."""
    if phone_country == code:
        return True
    pattern = _postal_pattern(code)
    if postal is None or pattern is None or pattern.fullmatch(postal["postal"]) is None:
        return False
    return postal_city_country(postal["postal"], postal["city"]) in (None, code)


def _is_country(
    index: int, segments: list[str], postal: re.Match[str] | None, phone_country: str | None
) -> bool:
    """Whether ``segments[index]`` (not the first) is the address's country. A name that is
    also a person's or a place's ("12 Elm St, Jordan", "..., Chad": ambiguous_countries.csv)
    only where the rest of the address fits that country (postal-code shape, phone); any
    other country name as before."""
    segment = segments[index]
    code = country_code(segment) if index > 0 and len(segment) > 1 else None
    if code is None:
        return False
    if segment.strip().lower() not in _ambiguous_country_names():
        return True
    return _country_fits(code, postal, phone_country)


def parse_address_text(text: str | None, phone_country: str | None = None) -> AddressParts:
    """Split a one-line or multi-line address into street, number, postal code, city, country.

    ``phone_country`` (the country of the record's phone number's calling code, if any) lets a
    country name that is also a person's or a place's ("Jordan") be the country."""
    if text is None or not clean_text(text):
        return AddressParts(None, None, None, None, None, None)
    segments = [clean_text(s) for s in _SEGMENT_SEPARATORS.split(text.strip()) if clean_text(s)]
    american = _us_address(
        _split_city_state(_split_trailing_state(_upper_state(_state_name_as_code(segments))))
    )
    if american is not None and american.country in STATE_CODE_COUNTRIES:
        # Only the code is ambiguous: "Seattle, Washington" or "..., WA, USA" is American.
        if _written_american(segments, american.country):
            american = american._replace(country="US")
    if american is not None:
        return american
    australian = _au_address(segments)
    if australian is not None:
        return australian
    if len(segments) == 1:
        match = _ONE_LINE.match(segments[0])
        if match:
            segments = [match.group("street"), segments[0][match.end("street") :].strip()]
    segments = _join_quadrat(segments)
    # The line with an American street is the street, also after a line such as a program name.
    american_street = next(
        (found for segment in segments if (found := _us_street_line(segment)) is not None), None
    )
    # "Huber Bau GmbH, Werkstraße 3, 80331 München": of the lines that could be the street, the
    # first with a house number is it; a company name or a department above it is extra.
    numbered = next(
        (
            segment
            for segment in segments
            if not (_POSTAL_CITY.match(segment) or POSTBOX_LINE.match(segment))
            and not is_extra_part(segment)
            and split_street_text(split_street_extra(segment)[0]).house_number is not None
        ),
        None,
    )
    street = postal = None
    country: str | None = None
    country_index: int | None = None
    extra: list[str] = []
    postboxes: list[str] = []
    written_postal = next(
        (hit for segment in segments if (hit := _POSTAL_CITY.match(segment))), None
    )
    for index, segment in enumerate(segments):
        if country is None and _is_country(index, segments, written_postal, phone_country):
            # "Georgia" stays as written: a state or a country, the record's phone decides.
            country = segment if state_or_country(segment) else country_code(segment)
            country_index = index
        elif street is None and american_street and _us_street_line(segment) is not None:
            # "3436 N. Osceola" is no "PLZ Ort"; its unit rides in the house number.
            number, unit_left = with_unit(american_street[0].house_number, american_street[1])
            street = StreetLine(american_street[0].street, number)
            extra += [unit_left] if unit_left else []
        elif (
            american_street
            and street is not None
            and street.house_number is not None
            and _UNIT_ALONE.match(segment)
            and _UNIT_IN_NUMBER_RE.search(street.house_number) is None
        ):  # "11 E. Adams, Suite 1500": the unit as a line of its own
            street = StreetLine(street.street, with_unit(street.house_number, segment)[0])
        elif postal is None and _POSTAL_CITY.match(segment):
            postal = split_postal_city_text(segment)
            country = country or postal.country
        elif POSTBOX_LINE.match(segment):
            postboxes.append(segment)
        elif (
            street is None
            and not american_street
            and not is_extra_part(segment)
            and (numbered is None or segment == numbered)
        ):
            line, building = split_street_extra(segment)  # "Hauptstr. 5 Hinterhaus"
            street = split_street_text(line)
            extra += [building] if building else []
        else:
            extra.append(segment)
    if street is None and postboxes:  # a post-box address: the box is where mail goes
        street = StreetLine(postboxes.pop(0), None)
    extra += postboxes
    city = postal.city if postal else None
    if city is None and street is not None and country_index is not None:
        # "12 Rustaveli Ave, Tbilisi, Georgia", "Via Roma 1, Milano, Italia": no postal code,
        # the part right before the country is the city.
        before = segments[country_index - 1]
        if before in extra and _PLACE_NAME.fullmatch(before) and not EXTRA_LINE.match(before):
            city = before
            extra.remove(before)
    return AddressParts(
        street.street if street else None,
        street.house_number if street else None,
        postal.postal_code if postal else None,
        city,
        country,
        ", ".join(extra) or None,
    )


#: A place name without digits or address words: "Tbilisi", "St. Helier", "Milano".
_PLACE_NAME = re.compile(r"[^\d,;]+")


def _join_quadrat(segments: list[str]) -> list[str]:
    """Mannheim writes "Q 7, 24": the comma between block and house number is no separator."""
    for index in range(len(segments) - 1):
        joined = f"{segments[index]} {segments[index + 1]}"
        if re.fullmatch(r"[A-U]\s?[1-7]", segments[index]) and _QUADRAT.match(joined):
            return [*segments[:index], joined, *segments[index + 2 :]]
    return segments


def _fill(frame: pl.DataFrame, parsed: pl.DataFrame, parts: tuple[str, ...]) -> pl.DataFrame:
    """Set the parsed parts; where the frame already has a part's column, its values win."""
    return parsed.with_columns(
        pl.coalesce(part, f"__split_{part}").alias(part)
        if part in frame.columns
        else pl.col(f"__split_{part}").alias(part)
        for part in parts
    ).drop(f"__split_{part}" for part in parts)


def _split(
    frame: pl.DataFrame,
    column: str,
    func: object,
    parts: tuple[str, ...],
    plain: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    schema = {f"__split_{part}": pl.String() for part in parts}
    parsed = map_distinct(frame, [column], func, schema, plain=plain)  # type: ignore[arg-type]
    return _fill(frame, parsed, parts)


class StreetLineParts(NamedTuple):
    street: str | None
    house_number: str | None
    address_extra: str | None


def split_street_line_text(text: str | None) -> StreetLineParts:
    """ "Musterstr. 12a Hinterhaus" -> ("Musterstr.", "12a", "Hinterhaus"); a "c/o" or post-box
    line stays the street (``split_street_text``)."""
    line, building = split_street_extra(text)
    street = split_street_text(line)
    return StreetLineParts(street.street, street.house_number, building)


def split_street_line(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add street, house_number and address_extra split from ``column`` ("Musterstr. 12a",
    "Musterstr. 12a, 2. OG")."""
    from cleaners.plain_addresses import plain_street_lines  # it reads this module's rules

    return _split(
        frame,
        column,
        split_street_line_text,
        StreetLineParts._fields,
        plain=lambda distinct: plain_street_lines(distinct[column]),
    )


def split_postal_city(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add postal_code, city and country (from a plate prefix) split from ``column``."""
    return _split(frame, column, split_postal_city_text, PostalCity._fields)


def parse_address_line(
    frame: pl.DataFrame,
    column: str,
    phone_country: str | None = None,
    memo: DistinctMemo | None = None,
) -> pl.DataFrame:
    """Add street, house_number, postal_code, city, country and address_extra from ``column``.

    ``address_extra`` holds what fits no address column (e.g. "c/o Müller", "Hinterhaus"); the
    mapping step keeps it in the canonical field of that name. ``phone_country`` names a column
    of the record's phone's country (see ``parse_address_text``); ``memo``: the last run's
    parsed lines (cleaners.distinct_memo).
    """
    if phone_country is None:
        return _split(frame, column, parse_address_text, AddressParts._fields)
    from cleaners.plain_addresses import plain_address_lines  # it reads this module's rules

    schema = {f"__split_{part}": pl.String() for part in AddressParts._fields}
    parsed = map_distinct(
        frame,
        [column, phone_country],
        parse_address_text,
        schema,
        memo,
        plain=lambda distinct: plain_address_lines(distinct[column]),
    )
    return _fill(frame, parsed, AddressParts._fields)
