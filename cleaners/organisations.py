"""Organisations: legal forms, organisation keys, VAT ids and the record type."""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

import polars as pl
from stdnum import exceptions as stdnum_errors
from stdnum.ch import uid as ch_uid
from stdnum.eu import vat as eu_vat

from cleaners.countries import locality_keys
from cleaners.emails import role_local_parts
from cleaners.nicknames import nickname_table
from cleaners.ordinals import numeric_ordinals
from cleaners.outcome import (
    CORRECTED,
    INVALID,
    VALID,
    CleanResult,
    Outcome,
    clean_with_country,
    empty_internal_findings,
    finding_rows,
    findings_for,
    map_distinct,
    temporary_columns,
)
from cleaners.reference import read_column, read_table
from cleaners.text import clean_text, is_placeholder, transliteration_key
from cleaners.titles import salutation_of, split_leading_salutation, split_leading_titles
from rules.reference import freemail_domains

_VAT_SEPARATORS = re.compile(r"[\s.\-/]")
# Swiss UIDs are often written with the register suffix: "CHE-123.456.789 MWST".
_CH_SUFFIX = re.compile(r"(MWST|TVA|IVA|VAT|HR)$")
_OTHER_VAT = re.compile(r"[A-Z]{2}(?=[0-9A-Z]*\d)[0-9A-Z]{2,14}")
_VAT_ERRORS = {
    stdnum_errors.InvalidChecksum: "check digit wrong",
    stdnum_errors.InvalidLength: "wrong length",
    stdnum_errors.InvalidFormat: "wrong format",
    stdnum_errors.InvalidComponent: "invalid country or part",
}


class OrganisationName(NamedTuple):
    name: str | None
    legal_form: str | None
    key: str | None
    status: str
    reason: str | None


@cache
def _legal_form_regex() -> tuple[re.Pattern[str], tuple[str, ...]]:
    rows = read_table("legal_forms.csv")
    alternatives = []
    for index, row in enumerate(rows):
        parts = re.findall(r"[^\W_]+|[&+]", row["variant"])
        alternatives.append(f"(?P<v{index}>" + r"[\s.()]*".join(map(re.escape, parts)) + ")")
    pattern = r"(?:^|(?<=[\s,(/-]))(?:" + "|".join(alternatives) + r")[\s.()]*$"
    return re.compile(pattern, re.IGNORECASE), tuple(row["canonical"] for row in rows)


@cache
def legal_form_families() -> dict[str, str]:
    """Canonical legal form -> its family (data/legal_form_families.csv): GmbH, Sàrl and Sagl
    are one family, AG and SA another; foreign forms have none."""
    return {row["canonical"]: row["family"] for row in read_table("legal_form_families.csv")}


def find_legal_form(name: str) -> tuple[str, str] | None:
    """(canonical legal form, name without it) when the name ends in a legal form, else None."""
    regex, canonical = _legal_form_regex()
    match = regex.search(name)
    if match is None or match.lastgroup is None:
        return None
    core = name[: match.start()].rstrip(" ,-/(")
    return canonical[int(match.lastgroup[1:])], core


# A branch or the company's state written after its name: "Huber Bau GmbH Niederlassung
# Augsburg", "Gruber Holz GmbH - Filiale Graz", "Müller GmbH (Zweigniederlassung Wien)",
# "Maier GmbH i.L.". The same legal entity: out of its key (the name keeps it).
#: The German, Swiss and French words a branch's town or number follows ("Filiale Wien",
#: "Niederlassung Krems", "succursale Lausanne"); "Fil." is the usual short form of "Filiale".
_BRANCH_NOUNS = (
    r"(?:zweig)?niederlassung|filiale|zweigstelle|gesch(?:ä|ae)ftsstelle|betriebsst(?:ä|ae)tte|"
    r"standort|succursale"
)
#: The words that name a branch ("Fil." the usual short form of "Filiale": "Fil. 03").
BRANCH_WORDS = rf"(?:{_BRANCH_NOUNS}|branch(?:\s+office)?)\b|fil\.(?=\s*\w)"
#: The same without the English "branch", which names the branch before it ("Sulzer Branch")
#: and is a name too ("Dorothy Sutton Branch Headstart"): the words a branch's town or number
#: follows (branch_of).
_NAMING_BRANCH_WORDS = rf"(?:{_BRANCH_NOUNS})\b|fil\.(?=\s*\w)"
#: _NAMING_BRANCH_WORDS at the start of a text or after a separator, for polars (whose regular
#: expressions have no look-ahead: "Fil." takes the letter or digit after it).
BRANCH_NAMED = rf"(?i)(?:^|[\s,(/\u2013-])(?:(?:{_BRANCH_NOUNS})\b|fil\.\s*\w)"
_BRANCH_OR_STATE = re.compile(
    r"(?:\s*[,(/\u2013-]\s*|\s+)(?:" + BRANCH_WORDS + r")[^,()/]*\)?\s*$"
    r"|(?:\s*[,(]\s*|\s+)(?:i\.\s*L\.?|in\s+Liquidation|i\.\s*Gr?\.?|in\s+Gr(?:ü|ue)ndung)\)?\s*$",
    re.IGNORECASE,
)


_BRANCH_ONLY = re.compile(r"^\s*(?:" + _NAMING_BRANCH_WORDS + r")", re.IGNORECASE)


def names_branch(text: str) -> bool:
    """The text begins with a branch ("Filiale Wien", "Fil. 01", "Niederlassung Krems an der
    Donau"): an ERP's name addition naming the firm's branch, no person."""
    return _BRANCH_ONLY.match(text) is not None


#: The branch a text names after a branch word: a town ("Filiale Wien", "Niederlassung St.
#: Pölten") or a number ("Fil. 03", "Filiale 12").
_BRANCH_NAME = re.compile(
    r"(?:^|[\s,(/\u2013-])(?:" + _NAMING_BRANCH_WORDS + r")\s*([^,()/]+)", re.IGNORECASE
)


#: A region, not a town, after a branch word ("Niederlassung Süd", "Standort Mitte").
_REGIONS = frozenset(
    {
        "nord",
        "süd",
        "sued",
        "ost",
        "west",
        "mitte",
        "zentrale",
        "zentrum",
        "north",
        "south",
        "east",
        "hauptsitz",
        "nordost",
        "nordwest",
        "südost",
        "suedost",
        "südwest",
        "suedwest",
    }
)


