"""Regenerate ``given_names_international.csv``: given names with their sex, from Faker's lists.

Source: the PyPI package ``Faker`` (joke2k/faker, MIT licence, Copyright (c) 2012 Daniele
Faraglia): its person providers' ``first_names_male`` and ``first_names_female`` per locale.
Install it in a throwaway venv (never the project's: the runtime reads only the CSV)::

    python3 -m venv /tmp/faker-venv && /tmp/faker-venv/bin/pip install faker==40.63.0
    PYTHONPATH=. /tmp/faker-venv/bin/python -m matching.data.build_given_names \\
        > matching/data/given_names_international.csv

(the project's packages import polars: run it with the project's venv on ``sys.path`` too,
``PYTHONPATH=.:.venv/lib/python3.X/site-packages``, or any venv holding both).

Kept: the locales of ``LOCALES`` (the countries a DACH customer base comes from: German-speaking
countries and their neighbours, southern and south-eastern Europe, Turkey, the Maghreb's names as
French writes them, the Nordic and English-speaking countries), the Greek and Macedonian lists
transliterated to Latin letters (``_GREEK``, ``_CYRILLIC``: passport-style, ELOT 743 and the
Macedonian/Serbian Latin alphabet). Left out: lists in other scripts without one usual Latin
spelling (Arabic, Persian, Russian: Wladimir / Vladimir), and the very long lists whose rare
spellings are typos of common names as often as names (``en``: 7,200 US birth-register names such
as Aaden, Abagail; ``is_IS``). One row per transliteration key; sex "m" or "f", "u" where the
lists give the name to both sexes (Andrea: de_CH m, de_DE f; see ``_Name.sex``); ``male`` and
``female`` count the locales listing it so (a rough sign of how widespread it is).
"""

from __future__ import annotations

import csv
import importlib
import sys
import unicodedata
from dataclasses import dataclass, field

from cleaners.names import name_key

VERSION = "40.63.0"
LOCALES = (
    # German-speaking countries
    "de_DE", "de_AT", "de_CH", "de_LI", "de_LU",
    # neighbours and the other languages of Switzerland
    "fr_CH", "fr_FR", "fr_BE", "it_IT", "nl_NL", "nl_BE", "da_DK", "pl_PL", "cs_CZ",
    # south-eastern and southern Europe, Turkey
    "sk_SK", "hu_HU", "hr_HR", "sl_SI", "ro_RO", "tr_TR", "pt_PT", "es_ES",
    # transliterated (see _GREEK, _CYRILLIC)
    "el_GR", "mk_MK",
    # Arabic names as French writes them (Maghreb)
    "fr_DZ",
    # Nordic and English-speaking countries
    "sv_SE", "no_NO", "en_GB", "en_IE", "en_US",
)  # fmt: skip

# Greek to Latin as Greek passports write names (ELOT 743), digraphs first.
_GREEK_PAIRS = {
    "ου": "ou", "αι": "ai", "ει": "ei", "οι": "oi", "αυ": "av", "ευ": "ev", "μπ": "b",
    "ντ": "nt", "γκ": "gk", "γγ": "ng", "θ": "th", "χ": "ch", "ψ": "ps", "ξ": "x",
}  # fmt: skip
_GREEK = dict(zip("αβγδεζηικλμνοπρσςτυφω", "avgdeziiklmnoprsstyfo", strict=True))
# Macedonian Cyrillic to the Latin alphabet of Macedonian and Serbian (Драган -> Dragan).
_CYRILLIC = {
    **dict(zip("абвгдезијклмнопрстуфхцчшж", "abvgdezijklmnoprstufhcčšž", strict=True)),
    "ѓ": "đ", "ќ": "ć", "љ": "lj", "њ": "nj", "џ": "dž", "ѕ": "dz",
}  # fmt: skip


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def latin(name: str, locale: str) -> str:
    """The name in Latin letters: Greek and Macedonian transliterated, others as listed."""
    if locale == "el_GR":
        text = _without_accents(name.lower())
        for greek, roman in _GREEK_PAIRS.items():
            text = text.replace(greek, roman)
        text = "".join(_GREEK.get(char, char) for char in text)
        return text.capitalize()
    if locale == "mk_MK":
        return "".join(_CYRILLIC.get(char, char) for char in name.lower()).capitalize()
    return name


@dataclass
class _Name:
    spelling: str
    male: set[str] = field(default_factory=set)
    female: set[str] = field(default_factory=set)

    def sex(self) -> str:
        """m or f, or u where both sexes carry the name; one locale's slip against three or
        more is overruled (Faker's sv_SE lists Mohamed as female, es_ES María as male)."""
        counts = {"m": len(self.male), "f": len(self.female)}
        major, minor = sorted(counts, key=counts.__getitem__, reverse=True)
        if counts[minor] == 0 or (counts[minor] == 1 and counts[major] >= 3):
            return major
        return "u"


def collect() -> dict[str, _Name]:
    """Transliteration key -> the first spelling seen, its sexes and locales."""
    names: dict[str, _Name] = {}
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for sex, listed in (("m", provider.first_names_male), ("f", provider.first_names_female)):
            for raw in listed:
                spelling = latin(raw, locale)
                key = name_key(spelling)
                if not key or not key.isascii() or " " in key or len(key) < 2:
                    continue  # two-word names (Ana María) and stray scripts
                entry = names.setdefault(key, _Name(spelling))
                (entry.male if sex == "m" else entry.female).add(locale)
    return names


HEADER = f"""\
# Given names with their sex, from the person lists of Faker {VERSION} (PyPI package Faker,
# joke2k/faker), Copyright (c) 2012 Daniele Faraglia, MIT licence:
#   Permission is hereby granted, free of charge, to any person obtaining a copy of this software
#   and associated documentation files (the "Software"), to deal in the Software without
#   restriction, including without limitation the rights to use, copy, modify, merge, publish,
#   distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
#   Software is furnished to do so, subject to the following conditions: The above copyright
#   notice and this permission notice shall be included in all copies or substantial portions of
#   the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
#   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
#   PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
#   LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
#   OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
#   DEALINGS IN THE SOFTWARE.
# Faker names its lists' own sources beside them (de_DE: Wiktionary's lists of frequent given
# names; de_CH: the Swiss Federal Statistical Office). Regenerate with
# matching/data/build_given_names.py, which states the locales kept and how Greek and Macedonian
# names were transliterated. One row per transliteration key (cleaners.names.name_key).
# sex: m, f, or u where the lists give the name to both sexes (Andrea, Kim, Simone); a single
# locale against three or more is taken for a slip (Maria m in es_ES only: f).
# male, female: how many of the {len(LOCALES)} locales list the name as a male or female name.
# Used by matching.first_names beside the hand-written given_names.csv, which wins where both
# list a name: the sex of a record without salutation, and two given names close in spelling.
"""


def main() -> None:
    names = collect()
    sys.stdout.write(HEADER)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["name", "sex", "male", "female"])
    for key in sorted(names):
        entry = names[key]
        writer.writerow([entry.spelling, entry.sex(), len(entry.male), len(entry.female)])


if __name__ == "__main__":
    main()
