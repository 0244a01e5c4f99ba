"""Plain full names read in polars are the parser's reading (cleaners.plain_names)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.names import parse_full_name, split_full_name
from cleaners.plain_names import plain_full_names
from flows.demo import write_demo

# Words the parser's other rules look for (salutations, titles, suffixes, legal forms and their
# last words, contact markers, branch words, particles, institution words) beside ordinary ones.
# fmt: off
WORDS = [
    "Anna", "Huber", "Anna-Lena", "Schmidt-Huber", "Lange", "Braun", "Kaufmann", "Adrian",
    "Herr", "Frau", "Herrn", "Mr", "Mrs", "Familie", "Firma", "Dr", "Prof", "Ing", "MBA", "PhD",
    "DI", "Mag", "BSc", "jun", "sen", "Jr", "Sr", "Junior", "Senior", "AG", "GmbH", "KG", "Co",
    "eK", "OG", "SE", "SA", "Ltd", "Inc", "LLC", "eV", "UG", "e", "V", "K", "Bau-KG", "Müller-AG",
    "Inh", "Inhaber", "Attn", "Attention", "zH", "zHd", "co", "zu", "Händen", "Kontakt", "Filiale",
    "Niederlassung", "Standort", "Branch", "Anna-Filiale", "von", "van", "der", "de", "Bau",
    "Haus", "Kita", "Holding", "Stiftung", "Verein", "eG", "Sàrl", "Sagl", "GesmbH", "Corp",
]
# fmt: on
LETTERS = "abegiknorsuvAEGKCÄöüßé"
WORD = st.one_of(
    st.sampled_from(WORDS),
    st.text(alphabet=LETTERS, min_size=1, max_size=7),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)).map("-".join),
)
NAMES = st.one_of(
    st.tuples(WORD, WORD).map(" ".join),
    st.tuples(WORD, WORD).map(", ".join),
)


def _assert_parser_result(names: list[str]) -> int:
    """Every name the plain path takes is read so by the parser too; returns how many it took."""
    plain = plain_full_names(pl.Series(names, dtype=pl.String))
    for name, (taken, *parts) in zip(names, plain.iter_rows(), strict=True):
        if taken:
            assert tuple(parse_full_name(name)) == tuple(parts), name
        else:
            assert parts == [None] * 5
    return int(plain["taken"].sum())


@settings(max_examples=400, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=20))
def test_plain_names_are_the_parsers_reading(names: list[str]) -> None:
    _assert_parser_result(names)


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Anna Huber", "Anna", "Huber"),
        ("Huber, Anna", "Anna", "Huber"),
        ("Anna-Lena Schmidt-Huber", "Anna-Lena", "Schmidt-Huber"),
        ("schneider, hans-peter", "hans-peter", "schneider"),
    ],
)
def test_common_names_are_taken(name: str, first: str, last: str) -> None:
    assert plain_full_names(pl.Series([name])).row(0) == (True, None, None, first, last, None)
    assert tuple(parse_full_name(name)) == (None, None, first, last, None)


@pytest.mark.parametrize(
    "name",
    [
        "Herr Huber",  # a salutation
        "Dr Huber",  # a title
        "Huber MBA",  # a post-nominal title
        "Hans Huber jun.",  # a suffix (and three words)
        "Huber Jun",  # a suffix
        "Huber AG",  # a legal form
        "Huber-KG, Bau",  # a legal form before the comma
        "Huber Inh",  # a contact marker
        "Huber Filiale",  # a branch word
        "Anna von Huber",  # three words: particles
        "O'Brien, Pat",  # an apostrophe
        "Anna  Huber",  # not single-spaced
    ],
)
def test_other_names_go_to_the_parser(name: str) -> None:
    assert plain_full_names(pl.Series([name])).row(0)[0] is False


def test_demo_names_are_the_parsers_reading(tmp_path: Path) -> None:
    demo = write_demo(tmp_path, persons=300, seed=3)
    customers = json.loads((demo.directory / "shop.json").read_text(encoding="utf-8"))
    names = sorted({row["name"] for row in customers if row["name"]})
    assert _assert_parser_result(names) > 0.8 * len(names)


def test_split_full_name_unchanged_by_the_plain_path() -> None:
    names = ["Anna Huber", "Herr Dr. Hans Meier", None, "Huber, Anna", "Anna Huber"]
    frame = pl.DataFrame({"name": names}, schema={"name": pl.String})
    parsed = split_full_name(frame, "name")
    assert parsed.select(
        "salutation", "title", "first_name", "last_name", "name_suffix"
    ).rows() == [tuple(parse_full_name(name)) for name in names]