def branch_of(text: str | None) -> tuple[str | None, str | None]:
    """(town key, number) of the branch a name, name addition or street line names:
    "Brillenmacher AG - Filiale Meißen" -> ("meissen", None), "Fil. 03" -> (None, "3"),
    "Kramgasse 19, Filiale Biel/Bienne" -> ("biel", None) (the first of a bilingual name);
    (None, None) when it names none."""
    if not text:
        return None, None
    found = _BRANCH_NAME.search(text)
    if found is None:
        return None, None
    named = found.group(1).strip()
    number = re.fullmatch(r"(?:nr\.?\s*)?0*(\d+)", named, re.IGNORECASE)
    if number is not None:
        return None, number.group(1)
    if not named[:1].isalpha() or named.split()[0].lower() in _REGIONS:
        return None, None
    # Local import: cleaners.addresses reads this module's tables.
    from cleaners.addresses import city_key

    return city_key(named), None


def without_branch(name: str) -> str:
    """The company name without a branch or state written after it (at least one word stays).

    "Huber Bau GmbH Niederlassung Augsburg" -> "Huber Bau GmbH"; "Maier GmbH i.L." -> "Maier
    GmbH"; "Niederlassung Süd" and names without such a part are returned unchanged.
    """
    for _ in range(2):  # a branch and a state: "Huber GmbH i.L., Filiale Graz"
        found = _BRANCH_OR_STATE.search(name)
        if found is None or not name[: found.start()].strip(" ,-/("):
            break
        kept = name[: found.start()].rstrip(" ,-/(")
        # A legal form written after the branch is the firm's ("Sonnenhof Fahrschule Filiale
        # Nürnberg GbR" -> "Sonnenhof Fahrschule GbR"): it stays with the name.
        legal_form = find_legal_form(name[found.start() :])
        if legal_form is not None:
            written = name[found.start() :][len(legal_form[1]) :].strip(" ,-/()")
            if written:
                kept = f"{kept} {written}"
        name = kept
    return name


@cache
def _noise_words() -> frozenset[str]:
    return frozenset(read_column("organisation_noise.csv", "word"))


@cache
def trade_words() -> frozenset[str]:
    """Trade and function words of a group's company names (bau, holding, immobilien ...;
    data/organisation_trades.csv), as words of an organisation key."""
    return frozenset(read_column("organisation_trades.csv", "word")) | frozenset(trade_synonyms())


@cache
def trade_synonyms() -> dict[str, str]:
    """Trade word -> the trade it names (tischlerei and schreinerei -> tischlerei, metzgerei ->
    fleischerei; data/organisation_trade_synonyms.csv): regional names of one trade."""
    return {row["word"]: row["trade"] for row in read_table("organisation_trade_synonyms.csv")}


@cache
def _abbreviations() -> dict[str, str]:
    return {row["word"]: row["canonical"] for row in read_table("organisation_abbreviations.csv")}


# "Co-op" / "Coop", "Pre-School" / "Preschool": an English prefix with a hyphen is one word.
_HYPHENATED_PREFIX = re.compile(
    r"\b(pre|co|non|multi|inter|after|semi)-(?=[^\W\d_])", re.IGNORECASE
)


def organisation_key(name: str) -> str | None:
    """Matching key of an organisation: core name without legal form and noise words.

    "Müller & Söhne GmbH", "Mueller und Soehne G.m.b.H." and "MÜLLER + SÖHNE" share the key
    "mueller soehne"; abbreviated words take one form ("St. Mary's" / "Saint Marys" -> "st marys").
    """
    return _key_of(*_firm_and_form(name))


def _firm_and_form(name: str) -> tuple[str, tuple[str, str] | None]:
    """The firm's name without a branch or owner after it, and the legal form found in it
    (find_legal_form): what organisation_key and clean_organisation_name both read."""
    firm = without_branch(without_owner(name))
    return firm, find_legal_form(firm)


def _key_of(name: str, found: tuple[str, str] | None) -> str | None:
    """organisation_key of a firm's name whose legal form ``found`` is already read."""
    core = _HYPHENATED_PREFIX.sub(r"\1", found[1] if found else name)
    abbreviations = _abbreviations()
    words = [
        abbreviations.get(word, word)
        for word in numeric_ordinals(transliteration_key(core).split())
    ]
    kept = [word for word in words if word not in _noise_words()]
    return " ".join(kept or words) or None


# The owner of a sole proprietorship named with the firm: "Huber Bau e.K., Inh. Anton Huber",
# "Huber Bau Inh. Anton Huber e.K." (the legal form after the owner's name is the firm's).
_OWNER_WORDS = r"inh\.?|inhaber(?:in)?\s*:?"
# "z. Hd.", "z.Hd.", "zu Händen (von)", "Attn.", "Att.", "Attention", the French "à l'attention
# de" / "à l'att. de" and the Italian "all'attenzione di" / "all'att.ne di", "c/o",
# "Ansprechpartner(in):", "Kontakt:" and "Inh." in front of the person an organisation record
# names.
_CONTACT_MARKER = re.compile(
    r"(?:^|[\s,;/(-])(?:z\.?\s*H(?:d|dn)?\.?|zu\s+H(?:ä|ae|a)nden(?:\s+von)?|"
    r"attn\.?|att\.?|attention(?:\s+of)?|"
    r"(?:à|a)\s+l['’]\s*att(?:ention|\.)?(?:\s+de)?|"
    r"all['’]\s*att(?:enzione|\.(?:ne)?)?(?:\s+di)?|"
    r"c\s*/\s*o|ansprechpartner(?:in)?\s*:?|kontakt(?:person)?\s*:|"
    rf"{_OWNER_WORDS})"
    r"(?=[\s:.]|$)[\s:.]*",
    re.IGNORECASE,
)
_OWNER_MARKER = re.compile(r"inh|inhaber(?:in)?", re.IGNORECASE)
_OWNER_IN_NAME = re.compile(rf"(?:^|[\s,;/(-])(?:{_OWNER_WORDS})(?=[\s:.]|$)[\s:.]*", re.IGNORECASE)


