"""The canonical customer model: the columns every silo is mapped onto.

A canonical frame is a polars DataFrame with exactly the columns of ``CANONICAL_SCHEMA``, one row
per source row. Values are still raw text here (only mapped, split and trimmed); cleaners turn
them into normalized values with a status and a reason. A record is a person or an organisation
(``record_type``); organisation records carry ``organisation_name`` and ``legal_form``, persons a
name, and both may carry an address, phones, e-mails, a VAT id and consent.

Field reference (all text unless noted):

=====================  =================================================================
record_key             ``"<silo>:<source_id>"``, unique over all silos (derived)
silo                   silo name from golden.toml
source_id              the record's id in its silo (required)
row_number             1-based data row in the source (Int64; header not counted)
record_type            ``person`` / ``organisation`` (mapped or inferred by the cleaners)
salutation             Herr, Frau, Divers, Mr, Ms, Familie, Firma ...
title                  academic / professional title (Dr., Prof. Dr., Mag. ...)
first_name, last_name  person name
organisation_name      company name, legal form included as written
legal_form             GmbH, AG, e.V. ... when a silo has it in its own column
contact_name           the person an organisation record names ("Ansprechpartner", "z. Hd.",
                       "Attn."): the cleaners split it off as a contact record of its own
department             the department an organisation record is addressed to ("z. Hd.
                       Buchhaltung", "Attn. Accounts Payable", "Abt. Einkauf"): mapped, or
                       filled by the cleaners from contact_name or the organisation name
street, house_number   street name and number ("12a", "12-14")
postal_code, city      postal code kept as text (leading zeros), city
country                ISO 3166 alpha-2 after cleaning; raw text before
address_extra          what an address holds besides street, number, postal code and city:
                       "c/o Müller", "Hinterhaus", "2. OG", "Gebäude B", a post box beside a
                       street (Adresszusatz; mapped, or split off a combined address)
phones                 List[str]: every phone/mobile/fax column of the silo
emails                 List[str]: every e-mail column of the silo
birth_date             text before cleaning, Date after
vat_id                 USt-IdNr / ATU / CHE-UID
personal_id            a number that names one person: AHV-Nr./AVS, österr. SV-Nummer,
                       Steuer-ID, a social security number or any other personal id
segment                the customer group a silo files the record under (Branche,
                       Kundengruppe, Segment); light normalisation only (cleaners.groups)
profession             the person's profession or job title (Beruf, Position, Job Title)
consent_<channel>      channel in email, post, phone: raw yes/no text before cleaning,
                       Boolean after (null = unknown)
consent_<ch>_date      when the consent or opt-out was given
consent_<ch>_source    where it was given (form, shop checkout, phone call ...)
consent_<ch>_text      the consent text or its version as the silo records it (optional)
consent_<ch>_confirmed_at  double opt-in: when the confirmation link was clicked (optional)
created_at             record created in the silo
updated_at             record last changed in the silo
last_activity          last order, login, newsletter open ...
owner                  the person responsible for the record in its silo (reminders)
linked_golden_id       a golden id the silo carries, e.g. the external id a CRM got from our
                       export: the record joins that golden record (or the one it was merged
                       into) whatever its values say; a reviewer's rejection still wins
=====================  =================================================================

A contact named on an organisation record (in ``contact_name``, after "z. Hd." / "Attn." / "c/o"
in the organisation name, or as the first and last name of a record whose organisation name
carries a legal form) becomes a record of its own: a person with source id
``<source_id>#contact`` (``CONTACT_ID_SUFFIX``) that carries the organisation's name; the
organisation record keeps the rest. golden.csv links the contact to its organisation's golden
record (``account_golden_id``). Contact text that names no person stays with the organisation:
a department, branch or team ("Filiale Nord") in ``department``, a c/o or building note
("2. OG") in ``address_extra``.

Combined source fields are split by the mapping step: ``full_name`` ("Mustermann, Max",
"Dr. Max Mustermann"), ``address_line`` ("Musterstr. 12a, 10115 Berlin"), ``street_line``
("Musterstr. 12a") and ``postal_city`` ("10115 Berlin").
"""

from __future__ import annotations

import hashlib
import json
from typing import Final

