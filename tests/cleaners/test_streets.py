"""The vectorized street/number split agrees with the one-value-at-a-time cleaner."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.address_lines import split_street_text
from cleaners.streets import clean_streets, fast_street_split, normalize_street, street_key

STREET_WORDS = st.sampled_from(
    [
        "Hauptstraße",
        "Hauptstr.",
        "HAUPTSTR.",
        "am",
        "Am",
        "Ring",
        "Kino",
        "Via",
        "Lugano",
        "Nr",
        "Nr.",
        "No",
        "c/o",
        "bei",
        "Postfach",
        "PF",
        "St.-Martin-Str.",
        "Neubaug.",
        "Weg.",
        "O'Brien",
        "  ",
        "-",
        "C",
        "Q7,",
        "Zürich",
        "Ärztehaus",
        "\u00a0",
    ]
)
NUMBERS = st.sampled_from(["1", "12", "12a", "12 a", "12-14", "3/2/5", "7 B", "0", "12345", ""])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(STREET_WORDS, min_size=1, max_size=4),
    NUMBERS,
    st.sampled_from(["DE", "AT", "CH"]),
)
def test_fast_split_agrees_with_normalize_street(
    words: list[str], number: str, country: str
) -> None:
    text = " ".join(words) + (f" {number}" if number else "")
    frame = pl.DataFrame(
        {"street": [text], "house_number": [None], "country": [country]},
        schema={"street": pl.String, "house_number": pl.String, "country": pl.String},
    )
    row = clean_streets(frame, "street", "country").row(0, named=True)
    expected = normalize_street(text, country)
    assert (
        row["__street"],
        row["__street_number"],
        row["__street_key"],
        row["__street_status"],
        row["__street_reason"],
    ) == tuple(expected), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hauptstraße 12a", ("Hauptstraße", "12a")),
        ("Am Kino 4", ("Am Kino", "4")),
        ("Via Lugano 12", ("Via Lugano", "12")),  # Ticino
        ("Hauptstr. Nr. 5", None),  # "Nr." is left to Python
        ("c/o Huber 3", None),
        ("Postfach 1234", None),
        ("Straße des 17. Juni 135", None),
        ("Hauptstraße  12", None),
    ],
)
def test_fast_split_shapes(text: str, expected: tuple[str, str] | None) -> None:
    split = pl.DataFrame({"s": [text]}).select(fast_street_split(pl.col("s"))).item()
    assert (tuple(split.values()) if split else None) == expected
    if expected:
        assert tuple(split_street_text(text)) == expected


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("ch. de Bellerive", "Chemin de Bellerive"),
        ("bd de Grancy", "Boulevard de Grancy"),
        ("rte de Genève", "Route de Genève"),
        ("imp. des Lilas", "Impasse des Lilas"),
        ("Pza Grande", "Piazza Grande"),
        ("av. de Cour", "Avenue de Cour"),
    ],
)
def test_french_and_italian_street_types_share_the_key(short: str, long: str) -> None:
    # Swiss French and Italian addresses write the street type short as often as not.
    assert street_key(short) == street_key(long)


def test_a_street_word_inside_a_name_stays_and_a_typo_in_it_stays_one() -> None:
    assert street_key("Chemin de Bellerive") != street_key("Bellerive")
    assert street_key("Bdstrasse") == "bdstr"
    # Written out, "Chemon" is one letter from "Chemin", not a word apart from "ch".
    assert street_key("chemon de Montolivet") == "chemondemontolivet"
    assert street_key("ch. de Montolivet") == "chemindemontolivet"


@pytest.mark.parametrize(
    ("line", "street", "number"),
    [
        ("3 bis, avenue de Cour", "avenue de Cour", "3 bis"),
        ("4 ter rue Centrale", "rue Centrale", "4 ter"),
        ("11c, ch. de Bellerive", "ch. de Bellerive", "11c"),
        ("5 Bisamweg", "Bisamweg", "5"),  # a street beginning with "Bis" keeps it
    ],
)
def test_a_french_number_before_the_street_keeps_bis_and_ter(
    line: str, street: str, number: str
) -> None:
    # "3 bis, avenue de Cour" was street "bis, avenue de Cour", number "3".
    split = split_street_text(line)
    assert (split.street, split.house_number) == (street, number)