def _owner_contact(before: str, after: str) -> OrganisationContact:
    """The firm and its owner around an "Inh." marker: a legal form after the owner's name goes
    back to the firm ("Huber Bau Inh. Anton Huber e.K." -> ("Huber Bau e.K.", "Anton Huber"))."""
    found = find_legal_form(after)
    if found is not None and found[1] and not find_legal_form(before):
        return OrganisationContact(
            f"{before} {after[len(found[1]) :].strip()}", found[1], owner=True
        )
    return OrganisationContact(before, after, owner=True)


def without_owner(name: str) -> str:
    """The firm's name without the owner named after it: "Huber Bau e.K., Inh. Anton Huber" and
    "Huber Bau Inh. Anton Huber e.K." -> "Huber Bau e.K."; a name without a firm before "Inh."
    ("Inh. Anna Huber e.U.") or without an owner is returned unchanged.

    A record that names another contact person keeps the owner in its name: its legal form and
    key are the firm's all the same (organisation_key, clean_organisation_name).
    """
    found = _OWNER_IN_NAME.search(name)
    if found is None:
        return name
    before = name[: found.start()].strip(" ,;-/(")
    after = name[found.end() :].strip(" ,;-/()")
    if not before or not after:
        return name
    return _owner_contact(before, after).organisation


# A person written beside the company in one field: "Huber Bau GmbH, Frau Anna Huber",
# "Huber Bau GmbH - Anna Huber", "Huber Bau GmbH / Hr. Dr. Huber".
_BESIDE = re.compile(r"\s*(?:,|;|\s[-–/|]\s)\s*")
_PERSON_WORD = re.compile(r"[^\W\d_][\w'.\-]*", re.UNICODE)


@cache
def _departments() -> frozenset[str]:
    return frozenset(read_column("departments.csv", "department"))


_DEPARTMENT_PREFIX = re.compile(
    r"^(?:abteilung|abt|dept|department|d[ée]partement|bereich|ufficio|servizio|reparto"
    r"|service(?:\s+(?:des|du|de\s+la|de\s+l'|d'))?)\b\s*",
    re.IGNORECASE,
)
# "Purchasing Department", "Einkauf Abt.", "Buchhaltungsabteilung": the word for department after
# the department's name.
_DEPARTMENT_SUFFIX = re.compile(
    r"(?:\s+(?:abteilung|abt|dept|department)\.?|(?<=[^\W\d_]{4})s?abteilung)$", re.IGNORECASE
)
# "Einkauf und Lager", "Purchasing and Shipping", "Achats et ventes", "Amministrazione e
# contabilità": each part must be a listed department.
_DEPARTMENT_JOINERS = re.compile(
    r"\s*(?:/|&|\+|,|\bund\b|\bu\b|\band\b|\bet\b|\be\b)\s*", re.IGNORECASE
)


def is_department(text: str | None) -> bool:
    """True for a department or function named where a person would stand: "Buchhaltung",
    "Abt. Einkauf", "Accounts Payable", "Einkauf / Lager" (cleaners/data/departments.csv)."""
    if not text:
        return False
    text = clean_text(text)
    if _listed_departments(text):  # "Ufficio acquisti", "Service des achats" as listed
        return True
    prefixed = _DEPARTMENT_PREFIX.match(text)
    text = text[prefixed.end() :].lstrip(". :") if prefixed else text
    suffixed = _DEPARTMENT_SUFFIX.search(text)
    if suffixed and suffixed.start() > 0 and _listed_departments(text[: suffixed.start()]):
        return True
    parts = _listed_departments(text)
    return bool(prefixed) if parts is None else parts  # "Abteilung" alone


@cache
def _unit_words() -> frozenset[str]:
    return frozenset(read_column("organisation_units.csv", "word"))


def is_organisation_unit(text: str | None) -> bool:
    """True for a department ("Buchhaltung", see ``is_department``) or the label of a branch,
    site or team ("Filiale Nord", "Werk 2", "Team Vertrieb", data/organisation_units.csv) that
    names no person after it."""
    if not text or is_department(text):
        return bool(text)
    words = clean_text(text).split()
    if not words or transliteration_key(words[0].rstrip(".:")) not in _unit_words():
        return False
    # "Abt. Einkauf Herrn Karl Gruber": a person named after the unit is no unit label, nor is
    # one after a separator without a salutation ("Filiale Zürich, Ruedi Meyer").
    if any(salutation_of(word) in ("Herr", "Frau") for word in words[1:]):
        return False
    if _UNIT_SEPARATOR.search(text):
        unit, rest = split_department(text)
        return unit is None or not _looks_like_person(rest)
    return True


#: What ends a unit label before a person: "Filiale Zürich, Ruedi Meyer", "Werk 2 - Max Huber".
_UNIT_SEPARATOR = re.compile(r"[,;:|]|\s[-–/]\s")


def _listed_departments(text: str) -> bool | None:
    """True when every part of "Einkauf / Lager" is a listed department; None for no parts."""
    parts = [transliteration_key(part) for part in _DEPARTMENT_JOINERS.split(text)]
    parts = [part for part in parts if part]
    if not parts:
        return None
    return all(part in _departments() for part in parts)


def split_department(text: str) -> tuple[str | None, str]:
    """(department, the rest) of a contact text that names a department before a person.

    "Buchhaltung, Frau Anna Huber" -> ("Buchhaltung", "Frau Anna Huber"); "Abt. Einkauf Herrn
    Dr. Gruber" -> ("Abt. Einkauf", "Herrn Dr. Gruber"); text without one -> (None, text).
    """
    cleaned = clean_text(text)
    # "Filiale Nord (Herr Pohl)", "Werk 2 (Frau Huber)": the person in brackets after the unit.
    bracketed = _LEADING_UNIT.match(cleaned)
    if bracketed is not None:
        unit = bracketed["unit"].strip(" ,;:/-")
        person = bracketed["person"].strip(" ,;:/-")
        if person and _unit_or_branch(unit) and not _unit_or_branch(person):
            return unit, person
    words = cleaned.split()
    for end in range(min(len(words) - 1, 4), 0, -1):
        head = " ".join(words[:end]).rstrip(" ,;:/-–|")
        rest = " ".join(words[end:]).strip(" ,;:/-–|")
        # "Hr." is Herr before a name, not human resources.
        if not rest or salutation_of(words[0]) is not None:
            continue
        if is_department(head):
            return head, rest
        # A branch, site or team label ("Filiale Nord, Herr Pohl", "Team Vertrieb, Frau
        # Huber"): only where a separator or a salutation ends it ("Filiale Nord Herr" is no
        # branch's name).
        ended = words[end - 1][-1:] in ",;:" or words[end] in ("-", "–", "/", "|")
        if (ended or salutation_of(words[end]) is not None) and _unit_or_branch(head):
            return head, rest
    return None, text


