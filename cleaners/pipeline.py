"""clean_records: the canonical frame in, the cleaned frame and its findings out.

Contacts named on organisation records are split off into records of their own first
(cleaners.contacts). Order matters only where a family needs another's result: names first (a
last name with a legal form moves to organisation_name), then organisations, addresses (resolve
the country), then what depends on the country (VAT ids, personal ids, phones), then e-mails (a
record with only a role mailbox at a business domain becomes an organisation; a person with only
a first or only a last name gets the other from "first.last@"), dates, consent and
the group attributes (segment, profession).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

import polars as pl

from cleaners.addresses import clean_addresses
from cleaners.consent import clean_consent
from cleaners.contacts import company_mailboxes_of_contacts, split_contacts
from cleaners.dates import DATE_COLUMNS, TIMESTAMP_COLUMNS, clean_dates
from cleaners.email_name_keys import last_name_keys_from_emails
from cleaners.email_names import names_from_emails
from cleaners.emails import clean_emails
from cleaners.groups import clean_groups
from cleaners.names import clean_names
from cleaners.organisations import (
    clean_organisations,
    clean_vat_ids,
    firm_names_at_own_domain,
    organisation_mailboxes,
)
from cleaners.outcome import ROW, CleanResult
from cleaners.personal_ids import clean_personal_ids
from cleaners.phones import clean_phones
from rules.canonical import CANONICAL_SCHEMA, CONSENT_CHANNELS, FINDINGS_SCHEMA, SCALAR_FIELDS

_STRING_LIST = pl.List(pl.String())

#: Columns and types of ``CleanResult.frame``: the canonical columns (same order, cleaned types)
#: followed by the year of a birth date given as a year alone, the lists aligned with
#: phones/emails, the generational suffix found in the names
#: ("jun." / "sen.") and the matching keys. ``first_name_group`` is the most frequent nickname
#: group (for blocking), ``first_name_groups`` all groups of the name, sorted (for comparisons).
CLEANED_SCHEMA: Final[dict[str, pl.DataType]] = {
    **CANONICAL_SCHEMA,
    **{column: pl.Date() for column in DATE_COLUMNS},
    **{column: pl.Datetime("us") for column in TIMESTAMP_COLUMNS},
    **{f"consent_{channel}": pl.Boolean() for channel in CONSENT_CHANNELS},
    "birth_year": pl.Int32(),
    "phone_types": _STRING_LIST,
    "role_emails": _STRING_LIST,
    "name_suffix": pl.String(),
    "first_name_key": pl.String(),
    "last_name_key": pl.String(),
    "first_name_phonetic": pl.String(),
    "last_name_phonetic": pl.String(),
    "first_name_group": pl.String(),
    "first_name_groups": _STRING_LIST,
    "organisation_key": pl.String(),
    "street_key": pl.String(),
    "city_key": pl.String(),
}

_COUNTRY = re.compile(r"[A-Z]{2}")


def clean_records(
    canonical: pl.DataFrame,
    *,
    default_country: str = "DE",
    silo_countries: Mapping[str, str] | None = None,
    date_formats: Mapping[str, str | None] | None = None,
    today: date | None = None,
) -> CleanResult:
    """Normalize every field of a canonical frame; corrections and removals become findings.

    ``silo_countries`` (silo -> ISO code) and ``default_country`` fill a missing country;
    ``date_formats`` (silo -> strftime format) is tried first for that silo's dates; ``today`` is
    the reference day for birth-date plausibility and two-digit years (default: date.today()).
    """
    _check_arguments(canonical, default_country, silo_countries)
    split = split_contacts(canonical)
    frame = prepared_frame(split.frame)
    findings = [split.findings.join(frame.select("record_key", ROW), on="record_key")]
    steps = cleaning_steps(
        default_country=default_country,
        silo_countries=silo_countries,
        date_formats=date_formats,
        today=today or date.today(),
    )
    for _, step in steps:
        result = step(frame)
        frame = result.frame
        findings.append(result.findings)
    all_findings = (
        pl.concat(findings)
        .sort(ROW, maintain_order=True)
        .drop(ROW)
        .cast(pl.Schema(FINDINGS_SCHEMA))
    )
    return CleanResult(
        frame.select(list(CLEANED_SCHEMA)).cast(pl.Schema(CLEANED_SCHEMA)), all_findings
    )


def cleaning_steps(
    *,
    default_country: str,
    silo_countries: Mapping[str, str] | None,
    date_formats: Mapping[str, str | None] | None,
    today: date,
) -> tuple[tuple[str, Callable[[pl.DataFrame], CleanResult]], ...]:
    """The cleaner families in pipeline order as (family, prepared frame -> result) pairs.

    clean_records runs them in this order; the benchmark times them one by one.
    """
    return (
        ("names", clean_names),
        ("organisations", clean_organisations),
        (
            "addresses",
            lambda f: clean_addresses(
                f, default_country=default_country, silo_countries=silo_countries
            ),
        ),
        ("vat_ids", clean_vat_ids),
        ("personal_ids", clean_personal_ids),
        ("phones", lambda f: clean_phones(f, default_country=default_country)),
        ("emails", clean_emails),
        ("company_mailboxes_of_contacts", company_mailboxes_of_contacts),
        # Before names_from_emails: a branch's mailbox (st.gallen@firma.ch) is no "St Gallen".
        ("organisation_mailboxes", organisation_mailboxes),
        # A firm's name in the name fields, spelled by its own role mailbox's domain.
        ("firm_names_at_own_domain", firm_names_at_own_domain),
        ("names_from_emails", names_from_emails),
        ("last_name_keys_from_emails", last_name_keys_from_emails),
        ("dates", lambda f: clean_dates(f, date_formats=date_formats, today=today)),
        ("consent", clean_consent),
        ("groups", clean_groups),
    )


def _check_arguments(
    canonical: pl.DataFrame, default_country: str, silo_countries: Mapping[str, str] | None
) -> None:
    missing = [name for name in CANONICAL_SCHEMA if name not in canonical.columns]
    extra = [name for name in canonical.columns if name not in CANONICAL_SCHEMA]
    if missing or extra:
        raise ValueError(
            f"clean_records: the frame does not have the canonical columns "
            f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})"
            f" — build it with the mapping step (rules.canonical.CANONICAL_SCHEMA)"
        )
    countries = {"default_country": default_country, **(silo_countries or {})}
    for where, code in countries.items():
        if not _COUNTRY.fullmatch(code):
            raise ValueError(
                f"clean_records: country for {where} must be an ISO alpha-2 code like DE, "
                f"got {code!r}"
            )


def prepared_frame(canonical: pl.DataFrame) -> pl.DataFrame:
    """Canonical columns in order and type, blank text as null, plus the internal row index."""
    frame = canonical.select(list(CANONICAL_SCHEMA)).cast(pl.Schema(CANONICAL_SCHEMA))
    blank_to_null = [
        pl.when(pl.col(name).str.strip_chars().str.len_chars() > 0).then(pl.col(name)).alias(name)
        for name in SCALAR_FIELDS
    ]
    return frame.with_columns(blank_to_null).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW)
    )
