"""Salutations, academic titles and generational suffixes: normalize them, find them in names."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from cleaners.outcome import INVALID, Outcome
from cleaners.reference import read_table
from cleaners.text import clean_text, squash, transliteration_key


class TitleInfo(NamedTuple):
    canonical: str
    position: str  # "pre" or "post"
    in_name: str  # "bare", "dot" or "case"


class SuffixInfo(NamedTuple):
    canonical: str  # "jun." or "sen."
    in_name: str  # "bare" or "dot"


@cache
def _salutations() -> dict[str, str]:
    """Spellings read anywhere: in a salutation column and as a word of a name ("Frau Huber")."""
    return {
        row["variant"]: row["canonical"]
        for row in read_table("salutations.csv")
        if row["scope"] != "column"
    }


@cache
def _column_salutations() -> dict[str, str]:
    """Every spelling, also those read only in a salutation column: "M." (Monsieur), "Sig.ra",
    a gender column's "m" / "w", which inside a name are initials."""
    return {row["variant"]: row["canonical"] for row in read_table("salutations.csv")}


@cache
def _titles() -> dict[str, TitleInfo]:
    return {
        squash(row["variant"]): TitleInfo(row["canonical"], row["position"], row["in_name"])
        for row in read_table("titles.csv")
    }


@cache
def _exact_titles() -> frozenset[str]:
    """Spellings recognised inside names only exactly as written (DI, MBA, PhD ...)."""
    return frozenset(row["variant"] for row in read_table("titles.csv") if row["in_name"] == "case")


def salutation_of(text: str) -> str | None:
    """Canonical salutation (Herr, Frau, Divers, Familie, Firma) for a text, else None."""
    return _salutations().get(transliteration_key(text))


#: Column-only spellings that are no salutation in front of a contact's name either: a gender
#: column's letter "w" and words ("M." is read before a first and a last name).
_GENDER_WORDS = frozenset({"w", "maennlich", "weiblich", "male", "female"})


def with_contact_salutation(text: str) -> str:
    """A contact text ("z. Hd." / "Attn." taken off) with the French or Italian abbreviation
    in front written as the salutation it stands for: "Sig.ra Carmela Genasci" -> "Frau Carmela
    Genasci", "Sig. Vincenzo Ghiringhelli" -> "Herr ...", "Mlle Claire Roux" -> "Frau ...".
    These are read only in a salutation column elsewhere ("M. Huber" in a name is an initial);
    in front of a contact person's name they are the salutation. "M." counts only before a
    first and a last name ("M. Jean Dupont"): "M. Dupont" may be Max Dupont."""
    words = text.split()
    if len(words) < 2:
        return text
    key = transliteration_key(words[0])
    canonical = _column_salutations().get(key)
    if canonical is None or key in _salutations() or key in _GENDER_WORDS:
        return text
    if key == "m" and len(words) < 3:
        return text
    return " ".join([canonical, *words[1:]])


def normalize_salutation(value: str | None) -> Outcome:
    """Herr/Frau/Divers/Familie/Firma from "Hr.", "Mrs", "Herr und Frau" ...; unknown -> invalid."""
    if value is None or not clean_text(value):
        return Outcome(None)
    canonical = _column_salutations().get(transliteration_key(value))
    if canonical is None:
        return Outcome(None, INVALID, "unknown salutation")
    return Outcome(canonical)


@cache
def parse_titles(text: str) -> tuple[str, ...] | None:
    """Split a title text into canonical titles ("Prof.Dr. med" -> Prof., Dr. med.), else None.

    The text is squashed (no spaces, dots, hyphens) and segmented into known titles, preferring the
    longest title at each position and backtracking when the rest cannot be segmented.
    """
    squashed = squash(text)
    if not squashed:
        return None
    found = _segment(squashed)
    return tuple(found) if found is not None else None


def _segment(rest: str) -> list[str] | None:
    if not rest:
        return []
    titles = _titles()
    for end in range(len(rest), 0, -1):
        info = titles.get(rest[:end])
        if info is not None:
            tail = _segment(rest[end:])
            if tail is not None:
                return [info.canonical, *tail]
    return None


