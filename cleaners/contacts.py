"""Contacts named on organisation records: split off into person records of their own.

An organisation record often names the person to write to: "Huber Bau GmbH z. Hd. Frau Anna
Huber", an "Ansprechpartner" column, or a first and last name beside a company name that carries
a legal form or whose e-mails are all at business domains (info@ or anna@firma.de, see
company_mail_only). Matched as one record, that row would either join the company (and the
person is lost) or the person (and the company is lost). So the canonical frame gets one more row
per such record: the contact, a person with source id ``<source_id>#contact`` carrying the
organisation's name (and the record's address, phones, e-mails and consent); the organisation
row keeps the company without the person. Only text that names a person makes a contact:
a department, branch or team ("Buchhaltung", "Filiale Nord", "Werk 2") goes to the
organisation's department, a c/o or building note in a contact column ("c/o Müller", "2. OG")
to its address_extra, each with a finding. Matching never joins a contact with a private record
of the same person (matching.scoring: a person with an organisation next to one without), and
golden.csv links the contact to the organisation's golden record (matching.accounts).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import polars as pl

from cleaners.address_lines import POSTBOX_LINE, is_building_part
from cleaners.names import parse_full_name
from cleaners.organisations import (
    find_legal_form,
    is_organisation_unit,
    looks_like_organisation,
    names_branch,
    normalize_record_type,
    split_department,
    split_organisation_contact,
    split_trailing_department,
    without_contact_marker,
)
from cleaners.outcome import CleanResult, empty_internal_findings, finding_rows, map_distinct
from cleaners.titles import (
    salutation_of,
    split_leading_salutation,
    split_leading_titles,
    with_contact_salutation,
)
from rules.canonical import CANONICAL_SCHEMA, CONTACT_ID_SUFFIX, FINDINGS_SCHEMA, record_key
from rules.reference import freemail_domains

#: Canonical fields the contact does not inherit from the organisation record.
_ORGANISATION_ONLY = ("vat_id", "legal_form", "linked_golden_id", "birth_date")
_PERSON_FIELDS = ("salutation", "title", "first_name", "last_name")
#: A c/o line of an address ("c/o Müller", "c.o. Kanzlei Berg"): where the mail goes, no contact.
_CARE_OF = re.compile(r"^\s*(?:c\s*/\s*o|c\.\s*o\.)(?=[\s.:]|$)", re.IGNORECASE)
#: One word of a person's name: letters first, then letters, apostrophes, dots or hyphens.
_NAME_WORD = re.compile(r"[^\W\d_][\w'.\-]*")


def _split(value: str | None) -> tuple[str | None, str | None, bool, bool]:
    """(organisation, contact text, organisation has a legal form, the contact is the firm's
    owner: "Huber Bau e.K., Inh. Anton Huber") of an organisation field."""
    if value is None:
        return None, None, False, False
    found = split_organisation_contact(value)
    return (
        found.organisation,
        found.contact,
        looks_like_organisation(found.organisation),
        found.owner,
    )


def is_address_note(text: str | None) -> bool:
    """True for a contact text that is a note on the address, not a person: "c/o Müller",
    "2. OG", "Hinterhaus", "Gebäude B", "Postfach 12" (it belongs in address_extra)."""
    if text is None or not text.strip():
        return False
    return bool(
        _CARE_OF.match(text) or is_building_part(text) or POSTBOX_LINE.fullmatch(text.strip())
    )


def _address_parts(text: str | None) -> tuple[str | None, str | None]:
    """(address notes, the rest) of a contact column value: "Frau Müller, 2. OG" -> ("2. OG",
    "Frau Müller"); "2. OG" -> ("2. OG", None); text without a note -> (None, text)."""
    if text is None or is_address_note(text):
        return text, None
    parts = [part for part in re.split(r"\s*[,;]\s*", text.strip()) if part]
    notes = [part for part in parts if is_address_note(part)]
    if not notes:
        return None, text
    return ", ".join(notes), ", ".join(part for part in parts if part not in notes) or None


def _contact_text(text: str) -> str:
    """A contact text without "z. Hd." / "Attn." and with a French or Italian salutation in
    front read as one ("Sig.ra Carmela Genasci": cleaners.titles.with_contact_salutation)."""
    return with_contact_salutation(without_contact_marker(text))


def _names_nobody(text: str) -> bool:
    """True when a contact text, without "z. Hd.", salutation and titles, holds no name: a
    department or branch ("Filiale Nord"), digits ("Tor 3"), a legal form, or more than five
    words. Only "Herrn" or "Frau Dr." alone is no verdict (False): there is nothing to keep."""
    text = _contact_text(text)
    if is_organisation_unit(text):
        return True
    rest = split_leading_titles(split_leading_salutation(text.split(), allow_all=True)[1])[1]
    if not rest:
        return False
    return (
        is_organisation_unit(" ".join(rest))
        or len(rest) > 5
        or not all(_NAME_WORD.fullmatch(word.rstrip(",")) for word in rest)
        or find_legal_form(" ".join(rest)) is not None
    )


def _person(text: str | None) -> tuple[str | None, ...]:
    """salutation, title, first and last name (suffix appended) of a contact text."""
    if text is not None:  # an Ansprechpartner column "z. Hd. Herrn Roger Sutter"
        text = _contact_text(text)
    if text is None or is_organisation_unit(text):  # "z. Hd. Buchhaltung": nobody named
        return None, None, None, None
    # "Buchhaltung, Frau Anna Huber", "Filiale Nord (Herr Pohl)": the person after it
    text = split_department(text)[1]
    # "Anna Huber (Buchhaltung)", "Herrn Pohl (Filiale Lübeck)", "(Werk 2)": the person before
    text = split_trailing_department(text)[1]
    if names_branch(text):  # "Filiale Wien": the firm's branch (it stays on the record)
        return None, None, None, None
    if _names_nobody(text):  # "Frau Buchhaltung", "Filiale Nord", "Tor 3": nobody named
        return None, None, None, None
    salutation, rest = split_leading_salutation(text.split(), allow_all=True)
    if not split_leading_titles(rest)[1]:  # only "Herrn" or "Frau Dr.": nobody named
        return salutation, None, None, None
    parts = parse_full_name(text)
    last = " ".join(part for part in (parts.last_name, parts.name_suffix) if part) or None
    return parts.salutation, parts.title, parts.first_name, last


def _department(
    contact: str | None, in_name: str | None, first: str | None, last: str | None
) -> tuple[str | None, str | None]:
    """(department text, field it stands in) when the record names a department, not a person.

    "z. Hd. Buchhaltung" in an Ansprechpartner column (contact_name), after the company name
    (organisation_name), or split by a full-name column into first "z. Hd" and last name
    "Buchhaltung" (first_name): nobody to write to by name, the organisation's department.
    """
    names = " ".join(part for part in (first, last) if part) or None
    for text, field in ((contact, "contact_name"), (in_name, "organisation_name")):
        if text is not None and (_names_department(text) or _names_nobody(text)):
            return text, field
    if names is not None and _names_department(names):
        return names, "first_name"
    return None, None


def department_name(text: str | None) -> str | None:
    """The department as golden.csv shows it: without the "z. Hd." / "Attn." marker and a
    salutation before it ("z. Hd. Frau Buchhaltung" -> "Buchhaltung"; "Abt. Einkauf" stays)."""
    if text is None:
        return None
    text = _contact_text(text)
    rest = split_leading_salutation(text.split(), allow_all=True)[1]
    if not is_organisation_unit(text) and rest and is_organisation_unit(" ".join(rest)):
        return " ".join(rest)
    return text


def _text_department(text: str | None) -> tuple[str | None]:
    """The department named before a contact person ("Buchhaltung, Frau Anna Huber"), else
    None."""
    if text is None:
        return (None,)
    text = _contact_text(text)
    return (split_department(text)[0] or split_trailing_department(text)[0],)


def _names_department(text: str) -> bool:
    """ "Buchhaltung", "z. Hd. Buchhaltung", "Frau Buchhaltung", "Filiale Nord": a department
    or branch, nobody named."""
    text = _contact_text(text)
    rest = split_leading_salutation(text.split(), allow_all=True)[1]
    return is_organisation_unit(text) or (bool(rest) and is_organisation_unit(" ".join(rest)))


def _person_schema(prefix: str) -> dict[str, pl.DataType]:
    """Columns of ``_person``'s result, each field's name after ``prefix``."""
    return {f"{prefix}{name}": pl.String() for name in _PERSON_FIELDS}


def _names_someone(prefix: str) -> pl.Expr:
    """True where ``_person``'s result (columns after ``prefix``) holds a first or last name."""
    return pl.col(f"{prefix}first_name").is_not_null() | pl.col(f"{prefix}last_name").is_not_null()


