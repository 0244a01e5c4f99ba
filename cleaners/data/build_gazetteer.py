"""Regenerate ``localities.csv``: postal code -> locality names for AT, CH, LI and the German
localities a four-digit code or a city name could be confused with.

Source: the PyPI package ``countrystatecity-postal-codes`` (data from the
countries-states-cities-database project, Open Database License 1.0). Download and unpack it,
then run this script with the unpacked folder::

    pip download --no-deps countrystatecity-postal-codes==2.0.1 -d /tmp/csc
    unzip -q /tmp/csc/countrystatecity_postal_codes-2.0.1-py3-none-any.whl -d /tmp/csc/pkg
    python -m cleaners.data.build_gazetteer /tmp/csc/pkg > cleaners/data/localities.csv
    python -m cleaners.data.build_gazetteer --german-towns /tmp/csc/pkg \
        > cleaners/data/german_towns.csv

Kept: every AT, CH and LI postal code with all its localities; German localities whose name is
also an AT/CH/LI locality, qualifiers aside (so a bare city name such as "Kirchberg" or
"Neustadt" stays ambiguous), and the large
German cities (at least ``LARGE_CITY_CODES`` postal codes under one name in one two-digit zone,
e.g. Dresden, Leipzig, Berlin), each with its postal codes.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from cleaners.countries import _locality_keys

VERSION = "2.0.1"
LARGE_CITY_CODES = 4
HEADER = f"""\
# Localities by postal code: AT, CH and LI complete; DE large cities and names shared with them.
# Source: PyPI countrystatecity-postal-codes {VERSION}, data of the countries-states-cities-database
# (https://github.com/dr5hn/countries-states-cities-database), Open Database License (ODbL) 1.0
# (https://opendatacommons.org/licenses/odbl/1-0/); this table is a derived database under the
# same licence. localities: names separated by "|", as the post writes them ("Wien, Landstraße"
# for a Vienna district). Regenerate with cleaners/data/build_gazetteer.py; do not edit by hand.
country,postal_code,localities"""


def _rows(folder: Path, country: str) -> list[tuple[str, str]]:
    path = folder / "countrystatecity_postal_codes" / "data" / "by-country" / country
    data = json.loads((path / "postcodes.json").read_text(encoding="utf-8"))
    return [(row["code"], row["localityName"].strip()) for row in data]


def build(folder: Path) -> list[tuple[str, str, str]]:
    """Rows (country, postal_code, localities) sorted by country and code."""
    table: dict[tuple[str, str], set[str]] = defaultdict(set)
    alpine_keys: set[str] = set()
    for country in ("AT", "CH", "LI"):
        for code, name in _rows(folder, country):
            if re.fullmatch(r"\d{4}", code) and name:
                table[country, code].add(name)
                alpine_keys |= _locality_keys(name)
    german = [(code, name) for code, name in _rows(folder, "DE") if re.fullmatch(r"\d{5}", code)]
    zones: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, name in german:
        zones[name, code[:2]].add(code)
    large = {name for (name, _), codes in zones.items() if len(codes) >= LARGE_CITY_CODES}
    for code, name in german:
        if name in large or _locality_keys(name) & alpine_keys:
            table["DE", code].add(name)
    return [
        (country, code, "|".join(sorted(names))) for (country, code), names in sorted(table.items())
    ]


#: Postal codes a German locality needs to count as a branch's mailbox place (german_towns.csv):
#: a town of its own (Freising, Langenhagen), not one of the villages that share a code, whose
#: names are surnames as often (Schmidt, Schwarz, Kaiser).
TOWN_MIN_CODES = 2
TOWNS_HEADER = f"""\
# German towns, one per line, for branch mailboxes named after a town (freising@, langenhagen@).
# Source: PyPI countrystatecity-postal-codes {VERSION}, data of the countries-states-cities-database
# (https://github.com/dr5hn/countries-states-cities-database), Open Database License (ODbL) 1.0
# (https://opendatacommons.org/licenses/odbl/1-0/); this table is a derived database under the
# same licence. Localities with {TOWN_MIN_CODES} postal codes or more (villages sharing one code
# are surnames as often: Schmidt, Schwarz). Regenerate with cleaners/data/build_gazetteer.py
# --german-towns; do not edit by hand.
town"""


def german_towns(folder: Path) -> list[str]:
    """German localities with TOWN_MIN_CODES postal codes or more, sorted."""
    codes: dict[str, set[str]] = defaultdict(set)
    for code, name in _rows(folder, "DE"):
        if re.fullmatch(r"\d{5}", code) and name:
            codes[name].add(code)
    return sorted(name for name, found in codes.items() if len(found) >= TOWN_MIN_CODES)


def main(argv: list[str]) -> None:
    towns = argv[:1] == ["--german-towns"]
    if len(argv) != 1 + towns:
        sys.exit(
            "usage: python -m cleaners.data.build_gazetteer [--german-towns] UNPACKED_WHEEL_FOLDER"
        )
    if towns:
        sys.stdout.write(TOWNS_HEADER + "\n")
        for name in german_towns(Path(argv[1])):
            sys.stdout.write((f'"{name}"' if "," in name else name) + "\n")
        return
    sys.stdout.write(HEADER + "\n")
    for country, code, names in build(Path(argv[0])):
        quoted = f'"{names}"' if "," in names else names
        sys.stdout.write(f"{country},{code},{quoted}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