#: A unit or branch with the person in brackets after it: "Filiale Nord (Herr Pohl)".
_LEADING_UNIT = re.compile(r"^(?P<unit>[^()]+?)\s*\((?P<person>[^()]+)\)?\s*$")


def _unit_or_branch(text: str) -> bool:
    """A department, a branch ("Filiale Nord", "Fil. 03") or a site or team label ("Werk 2")."""
    return is_organisation_unit(text) or names_branch(text)


# "Max Huber, Einkauf", "Frau Huber (Buchhaltung)", "Max Huber - GF", "Herrn Pohl (Filiale
# Lübeck)": a person, then the department, function or branch they work in. The closing
# bracket may be lost ("Frau Meyer (Filiale Burgdorf": a field cut short).
_TRAILING_PART = re.compile(
    r"^(?P<person>.+?)\s*(?:\((?P<bracketed>[^()]+)\)?|(?:,|\s[-–/|]\s)\s*(?P<beside>[^,()]+))\s*$"
)


def split_trailing_department(text: str) -> tuple[str | None, str]:
    """(department, the rest) of a contact text that names the department after the person.

    "Max Huber, Einkauf" -> ("Einkauf", "Max Huber"); "Frau Anna Huber (Buchhaltung)" ->
    ("Buchhaltung", "Frau Anna Huber"); "Max Huber (GF)" -> ("GF", "Max Huber"); a branch
    too: "Herrn Pohl (Filiale Lübeck)" -> ("Filiale Lübeck", "Herrn Pohl"); text without one
    -> (None, text). Only a listed department or function, or a branch (``names_branch``),
    counts ("Huber, Anna" is a name).
    """
    found = _TRAILING_PART.match(clean_text(text))
    if found is None:
        return None, text
    department = (found["bracketed"] or found["beside"] or "").strip(" ,;:/-")
    person = found["person"].strip(" ,;:/-")
    if person and _unit_or_branch(department) and not _unit_or_branch(person):
        return department, person
    return None, text


def names_person_with_department(text: str) -> bool:
    """A person named with a department or function before or after the name: "Geschäftsführer
    Max Huber", "Max Huber (GF)", "Anna Huber, Einkauf"."""
    for department, rest in (split_department(text), split_trailing_department(text)):
        if department is not None and _looks_like_person(rest):
            return True
    return False


class OrganisationContact(NamedTuple):
    organisation: str
    contact: str | None
    #: The contact is the firm's owner, named after "Inh." ("Huber Bau e.K., Inh. Anton Huber").
    owner: bool = False


@cache
def _organisation_words() -> frozenset[str]:
    return frozenset(
        transliteration_key(word) for word in read_column("organisation_words.csv", "word")
    )


def _looks_like_person(text: str) -> bool:
    """One to five name-like words without a legal form that start with a salutation, a title
    or a known first name ("Frau Dr. Huber", "Dr. Huber", "Anna Huber"; not "Niederlassung
    Süd").

    Never a person: digits, "&", a word of ``data/organisation_words.csv`` ("Henry Booth House",
    "Anna Kita"); after a bare first name (no salutation, no title) two or three words only.
    """
    words = text.split()
    if not 1 <= len(words) <= 5 or find_legal_form(text) is not None:
        return False
    if not all(_PERSON_WORD.fullmatch(word) for word in words) or any(
        char.isdigit() for char in text
    ):
        return False
    if any(transliteration_key(word.rstrip(".")) in _organisation_words() for word in words):
        return False
    salutation, rest = split_leading_salutation(words)
    titles, rest = split_leading_titles(rest)
    if salutation in ("Herr", "Frau") or titles:
        return bool(rest)
    return 2 <= len(rest) <= 3 and transliteration_key(rest[0]) in nickname_table().groups


def split_organisation_contact(value: str) -> OrganisationContact:
    """The organisation and the person an organisation field names beside it, else (value, None).

    The "person" may be a department ("z. Hd. Buchhaltung", see ``is_department``): the caller
    keeps it with the organisation.

    "Huber Bau GmbH z. Hd. Frau Anna Huber" -> ("Huber Bau GmbH", "Frau Anna Huber"); "Anna Huber
    c/o Huber Bau GmbH" -> ("Huber Bau GmbH", "Anna Huber"); "Huber Bau GmbH, Anna Huber" (a
    person beside a name with a legal form) -> ("Huber Bau GmbH", "Anna Huber").
    """
    text = clean_text(value)
    marker = _CONTACT_MARKER.search(text)
    if marker is not None:
        before = text[: marker.start()].strip(" ,;-/(")
        after = text[marker.end() :].strip(" ,;-/()")
        if before and after and _OWNER_MARKER.fullmatch(marker.group().strip(" ,;/(-:.")):
            return _owner_contact(before, after)
        if before and after:
            # "Anna Huber c/o Huber Bau GmbH": the side with the legal form is the organisation.
            if find_legal_form(after) and not find_legal_form(before):
                return OrganisationContact(after, before)
            return OrganisationContact(before, after)
        if before:
            return OrganisationContact(before, None)
        return OrganisationContact(text, None)
    for separator in _BESIDE.finditer(text):
        left, right = text[: separator.start()], text[separator.end() :]
        if find_legal_form(left) and is_department(right):  # "Huber Bau GmbH, Abt. Einkauf"
            return OrganisationContact(left.strip(), right.strip())
        if find_legal_form(left) and (
            _looks_like_person(right) or names_person_with_department(right)
        ):
            return OrganisationContact(left.strip(), right.strip())
        if find_legal_form(right) and _looks_like_person(left):
            return OrganisationContact(right.strip(), left.strip())
        # "Huber Bau, Anna Huber": after a comma only (site lists write "Erie House - Lucia
        # Rubio Site" for a programme named after a person).
        if (
            separator.group().strip() in (",", ";")
            and _names_firm_without_form(left)
            and _looks_like_person(right)
            and _vouches_for_contact(left, right)
        ):
            return OrganisationContact(left.strip(), right.strip())
    return OrganisationContact(text, None)


