"""Shared text helpers: cleaning, transliteration keys, casing, Kölner Phonetik."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.text import (
    clean_text,
    fix_casing,
    is_placeholder,
    phonetic_code,
    squash,
    transliteration_key,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Müller-Lüdenscheidt", "mueller luedenscheidt"),
        ("Jürgen Groß", "juergen gross"),
        ("Österreicher", "oesterreicher"),
        ("STRAẞE", "strasse"),
        ("Zoë Brontë", "zoe bronte"),
        ("François Müller", "francois mueller"),
        ("O'Brien", "obrien"),
        ("D’Alembert", "dalembert"),
        ("Mu\u0308ller", "mueller"),  # decomposed umlaut (macOS exports)
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Søren Kierkegaard", "soeren kierkegaard"),
        ("  Hans   Peter  ", "hans peter"),
        ("Иван", "иван"),  # no ASCII form: kept rather than emptied
        ("---", ""),
    ],
)
def test_transliteration_key(value: str, expected: str) -> None:
    assert transliteration_key(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Max \t Mustermann\n", "Max Mustermann"),
        ("Max\u00a0Mustermann", "Max Mustermann"),
        ("\ufeffMüller\u200b", "Müller"),
    ],
)
def test_clean_text(value: str, expected: str) -> None:
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    ("value", "lower_words", "capitalize_first", "expected"),
    [
        ("MÜLLER", (), False, "Müller"),
        ("von der leyen", ("von", "der"), False, "von der Leyen"),
        ("VON DER LEYEN", ("von", "der"), False, "von der Leyen"),
        ("Müller-Lüdenscheidt", (), False, "Müller-Lüdenscheidt"),
        ("MCDONALD", (), False, "McDonald"),
        ("FRANKFURT AM MAIN", ("am",), True, "Frankfurt am Main"),
        ("AM MARKT", ("am",), True, "Am Markt"),
        ("McDonald", (), False, "McDonald"),  # mixed case is deliberate
        ("A", (), False, "A"),
    ],
)
def test_fix_casing(
    value: str, lower_words: tuple[str, ...], capitalize_first: bool, expected: str
) -> None:
    assert fix_casing(value, lower_words, capitalize_first=capitalize_first) == expected


def test_phonetic_code_matches_spelling_variants() -> None:
    assert phonetic_code("meier") == phonetic_code("mayer") == phonetic_code("maier") == "67"
    assert phonetic_code("mueller luedenscheidt") == "657 52682"
    assert phonetic_code("") is None


def test_squash_compares_abbreviations() -> None:
    assert squash("Dipl.-Ing.") == squash("Dipl. Ing") == "dipling"


@pytest.mark.parametrize("value", ["n/a", "N.A.", "k.A.", "unbekannt", "xxx", "-", "???", "NULL"])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Na", "Max", "Ö", "12"])
def test_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


@given(st.text())
def test_text_helpers_never_raise(value: str) -> None:
    key = transliteration_key(value)
    assert key == key.strip()
    assert "  " not in key
    phonetic_code(key)
    fix_casing(clean_text(value))


@given(st.text())
def test_transliteration_key_is_idempotent(value: str) -> None:
    key = transliteration_key(value)
    assert transliteration_key(key) == key


def _clean_text_long_way(value: str) -> str:
    text = re.sub(
        "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]",
        "",
        unicodedata.normalize("NFC", value),
    )
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="aöü ß\u00a0\u200b\t\u0308e\x85\u2028\x1fA.-"),
        st.sampled_from(["Müller", "Mu\u0308ller", " Graz", "Graz ", "Bad  Ischl", "Wien\u00a0"]),
    )
)
def test_clean_text_shortcut_for_clean_values_changes_nothing(value: str) -> None:
    # Clean values are returned as they are; the result is that of the full normalisation.
    assert clean_text(value) == _clean_text_long_way(value)
