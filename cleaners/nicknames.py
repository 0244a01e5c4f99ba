"""Nickname groups of first names: "Sepp" and "Josef" share the group "josef".

A short form may stand for several full names (Andi: Andreas or Andrea). ``first_name_group``
returns the one it most often stands for (rank 1 in ``data/nicknames.csv`` and, for English
short forms, ``data/nicknames_en.csv``), used for blocking;
``first_name_groups`` returns all of them, for comparisons by list intersection. A full name that
is a group of its own is always first in that group (Sandra -> sandra, not alexandra).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import islice, product
from typing import NamedTuple

from cleaners.reference import read_table
from cleaners.text import transliteration_key

# A name of several ambiguous words could have many combinations; real names have one or two.
_MAX_GROUPS = 16


class NicknameTable(NamedTuple):
    """Per name key: the most frequent group and all groups (sorted)."""

    primary: dict[str, str]
    groups: dict[str, tuple[str, ...]]


@cache
def nickname_table() -> NicknameTable:
    """The groups of ``data/nicknames.csv`` (German), ``data/nicknames_en.csv`` (English) and
    ``data/nicknames_international.csv`` (one name in other languages: Krzysztof / Christoph),
    keyed by the transliteration key of each name."""
    rows = (
        read_table("nicknames.csv")
        + read_table("nicknames_en.csv")
        + read_table("nicknames_international.csv")
    )
    canonicals = {row["canonical"] for row in rows}
    rows = (*rows, *_pet_form_spellings(rows, canonicals))
    groups: dict[str, set[str]] = {canonical: {canonical} for canonical in canonicals}
    primary = {canonical: canonical for canonical in canonicals}
    ranked: dict[str, tuple[int, str]] = {}
    for row in rows:
        key = transliteration_key(row["name"])
        groups.setdefault(key, set()).add(row["canonical"])
        rank = (int(row["rank"]), row["canonical"])
        if key not in canonicals and rank < ranked.get(key, (99, "")):
            ranked[key] = rank
    primary.update({key: canonical for key, (_, canonical) in ranked.items()})
    return NicknameTable(primary, {key: tuple(sorted(names)) for key, names in groups.items()})


def _pet_form_spellings(
    rows: Sequence[dict[str, str]], canonicals: set[str]
) -> list[dict[str, str]]:
    """A pet form ending in -y written with -i, and the other way round (Tommy / Tommi, Andi /
    Andy, Benni / Benny): German writes the diminutive -i, English -y, and people write their
    own either way. Added to the pet form's groups, unless the other spelling is a name or pet
    form of its own in the tables; not after a vowel (Davey, Nikolai)."""
    known = canonicals | {transliteration_key(row["name"]) for row in rows}
    added = []
    for row in rows:
        key = transliteration_key(row["name"])
        # After a vowel the ending is no diminutive (Davey, Abbey, Nikolai).
        if key == row["canonical"] or len(key) < 3 or key[-1] not in "iy" or key[-2] in "aeiouy":
            continue
        other = key[:-1] + ("i" if key[-1] == "y" else "y")
        if other not in known:
            added.append({**row, "name": other})
    return added


def first_name_group(key: str | None) -> str | None:
    """Most frequent nickname group of a first-name key: "sepp" -> "josef", "andi" -> "andreas".

    A key that is not in the table is looked up word by word: "hans juergen" ->
    "johannes juergen"; double names with short forms of their own ("karl heinz") stay whole.
    """
    if not key:
        return None
    table = nickname_table()
    if key in table.primary:
        return table.primary[key]
    return " ".join(table.primary.get(word, word) for word in key.split())


def first_name_groups(key: str | None) -> tuple[str, ...] | None:
    """All nickname groups of a first-name key, sorted: "andi" -> ("andrea", "andreas").

    A name in no group gives its own key; several words give every combination of their groups.
    """
    if not key:
        return None
    table = nickname_table()
    if key in table.groups:
        return table.groups[key]
    per_word = [table.groups.get(word, (word,)) for word in key.split()]
    combinations = {" ".join(words) for words in islice(product(*per_word), _MAX_GROUPS)}
    combinations.add(first_name_group(key) or key)
    return tuple(sorted(combinations))
