"""The last-name key of a person record with only a first name, read from its personal e-mail.

Runs after cleaners.email_names, which fills a missing name where the address spells it in the
plain first.last pattern (with a finding); this step covers what that one leaves, with keys only:
run-together addresses (``hansbergmann78@``) and household mailboxes (``familie.hess@``).

Newsletter tools and web forms often ask for the e-mail address and the first name only: a row
"Hans, hans.bergmann@outlook.de". The last name is in the address, beside the first name or its
run together with it (``hans.bergmann@``, ``bergmann_hans@``, ``hansbergmann78@``). Without it
the row weighs like a first name alone, and the person's records in the other silos, which hold
another address or none, are missed; with it the row weighs like any record that has a name and
an e-mail.

Only the matching keys are filled (``last_name_key``, ``last_name_phonetic``); ``last_name``
stays empty, so golden records and exports never show a name the source did not hold. The
address must be two parts, one the record's first name and the other a word of at least three
letters, or the first name followed by four letters or more; a household mailbox names the
family (``familie.hess@``, ``hess.family@``: Hess), and "Markus" on it is Markus Hess. An
initial (``m.rossi@``) is not enough: two namesakes' newsletter rows "Marco, m.rossi@" would
become two Marco Rossis. Nothing is read from a household mailbox of two first names
(``hans.und.erika@``), role mailboxes (``info@``), organisations, or rows with no name at all (a
name read from ``michael.schmidt@`` alone would join the next Michael Schmidt: namesakes). No
first name is read here either: a first name is what the default hard rules veto on, and an
address is not always its holder's (a mother's mailbox on her daughter's order). Each row on its
own (cleaning is row by row).
"""

from __future__ import annotations

import re

import polars as pl

from cleaners.emails import FAMILY_WORDS, household_address, local_part_words
from cleaners.names import clean_last_name
from cleaners.outcome import CleanResult, empty_internal_findings

#: Digits of a local part, dropped wherever they stand (see last_name_from_local_part).
_DIGITS = re.compile(r"\d+")
#: A part shorter than this is an initial or an abbreviation, not a name.
MIN_PART_LETTERS = 3
#: After a first name run together with the rest (andreassimon@), at least this many letters:
#: fewer are more often a pet form or a second name's start (hansi@, annama@) than a surname.
RUN_TOGETHER_LETTERS = 4


def last_name_from_local_part(local: str | None, first_key: str | None) -> str | None:
    """The last name in an e-mail local part beside the first name ``first_key``
    (``hans.bergmann``, ``bergmann_hans``, ``hansbergmann``, ``hans.bergmann85``), else None."""
    if not local or not first_key:
        return None
    # The words of cleaners.emails.local_part_words, with two rules of this step on top: every
    # digit goes first, also between run-together names (hans85bergmann@) or inside a
    # mistyped word (hamilt0n); only keys are filled, never a name a steward sees. And a
    # hyphen splits too: a first name is compared without its hyphen.
    words = local_part_words(_DIGITS.sub("", local))
    parts = [part for word in words for part in word.split("-") if part]
    if not parts or not all(part.isalpha() for part in parts):
        return None
    first = first_key.replace(" ", "").replace("-", "")
    family = _family_name(parts)
    if family is not None:
        return family if family != first else None
    if len(parts) == 1:
        # Run together: the first name, then the last name of RUN_TOGETHER_LETTERS or more.
        rest = parts[0][len(first) :] if parts[0].startswith(first) else ""
        return rest if len(rest) >= RUN_TOGETHER_LETTERS else None
    if len(parts) != 2:
        return None
    for own, other in (parts, parts[::-1]):
        if own == first and other != first and len(other) >= MIN_PART_LETTERS:
            return other
    return None


def _family_name(parts: list[str]) -> str | None:
    """The family name of a household mailbox's local part (``familie.hess``, ``hess_family``,
    ``familiehess``), else None."""
    if len(parts) == 2 and (parts[0] in FAMILY_WORDS) != (parts[1] in FAMILY_WORDS):
        other = parts[1] if parts[0] in FAMILY_WORDS else parts[0]
        return other if len(other) >= MIN_PART_LETTERS else None
    if len(parts) == 1:
        for word in ("familie", "family"):
            rest = parts[0][len(word) :] if parts[0].startswith(word) else ""
            if len(rest) >= MIN_PART_LETTERS:
                return rest
    return None


def last_name_keys_from_emails(frame: pl.DataFrame) -> CleanResult:
    """Fill the last-name keys of person records with only a first name from their personal
    e-mail (see the module text). Runs after the name and e-mail cleaners (keys, role_emails)
    and after organisation_mailboxes."""
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    usable = (
        pl.col("emails")
        .fill_null(nothing)
        .list.set_difference(pl.col("role_emails").fill_null(nothing))
    )
    # The person's own address first, else the household's (familie.hess@ names the family).
    personal = pl.coalesce(
        usable.list.filter(~household_address(pl.element())).list.first(),
        usable.list.filter(household_address(pl.element())).list.first(),
    )
    lacking = (
        (pl.col("record_type") == "person")
        & pl.col("organisation_name").is_null()
        & pl.col("first_name_key").is_not_null()
        & pl.col("last_name_key").is_null()
    ).fill_null(False)
    local = pl.when(lacking).then(personal.str.extract(r"^(.*)@", 1))
    found = frame.select(local.alias("__local"), "first_name_key").filter(
        pl.col("__local").is_not_null()
    )
    if found.height == 0:
        return CleanResult(frame, empty_internal_findings())
    table = pl.DataFrame(
        [
            (local_part, first, parts.key, parts.phonetic)
            for local_part, first in found.unique().iter_rows()
            for last in [last_name_from_local_part(local_part, first)]
            if last is not None
            for parts in [clean_last_name(last)]
            if parts.key and not parts.is_organisation
        ],
        schema={
            "__local": pl.String(),
            "first_name_key": pl.String(),
            "__last_key": pl.String(),
            "__last_phonetic": pl.String(),
        },
        orient="row",
    )
    filled = (
        frame.with_columns(local.alias("__local"))
        .join(table, on=["__local", "first_name_key"], how="left", maintain_order="left")
        .with_columns(
            last_name_key=pl.coalesce("last_name_key", "__last_key"),
            last_name_phonetic=pl.coalesce("last_name_phonetic", "__last_phonetic"),
        )
    )
    return CleanResult(filled.select(frame.columns), empty_internal_findings())
