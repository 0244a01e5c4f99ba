"""Accounts: which organisation's golden record a person's golden record is a contact of.

A contact is never merged into its company (different record types never match), so the link
is a column of its own, ``account_golden_id`` in golden.csv, that CRM exports turn into the
contact -> account relation (Salesforce AccountId, HubSpot company association ...). Evidence,
strongest first, per person record:

1. ``named``: the record is the contact split off an organisation record ("z. Hd.", an
   "Ansprechpartner" column, a person beside the company name; cleaners.contacts): the account
   is that organisation record's golden record.
2. ``organisation_name``: the record carries an organisation name whose key equals the key of
   exactly one organisation golden record (or of exactly one at the record's postal code).
3. ``email_domain``: an e-mail at a business domain (free-mail and ISP domains never count)
   that exactly one organisation golden record has too: anna.huber@huber-bau.de is a contact of
   the organisation with info@huber-bau.de, a newsletter row with only that address included.

A golden record takes the strongest evidence any of its members gives; among members with the
same evidence the account most of them name, then the smallest golden id (deterministic).
Ambiguous evidence (two organisations of one name in different towns, a domain two
organisations share) gives no link rather than a wrong one.
"""

from __future__ import annotations

import polars as pl

from cleaners.organisations import business_domains
from rules.canonical import CONTACT_ID_SUFFIX

#: Evidence names in order of strength (the lower the index, the stronger).
EVIDENCE = ("named", "organisation_name", "email_domain")

ACCOUNT_SCHEMA = {
    "golden_id": pl.String(),
    "account_golden_id": pl.String(),
    "evidence": pl.String(),
    "record_key": pl.String(),
}

_EMPTY = pl.lit([], dtype=pl.List(pl.String()))


def account_links(records: pl.DataFrame, assignment: pl.DataFrame) -> pl.DataFrame:
    """golden_id -> account_golden_id (with its evidence and the member record that gave it).

    ``records`` is the cleaned frame (record_key, record_type, organisation_key, postal_code,
    emails), ``assignment`` record_key -> golden_id. Only person golden records get a link.
    """
    members = records.select(
        "record_key",
        "record_type",
        "organisation_key",
        "postal_code",
        business_domains(pl.col("emails").fill_null(_EMPTY)).alias("domains"),
    ).join(assignment.select("record_key", "golden_id"), on="record_key")
    organisations = members.filter(pl.col("record_type") == "organisation")
    persons = members.filter(pl.col("record_type") == "person")
    if organisations.is_empty() or persons.is_empty():
        return pl.DataFrame(schema=ACCOUNT_SCHEMA)
    candidates = pl.concat(
        [
            _named(persons, organisations),
            _by_name(persons, organisations),
            _by_domain(persons, organisations),
        ]
    )
    if candidates.is_empty():
        return pl.DataFrame(schema=ACCOUNT_SCHEMA)
    strength = pl.col("evidence").replace_strict(
        {name: index for index, name in enumerate(EVIDENCE)}, return_dtype=pl.Int8
    )
    ranked = candidates.with_columns(strength.alias("__strength")).with_columns(
        pl.len().over("golden_id", "__strength", "account_golden_id").alias("__votes")
    )
    return (
        ranked.sort(
            ["golden_id", "__strength", "__votes", "account_golden_id", "record_key"],
            descending=[False, False, True, False, False],
        )
        .group_by("golden_id", maintain_order=True)
        .first()
        .select(list(ACCOUNT_SCHEMA))
        .cast(ACCOUNT_SCHEMA)  # type: ignore[arg-type]
    )


def _named(persons: pl.DataFrame, organisations: pl.DataFrame) -> pl.DataFrame:
    """Contacts split off an organisation record: the account is that record's golden record."""
    contacts = persons.filter(pl.col("record_key").str.ends_with(CONTACT_ID_SUFFIX)).with_columns(
        pl.col("record_key").str.head(-len(CONTACT_ID_SUFFIX)).alias("__source")
    )
    return contacts.join(
        organisations.select(
            pl.col("record_key").alias("__source"), pl.col("golden_id").alias("account_golden_id")
        ),
        on="__source",
    ).select("golden_id", "account_golden_id", pl.lit("named").alias("evidence"), "record_key")


def _unique_accounts(found: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Rows of ``found`` whose ``by`` columns point to exactly one account."""
    distinct = found.select(*by, "account_golden_id").unique()
    single = distinct.group_by(by).agg(pl.len().alias("__n")).filter(pl.col("__n") == 1)
    return found.join(single.select(by), on=by, how="semi")


def _by_name(persons: pl.DataFrame, organisations: pl.DataFrame) -> pl.DataFrame:
    """A person carrying the key of one organisation (or of one at the person's postal code)."""
    named = persons.filter(pl.col("organisation_key").is_not_null())
    accounts = organisations.filter(pl.col("organisation_key").is_not_null()).select(
        "organisation_key",
        pl.col("postal_code").alias("__org_postal"),
        pl.col("golden_id").alias("account_golden_id"),
    )
    found = named.join(accounts, on="organisation_key")
    anywhere = _unique_accounts(found, ["record_key"])
    here = _unique_accounts(
        found.filter(pl.col("postal_code") == pl.col("__org_postal")), ["record_key"]
    )
    chosen = pl.concat(
        [here, anywhere.join(here.select("record_key"), on="record_key", how="anti")]
    )
    return chosen.select(
        "golden_id",
        "account_golden_id",
        pl.lit("organisation_name").alias("evidence"),
        "record_key",
    ).unique()


def _by_domain(persons: pl.DataFrame, organisations: pl.DataFrame) -> pl.DataFrame:
    """A person with an e-mail at the business domain of exactly one organisation."""
    domains = organisations.select(
        pl.col("golden_id").alias("account_golden_id"), pl.col("domains").alias("domain")
    ).explode("domain")
    found = (
        persons.select("record_key", "golden_id", pl.col("domains").alias("domain"))
        .explode("domain")
        .drop_nulls("domain")
        .join(domains.drop_nulls("domain"), on="domain")
    )
    single = _unique_accounts(found, ["domain"])
    return single.select(
        "golden_id", "account_golden_id", pl.lit("email_domain").alias("evidence"), "record_key"
    ).unique()