def _vouches_for_contact(firm: str, person: str) -> bool:
    """A person beside a firm without legal form is its contact when the person is addressed
    ("Frau Huber"), carries the firm's family name ("Huber Bau, Anna Huber") or the firm names
    a trade ("Elektro Maier, Anna Huber", data/organisation_trades.csv); a site list's
    "Chicago Youth Centers, Rebecca Crown" names a programme after a person."""
    firm_words = {transliteration_key(word) for word in firm.split()}
    person_words = person.split()
    salutation, _ = split_leading_salutation(person_words)
    last = transliteration_key(person_words[-1])
    return salutation is not None or last in firm_words or bool(firm_words & trade_words())


def _names_firm_without_form(text: str) -> bool:
    """A company name without legal form before a person ("Huber Bau" in "Huber Bau, Anna
    Huber"): two or more words, not a person's name (not "Anna Huber", not "Huber, Anna": one
    word), no institution's word (data/organisation_words.csv), no department or function
    ("Einkauf, Anna Huber")."""
    words = text.split()
    # An institution's word ("Chicago Commons Association, Paulo Freire"): a site list's
    # programme named after a person, not a contact.
    institution = any(
        transliteration_key(word.rstrip(".")) in _organisation_words() for word in words
    )
    return (
        len(words) >= 2
        and not institution
        and not _looks_like_person(text)
        and not is_department(text)
        and not any(char.isdigit() for char in text)
    )


def without_contact_marker(text: str) -> str:
    """A contact column's person without its leading "z. Hd.", "Attn.", "c/o" ... marker.

    "z. Hd. Herrn Roger Sutter" -> "Herrn Roger Sutter"; text without a marker is unchanged.
    """
    marker = _CONTACT_MARKER.match(text)
    rest = _unbracketed(text[marker.end() :]) if marker is not None else ""
    return rest or text


def _unbracketed(text: str) -> str:
    """``text`` without separators around it and without a bracket left open or closed by
    what was cut off ("(z. Hd. Frau Huber)" -> "Frau Huber") or around all of it; a pair of
    brackets inside stays ("Herr Berthod (Service achats)")."""
    text = text.strip(" ,;-/")
    while text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip(" ,;-/")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip(" ,;-/")
    inner = text[1:-1]
    if text.startswith("(") and text.endswith(")") and "(" not in inner and ")" not in inner:
        text = inner.strip(" ,;-/")  # "Attn. (Purchasing)"
    return text


def contact_of_address_line(line: str | None) -> str | None:
    """The person of an address line "z. Hd. Frau Huber" / "Attn. John Smith", else None."""
    if line is None:
        return None
    for part in re.split(r"\s*[,;\n]\s*", clean_text(line)):
        marker = _CONTACT_MARKER.match(part)
        if marker is not None and part[marker.end() :].strip():
            return part[marker.end() :].strip()
    return None


def organisation_of_address_line(line: str | None) -> str | None:
    """The company an address names in a line of its own ("Huber Bau GmbH, Werkstraße 3, ..."
    leaves "Huber Bau GmbH" in address_extra): the first part with a legal form, else None."""
    if line is None:
        return None
    for part in re.split(r"\s*[,;\n]\s*", clean_text(line)):
        if part and not _CONTACT_MARKER.match(part) and find_legal_form(part) is not None:
            return part
    return None


def looks_like_organisation(text: str) -> bool:
    """True for a name that carries a legal form, at its end or before a named contact person."""
    if find_legal_form(without_branch(text)) is not None:
        return True
    split = split_organisation_contact(text)
    return split.contact is not None and find_legal_form(split.organisation) is not None


def organisation_share(values: pl.Series) -> float:
    """Share of the distinct non-empty values that look like organisations (0.0 when none)."""
    distinct = values.cast(pl.String).drop_nulls().str.strip_chars().unique()
    distinct = distinct.filter(distinct != "")
    if distinct.len() == 0:
        return 0.0
    found = distinct.map_elements(looks_like_organisation, return_dtype=pl.Boolean)
    return float(found.sum()) / distinct.len()


@cache
def private_customer_keys() -> frozenset[str]:
    """Transliteration keys of company-field entries that say "a private customer" (privat,
    Privatkunde ...; data/private_customer_words.csv)."""
    return frozenset(read_column("private_customer_words.csv", "key"))


def clean_organisation_name(value: str | None) -> OrganisationName:
    """Trimmed organisation name with its legal form (as found in the name) and its key.

    "privat", "Privatkunde" and the like in a company field are a private customer's answer:
    no organisation (else the person would become a company's contact, kept apart from her
    own records in the other silos)."""
    if value is None or not clean_text(value):
        return OrganisationName(None, None, None, VALID, None)
    text = clean_text(value)
    if is_placeholder(text):
        return OrganisationName(None, None, None, INVALID, "placeholder, not a name")
    if transliteration_key(text) in private_customer_keys():
        return OrganisationName(None, None, None, INVALID, "a private customer, no organisation")
    firm, found = _firm_and_form(text)
    return OrganisationName(text, found[0] if found else None, _key_of(firm, found), VALID, None)


def normalize_legal_form(value: str | None) -> Outcome:
    """Canonical spelling of a legal form ("gmbh" -> "GmbH"); unknown forms are kept as written."""
    if value is None or not clean_text(value):
        return Outcome(None)
    text = clean_text(value)
    found = find_legal_form(text)
    if found is None or found[1]:
        return Outcome(text)
    return Outcome(found[0])


