"""Personal ids: a number that names one person (AHV-Nr., SV-Nummer, Steuer-ID, SSN, ...).

One id per record in ``personal_id``. Where the number's scheme carries a check digit and the
record says which scheme it can be, the id is checked with python-stdnum and written with its
scheme in front ("CH-AHV:7569217076985"): a *checked* id. A typo breaks the check digit, so two
checked ids that differ belong to two people, and an equal one is the same person
(matching.comparisons, matching.scoring). Schemes:

- CH AHV-Nr./AVS (13 digits starting 756, any country: the prefix is the scheme's own),
  ``stdnum.ch.ssn``;
- AT Sozialversicherungsnummer (10 digits, record in AT), ``stdnum.at.vnr``;
- DE steuerliche Identifikationsnummer (11 digits, record in DE), ``stdnum.de.idnr``.

Any other id (a US or Australian social security number, a customer's passport number) has no
check digit we can test: it is kept compacted (letters and digits, upper case) as an
*unchecked* id, which matches exactly or with one typo but never proves two people different.

A number of a checked scheme's shape whose check digit fails is flagged ``invalid`` and, unlike
other invalid values (cleaners.outcome), kept as an unchecked id: a mistyped id still says
something, and a wrong scheme guess (an Austrian SV-Nummer of a record without country) is
likelier than a wrong id. Placeholders ("unbekannt", "000000000") and values under four
letters or digits are removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
from stdnum import exceptions as stdnum_errors
from stdnum.at import vnr as at_vnr
from stdnum.ch import ssn as ch_ssn
from stdnum.de import idnr as de_idnr

from cleaners.outcome import INVALID, CleanResult, Outcome, clean_with_country
from cleaners.text import clean_text, is_placeholder

#: Separator between a checked id's scheme and its number; never in an unchecked id.
SCHEME_SEPARATOR = ":"
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
_ONE_DIGIT_REPEATED = re.compile(r"(\d)\1*")
_MIN_LENGTH = 4


def _scheme(compact: str, country: str | None) -> tuple[str, Callable[[str], str]] | None:
    """The checked scheme a compact number has the shape of (given the record's country)."""
    if not compact.isdigit():
        return None
    if len(compact) == 13 and compact.startswith("756"):
        return "CH-AHV", ch_ssn.validate
    if len(compact) == 10 and country == "AT":
        return "AT-SVNR", at_vnr.validate
    if len(compact) == 11 and country == "DE":
        return "DE-IDNR", de_idnr.validate
    return None


def normalize_personal_id(value: str | None, country: str | None = None) -> Outcome:
    """A checked id ("DE-IDNR:36574261809"), an unchecked compact id ("6988048"), or None."""
    if value is None or not clean_text(value):
        return Outcome(None)
    if is_placeholder(value):
        return Outcome(None, INVALID, "a placeholder, not a personal id")
    compact = _NOT_ALPHANUMERIC.sub("", clean_text(value).upper())
    if len(compact) < _MIN_LENGTH or _ONE_DIGIT_REPEATED.fullmatch(compact):
        return Outcome(None, INVALID, "not a personal id (too short or one digit repeated)")
    scheme = _scheme(compact, country)
    if scheme is None:
        return Outcome(compact)
    name, validate = scheme
    try:
        return Outcome(f"{name}{SCHEME_SEPARATOR}{validate(compact)}")
    except stdnum_errors.ValidationError:
        # Kept, unchecked: see the module text.
        return Outcome(compact, INVALID, f"{name} number: check digit does not match")


def clean_personal_ids(frame: pl.DataFrame) -> CleanResult:
    """Normalize personal_id against the record's (already cleaned) country."""
    return clean_with_country(frame, "personal_id", normalize_personal_id)


def is_checked(personal_id: pl.Expr) -> pl.Expr:
    """Whether a cleaned personal id passed its scheme's check digit."""
    return personal_id.str.contains(SCHEME_SEPARATOR, literal=True)


def personal_id_number(personal_id: pl.Expr) -> pl.Expr:
    """A cleaned personal id without its scheme ("CH-AHV:7569217076985" -> "7569217076985")."""
    return personal_id.str.replace(f"^[^{SCHEME_SEPARATOR}]*{SCHEME_SEPARATOR}", "")
