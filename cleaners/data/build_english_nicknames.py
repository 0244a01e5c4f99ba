"""Regenerate ``nicknames_en.csv``: English short forms -> common English given names.

Source: the PyPI package ``nicknames`` (carltonnorthern/nicknames, names.csv, Apache-2.0).
Download and unpack it, then run this script with the unpacked folder::

    pip download --no-deps nicknames==1.0.1 -d /tmp/nick
    unzip -q /tmp/nick/nicknames-1.0.1-py3-none-any.whl -d /tmp/nick/pkg
    python -m cleaners.data.build_english_nicknames /tmp/nick/pkg > cleaners/data/nicknames_en.csv

Kept, so that a short form never joins people the German table keeps apart: pairs whose full
name is one of ``COMMON`` (frequent English given names); short forms of three letters or more
that stand for at most three of them, all of one sex (Ted: Edward 1, Theodore 2; not Chris), are
not a full name of ``COMMON`` themselves, nor any name of the German table (``nicknames.csv``) or
of the demo's first names; full names that are not a short form in the German table; minus
``EXCLUDED`` (given names in their own right, other-sex names, words) and with ``ONLY``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

from cleaners.reference import read_table
from cleaners.text import transliteration_key

VERSION = "1.0.1"
# Frequent English given names, most frequent first (US census and SSA rankings, roughly): the
# first of several full names a short form stands for is its rank-1 group.
MALE = """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony edward donald steven kenneth joshua ronald timothy jeffrey nicholas stephen
    jonathan lawrence benjamin samuel gregory alexander patrick dennis henry douglas peter walter
    harold arthur albert frederick francis eugene theodore leonard gerald philip louis herbert
    bernard alfred russell edwin nathaniel zachary jeremy clifford aaron
    """.split()
FEMALE = """
    mary patricia jennifer elizabeth barbara susan jessica nancy margaret sandra dorothy kimberly
    emily donna cynthia amanda melissa deborah kathleen angela helen brenda pamela katherine
    christine catherine janet diane virginia victoria evelyn judith frances cheryl martha alice
    jacqueline abigail beverly eleanor florence josephine matilda penelope rosemary susanna
    suzanne valerie jane harriet
    """.split()
COMMON = set(MALE) | set(FEMALE)
_ORDER = {name: position for position, name in enumerate(MALE + FEMALE)}
# A short form the source gives to two frequent names of which one is a rare reading.
ONLY = {"bill": "william", "billy": "william", "ron": "ronald", "ronnie": "ronald"}
# Short forms that are given names of their own, often of the other sex, or ordinary words.
EXCLUDED = set(
    """
    allie angel ann bat bela bell bobbie brandy casey cassandra cassie cher chick cintha claas
    claes daisy day derick dicey dob dobbin dortha dutch elaine ella ellen elsie erick erin eve
    flora ford gail gory green gretta hap haps hob hobkin hop ian jean jem jos juda kay kaye
    kendrick lanna lenora little lon lonny lorne lou louise marty mat maud micah millie milly
    naldo nanny nathan nelly nora pate randy rose rupert see sis squat steph than thias thys
    tilla val van win zeke
    """.split()
)
HEADER = f"""\
# English nickname groups: short and pet forms -> the full given name (columns as nicknames.csv).
# Source: PyPI nicknames {VERSION}, names.csv of https://github.com/carltonnorthern/nicknames by
# Carlton Northern and Nick Crews, Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0);
# a selection of its rows. Regenerate with cleaners/data/build_english_nicknames.py; do not edit.
# Only frequent full names; a short form stands for at most three of one sex (rank 1 = the most
# frequent); nothing the German table (nicknames.csv) names.
canonical,name,rank"""


def _read_pairs(folder: Path) -> list[tuple[str, str]]:
    path = next(folder.rglob("names.csv"))
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (transliteration_key(row["name1"]), row["name2"].strip())
        for row in rows
        if row["relationship"] == "has_nickname"
    ]


def _german_names() -> tuple[set[str], set[str]]:
    rows = read_table("nicknames.csv")
    canonicals = {row["canonical"] for row in rows}
    names = canonicals | {transliteration_key(row["name"]) for row in rows}
    demo = Path(__file__).resolve().parents[2] / "flows" / "demo" / "data" / "first_names.csv"
    if demo.exists():
        with demo.open(encoding="utf-8") as handle:
            lines = [line for line in handle if not line.startswith("#")]
        names |= {transliteration_key(row["name"]) for row in csv.DictReader(lines)}
    return canonicals, names


def select(pairs: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """(canonical, short form, rank) rows: see the module docstring."""
    german_canonicals, german_names = _german_names()
    full_names: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, str] = {}
    for canonical, name in pairs:
        if canonical in COMMON:
            key = transliteration_key(name)
            full_names[key].add(canonical)
            spelling.setdefault(key, name.title())
    kept = []
    for key, canonicals in full_names.items():
        if key in ONLY:
            canonicals = {ONLY[key]}
        if len(key) < 3 or " " in key or key in COMMON or key in EXCLUDED or key in german_names:
            continue
        # Several readings only of one sex (Ted: Edward, Theodore), never Chris or Pat.
        if len(canonicals) > 3 or not (canonicals <= set(MALE) or canonicals <= set(FEMALE)):
            continue
        if any(canonical in german_names - german_canonicals for canonical in canonicals):
            continue
        ordered = sorted(canonicals, key=_ORDER.__getitem__)
        kept += [
            (canonical, spelling[key], 1 if i == 0 else 2) for i, canonical in enumerate(ordered)
        ]
    return sorted(kept)


def main(folder: str) -> None:
    sys.stdout.write(HEADER + "\n")
    for canonical, name, rank in select(_read_pairs(Path(folder))):
        sys.stdout.write(f"{canonical},{name},{rank}\n")


if __name__ == "__main__":
    main(sys.argv[1])
