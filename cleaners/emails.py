"""E-mail addresses: syntax check, lower case, domain typos, role (shared) mailboxes.

Role addresses (info@, kontakt@, office@ ...) stay in ``emails`` and are also listed in
``role_emails``: they are real contact data, but matching must not treat two people sharing
info@firma.de as the same person. Addresses are compared lower-cased: providers in DACH treat the
local part case-insensitively in practice, and duplicates differing only in case are common.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

import polars as pl
from email_validator import EmailNotValidError, validate_email

from cleaners.outcome import (
    CORRECTED,
    INVALID,
    ROW,
    VALID,
    CleanResult,
    explode_cells,
    findings_for,
    gather_lists,
    join_reasons,
    map_distinct,
)
from cleaners.reference import read_column, read_table
from cleaners.text import clean_text

_CELL_SEPARATORS = r"[;,\n]+"
_DISPLAY_NAME = re.compile(r"^[^<>]*<\s*([^<>\s]+)\s*>$")  # "Max Muster <max@muster.de>"
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
# "max(at)gmx.de", "max [at] gmx.de", "max @ gmx.de": the separator is obvious.
_WRITTEN_AT = re.compile(r"\s*[(\[{]\s*at\s*[)\]}]\s*")
_SPACED_AT = re.compile(r"\s+@\s*|@\s+")
# Addresses that need no repair: the fast path skips email_validator for them (see
# plain_address_pattern); everything else goes through validate_email.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


class EmailOutcome(NamedTuple):
    email: str | None
    is_role: bool
    status: str
    reason: str | None


@cache
def _domain_typos() -> tuple[dict[str, str], dict[str, str]]:
    rows = read_table("email_domain_typos.csv")
    domains = {row["typo"]: row["fix"] for row in rows if row["kind"] == "domain"}
    tlds = {row["typo"]: row["fix"] for row in rows if row["kind"] == "tld"}
    return domains, tlds


@cache
def role_local_parts() -> frozenset[str]:
    """Local parts of shared mailboxes (info, kontakt, office ...)."""
    return frozenset(read_column("role_local_parts.csv", "local_part"))


def is_role_address(email: str) -> bool:
    """info@, kontakt@, office-wien@, info2@ ...: a team mailbox rather than a person."""
    local = email.rsplit("@", 1)[0].lower()
    stem = re.split(r"[._0-9-]", local, maxsplit=1)[0]
    return local in role_local_parts() or stem in role_local_parts()


#: Digits (a counter, a year: anna.huber2@, hans85.bergmann@) and stray hyphens at either end
#: of a word of a local part.
_WORD_ENDS = re.compile(r"^[\d-]+|[\d-]+$")


def local_part_words(local: str) -> list[str]:
    """The words of an e-mail local part, lower-cased, for reading a name from it.

    A plus tag is cut off first (anna.huber+shop@: a delivery detail its owner chose, not a
    name). The rest is split at "." and "_", else, where neither occurs, at "-" (so the double
    name of hanna-lena.baumann@ stays one word). Digits at either end of a word are dropped
    (counters and years: hans.bergmann85@, anna2.huber@), and a word of digits alone is left
    out (anna.2.huber@); a digit inside a word stays, so that word is no name (h2o, m4rk).
    Hyphens at a word's ends go too (anna.huber-@).
    """
    local = local.lower().split("+", 1)[0]
    separators = "[._]" if "." in local or "_" in local else "-"
    words = (_WORD_ENDS.sub("", word) for word in re.split(separators, local))
    return [word for word in words if word]


def fix_domain_typo(domain: str) -> str:
    """Likely intended domain for a misspelt one ("gmial.com" -> "gmail.com"), else unchanged."""
    domains, tlds = _domain_typos()
    if domain in domains:
        return domains[domain]
    head, _, tld = domain.rpartition(".")
    return f"{head}.{tlds[tld]}" if head and tld in tlds else domain


def normalize_email(value: str | None) -> EmailOutcome:
    """Validated, lower-cased address; "(at)" and domain typos fixed (status corrected)."""
    if value is None or not clean_text(value):
        return EmailOutcome(None, False, VALID, None)
    text = _MAILTO.sub("", clean_text(value))
    display = _DISPLAY_NAME.match(text)
    text = (display.group(1) if display else text).strip(".;, ").lower()
    reasons: list[str | None] = []
    separated = _SPACED_AT.sub("@", text if "@" in text else _WRITTEN_AT.sub("@", text, count=1))
    if separated != text:
        reasons.append("@ separator fixed")
        text = separated
    local, at, domain = text.rpartition("@")
    if at:
        fixed = fix_domain_typo(domain.rstrip("."))
        if fixed != domain:
            reasons.append(f"domain typo fixed: {domain} -> {fixed}")
            text = f"{local}@{fixed}"
    try:
        email = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        return EmailOutcome(None, False, INVALID, f"not a valid e-mail address: {error}")
    status = CORRECTED if reasons else VALID
    return EmailOutcome(email, is_role_address(email), status, join_reasons(reasons))


def plain_address(address: pl.Expr) -> pl.Expr:
    """True where ``normalize_email`` would return the lower-cased text unchanged and valid.

    A vectorized fast path: dot-atom local part of at most 64 bytes, two or more domain labels, an
    alphabetic top-level domain that is neither a typo nor special-use, no typo domain and no
    "ab--" (Punycode-like) label. Everything else goes through email_validator.
    """
    domains, tlds = _domain_typos()
    reserved = sorted({"arpa", "invalid", "local", "localhost", "onion", "test", *tlds})
    local = address.str.extract(r"^([^@]*)@", 1)
    return (
        address.str.contains(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}$")
        & ~address.str.contains(r"(?:^|[@.])[^@.]{2}--")
        & (local.str.len_bytes() <= 64)
        & (address.str.len_bytes() <= 254)
        & ~address.str.extract(r"\.([a-z]+)$", 1).is_in(reserved)
        & ~address.str.extract(r"@(.+)$", 1).is_in(sorted(domains))
    )


def role_address(address: pl.Expr) -> pl.Expr:
    """Vectorized ``is_role_address`` for lower-case addresses."""
    local = address.str.extract(r"^(.*)@[^@]*$", 1)
    stem = local.str.extract(r"^([^._\-0-9]*)", 1)
    roles = sorted(role_local_parts())
    return local.is_in(roles) | stem.is_in(roles)


#: Household mailboxes: "familie.mueller@", "fam-huber@", "haushalt.meier@", "eheleute.wolf@",
#: "hans.und.erika@", "anna-and-tom@". Several people of one family read them, so a shared
#: household address says "same household", not "same person" (matching weighs it so).
#: Words of a household mailbox beside the family name (familie.hess@, fam-haas@, hess.family@).
FAMILY_WORDS = (
    "familie",
    "family",
    "famille",
    "famiglia",
    "fam",
    "haushalt",
    "eheleute",
    "ehepaar",
)
HOUSEHOLD_LOCAL_PART = (
    rf"^(?:{'|'.join(FAMILY_WORDS)})(?:[._-]|$)"
    r"|^(?:familie|family)[a-z]"
    r"|[._-](?:familie|family|fam)$"
    r"|[a-z][._-](?:und|and)[._-][a-z]"
)


def household_address(address: pl.Expr) -> pl.Expr:
    """True for lower-case addresses of a household mailbox (see HOUSEHOLD_LOCAL_PART)."""
    return address.str.extract(r"^(.*)@[^@]*$", 1).str.contains(HOUSEHOLD_LOCAL_PART)


def _email_items(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per e-mail text of every record (cells with several addresses are split)."""
    cells = frame.select(
        ROW, "record_key", "silo", "source_id", pl.col("emails").alias("__email")
    ).explode("__email")
    separated = pl.col("__email").str.replace_all(_CELL_SEPARATORS, ";")
    return explode_cells(cells, "__email", separated)


