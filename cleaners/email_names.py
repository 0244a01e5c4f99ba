"""Names a person's own e-mail address spells, for records that left one of the names out.

A newsletter tool, a B2B web shop or a form with one optional name field often keeps only the
first name ("Anna", anna.huber@huber-bau.de) or only the last name ("Strauß",
magdalena_strauss@aon.at). The address names the person in the usual "first.last" pattern, and
one of its two parts repeats the name the record has, so the other part is the missing name:
without it the row never meets the contact "Anna Huber" that a CRM names on Huber Bau GmbH's
record (blocking on domain and last name) and weighs nothing where it agrees.

Only a record of a person, only its personal addresses (no role mailbox such as info@, no
household mailbox such as familie.huber@), and only a local part of one or two name-like words
joined by ".", "_" (or one "-"). One of two words repeating the record's name gives the other
at any domain. At a business domain, where the firm's mail system names its people by a fixed
pattern, also: the initial of the first name (a.huber@ for Anna), the surname alone (huber@
for Anna) and, on a row with no name at all (a newsletter sign-up with only
anna.huber@huber-bau.de), both names; at a free-mail domain such guesses would join namesakes
(m.rossi@gmx.ch and m.rossi@outlook.com for two Marcos). The name filled in is a finding (status
corrected, the address as value), so a steward sees where it came from.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from cleaners.emails import household_address, local_part_words
from cleaners.names import NameParts, clean_first_name, clean_last_name
from cleaners.nicknames import nickname_table
from cleaners.organisations import is_department
from cleaners.outcome import (
    CleanResult,
    empty_internal_findings,
    finding_rows,
    map_distinct,
    temporary_columns,
)
from cleaners.text import transliteration_key
from rules.reference import freemail_domains

_WORD = re.compile(r"[a-z][a-z']*[a-z]")


def _name_word(word: str) -> bool:
    return bool(_WORD.fullmatch(word)) and not is_department(word)


def missing_name(
    email: str | None,
    first_key: str | None,
    last_key: str | None,
    business: bool = False,
) -> tuple[str | None, str | None]:
    """(first name, last name) an address adds to a record that lacks one or both, else Nones.

    Any domain: anna.huber@ (or huber.anna@) with first name Anna -> (None, "Huber");
    magdalena_strauss@ with last name Strauß -> ("Magdalena", None). At a ``business`` domain
    (a firm's mail system names its people by a fixed pattern; a free-mail address is any
    text its owner chose): a.huber@ with Anna -> (None, "Huber"); huber@ with Anna -> (None,
    "Huber"); anna.huber@ with no name -> ("Anna", "Huber"); a.huber@ with no name -> (None,
    "Huber"). Nothing from anna@, anna.maria.huber@ or a department (einkauf.nord@).
    """
    if email is None or (first_key is not None and last_key is not None):
        return None, None
    words = local_part_words(email.rsplit("@", 1)[0])
    if not 1 <= len(words) <= 2:
        return None, None
    keys = [transliteration_key(word) for word in words]
    if len(words) == 1:
        # surname@firma.de beside a record with only the first name
        word = words[0]
        if (
            business
            and first_key is not None
            and last_key is None
            and len(word) >= 3
            and _name_word(word)
            and keys[0] != first_key
            and keys[0] not in nickname_table().groups
        ):
            return None, word.capitalize()
        return None, None
    if first_key is None and last_key is None:
        if not business or not _name_word(words[1]) or is_department(" ".join(words)):
            return None, None
        if len(words[0]) == 1:  # a.huber@: the surname only, an initial is no first name
            return None, words[1].capitalize()
        if _name_word(words[0]) and keys[0] != keys[1]:
            return words[0].capitalize(), words[1].capitalize()
        return None, None
    for own, other in ((0, 1), (1, 0)):
        found, word = keys[own], words[other]
        if not _name_word(word) or keys[other] in (first_key, last_key):
            continue
        if first_key is not None and (
            found == first_key or (business and len(found) == 1 and found == first_key[:1])
        ):
            return None, word.capitalize()
        # A first name is never taken from an initial: the other word must be the whole name.
        if last_key is not None and found == last_key:
            return word.capitalize(), None
    return None, None


def names_from_emails(frame: pl.DataFrame) -> CleanResult:
    """Fill the missing name(s) of a person record from its own e-mail address.

    Runs after the name and e-mail cleaners (name keys, role_emails). The name is cleaned like
    any name (keys, phonetic code, nickname groups); each one filled is a finding.
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    personal = (
        pl.col("emails")
        .fill_null(nothing)
        .list.set_difference(pl.col("role_emails").fill_null(nothing))
        .list.filter(~household_address(pl.element()).fill_null(False))
    )
    candidate = (
        (pl.col("record_type") == "person")
        & (pl.col("first_name_key").is_null() | pl.col("last_name_key").is_null())
    ).fill_null(False)
    email = personal.list.first()
    frame = frame.with_columns(
        __email=pl.when(candidate).then(email),
        __first_key=pl.when(candidate).then(pl.col("first_name_key")),
        __last_key=pl.when(candidate).then(pl.col("last_name_key")),
        __business=pl.when(candidate).then(
            ~email.str.extract(r"@([^@\s]+)$", 1).is_in(list(freemail_domains()))
        ),
    )
    frame = map_distinct(
        frame,
        ["__email", "__first_key", "__last_key", "__business"],
        missing_name,
        {"__from_first": pl.String(), "__from_last": pl.String()},
    )
    if frame["__from_first"].is_null().all() and frame["__from_last"].is_null().all():
        return CleanResult(frame.drop(temporary_columns(frame)), _no_findings())
    frame = map_distinct(
        frame,
        ["__from_first"],
        lambda value: _parts(clean_first_name(value)),
        {f"__fn_{name}": dtype for name, dtype in _PART_SCHEMA.items()},
    )
    frame = map_distinct(
        frame,
        ["__from_last"],
        lambda value: _parts(clean_last_name(value)),
        {f"__ln_{name}": dtype for name, dtype in _PART_SCHEMA.items()},
    )
    first_found, last_found = pl.col("__fn_name").is_not_null(), pl.col("__ln_name").is_not_null()
    findings = pl.concat(
        [
            finding_rows(
                frame.filter(found),
                field,
                reason=pl.format("{} {} taken from the e-mail address", pl.lit(label), name),
                value=pl.col("__email"),
            )
            for found, field, label, name in (
                (first_found, "first_name", "first name", pl.col("__fn_name")),
                (last_found, "last_name", "last name", pl.col("__ln_name")),
            )
        ]
    )
    filled = {
        "first_name": "__fn_name",
        "first_name_key": "__fn_key",
        "first_name_phonetic": "__fn_phonetic",
        "first_name_group": "__fn_group",
        "first_name_groups": "__fn_groups",
    }
    filled_last = {
        "last_name": "__ln_name",
        "last_name_key": "__ln_key",
        "last_name_phonetic": "__ln_phonetic",
    }
    frame = frame.with_columns(
        [
            pl.when(first_found).then(pl.col(source)).otherwise(pl.col(target)).alias(target)
            for target, source in filled.items()
        ]
        + [
            pl.when(last_found).then(pl.col(source)).otherwise(pl.col(target)).alias(target)
            for target, source in filled_last.items()
        ]
    )
    return CleanResult(frame.drop(temporary_columns(frame)), findings)


_PART_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.String(),
    "key": pl.String(),
    "phonetic": pl.String(),
    "group": pl.String(),
    "groups": pl.List(pl.String()),
}


def _parts(parts: NameParts) -> tuple[Any, ...]:
    """name, key, phonetic code and nickname groups of a cleaned name (Nones when invalid)."""
    if parts.name is None or parts.is_organisation:
        return None, None, None, None, None
    groups = list(parts.groups) if parts.groups is not None else None
    return parts.name, parts.key, parts.phonetic, parts.group, groups


def _no_findings() -> pl.DataFrame:
    return empty_internal_findings()