def normalize_vat_id(value: str | None, country: str | None = None) -> Outcome:
    """Compact, checked VAT id (DE136695976, ATU13585627, CHE116281710); invalid -> None.

    A number without country prefix gets the record's country prefix (status corrected) when it
    then validates. Ids of countries stdnum's EU/CH modules do not cover are kept compacted.
    """
    if value is None or not clean_text(value):
        return Outcome(None)
    compact = _VAT_SEPARATORS.sub("", clean_text(value)).upper()
    if compact.startswith("CHE"):
        compact = _CH_SUFFIX.sub("", compact)
    if compact[:2].isalpha():
        return _checked_vat(compact)
    if compact.isdigit() and country:
        prefix = "CHE" if country == "CH" else ("EL" if country == "GR" else country)
        checked = _checked_vat(prefix + compact)
        if checked.status == VALID:
            return Outcome(checked.value, CORRECTED, f"country prefix {prefix} added")
    return Outcome(None, INVALID, "not a VAT id (no country prefix)")


def _checked_vat(compact: str) -> Outcome:
    try:
        if compact.startswith("CHE"):
            return Outcome(ch_uid.validate(compact))
        if compact[:2].lower() in eu_vat.MEMBER_STATES | {"el"}:
            return Outcome(eu_vat.validate(compact))
    except stdnum_errors.ValidationError as error:
        reason = _VAT_ERRORS.get(type(error), "not valid")
        return Outcome(None, INVALID, f"invalid VAT id: {reason}")
    if _OTHER_VAT.fullmatch(compact):  # a country stdnum's EU/CH modules do not cover: unverified
        return Outcome(compact)
    return Outcome(None, INVALID, "not a VAT id")


@cache
def _record_types() -> dict[str, str]:
    return {row["value"]: row["record_type"] for row in read_table("record_types.csv")}


def normalize_record_type(value: str | None) -> Outcome:
    """person or organisation from a mapped value (B2B, Firma, Privat ...); unknown -> invalid."""
    if value is None or not clean_text(value):
        return Outcome(None)
    found = _record_types().get(transliteration_key(value))
    if found is None:
        return Outcome(None, INVALID, "unknown record type (inferred instead)")
    return Outcome(found)


def clean_organisations(frame: pl.DataFrame) -> CleanResult:
    """Clean organisation_name and legal_form; add organisation_key (legal form from the name)."""
    frame = map_distinct(
        frame,
        ["organisation_name"],
        clean_organisation_name,
        {
            "__org_name": pl.String(),
            "__org_form": pl.String(),
            "__org_key": pl.String(),
            "__org_status": pl.String(),
            "__org_reason": pl.String(),
        },
    )
    frame = map_distinct(
        frame,
        ["legal_form"],
        normalize_legal_form,
        {"__form": pl.String(), "__form_status": pl.String(), "__form_reason": pl.String()},
    )
    findings = pl.concat(
        [
            findings_for(
                frame,
                "organisation_name",
                value="organisation_name",
                status="__org_status",
                reason="__org_reason",
            ),
            findings_for(
                frame,
                "legal_form",
                value="legal_form",
                status="__form_status",
                reason="__form_reason",
            ),
        ]
    )
    frame = frame.with_columns(
        organisation_name=pl.col("__org_name"),
        legal_form=pl.coalesce("__form", "__org_form"),
        organisation_key=pl.col("__org_key"),
    )
    return CleanResult(frame.drop(temporary_columns(frame)), findings)


def clean_vat_ids(frame: pl.DataFrame) -> CleanResult:
    """Normalize vat_id against the record's (already cleaned) country."""
    return clean_with_country(frame, "vat_id", normalize_vat_id)


def business_domains(emails: pl.Expr) -> pl.Expr:
    """The distinct, sorted domains of a list of cleaned e-mails that are not free-mail domains.

    person@firma.de and info@firma.de both give "firma.de": the organisation's domain.
    """
    domains = emails.list.eval(pl.element().str.extract(r"@([^@\s]+)$", 1))
    return (
        domains.list.eval(
            pl.element().filter(
                pl.element().is_not_null() & ~pl.element().is_in(list(freemail_domains()))
            )
        )
        .list.unique()
        .list.sort()
    )


@cache
def _mailbox_words_pattern() -> str:
    """Role and branch words of a mailbox's local part (info, filiale, laden ...) as one regex."""
    words = sorted(
        set(role_local_parts()) | set(read_column("branch_mailbox_words.csv", "word")),
        key=lambda word: (-len(word), word),
    )
    return r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b"


#: Letters before a trade word that make a German compound naming a trade ("haustechnik":
#: Haus + Technik, "dachbau": Dach + Bau).
TRADE_COMPOUND_MIN_PREFIX = 3


@cache
def _trades_longest_first() -> tuple[str, ...]:
    """The trade words, longest first (a regex alternation tries them in this order)."""
    return tuple(sorted(trade_words(), key=lambda word: (-len(word), word)))


@cache
def _trade_compound() -> str:
    """A regex (not anchored) of a German compound ending in a trade word: "dachbau", "haustechnik";
    built once, not at every use."""
    trades = "|".join(_trades_longest_first())
    return r"[a-z]{" + str(TRADE_COMPOUND_MIN_PREFIX) + r",}(?:" + trades + r")"


def is_trade_word(word: pl.Expr) -> pl.Expr:
    """A word of an organisation key that names a trade: a trade word
    (data/organisation_trades.csv) or a German compound ending in one ("dachbau", "fensterbau",
    "haustechnik": Dach + Bau, Haus + Technik), as group companies name their trade."""
    return word.is_in(_trades_longest_first()) | word.str.contains(f"^{_trade_compound()}$")


@cache
def _trade_mailbox_pattern() -> str:
    """A whole local part that names a trade or a department: a trade word (immobilien@,
    elektro@) or a compound ending in one (haustechnik@, dachbau@; ``is_trade_word``), a
    department of one word (einkauf@, kundendienst@; data/departments.csv)."""
    words = sorted(
        set(_trades_longest_first())
        | {word for word in _departments() if re.fullmatch(r"[a-z]+", word)},
        key=lambda word: (-len(word), word),
    )
    return r"^(?:" + "|".join(words) + "|" + _trade_compound() + r")$"


@cache
def _branch_word_pattern() -> str:
    """A branch word (filiale, standort, laden ...) as the first word of a mailbox's local part
    (filiale.graz@, laden-bern@; not filialleiter@, and not anna.laden@ or john.branch@, where
    it follows a first name as a surname)."""
    words = sorted(read_column("branch_mailbox_words.csv", "word"), key=lambda w: (-len(w), w))
    return r"^(?:" + "|".join(re.escape(word) for word in words) + r")(?:[^a-z]|$)"