import polars as pl

CONSENT_CHANNELS: Final = ("email", "post", "phone")
#: Per channel: the consent itself and its proof (date, source, text/version, DOI confirmation).
CONSENT_SUFFIXES: Final = ("", "_date", "_source", "_text", "_confirmed_at")

#: Scalar text fields a silo column can be mapped to.
SCALAR_FIELDS: Final[tuple[str, ...]] = (
    "record_type",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "organisation_name",
    "legal_form",
    "contact_name",
    "department",
    "street",
    "house_number",
    "postal_code",
    "city",
    "country",
    "address_extra",
    "birth_date",
    "vat_id",
    "personal_id",
    "segment",
    "profession",
    *(f"consent_{channel}{suffix}" for channel in CONSENT_CHANNELS for suffix in CONSENT_SUFFIXES),
    "created_at",
    "updated_at",
    "last_activity",
    "owner",
    "linked_golden_id",
)

#: Appended to an organisation record's source id to name the contact split off from it.
CONTACT_ID_SUFFIX: Final = "#contact"

#: Fields that collect one or more source columns into a list.
LIST_FIELDS: Final[tuple[str, ...]] = ("phones", "emails")

#: Combined source fields that the mapping step splits into scalar fields.
COMBINED_FIELDS: Final[tuple[str, ...]] = (
    "full_name",
    "address_line",
    "street_line",
    "postal_city",
)

#: Everything a mapping may name (besides ``source_id``).
MAPPABLE_FIELDS: Final[tuple[str, ...]] = (
    "source_id",
    *SCALAR_FIELDS,
    *LIST_FIELDS,
    *COMBINED_FIELDS,
)

CANONICAL_SCHEMA: Final[dict[str, pl.DataType]] = {
    "record_key": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "row_number": pl.Int64(),
    **{name: pl.String() for name in SCALAR_FIELDS},
    **{name: pl.List(pl.String()) for name in LIST_FIELDS},
}

#: Columns of the quarantine frame: every source row that is not in the crosswalk is here.
QUARANTINE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "row_number": pl.Int64(),
    "field": pl.String(),
    "reason": pl.String(),
    "raw": pl.String(),
}


def empty_quarantine() -> pl.DataFrame:
    """Return an empty quarantine frame with the documented columns."""
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


#: Columns of the findings frame: one row per problem or correction a cleaner or DQ rule found.
#: status is "corrected" (value changed, kept) or "invalid" (value removed from the record).
FINDINGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "record_key": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "field": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
    "value": pl.String(),
}


def empty_findings() -> pl.DataFrame:
    """Return an empty findings frame with the documented columns."""
    return pl.DataFrame(schema=FINDINGS_SCHEMA)


def record_key(silo: pl.Expr, source_id: pl.Expr) -> pl.Expr:
    """``"<silo>:<source_id>"``: unique over all silos (silo names cannot contain ":")."""
    return silo + ":" + source_id


def record_key_of(silo: str, source_id: str) -> str:
    """``record_key`` for one record, as a string."""
    return f"{silo}:{source_id}"


def split_record_key(key: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The silo and the source id of a record key (the source id may itself contain ":")."""
    parts = key.str.splitn(":", 2)
    return parts.struct.field("field_0"), parts.struct.field("field_1")


#: Fields the model gained after record hashes were first stored: a record without a value in
#: them hashes as before, so review decisions taken on it are still accepted.
_HASHED_WHEN_SET: Final = ("address_extra", "birth_year")


def record_hashes(records: pl.DataFrame) -> dict[str, str]:
    """record_key -> MD5 of the record's cleaned values (row numbers aside).

    What a review decision was taken on: review_queue.csv's pair_hash and the record_hash of a
    member listed in review.html are made from it, so a decision on records that changed since
    is refused.
    """
    values = records.drop("row_number", strict=False)
    hashes = {}
    for row in values.iter_rows(named=True):
        for name in _HASHED_WHEN_SET:  # fields added later: an empty one leaves old hashes be
            if row.get(name, "") is None:
                del row[name]
        text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
        hashes[row["record_key"]] = hashlib.md5(text.encode("utf-8")).hexdigest()
    return hashes
