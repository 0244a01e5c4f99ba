"""Person names: first/last name cleaning; salutations, titles and suffixes in names; keys."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

import polars as pl

from cleaners.distinct_memo import DistinctMemo
from cleaners.nicknames import first_name_group, first_name_groups, nickname_table
from cleaners.organisations import find_legal_form, looks_like_organisation, normalize_record_type
from cleaners.outcome import (
    CORRECTED,
    INVALID,
    VALID,
    CleanResult,
    findings_for,
    join_reasons,
    map_distinct,
    outcome_schema,
    temporary_columns,
)
from cleaners.plain_names import plain_full_names
from cleaners.reference import read_column, read_table
from cleaners.text import (
    casing_is_broken,
    clean_text,
    fix_casing,
    has_letters,
    is_placeholder,
    phonetic_code,
    transliteration_key,
)
from cleaners.titles import (
    format_titles,
    merge_titles,
    normalize_salutation,
    normalize_title,
    split_leading_salutation,
    split_leading_titles,
    split_trailing_suffix,
    split_trailing_titles,
)

# Anything but letters, digits, marks, spaces, hyphens, apostrophes and dots is stray in a name.
_STRAY = re.compile(r"[^\w\s\-.'\u2019\u00b4`]|_")
_HYPHEN = re.compile(r"\s*-+\s*")
# A dot is kept only after a one-letter initial ("Hans J."): drop it after longer words.
_DOT_BETWEEN_WORDS = re.compile(r"(?<=[^\W\d_]{2})\.(?=[^\W\d_])")
_DOTS = re.compile(r"\.{2,}")
_DOT = re.compile(r"(?<=[^\W\d_]{2})\.|(?<=[\d\s\-])\.|^\.")
_EDGE_PUNCTUATION = " -'\u2019\u00b4`"
_MAX_ROUNDS = 4


class NameParts(NamedTuple):
    """A cleaned first or last name and what was found in the field besides the name."""

    name: str | None
    salutation: str | None
    titles: str | None  # canonical titles joined by "|"
    suffix: str | None  # generational suffix: "jun." or "sen."
    is_organisation: bool
    key: str | None
    phonetic: str | None
    group: str | None
    groups: tuple[str, ...] | None
    status: str
    reason: str | None


#: A whole name field that is an e-mail address ("anna.huber@posteo.de").
_EMAIL_AS_NAME = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@.]{2,}")
_NO_NAME = NameParts(None, None, None, None, False, None, None, None, None, VALID, None)


@cache
def _particles() -> frozenset[str]:
    return frozenset(read_column("name_particles.csv", "particle"))


def name_key(name: str) -> str | None:
    """Transliteration key of a name ("Müller-Lüdenscheidt" -> "mueller luedenscheidt")."""
    return transliteration_key(name) or None


def separate_words(name: str) -> str:
    """Stray characters and dots glued between words become spaces ("Max,Dr." -> "Max Dr.")."""
    text = _DOT_BETWEEN_WORDS.sub(" ", _STRAY.sub(" ", name))
    return " ".join(text.split())


def strip_stray_punctuation(name: str) -> str:
    """Remove characters that do not belong in a name; tidy hyphens and dots."""
    text = _DOT.sub("", _DOTS.sub(".", separate_words(name)))
    text = _HYPHEN.sub("-", " ".join(text.split()))
    return text.strip(_EDGE_PUNCTUATION)


class _Round(NamedTuple):
    salutation: str | None
    titles: tuple[str, ...]
    suffix: str | None
    name: str
    reasons: list[str]


def _clean_round(text: str, first: bool) -> _Round:
    """One pass: salutation, titles and suffix out, punctuation and casing fixed."""
    reasons = []
    words = separate_words(text).split(" ")
    exact = not casing_is_broken(text)
    salutation, words = _leading_salutation(words, first)
    leading, words = split_leading_titles(words, exact_case=exact)
    if salutation is None and leading:  # "Dr. Herr Max": the salutation after the title
        salutation, words = _leading_salutation(words, first)
    trailing, suffix, words = _trailing_extras(words, exact_case=exact)
    if suffix:
        reasons.append("generational suffix moved to name_suffix")
    if salutation:
        reasons.append("salutation moved to salutation")
    if leading or trailing:
        reasons.append("title moved to title")
    rest = " ".join(words)
    name = strip_stray_punctuation(rest)
    if name != rest or separate_words(text) != text:
        reasons.append("stray punctuation removed")
    cased = fix_casing(name, () if first else _particles())
    if cased != name:
        reasons.append("casing fixed")
    return _Round(salutation, (*leading, *trailing), suffix, cased, reasons)


def clean_name(value: str | None, *, first: bool = False) -> NameParts:
    """Clean one first or last name; salutation, titles and suffix inside it come back separately.

    The pass is repeated until the name no longer changes (at most a few rounds), so cleaning a
    cleaned name changes nothing: "a,Dr." -> "a Dr." -> title Dr. found in the second round.
    """
    if value is None or not clean_text(value):
        return _NO_NAME
    text = clean_text(value)
    if _EMAIL_AS_NAME.fullmatch(text):
        # A CRM that needs a name shows the e-mail address where none was given (Pipedrive,
        # HubSpot display names): no name; read as one it became "Anna Huber Posteo De".
        return _NO_NAME._replace(status=INVALID, reason="an e-mail address, not a name")
    if not first and find_legal_form(text):  # "Muster GmbH" in last_name: left to organisations
        key = name_key(text)
        phonetic = phonetic_code(key) if key else None
        return _NO_NAME._replace(name=text, is_organisation=True, key=key, phonetic=phonetic)
    salutation, suffix, titles, reasons, name = None, None, [], [], text
    for _ in range(_MAX_ROUNDS):
        if is_placeholder(name):
            break
        step = _clean_round(name, first)
        salutation = salutation or step.salutation
        suffix = suffix or step.suffix
        titles += [title for title in step.titles if title not in titles]
        reasons += step.reasons
        if step.name == name:
            break
        name = step.name
    found = _NO_NAME._replace(salutation=salutation, titles="|".join(titles) or None, suffix=suffix)
    if not name or is_placeholder(name) or not has_letters(name):
        problem = "placeholder, not a name" if has_letters(name) else "no letters in name"
        if not name and (salutation or titles):  # the field held only a salutation or title
            return found._replace(status=CORRECTED, reason=join_reasons(reasons))
        return found._replace(status=INVALID, reason=join_reasons([*reasons, problem]))
    key = name_key(name)
    return found._replace(
        name=name,
        key=key,
        phonetic=phonetic_code(key) if key else None,
        group=first_name_group(key) if first else None,
        groups=first_name_groups(key) if first else None,
        status=CORRECTED if reasons else VALID,
        reason=join_reasons(reasons),
    )


def _leading_salutation(words: list[str], first: bool) -> tuple[str | None, list[str]]:
    """Salutation words in front of a name, repeated ones ("Herr Herr Max") included."""
    salutation, words = split_leading_salutation(words, allow_all=first)
    while salutation is not None:
        again, rest = split_leading_salutation(words, allow_all=first)
        if again is None:
            break
        words = rest
    return salutation, words


#: Names recur in every partition of a night (flows.stages cleans 100,000 rows at a time):
#: each distinct name is cleaned once per process. Bounded, and the results are immutable.
NAME_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=NAME_CACHE_SIZE)
def clean_first_name(value: str | None) -> NameParts:
    """clean_name for a first-name field (may hold only a salutation such as "Herr")."""
    return clean_name(value, first=True)


@lru_cache(maxsize=NAME_CACHE_SIZE)
def clean_last_name(value: str | None) -> NameParts:
    """clean_name for a last-name field."""
    return clean_name(value, first=False)


def _name_schema(prefix: str) -> dict[str, pl.DataType]:
    """Columns of a NameParts mapped by map_distinct, in field order."""
    special: dict[str, pl.DataType] = {"_org": pl.Boolean(), "_groups": pl.List(pl.String())}
    fields = (
        "",
        "_sal",
        "_titles",
        "_suffix",
        "_org",
        "_key",
        "_ph",
        "_group",
        "_groups",
        "_status",
        "_reason",
    )
    return {f"{prefix}{field}": special.get(field, pl.String()) for field in fields}


def _split_comma_names(frame: pl.DataFrame) -> pl.DataFrame:
    """ "Mustermann, Max" in one name field while the other is empty: split at the comma."""
    first, last = pl.col("first_name"), pl.col("last_name")
    last_parts = last.str.splitn(",", 2)
    first_parts = first.str.splitn(",", 2)
    split_last = first.is_null() & last.str.contains(",", literal=True)
    split_first = last.is_null() & first.str.contains(",", literal=True)
    return frame.with_columns(
        __ln_src=pl.when(split_last)
        .then(last_parts.struct.field("field_0"))
        .when(split_first)
        .then(first_parts.struct.field("field_0"))
        .otherwise(last),
        __fn_src=pl.when(split_last)
        .then(last_parts.struct.field("field_1"))
        .when(split_first)
        .then(first_parts.struct.field("field_1"))
        .otherwise(first),
        __ln_split=split_last,
        __fn_split=split_first,
    )


def _with_split_reason(status: str, reason: str, split: str, text: str) -> dict[str, pl.Expr]:
    was_split = pl.col(split)
    return {
        status: pl.when(was_split & (pl.col(status) != INVALID))
        .then(pl.lit(CORRECTED))
        .otherwise(pl.col(status)),
        reason: pl.when(was_split)
        .then(pl.concat_str([pl.lit(text), pl.col(reason)], separator="; ", ignore_nulls=True))
        .otherwise(pl.col(reason)),
    }


def _merge_found_titles(
    title: str | None, in_first: str | None, in_last: str | None
) -> tuple[str | None]:
    found = tuple(t for part in (in_first, in_last) if part for t in part.split("|"))
    return (merge_titles(title, found),)


def clean_names(frame: pl.DataFrame) -> CleanResult:
    """Clean salutation, title, first/last name and record_type; add name_suffix and name keys.

    Titles and salutations found inside the names move to their columns, generational suffixes
    ("jun.", "sen.") to name_suffix; a last name with a legal form ("Muster GmbH") moves to
    organisation_name when that is empty.
    """
    frame = _split_comma_names(frame)
    frame = map_distinct(frame, ["__fn_src"], clean_first_name, _name_schema("__fn"))
    frame = map_distinct(frame, ["__ln_src"], clean_last_name, _name_schema("__ln"))
    frame = frame.with_columns(
        **_with_split_reason(
            "__ln_status", "__ln_reason", "__ln_split", "first name split off at comma"
        ),
        **_with_split_reason(
            "__fn_status", "__fn_reason", "__fn_split", "last name split off at comma"
        ),
    )
    frame = _move_organisation_last_names(frame)
    frame = map_distinct(frame, ["salutation"], normalize_salutation, outcome_schema("__sal"))
    frame = map_distinct(frame, ["title"], normalize_title, outcome_schema("__title"))
    frame = map_distinct(
        frame,
        ["__title", "__fn_titles", "__ln_titles"],
        _merge_found_titles,
        {"__title_merged": pl.String()},
    )
    frame = map_distinct(frame, ["record_type"], normalize_record_type, outcome_schema("__rt"))
    findings = pl.concat(
        [
            findings_for(
                frame,
                "record_type",
                value="record_type",
                status="__rt_status",
                reason="__rt_reason",
            ),
            findings_for(
                frame,
                "salutation",
                value="salutation",
                status="__sal_status",
                reason="__sal_reason",
            ),
            findings_for(
                frame, "title", value="title", status="__title_status", reason="__title_reason"
            ),
            findings_for(
                frame,
                "first_name",
                value="__fn_original",
                status="__fn_status",
                reason="__fn_reason",
            ),
            findings_for(
                frame,
                "last_name",
                value="__ln_original",
                status="__ln_status",
                reason="__ln_reason",
            ),
        ]
    )
    salutation = pl.coalesce("__sal", "__fn_sal", "__ln_sal")
    frame = frame.with_columns(
        salutation=salutation,
        title=pl.col("__title_merged"),
        first_name=pl.col("__fn"),
        last_name=pl.col("__ln"),
        first_name_key=pl.col("__fn_key"),
        last_name_key=pl.col("__ln_key"),
        first_name_phonetic=pl.col("__fn_ph"),
        last_name_phonetic=pl.col("__ln_ph"),
        first_name_group=pl.col("__fn_group"),
        first_name_groups=pl.col("__fn_groups"),
        name_suffix=pl.coalesce("__ln_suffix", "__fn_suffix"),
    ).with_columns(record_type=pl.coalesce("__rt", _inferred_record_type(salutation)))
    return CleanResult(frame.drop(temporary_columns(frame)), findings)


def _move_organisation_last_names(frame: pl.DataFrame) -> pl.DataFrame:
    """A last name with a legal form is an organisation: move it when organisation_name is empty."""
    move = pl.col("__ln_org") & pl.col("organisation_name").is_null()
    return frame.with_columns(
        __fn_original=pl.coalesce("first_name", "__fn_src"),
        __ln_original=pl.coalesce("last_name", "__ln_src"),
        organisation_name=pl.when(move).then(pl.col("__ln")).otherwise(pl.col("organisation_name")),
        __ln_status=pl.when(move).then(pl.lit(CORRECTED)).otherwise(pl.col("__ln_status")),
        __ln_reason=pl.when(move)
        .then(pl.lit("organisation name moved to organisation_name"))
        .otherwise(pl.col("__ln_reason")),
        **{
            column: pl.when(move).then(None).otherwise(pl.col(column))
            for column in ("__ln", "__ln_key", "__ln_ph")
        },
    )


def _inferred_record_type(salutation: pl.Expr) -> pl.Expr:
    """organisation for "Firma", a legal form in the last name, or a company without a person."""
    no_person = pl.col("first_name").is_null() & pl.col("last_name").is_null()
    is_organisation = (
        (salutation == "Firma").fill_null(False)
        | pl.col("__ln_org").fill_null(False)
        | (pl.col("organisation_name").is_not_null() & no_person)
    )
    return pl.when(is_organisation).then(pl.lit("organisation")).otherwise(pl.lit("person"))


class FullName(NamedTuple):
    salutation: str | None
    title: str | None
    first_name: str | None
    last_name: str | None
    name_suffix: str | None  # "jun." / "sen."


def _trailing_extras(
    words: list[str], *, exact_case: bool = True
) -> tuple[tuple[str, ...], str | None, list[str]]:
    """Post-nominal titles and generational suffixes at the end, in any order ("MBA jun.")."""
    titles: tuple[str, ...] = ()
    suffix = None
    while True:  # every pass removes words or stops
        found, words = split_trailing_titles(words, exact_case=exact_case)
        again, words = split_trailing_suffix(words)
        titles, suffix = (*titles, *found), suffix or again
        if not found and again is None:
            return titles, suffix, words


def parse_full_name(value: str | None) -> FullName:
    """Split "Herr Dr. Max Mustermann", "Mustermann, Max", "Pit Moser jun." into parts.

    Parts are returned as written (salutation, titles and suffix in canonical spelling); casing
    and punctuation are left to the cleaners. A name with a legal form is returned as last_name.
    """
    if value is None or not clean_text(value):
        return FullName(None, None, None, None, None)
    text = clean_text(value)
    if looks_like_organisation(text):  # also "Huber GmbH z. Hd. Frau Huber": cleaners.contacts
        return FullName(None, None, None, text, None)
    if "," in text:
        last_text, first_text = (part.strip() for part in text.split(",", 1))
        salutation, last_words = split_leading_salutation(last_text.split())
        titles, last_words = split_leading_titles(last_words)
        last_suffix, last_words = split_trailing_suffix(last_words)
        first_salutation, first_words = split_leading_salutation(first_text.split())
        first_titles, first_words = split_leading_titles(first_words)
        post_titles, suffix, first_words = _trailing_extras(first_words)
        return FullName(
            salutation or first_salutation,
            format_titles((*titles, *first_titles, *post_titles)),
            " ".join(first_words) or None,
            " ".join(last_words) or None,
            last_suffix or suffix,
        )
    salutation, words = split_leading_salutation(text.split())
    titles, words = split_leading_titles(words)
    post_titles, suffix, words = _trailing_extras(words)
    first_words, last_words = _split_first_last(words)
    if salutation is None and not first_words and _lone_given_name(last_words):
        first_words, last_words = last_words, []
    return FullName(
        salutation,
        format_titles((*titles, *post_titles)),
        " ".join(first_words) or None,
        " ".join(last_words) or None,
        suffix,
    )


@cache
def _given_name_keys() -> frozenset[str]:
    """Keys of the given names the project knows: the nickname table's names and forms
    (cleaners/data/nicknames*.csv) and the established given names
    (matching/data/given_names.csv)."""
    rows = read_table("given_names.csv", package="matching")
    listed = {key for row in rows if (key := name_key(row["name"]))}
    return frozenset(listed | set(nickname_table().groups))


def _lone_given_name(words: list[str]) -> bool:
    """One word and no salutation in a whole-name field: a given name ("Matthias") or an
    initial ("L.") is the first name, not the last.

    A newsletter form or a shop's "Name" field often keeps only the first name the greeting
    uses ("Hallo Matthias"); read as a last name, the row never meets "Matthias Schmitt" and the
    address's name pattern fills its parts the wrong way round (kerstin_richter53@ gave
    "Richter Kerstin"). A word that is not a known given name ("Huber") stays the last name,
    and so does any word after a salutation ("Herr Huber").
    """
    if len(words) != 1:
        return False
    word = words[0].strip(".")
    if len(word) == 1 and word.isalpha():
        return True
    key = name_key(word)
    return key is not None and key in _given_name_keys()


def _split_first_last(words: list[str]) -> tuple[list[str], list[str]]:
    """Last word plus the particles in front of it is the last name ("Ursula | von der Leyen")."""
    if len(words) <= 1:
        return [], words
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _particles():
        start -= 1
    return words[:start], words[start:]


def split_full_name(
    frame: pl.DataFrame, column: str, memo: DistinctMemo | None = None
) -> pl.DataFrame:
    """Add salutation, title, first_name, last_name, name_suffix parsed from ``column``.

    Where the frame already has one of these columns, its non-null values win. The canonical
    model has no suffix column: the mapping step appends name_suffix to last_name again, and
    the name cleaner moves it to the cleaned frame's name_suffix. ``memo``: the last run's
    parsed names (cleaners.distinct_memo).
    """
    parts = FullName._fields
    schema = {f"__full_{part}": pl.String() for part in parts}
    parsed = map_distinct(
        frame,
        [column],
        parse_full_name,
        schema,
        memo,
        plain=lambda distinct: plain_full_names(distinct[column]),
    )
    return parsed.with_columns(
        pl.coalesce(part, f"__full_{part}").alias(part)
        if part in frame.columns
        else pl.col(f"__full_{part}").alias(part)
        for part in parts
    ).drop(schema)
