"""Ordinal words written out or as numbers: "Sixth" / "6th", "Twenty-First" / "21st".

Site lists write one street or one organisation both ways ("South Sixth Street" / "S 6th St",
"Sixteenth Street Clinic" / "16th Street Clinic"); keys bring both to the numeric form.
The words are in cleaners/data/ordinal_words_en.csv.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from cleaners.reference import read_table


@cache
def _ordinal_table() -> tuple[dict[str, int], dict[str, int]]:
    """(ordinal word -> number, tens word -> number)."""
    ordinals: dict[str, int] = {}
    tens: dict[str, int] = {}
    for row in read_table("ordinal_words_en.csv"):
        (ordinals if row["kind"] == "ordinal" else tens)[row["word"]] = int(row["number"])
    return ordinals, tens


def ordinal_suffix(number: int) -> str:
    """ "1st", "2nd", "3rd", "11th", "21st", "112th": the number with its English suffix."""
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}" + {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def numeric_ordinals(words: Sequence[str]) -> list[str]:
    """Lower-case key words with written-out ordinals as numbers: ["south", "sixth", "street"]
    -> ["south", "6th", "street"]; ["twenty", "first"] -> ["21st"]. A tens word without an
    ordinal after it ("Twenty Oaks") stays a word."""
    ordinals, tens = _ordinal_table()
    found: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if word in tens and following in ordinals and ordinals[following] < 10:
            found.append(ordinal_suffix(tens[word] + ordinals[following]))
            index += 2
            continue
        found.append(ordinal_suffix(ordinals[word]) if word in ordinals else word)
        index += 1
    return found
