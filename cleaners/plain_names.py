"""The common full names "Anna Huber" and "Huber, Anna" read in polars, without the parser.

``parse_full_name`` (cleaners.names) looks for a legal form, a contact beside a company,
salutations, titles and suffixes in every distinct name; at 200,000 rows that is about 34,000
names and a third of the mapping stage. Most are two words of letters (hyphens inside, "Anna-Lena
Schmidt-Huber"), written "First Last" or "Last, First". The parser returns them as first and last
name, unless a word is one its other rules look for; that is checked once per distinct word with
the parser's own tables and expressions: a salutation ("Herr Huber"), a title or title-like
word ("Dr", "MBA"), a generational suffix ("Huber Jun"), a legal form or the last word of one
("Huber AG", "Bau-KG", "Co KG"), a contact marker ("Inh", "Attn") or a branch word
("Filiale"). Without them no part of the name ends in a legal form, so it is no organisation.
Two words have no particles to weigh ("von Huber" is first name "von", as the parser reads it).

Every other name goes to the parser; tests/cleaners/test_plain_names.py proves the result equal
on generated names made of such words and on the demo's names.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from cleaners.organisations import _BRANCH_OR_STATE, _CONTACT_MARKER, find_legal_form
from cleaners.reference import read_table
from cleaners.text import CLEAN_LETTERS
from cleaners.titles import is_title_token, salutation_of, suffix_of

_WORD = f"[{CLEAN_LETTERS}]+(?:-[{CLEAN_LETTERS}]+)*"
PLAIN_NAME = f"^(?:(?P<first>{_WORD}) (?P<last>{_WORD})|(?P<last2>{_WORD}), (?P<first2>{_WORD}))$"


@cache
def _legal_form_tails() -> re.Pattern[str]:
    """The last word of a legal form of several words: "KG" of "GmbH & Co. KG", "V" of "e. V."
    (its parts after the first, written together)."""
    tails: set[str] = set()
    for row in read_table("legal_forms.csv"):
        parts = re.findall(r"[^\W_]+|[&+]", row["variant"])
        tails.update("".join(parts[start:]) for start in range(1, len(parts)))
    alternatives = "|".join(re.escape(tail) for tail in sorted(tails, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})", re.IGNORECASE)


def plain_word(word: str) -> bool:
    """True for a word of a two-word name that no rule of ``parse_full_name`` but first/last
    looks at."""
    return not (
        salutation_of(word) is not None
        or is_title_token(word)
        or suffix_of(word) is not None
        or find_legal_form(word) is not None
        or _legal_form_tails().fullmatch(word) is not None
        or _CONTACT_MARKER.search(word) is not None
        or _BRANCH_OR_STATE.search(f" {word}") is not None
    )


def plain_full_names(names: pl.Series) -> pl.DataFrame:
    """Per name: ``taken`` (the plain shape, see the module) and, where taken, the ``FullName``
    columns ``parse_full_name`` gives for it, in ``names``' order."""
    parts = names.str.extract_groups(PLAIN_NAME).struct.unnest()
    first = parts["first"].fill_null(parts["first2"])
    last = parts["last"].fill_null(parts["last2"])
    words = pl.concat([first, last]).drop_nulls().unique()
    table = pl.DataFrame(
        {"word": words, "plain": [plain_word(word) for word in words]},
        schema={"word": pl.String, "plain": pl.Boolean},
    )
    frame = pl.DataFrame({"first": first, "last": last})
    for column in ("first", "last"):
        frame = frame.join(
            table.rename({"word": column, "plain": f"{column}_plain"}),
            on=column,
            how="left",
            maintain_order="left",
        )
    taken = (frame["first_plain"] & frame["last_plain"]).fill_null(False)
    empty = pl.lit(None, dtype=pl.String)
    return pl.DataFrame({"taken": taken}).with_columns(
        salutation=empty,
        title=empty,
        first_name=pl.when(taken).then(pl.lit(first)),
        last_name=pl.when(taken).then(pl.lit(last)),
        name_suffix=empty,
    )