def clean_emails(frame: pl.DataFrame) -> CleanResult:
    """Replace ``emails`` by valid lower-case addresses; add ``role_emails`` (subset of emails)."""
    items = _email_items(frame)
    lowered = pl.col("__email").str.to_lowercase()
    items = items.with_columns(__plain=plain_address(lowered))
    items = _normalize_items(items, lowered)
    findings = findings_for(items, "emails", value="__email", status="__status", reason="__reason")
    frame = gather_lists(
        frame,
        items,
        "__fixed",
        "emails",
        {"emails": pl.col("__fixed"), "role_emails": pl.col("__fixed").filter(pl.col("__role"))},
    )
    return CleanResult(frame, findings)


def _normalize_items(items: pl.DataFrame, lowered: pl.Expr) -> pl.DataFrame:
    """Plain addresses are lower-cased in polars; only the rest goes through normalize_email."""
    plain = pl.col("__plain")
    items = items.with_columns(__slow=pl.when(~plain).then(pl.col("__email")))
    items = map_distinct(
        items,
        ["__slow"],
        normalize_email,
        {
            "__slow_email": pl.String(),
            "__slow_role": pl.Boolean(),
            "__slow_status": pl.String(),
            "__slow_reason": pl.String(),
        },
    )
    return items.with_columns(
        __fixed=pl.when(plain).then(lowered).otherwise(pl.col("__slow_email")),
        __role=pl.when(plain).then(role_address(lowered)).otherwise(pl.col("__slow_role")),
        __status=pl.when(plain).then(pl.lit(VALID)).otherwise(pl.col("__slow_status")),
        __reason=pl.when(plain).then(None).otherwise(pl.col("__slow_reason")),
    )