def branch_mailbox(emails: pl.Expr) -> pl.Expr:
    """Per e-mail of a list: its local part starts with a branch word (filiale.rosenhei@,
    standort-passau@): a branch's or shop's mailbox, never a person's."""
    return emails.list.eval(
        pl.element()
        .str.extract(r"^([^@]+)@", 1)
        .str.to_lowercase()
        .str.contains(_branch_word_pattern())
    )


def trade_mailbox(emails: pl.Expr) -> pl.Expr:
    """Per e-mail of a list: its local part names a trade or a department (immobilien@,
    haustechnik@, einkauf@), as a group's companies and a firm's departments name their shared
    mailboxes; separators and digits make it no such mailbox (peter.maler@ is a person's)."""
    return emails.list.eval(
        pl.element()
        .str.extract(r"^([^@]+)@", 1)
        .str.to_lowercase()
        .str.contains(_trade_mailbox_pattern())
    )


def folded_letters(letters: pl.Expr) -> pl.Expr:
    """Umlauts transliterated or dropped read alike ("zuerich", "zurich" -> "zurich"), and
    "Sankt" as "St" ("sanktgallen", "stgallen" -> "stgallen")."""
    return (
        letters.str.replace_all("ae", "a")
        .str.replace_all("oe", "o")
        .str.replace_all("ue", "u")
        .str.replace(r"^sankt", "st")
    )


def mailbox_place(emails: pl.Expr) -> pl.Expr:
    """Per e-mail of a list: the letters of its local part without role and branch words
    (zuerich@, filiale.zuerich@, laden-zuerich@ -> "zurich", umlauts folded); null when
    nothing is left (info@), no letter remains or the mailbox is a trade's or department's
    (immobilien@: trade_mailbox names no place)."""
    local = pl.element().str.extract(r"^([^@]+)@", 1).str.to_lowercase()
    return emails.list.eval(
        pl.when(~local.str.contains(_trade_mailbox_pattern()).fill_null(False)).then(
            folded_letters(
                local.str.replace_all(r"[^a-z]+", " ")
                .str.replace_all(_mailbox_words_pattern(), "")
                .str.replace_all(" ", "")
            ).replace("", None)
        )
    )


def place_letters(city_key: pl.Expr) -> pl.Expr:
    """A city key in letters only, umlauts folded, for comparing it with a mailbox's local part
    ("sankt gallen" -> "sanktgallen", "zuerich" -> "zurich")."""
    return folded_letters(city_key.str.replace_all(r"[^a-z]", ""))


#: Letters a brand keeps when its town is taken off its name (at least; "Veloblitz").
BRAND_MIN_LETTERS = 5


def brand_without_town(name_letters: pl.Expr, city_key: pl.Expr) -> pl.Expr:
    """An organisation name in letters without the record's town at its end ("veloblitzzuerich"
    in Zürich -> "veloblitz"), both folded as in place_letters: a franchise branch named after
    its town, whose e-mail domain is the brand's. Null when the name does not end in the town
    or fewer than BRAND_MIN_LETTERS letters are left."""
    name, town = folded_letters(name_letters), place_letters(city_key)
    kept = name.str.len_chars() - town.str.len_chars()
    return (
        pl.when(
            (town.str.len_chars() >= 3) & name.str.ends_with(town) & (kept >= BRAND_MIN_LETTERS)
        )
        .then(name.str.head(kept))
        .otherwise(None)
    )


#: Letters the first word of a locality needs to name it alone ("krems" for Krems an der Donau,
#: "villach" for the Villach districts; not "bad" or "st").
TOWN_WORD_MIN_LETTERS = 4


@cache
def _town_letters() -> list[str]:
    """The DACH localities (cleaners.countries.locality_keys) as place_letters gives them, and
    the first word of a locality of several words ("krems" of "krems an der donau": a branch
    writes its town short), without those that are first names too (laura@ is a person's
    mailbox, not Laura's)."""
    first_names = nickname_table().groups
    keys = pl.Series(sorted(locality_keys()), dtype=pl.String)
    first_words = keys.str.extract(r"^([a-z]+) ", 1).drop_nulls()
    first_words = first_words.filter(first_words.str.len_chars() >= TOWN_WORD_MIN_LETTERS)
    names = pl.concat([keys, first_words]).unique()
    names = names.filter(~names.is_in(sorted(first_names)))
    letters = pl.select(place_letters(pl.lit(names)).alias("town")).to_series()
    return sorted(set(letters.filter(letters.str.len_chars() >= 3).to_list()))