def format_titles(titles: tuple[str, ...] | list[str]) -> str | None:
    """Join titles in their order, post-nominal ones (MBA ...) last ("Dr. Dr." stays)."""
    post = {info.canonical for info in _titles().values() if info.position == "post"}
    ordered = [title for title in titles if title not in post] + [t for t in titles if t in post]
    return " ".join(ordered) or None


def normalize_title(value: str | None) -> Outcome:
    """Canonical title text ("prof. dr." -> "Prof. Dr."); unknown titles are kept as written.

    A respelling is the title's canonical representation (status valid, like "Hr." -> "Herr").
    """
    if value is None or not clean_text(value):
        return Outcome(None)
    text = clean_text(value)
    titles = parse_titles(text)
    if titles is None:
        return Outcome(text)
    return Outcome(format_titles(titles))


def merge_titles(title: str | None, found: tuple[str, ...]) -> str | None:
    """The record's title text plus titles found in its name fields, without duplicates."""
    if not found:
        return title
    known = parse_titles(title) if title else ()
    if known is None:  # an unknown title text is kept as written, found titles appended
        return f"{title} {format_titles(found)}"
    return format_titles([*known, *(title for title in found if title not in known)])


def is_title_token(token: str, *, exact_case: bool = True) -> bool:
    """Whether a word of a name field may be (part of) a title.

    ``exact_case=False`` ignores the case-sensitive spellings (DI, MA ...): in an ALL CAPS name
    "DI MARIA" is a surname, not a title.
    """
    if "." in token or (exact_case and token in _exact_titles()):
        return True
    info = _titles().get(squash(token))
    return info is not None and info.in_name == "bare"


def split_leading_titles(
    words: list[str], *, exact_case: bool = True
) -> tuple[tuple[str, ...], list[str]]:
    """Titles at the start of a name's words ("Dr. med. Max") and the remaining words."""
    for count in range(len(words), 0, -1):
        head = words[:count]
        if all(is_title_token(word, exact_case=exact_case) for word in head):
            titles = parse_titles(" ".join(head))
            if titles is not None:
                return titles, words[count:]
    return (), words


def split_trailing_titles(
    words: list[str], *, exact_case: bool = True
) -> tuple[tuple[str, ...], list[str]]:
    """Titles at the end of a name's words ("Mustermann MBA") and the remaining words."""
    for start in range(1, len(words)):
        tail = [word.strip(",") for word in words[start:]]
        if all(is_title_token(word, exact_case=exact_case) for word in tail):
            titles = parse_titles(" ".join(tail))
            if titles is not None:
                return titles, [*words[: start - 1], words[start - 1].rstrip(",")]
    return (), words


def split_leading_salutation(
    words: list[str], *, allow_all: bool = False
) -> tuple[str | None, list[str]]:
    """A salutation in front of a name ("Herr Max", "Herr und Frau Müller") and the rest.

    With ``allow_all`` the salutation may be the whole text (a first-name field holding "Herr").
    """
    longest = min(4, len(words) if allow_all else len(words) - 1)
    for count in range(longest, 0, -1):
        canonical = salutation_of(" ".join(words[:count]))
        if canonical is not None:
            return canonical, words[count:]
    return None, words


@cache
def _suffixes() -> dict[str, SuffixInfo]:
    return {
        squash(row["variant"]): SuffixInfo(row["canonical"], row["in_name"])
        for row in read_table("name_suffixes.csv")
    }


def suffix_of(text: str) -> str | None:
    """Canonical generational suffix ("jun." / "sen.") of "Jr.", "jun", "Senior" ..., else None."""
    info = _suffixes().get(squash(text))
    if info is None or (info.in_name == "dot" and "." not in text):
        return None
    return info.canonical


def split_trailing_suffix(words: list[str], *, keep: int = 1) -> tuple[str | None, list[str]]:
    """A generational suffix at the end of a name's words ("Moser jun.") and the other words.

    At least ``keep`` words must remain, so a surname that looks like a suffix ("Jun") stays.
    """
    for count in (2, 1):  # "d. J." is two words
        if len(words) - count < max(keep, 1):
            continue
        tail = " ".join(words[-count:]).strip(", ")
        canonical = suffix_of(tail) if tail else None
        if canonical is not None:
            rest = words[:-count]
            return canonical, [word for word in (*rest[:-1], rest[-1].rstrip(",")) if word]
    return None, words
