"""Realistic noise for demo values: typos, transliterations, nicknames, spelling variants, case.

Every function takes the seeded ``random.Random`` of the run and returns a new string; none of
them reads the clock or global state, so the same seed gives the same noise.
"""

from __future__ import annotations

import random
import re
import unicodedata

from flows.demo.reference import FirstName, ReferenceData

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
_QWERTZ_ROWS = ("1234567890ß", "qwertzuiopü", "asdfghjklöä", "yxcvbnm")
_STREET_SUFFIX = re.compile(r"(?i)(stra(?:ß|ss)e)\b")


def _keyboard_neighbours() -> dict[str, str]:
    neighbours: dict[str, str] = {}
    for row_index, row in enumerate(_QWERTZ_ROWS):
        for column, char in enumerate(row):
            near = [row[c] for c in (column - 1, column + 1) if 0 <= c < len(row)]
            for other_index in (row_index - 1, row_index + 1):
                if 0 <= other_index < len(_QWERTZ_ROWS):
                    other = _QWERTZ_ROWS[other_index]
                    near += [other[c] for c in (column - 1, column) if 0 <= c < len(other)]
            neighbours[char] = "".join(near)
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


def transliterate(text: str) -> str:
    """Write umlauts and ß the ASCII way (Müller -> Mueller, Straße -> Strasse)."""
    return text.translate(_UMLAUTS)


def ascii_fold(text: str) -> str:
    """Transliterate umlauts, then drop every other accent (Popović -> Popovic)."""
    decomposed = unicodedata.normalize("NFKD", transliterate(text))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def cp1252_safe(text: str) -> str:
    """Fold characters Windows-1252 cannot hold (ć, č) the way old CRMs did on import."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "".join(char if _in_cp1252(char) else ascii_fold(char) for char in text)
    return text


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: neighbour-key substitution, transposition, deletion or doubling."""
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    char = text[position]
    if kind == 0:
        near = _NEIGHBOURS.get(char.lower())
        if not near:
            return text
        replacement = rng.choice(near)
        replacement = replacement.upper() if char.isupper() else replacement
        return text[:position] + replacement + text[position + 1 :]
    if kind == 1:
        return text[:position] + text[position + 1] + char + text[position + 2 :]
    if kind == 2:
        return text[:position] + text[position + 1 :]
    return text[:position] + char + text[position:]


def nickname(rng: random.Random, first_name: FirstName) -> str:
    """A common short form of the first name, or the name itself when it has none."""
    if not first_name.nicknames:
        return first_name.name
    return rng.choice(first_name.nicknames)


def surname_variant(rng: random.Random, reference: ReferenceData, surname: str, group: str) -> str:
    """Another spelling of the same family name (Meier -> Meyer), or the name itself."""
    others = [name for name in reference.surname_groups.get(group, ()) if name != surname]
    return rng.choice(others) if others else surname


def change_case(rng: random.Random, text: str, upper: float, lower: float) -> str:
    """Upper- or lower-case the text with the given probabilities."""
    roll = rng.random()
    if roll < upper:
        return text.upper()
    if roll < upper + lower:
        return text.lower()
    return text


def street_variant(rng: random.Random, street: str) -> str:
    """Abbreviate or respell the street type (Hauptstraße -> Hauptstr., Hauptstrasse)."""
    match = _STREET_SUFFIX.search(street)
    if match is None:
        return street
    replacement = rng.choice(("str.", "strasse", "straße"))
    if match.group(1)[0] == "S":
        replacement = replacement.capitalize()
    return street[: match.start()] + replacement + street[match.end() :]


def house_number_variant(rng: random.Random, house_number: str) -> str:
    """Respell a house number letter (12a -> 12 a, 12A)."""
    if not house_number[-1:].isalpha():
        return house_number
    number, letter = house_number[:-1], house_number[-1]
    return rng.choice((f"{number} {letter}", f"{number}{letter.upper()}", house_number))


def malformed_email(rng: random.Random, email: str) -> str:
    """An e-mail address broken the way forms break them (missing @ or TLD, blanks, double @)."""
    local, _, domain = email.partition("@")
    host = domain.rsplit(".", 1)[0]
    return rng.choice(
        (
            f"{local}@{host}",
            f"{local}.{domain}",
            f"{local}@@{domain}",
            f"{local.replace('.', ' ')} @{domain}",
            f"{local}@{domain},",
        )
    )


def invalid_phone(rng: random.Random) -> str:
    """A phone value no numbering plan accepts (too short, placeholder, text)."""
    return rng.choice(("12345", "0000000", "030/12", "+49 171 12", "keine Angabe", "0815", "-"))