def organisation_mailboxes(frame: pl.DataFrame) -> CleanResult:
    """A record with neither a name nor an organisation whose e-mails are all role mailboxes at
    a business domain (info@firma.de, a newsletter row) is that organisation's record.

    A shop's or branch's mailbox named after a town (zuerich@veloblitz.ch, filiale-graz@firma.at;
    the DACH localities of data/localities.csv and city_variants.csv, or the first word of one,
    krems@ for Krems an der Donau; or the town of the row's own address, kempten@ on a row in
    Kempten) counts as a role mailbox:
    franchise branches and shops sign up with such addresses, and the town tells which branch
    it is (matching.comparisons._email_domain). Read from the row alone, as every cleaner does
    (flows.stages cleans in partitions, cleaners.incremental re-cleans changed rows only).

    Runs after the e-mail cleaner (role_emails). A personal address at a business domain
    (anna.huber@firma.de) stays a person: golden.csv links it to the organisation as a contact.
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    emails, roles = pl.col("emails").fill_null(nothing), pl.col("role_emails").fill_null(nothing)
    towns = _town_letters()
    others = emails.list.set_difference(roles)
    places = mailbox_place(others)
    at_a_town = places.list.eval(pl.element().is_in(towns)).list.all()
    # A trade's or department's mailbox (immobilien@krause-gruppe.de, einkauf@): the firm's.
    at_a_trade = trade_mailbox(others).list.all()
    # A branch's mailbox whatever the town is spelled like (filiale.rosenhei@, cut short by a
    # form's field length; standort-xy@): a local part starting with a branch word is no one's.
    at_a_branch = branch_mailbox(others).list.all()
    # The mailbox spells the row's own town (kempten@brand.de on a row in Kempten): a town the
    # gazetteer does not hold (it has the large German cities only), written on the row itself.
    own_town = place_letters(pl.col("city_key"))
    place = places.list.first()
    at_own_town = (places.list.len() == 1) & (
        (place == own_town)
        | ((place.str.len_chars() >= TOWN_WORD_MIN_LETTERS) & own_town.str.starts_with(place))
    ).fill_null(False)
    unnamed = (
        (pl.col("record_type") == "person")
        & pl.col("first_name").is_null()
        & pl.col("last_name").is_null()
        & pl.col("organisation_name").is_null()
        & ~pl.col("salutation").is_in(["Herr", "Frau"]).fill_null(False)
        & (emails.list.len() > 0)
    ).fill_null(False)
    role_mailboxes = (
        ((others.list.len() == 0) | at_a_town | at_own_town | at_a_trade | at_a_branch)
        & ~emails.list.eval(
            pl.element().str.extract(r"@([^@\s]+)$", 1).is_in(list(freemail_domains()))
        ).list.any()
    ).fill_null(False)
    # The mailbox expressions (regular expressions per e-mail) only where the cheap conditions
    # hold: a row without a name and organisation is rare, and polars' & evaluates both sides.
    candidates = frame.select(unnamed.alias("unnamed")).to_series()
    positions = candidates.arg_true()
    chosen = frame.filter(candidates).select(role_mailboxes.alias("chosen")).to_series()
    mailbox_only = pl.lit(
        pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True).scatter(
            positions.filter(chosen), True
        )
    )
    findings = finding_rows(
        frame.filter(mailbox_only),
        "record_type",
        reason="only a role mailbox at a business domain: organisation",
        value=emails.list.join("; "),
    )
    frame = frame.with_columns(
        record_type=pl.when(mailbox_only).then(pl.lit("organisation")).otherwise("record_type"),
        # A branch's town mailbox is a shared one too (matching reads the town from it).
        role_emails=pl.when(mailbox_only).then(emails).otherwise("role_emails"),
    )
    return CleanResult(frame, findings)


def firm_names_at_own_domain(frame: pl.DataFrame) -> CleanResult:
    """A person row whose name its own mailbox's domain spells, with only role mailboxes there
    ("Obermayr Zimmerei", mail@obermayr-zimmerei.ch; a newsletter's one name field holding
    the firm's name without legal form) is that firm's record: an organisation named so.

    A role mailbox alone (info@, mail@) at a domain of exactly the name's letters is the
    firm's; a name of a known first name stays a person (a freelancer's info@annahuber.de), as
    does a row with an address of its own at the domain (o.zimmerei@). Runs after
    organisation_mailboxes (role_emails) and before names_from_emails. Read from the row alone.
    """
    nothing = pl.lit([], dtype=pl.List(pl.String()))
    emails, roles = pl.col("emails").fill_null(nothing), pl.col("role_emails").fill_null(nothing)
    letters = folded_letters(
        pl.concat_str(
            pl.col("first_name_key").fill_null(""), pl.col("last_name_key").fill_null("")
        ).str.replace_all(r"[^a-z]", "")
    )
    labels = emails.list.eval(
        folded_letters(
            pl.element()
            .str.extract(r"@([^@\s]+)$", 1)
            .str.replace(r"\.[^.]+$", "")
            .str.split(".")
            .explode()
            .str.replace_all(r"[^a-z]", "")
        )
    )
    # A known first name is a person's ("Anna Huber", info@annahuber.de: a freelancer's own
    # domain), unless the other word is a trade ("Anna Bäckerei").
    person_like = pl.col("first_name_key").is_in(sorted(nickname_table().groups)) & ~pl.col(
        "last_name_key"
    ).is_in(sorted(trade_words()))
    candidates = (
        (pl.col("record_type") == "person")
        & pl.col("organisation_name").is_null()
        & pl.col("first_name_key").is_not_null()
        & pl.col("last_name_key").is_not_null()
        & ~person_like
        & ~pl.col("salutation").is_in(["Herr", "Frau"]).fill_null(False)
        & (emails.list.len() > 0)
        & (emails.list.set_difference(roles).list.len() == 0)
    ).fill_null(False)
    chosen = frame.select(candidates.alias("candidate")).to_series()
    if not chosen.any():
        return CleanResult(frame, empty_internal_findings())
    spelled = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True).scatter(
        chosen.arg_true(),
        frame.filter(chosen)
        .select(
            (
                (letters.str.len_chars() >= FIRM_NAME_MIN_LETTERS) & labels.list.contains(letters)
            ).fill_null(False)
        )
        .to_series(),
    )
    if not spelled.any():
        return CleanResult(frame, empty_internal_findings())
    firm = pl.lit(spelled)
    name = pl.concat_str(pl.col("first_name"), pl.col("last_name"), separator=" ")
    frame = frame.with_columns(pl.when(firm).then(name).alias("__firm_name"))
    frame = map_distinct(
        frame,
        ["__firm_name"],
        lambda value: (organisation_key(value) if value else None,),
        {"__firm_key": pl.String()},
    )
    findings = finding_rows(
        frame.filter(firm),
        "record_type",
        reason="a firm's name that its own role mailbox's domain spells: organisation",
        value=pl.col("__firm_name"),
    )
    cleared = [
        "first_name",
        "last_name",
        "first_name_key",
        "last_name_key",
        "first_name_phonetic",
        "last_name_phonetic",
        "first_name_group",
        "first_name_groups",
        "salutation",
        "title",
        "name_suffix",
    ]
    frame = frame.with_columns(
        record_type=pl.when(firm).then(pl.lit("organisation")).otherwise("record_type"),
        organisation_name=pl.when(firm).then("__firm_name").otherwise("organisation_name"),
        organisation_key=pl.when(firm).then("__firm_key").otherwise("organisation_key"),
        **{
            column: pl.when(firm).then(None).otherwise(column)
            for column in cleared
            if column in frame.columns
        },
    )
    return CleanResult(frame.drop("__firm_name", "__firm_key"), findings)


#: Letters a name needs before its domain spelling it says "the firm's name" (not "Bau AG").
FIRM_NAME_MIN_LETTERS = 8