def _record_kind(record_type: str | None, salutation: str | None) -> tuple[str | None]:
    """person / organisation as the record says it (mapped type, else "Firma"), else None."""
    kind = normalize_record_type(record_type).value
    if kind is None and salutation is not None and salutation_of(salutation) == "Firma":
        kind = "organisation"
    return (kind,)


def _firma(salutation: str | None) -> tuple[str | None]:
    """The salutation when it is "Firma" (it stays on the organisation), else None."""
    return (salutation if salutation and salutation_of(salutation) == "Firma" else None,)


def company_mail_only(emails: pl.Expr) -> pl.Expr:
    """True when a record's e-mails are all at business domains (info@ or anna.huber@firma.de).

    A shop order by "Anna Huber" for "Huber Bau", sent from info@huber-bau.de or from
    a.huber@huber-bau.de, is the company's order: she ordered on its behalf, through its mail
    system. Such a name beside a company name is a contact of that company even without a legal
    form. An address at a free-mail provider (anna@gmx.de), or no e-mail at all, leaves the row
    a person who names an employer.
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    cleaned = emails.fill_null(nothing).list.eval(
        pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.contains("@"))
    )
    domain = pl.element().str.extract(r"@([^@\s]+)$", 1)
    return (
        (cleaned.list.len() > 0)
        & ~cleaned.list.eval(domain.is_in(list(freemail_domains()))).list.any()
    ).fill_null(False)


class SplitContacts(NamedTuple):
    """The canonical frame with the contact rows, and a finding per value moved to a contact."""

    frame: pl.DataFrame
    findings: pl.DataFrame  # FINDINGS_SCHEMA


def split_contacts(canonical: pl.DataFrame) -> SplitContacts:
    """The canonical frame plus one contact row per organisation record that names a person.

    Organisation rows lose the person (names, a personal salutation, contact_name), each with a
    finding; every other row is returned unchanged, in its order, followed by the contact rows.
    """
    blank_to_null = [
        pl.when(pl.col(name).str.strip_chars().str.len_chars() > 0).then(pl.col(name)).alias(name)
        for name in ("organisation_name", "contact_name", *_PERSON_FIELDS)
    ]
    canonical = canonical.with_columns(blank_to_null)
    first, last = pl.col("first_name"), pl.col("last_name")
    # A full-name column may have put "Huber Bau GmbH z. Hd. Frau Huber" into last_name.
    organisation_source = pl.when(
        pl.col("organisation_name").is_null() & first.is_null() & last.is_not_null()
    ).then(last)
    frame = canonical.with_columns(
        pl.coalesce(pl.col("organisation_name"), organisation_source).alias("__org_source"),
        (pl.col("organisation_name").is_null() & first.is_null() & last.is_not_null()).alias(
            "__from_last"
        ),
    )
    frame = map_distinct(
        frame,
        ["__org_source"],
        _split,
        {
            "__org": pl.String(),
            "__contact_text": pl.String(),
            "__legal_form": pl.Boolean(),
            "__owner": pl.Boolean(),
        },
    )
    frame = map_distinct(
        frame, ["record_type", "salutation"], _record_kind, {"__kind": pl.String()}
    )
    on_organisation = pl.col("__org").is_not_null()
    # "c/o Müller", "2. OG" in a contact column: an address note, kept in address_extra.
    frame = map_distinct(
        frame.with_columns(pl.when(on_organisation).then(pl.col("contact_name")).alias("__note")),
        ["__note"],
        _address_parts,
        {"__address_note": pl.String(), "__note_rest": pl.String()},
    )
    address_note = pl.col("__address_note")
    frame = frame.with_columns(
        pl.when(address_note.is_null())
        .then(pl.col("contact_name"))
        .otherwise(pl.col("__note_rest"))
        .alias("__contact_name")
    )
    from_last = pl.col("__from_last") & pl.col("__legal_form")
    # Only organisation fields can name a department: every other row is one null key.
    department_inputs = ("__contact_name", "__contact_text", "first_name", "last_name")
    frame = map_distinct(
        frame.with_columns(
            pl.when(on_organisation).then(pl.col(name)).alias(f"__dept_{name}")
            for name in department_inputs
        ),
        [f"__dept_{name}" for name in department_inputs],
        _department,
        {"__department_text": pl.String(), "__department_field": pl.String()},
    )
    names_department = (pl.col("__department_field") == "first_name").fill_null(False)
    has_names = (first.is_not_null() | last.is_not_null()) & ~from_last & ~names_department
    # The record's own first and last names (not the company a full-name column put into
    # last_name, not a department): another person than the owner named in the company name.
    own_names = (
        (first.is_not_null() | last.is_not_null()) & ~pl.col("__from_last") & ~names_department
    )
    frame = _choose_contact(frame, own_names)
    contact_text = pl.col("__chosen_text")
    company = (
        pl.col("__legal_form")
        | (pl.col("__kind") == "organisation").fill_null(False)
        # Only a company field of its own: a lone last name ("Lange") is no company.
        | (pl.col("organisation_name").is_not_null() & company_mail_only(pl.col("emails")))
    )
    names_on_company = has_names & company & (pl.col("__kind") != "person").fill_null(True)
    frame = frame.with_columns(
        __text=pl.when(pl.col("__org").is_not_null()).then(contact_text),
        __names=pl.col("__org").is_not_null() & names_on_company,
    )
    # A contact text without a name in it (just "Herrn") is no person: the record stays.
    named = _names_someone("__c_")
    frame = frame.with_columns(__split=(pl.col("__text").is_not_null() & named) | pl.col("__names"))
    # A department named on the organisation ("z. Hd. Buchhaltung") is no contact: the record
    # stays the organisation's, its name without the department; the department goes to the
    # department field (golden.csv shows it) and a finding reports it. So it does beside a
    # contact named elsewhere on the record (an Ansprechpartner "Rechnungswesen" beside the
    # owner "Inh. Anton Huber"); a department in the contact's own text ("Herrn Weber
    # (Einkauf)") is found below.
    from_contact_text = named & (pl.col("__department_field") == pl.col("__text_field"))
    frame = frame.with_columns(
        __department=pl.col("__department_text").is_not_null()
        & ~(pl.col("__split") & from_contact_text.fill_null(False))
        & pl.col("__org").is_not_null()
    )
    if not (
        frame["__split"].any()
        or frame["__department"].any()
        or frame["__address_note"].is_not_null().any()
    ):
        return SplitContacts(canonical, pl.DataFrame(schema=FINDINGS_SCHEMA))
    frame = map_distinct(frame, ["salutation"], _firma, {"__firma": pl.String()})
    # "Buchhaltung, Frau Anna Huber": Anna Huber the contact, Buchhaltung the department.
    frame = map_distinct(
        frame.with_columns(
            pl.when(pl.col("__split")).then(pl.col("__text")).alias("__split_text"),
            pl.when(pl.col("__department")).then("__department_text").alias("__named_department"),
        ),
        ["__split_text", "__named_department"],
        lambda text, named: (department_name(named) or _text_department(text)[0],),
        {"__found_department": pl.String()},
    )
    found_department = pl.col("__found_department")
    frame = frame.with_columns(
        pl.coalesce(pl.col("department"), found_department).alias("department")
    )
    split = pl.col("__split")
    use_text = pl.col("__text").is_not_null() & named
    contacts = (
        frame.filter(split)
        .with_columns(
            [
                pl.when(use_text).then(pl.col(f"__c_{name}")).otherwise(pl.col(name)).alias(name)
                for name in _PERSON_FIELDS
            ]
        )
        # "Firma" addresses the company, never its contact person.
        .with_columns(
            pl.when(pl.col("salutation") == pl.col("__firma"))
            .then(None)
            .otherwise(pl.col("salutation"))
            .alias("salutation")
        )
        .with_columns(
            (pl.col("source_id") + CONTACT_ID_SUFFIX).alias("source_id"),
            pl.col("__org").alias("organisation_name"),
            pl.lit("person").alias("record_type"),
            pl.lit(None, dtype=pl.String).alias("contact_name"),
            *(pl.lit(None, dtype=pl.String).alias(name) for name in _ORGANISATION_ONLY),
        )
        .with_columns(record_key(pl.col("silo"), pl.col("source_id")).alias("record_key"))
    )
    department = pl.col("__department")
    field = pl.col("__department_field")
    in_names = department & (field == "first_name")
    organisations = frame.with_columns(
        [
            pl.when(split | in_names).then(None).otherwise(pl.col(name)).alias(name)
            for name in ("title", "first_name", "last_name")
        ]
        + [
            # The department is in the department field now: contact_name names persons only.
            pl.when(split | (department & (field == "contact_name")) | address_note.is_not_null())
            .then(None)
            .otherwise(pl.col("contact_name"))
            .alias("contact_name"),
            pl.when(address_note.is_not_null())
            .then(
                pl.concat_str(
                    [pl.col("address_extra"), address_note], separator=", ", ignore_nulls=True
                )
            )
            .otherwise(pl.col("address_extra"))
            .alias("address_extra"),
            pl.when(split | in_names)
            .then(pl.col("__firma"))
            .otherwise(pl.col("salutation"))
            .alias("salutation"),
            pl.when(split | (department & (field == "organisation_name")))
            .then(pl.col("__org"))
            .otherwise(pl.col("organisation_name"))
            .alias("organisation_name"),
            pl.when((split | department) & pl.col("record_type").is_null())
            .then(pl.lit("organisation"))
            .otherwise(pl.col("record_type"))
            .alias("record_type"),
        ]
    )
    columns = list(CANONICAL_SCHEMA)
    departments = finding_rows(
        frame.filter(department),
        pl.when(field == "organisation_name").then(pl.lit("organisation_name")).otherwise(field),
        reason=pl.format(
            "department {} is no contact person: kept with the organisation in department",
            pl.col("department"),
        ),
        value=pl.when(field == "organisation_name")
        .then(pl.col("organisation_name"))
        .otherwise(pl.col("__department_text")),
    )
    notes = finding_rows(
        frame.filter(address_note.is_not_null()),
        "contact_name",
        reason="c/o or building note is no contact person: kept with the address in address_extra",
        value=address_note,
    )
    return SplitContacts(
        pl.concat([organisations.select(columns), contacts.select(columns)]),
        pl.concat([_findings(frame.filter(split)), departments, notes]),
    )


def _choose_contact(frame: pl.DataFrame, own_names: pl.Expr) -> pl.DataFrame:
    """The frame with its contact text (``__chosen_text``), the field it is from
    (``__text_field``) and the person it names (``__c_*``, ``_person``).

    The contact column when it names a person, else the person named beside the firm in its
    name ("Huber Bau GmbH z. Hd. Frau Huber", "Inh. Anton Huber"), else the column (a
    department or branch names nobody: split_contacts keeps it as the department).

    The owner named with the firm ("... e.K., Inh. Anton Huber") is its contact person unless
    the record names another (the contact column, or ``own_names``: first and last names of
    its own): a record makes one contact (<source_id>#contact), and the Ansprechpartner or the
    person of a shop order is the one to write to. The owner then stays in the organisation's
    name (``__org``); its key leaves "Inh. ..." out (organisations.without_owner), and the
    firm's other records make the owner their contact.
    """
    on_organisation = pl.col("__org").is_not_null()
    # Organisation rows only: every other row is one null key.
    frame = map_distinct(
        frame.with_columns(pl.when(on_organisation).then("__contact_name").alias("__column_text")),
        ["__column_text"],
        _person,
        _person_schema("__column_"),
    )
    column_person = _names_someone("__column_")
    owner_kept = pl.col("__owner") & on_organisation & (column_person | own_names)
    frame = frame.with_columns(
        pl.when(owner_kept).then(pl.col("__org_source")).otherwise(pl.col("__org")).alias("__org"),
        pl.when(owner_kept).then(None).otherwise(pl.col("__contact_text")).alias("__contact_text"),
    )
    from_column = column_person | pl.col("__contact_text").is_null()
    frame = map_distinct(
        frame.with_columns(pl.when(~from_column).then("__contact_text").alias("__name_text")),
        ["__name_text"],
        _person,
        _person_schema("__name_"),
    )
    return frame.with_columns(
        *(
            pl.when(from_column)
            .then(pl.col(f"__column_{name}"))
            .otherwise(pl.col(f"__name_{name}"))
            .alias(f"__c_{name}")
            for name in _PERSON_FIELDS
        ),
        pl.when(from_column)
        .then(pl.col("__contact_name"))
        .otherwise(pl.col("__contact_text"))
        .alias("__chosen_text"),
        pl.when(from_column)
        .then(pl.lit("contact_name"))
        .otherwise(pl.lit("organisation_name"))
        .alias("__text_field"),
    )


def _kept_as_department(field: str) -> pl.Expr:
    """True where the department that ``field`` named was kept as the department (its finding
    says so): a full-name column's department counts as "first_name"."""
    return (pl.col("__department") & (pl.col("__department_field") == field)).fill_null(False)


def _findings(split: pl.DataFrame) -> pl.DataFrame:
    """One finding per value of an organisation row that moved to its contact record (not a
    department or address note beside the contact: those have findings of their own)."""
    target = pl.col("source_id") + CONTACT_ID_SUFFIX
    moved = []
    for name in ("organisation_name", "contact_name", *_PERSON_FIELDS):
        changed = pl.col(name).is_not_null()
        if name in ("organisation_name", "contact_name", "first_name"):
            changed = changed & ~_kept_as_department(name)
        if name == "organisation_name":
            changed = changed & (pl.col(name) != pl.col("__org"))
        elif name == "contact_name":
            changed = changed & (
                pl.col("__address_note").is_null() | pl.col("__note_rest").is_not_null()
            )
        elif name in ("title", "last_name"):
            changed = changed & ~_kept_as_department("first_name")
        elif name == "salutation":
            changed = changed & pl.col("__firma").is_null()
        moved.append(
            finding_rows(
                split.filter(changed),
                name,
                reason=pl.format("contact person split off into record {}", target),
                value=pl.col(name),
            )
        )
    return pl.concat(moved)


def company_mailboxes_of_contacts(frame: pl.DataFrame) -> CleanResult:
    """A contact's addresses that do not name the contact are its organisation's mailboxes.

    A contact split off an organisation row carries that row's e-mails. An address naming the
    person (a.huber@huber-bau.de for Anna Huber, a B2B order from her own mailbox) is hers;
    any other (zuerich@veloblitz.ch, st@ for a branch, a shop's mailbox outside the role list)
    is the company's, like info@: added to ``role_emails``, so that it is no personal e-mail
    in matching (the contact and a newsletter row holding only that mailbox are not "the same
    address"). Runs after the e-mail cleaner; the e-mails themselves stay.
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    is_contact = pl.col("source_id").str.ends_with(CONTACT_ID_SUFFIX).fill_null(False)
    contacts = frame.filter(is_contact & (pl.col("emails").list.len() > 0).fill_null(False))
    if contacts.is_empty():
        return CleanResult(frame, empty_internal_findings())

    def squashed(column: str) -> pl.Expr:
        key = pl.col(column).str.replace_all(r"[^a-z]", "")
        return pl.when(key.str.len_chars() >= 3).then(key)

    letters = pl.col("__email").str.extract(r"^(.*)@", 1).str.replace_all(r"[^a-z]", "")
    names_person = letters.str.contains(squashed("last_name_key"), literal=True).fill_null(
        False
    ) | letters.str.contains(squashed("first_name_key"), literal=True).fill_null(False)
    roles = (
        contacts.select(
            "record_key",
            pl.col("emails").alias("__email"),
            pl.col("role_emails").fill_null(nothing).alias("__roles"),
            "last_name_key",
            "first_name_key",
        )
        .explode("__email")
        .filter(~names_person | pl.col("__roles").list.contains(pl.col("__email")))
        .group_by("record_key", maintain_order=True)
        .agg(pl.col("__email").alias("__roles_now"))
    )
    frame = frame.join(roles, on="record_key", how="left", maintain_order="left")
    return CleanResult(
        frame.with_columns(
            role_emails=pl.when(is_contact & pl.col("__roles_now").is_not_null())
            .then(pl.col("__roles_now"))
            .otherwise(pl.col("role_emails"))
        ).drop("__roles_now"),
        empty_internal_findings(),
    )
