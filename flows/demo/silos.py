"""How each demo silo writes an entity: its columns, formats and habits of noise.

* ``crm``: a German CRM exported as Windows-1252 CSV; clerks type names, use DD.MM.YYYY dates.
* ``shop``: a web shop; customers type their own one-line name and address, ISO dates.
* ``erp``: the accounting system; persons and organisations, legal form in its own column.
* ``newsletter``: the newsletter tool; e-mail first, names optional, consent per subscriber.

A renderer returns the silo row as a dict of column -> value (text, bool, int or None) for one
entity, given when the record was created and whether it still shows the entity's old state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from flows.demo.contact import Phone, format_phone, vat_variant
from flows.demo.entities import Address, Organisation, Person, random_date
from flows.demo.reference import Place, ReferenceData
from flows.demo.variants import (
    change_case,
    house_number_variant,
    nickname,
    street_variant,
    surname_variant,
    transliterate,
    typo,
)

CRM_COLUMNS = (
    "Kundennr", "Anrede", "Titel", "Vorname", "Nachname", "Firma", "USt-IdNr", "Straße", "Hausnr",
    "PLZ", "Ort", "Land", "Telefon", "Mobil", "E-Mail", "Geburtsdatum", "Postwerbung", "Angelegt",
    "Geändert", "Letzter Kontakt", "Betreuer",
)  # fmt: skip
SHOP_KEYS = (
    "customer_id", "salutation", "name", "address", "phone", "email", "birthday",
    "customer_since", "updated_at", "last_order", "newsletter_opt_in",
)  # fmt: skip
ERP_COLUMNS = (
    "kundennr", "kundentyp", "anrede", "titel", "vorname", "nachname", "firmenname", "rechtsform",
    "strasse", "plz", "ort", "land", "telefon", "telefax", "email", "ust_idnr", "geburtsdatum",
    "angelegt_am", "geaendert_am", "letzte_rechnung",
)  # fmt: skip
NEWSLETTER_COLUMNS = (
    "subscriber_id", "email", "first_name", "last_name", "opt_in", "opt_in_date", "opt_out_date",
    "source", "last_open",
)  # fmt: skip

CRM_COUNTRY_NAMES = {
    "DE": (("", 40), ("Deutschland", 35), ("DE", 15), ("D", 7), ("Germany", 3)),
    "AT": (("Österreich", 55), ("AT", 25), ("A", 12), ("Oesterreich", 5), ("Austria", 3)),
    "CH": (("Schweiz", 60), ("CH", 30), ("Switzerland", 5), ("Suisse", 5)),
}
NEWSLETTER_SOURCES = (
    ("website_footer", 40), ("shop_checkout", 25), ("trade_fair", 10), ("sweepstake", 10),
    ("crm_import", 15),
)  # fmt: skip
SALUTATIONS = {"m": "Herr", "f": "Frau"}


@dataclass(frozen=True)
class NoiseProfile:
    """How often a silo's records carry each kind of name noise."""

    nickname: float
    surname_variant: float
    typo: float
    transliterate: float
    upper: float
    lower: float

    def heavier(self) -> NoiseProfile:
        """The profile of a duplicate in the same silo: typed again, by someone else."""
        return NoiseProfile(
            min(self.nickname * 3, 0.5),
            min(self.surname_variant * 3, 0.5),
            min(self.typo * 3, 0.5),
            self.transliterate,
            self.upper,
            self.lower,
        )


PROFILES = {
    "crm": NoiseProfile(0.04, 0.03, 0.04, 0.03, 0.04, 0.0),
    "erp": NoiseProfile(0.01, 0.02, 0.02, 0.12, 0.06, 0.0),
    "shop": NoiseProfile(0.10, 0.02, 0.04, 0.10, 0.02, 0.06),
    "newsletter": NoiseProfile(0.12, 0.02, 0.03, 0.15, 0.0, 0.15),
}


@dataclass(frozen=True)
class Timeline:
    """When a record was created, last changed and last active in its silo."""

    created: date
    updated: date
    last_activity: date
    stale: bool


@dataclass(frozen=True)
class Slot:
    """One record of an entity in one silo: its dates, and whether it shows the old state."""

    silo: str
    timeline: Timeline
    old_state: bool
    duplicate: bool


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in options], weights=[w for _, w in options])[0]


def _de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


class Renderer:
    """Writes entities as silo rows, drawing every choice from the run's seeded generator."""

    def __init__(self, rng: random.Random, reference: ReferenceData, today: date) -> None:
        self.rng = rng
        self.reference = reference
        self.today = today
        self.owners = tuple(self._owner_name() for _ in range(6))

    def _owner_name(self) -> str:
        first = self.reference.first_names[("DE", self.rng.choice("mf"), "middle")].draw(self.rng)
        return f"{first.name} {self.reference.surnames['DE'].draw(self.rng).name}"

    # --- dates ----------------------------------------------------------------------------------

    def timeline(self, earliest: date) -> Timeline:
        """Dates of one record; about 15 % are stale (untouched for three years or more)."""
        rng, today = self.rng, self.today
        start = max(earliest, date(2008, 1, 1))
        stale_before = today - timedelta(days=3 * 365)
        if rng.random() < 0.15 and start < stale_before - timedelta(days=400):
            created = random_date(rng, start, stale_before - timedelta(days=400))
            updated = random_date(rng, created, min(created + timedelta(days=730), stale_before))
            return Timeline(created, updated, random_date(rng, created, updated), True)
        created = random_date(rng, start, today - timedelta(days=14))
        updated = random_date(rng, max(created, today - timedelta(days=900)), today)
        return Timeline(created, updated, random_date(rng, created, today), False)

    # --- shared pieces --------------------------------------------------------------------------

    def person_name(self, person: Person, slot: Slot) -> tuple[str, str]:
        """First and last name as this silo holds them (nickname, variant, typo, case)."""
        rng = self.rng
        profile = PROFILES[slot.silo].heavier() if slot.duplicate else PROFILES[slot.silo]
        first = nickname(rng, person.first_name) if rng.random() < profile.nickname else None
        first = first or person.first_name.name
        last, group = person.last_name, person.surname_group
        if slot.old_state and person.maiden_name and person.maiden_group:
            last, group = person.maiden_name, person.maiden_group
        if rng.random() < profile.surname_variant:
            last = surname_variant(rng, self.reference, last, group)
        if rng.random() < profile.typo:
            if rng.random() < 0.6:
                last = typo(rng, last)
            else:
                first = typo(rng, first)
        if rng.random() < profile.transliterate:
            first, last = transliterate(first), transliterate(last)
        first = change_case(rng, first, profile.upper / 2, profile.lower)
        last = change_case(rng, last, profile.upper, profile.lower)
        return first, last

    def suffix(self, person: Person) -> str:
        """ " jun." / " sen." for fathers and sons, written in about a third of the records."""
        return f" {person.suffix}" if person.suffix and self.rng.random() < 0.35 else ""

    def address(self, person: Person, slot: Slot) -> Address:
        """The address the record holds: the previous one while it shows the old state."""
        if slot.old_state and person.previous_address:
            return person.previous_address
        return person.address

    def street(self, address: Address, typo_rate: float = 0.03) -> tuple[str, str]:
        """Street and house number as typed (abbreviated, respelled, sometimes a typo)."""
        rng = self.rng
        street = street_variant(rng, address.street) if rng.random() < 0.35 else address.street
        if rng.random() < typo_rate:
            street = typo(rng, street)
        number = address.house_number
        return street, house_number_variant(rng, number) if rng.random() < 0.3 else number

    def city(self, place: Place) -> str:
        """The town name, sometimes in a common variant (Frankfurt a.M., Muenchen)."""
        if place.variants and self.rng.random() < 0.12:
            return self.rng.choice(place.variants)
        return place.city

    def email(self, person: Person, slot: Slot) -> str | None:
        """The e-mail the record holds: the old one while it shows the old state."""
        if slot.old_state and person.old_email:
            return person.old_email
        return person.email

    def organisation_name(self, organisation: Organisation, with_legal_form: bool) -> str:
        """The company name as typed, with the legal form as written in this record."""
        rng = self.rng
        name = organisation.name
        if "&" in name and rng.random() < 0.25:
            name = name.replace("&", "und")
        if rng.random() < 0.05:
            name = typo(rng, name)
        if rng.random() < 0.08:
            name = transliterate(name)
        form = organisation.legal_form
        if not with_legal_form or (form.kind == "association" and form.country != "DE"):
            return name
        written = rng.choice(form.variants) if form.variants and rng.random() < 0.25 else form.name
        return change_case(rng, f"{name} {written}", 0.04, 0.0)

    def landline(self, person: Person, slot: Slot) -> Phone | None:
        """The landline of the address the record shows (unknown for a previous address)."""
        if slot.old_state and person.previous_address:
            return None
        return person.landline

    def phone(self, person: Person, slot: Slot, prefer_mobile: bool) -> str | None:
        """One of the person's numbers, formatted; None when they gave none."""
        landline = self.landline(person, slot)
        first, second = (person.mobile, landline) if prefer_mobile else (landline, person.mobile)
        chosen = first or second
        return format_phone(self.rng, chosen) if chosen else None

    # --- silos ----------------------------------------------------------------------------------

    def crm_person(self, person: Person, slot: Slot) -> dict[str, object]:
        """A CRM row of a person."""
        rng, timeline = self.rng, slot.timeline
        first, last = self.person_name(person, slot)
        address = self.address(person, slot)
        street, number = self.street(address)
        if rng.random() < 0.04:  # house number typed into the street field
            street, number = f"{street} {number}", ""
        email = self.email(person, slot) if rng.random() < 0.85 else None
        return {
            "Anrede": SALUTATIONS[person.gender] if rng.random() < 0.95 else "",
            "Titel": person.title if rng.random() < 0.8 else "",
            "Vorname": first,
            "Nachname": last + self.suffix(person),
            "Straße": street,
            "Hausnr": number,
            **self._crm_place(address.place),
            "Telefon": self._crm_landline(person, slot),
            "Mobil": format_phone(rng, person.mobile)
            if person.mobile and rng.random() < 0.8
            else "",
            "E-Mail": email or "",
            "Geburtsdatum": _de(person.birth_date) if rng.random() < 0.5 else "",
            "Postwerbung": _weighted(rng, (("ja", 40), ("nein", 15), ("", 45))),
            **self._crm_dates(timeline),
        }

    def crm_organisation(self, organisation: Organisation, slot: Slot) -> dict[str, object]:
        """A CRM row of a company or association."""
        rng = self.rng
        street, number = self.street(organisation.address)
        vat_id = organisation.vat_id
        return {
            "Anrede": "Firma" if rng.random() < 0.7 else "",
            "Firma": self.organisation_name(organisation, with_legal_form=True),
            "USt-IdNr": vat_variant(rng, vat_id) if vat_id and rng.random() < 0.6 else "",
            "Straße": street,
            "Hausnr": number,
            **self._crm_place(organisation.address.place),
            "Telefon": format_phone(rng, organisation.phone),
            "E-Mail": organisation.email if rng.random() < 0.9 else "",
            "Postwerbung": _weighted(rng, (("ja", 50), ("nein", 10), ("", 40))),
            **self._crm_dates(slot.timeline),
        }

    def _crm_landline(self, person: Person, slot: Slot) -> str:
        landline = self.landline(person, slot)
        if landline and self.rng.random() < 0.9:
            return format_phone(self.rng, landline)
        if person.mobile and self.rng.random() < 0.3:  # mobile typed into the phone field
            return format_phone(self.rng, person.mobile)
        return ""

    def _crm_place(self, place: Place) -> dict[str, object]:
        postal_code = place.postal_code
        if postal_code.startswith("0") and self.rng.random() < 0.15:
            postal_code = postal_code[1:]  # leading zero lost in a spreadsheet round trip
        return {
            "PLZ": postal_code,
            "Ort": self.city(place),
            "Land": _weighted(self.rng, CRM_COUNTRY_NAMES[place.country]),
        }

    def _crm_dates(self, timeline: Timeline) -> dict[str, object]:
        return {
            "Angelegt": _de(timeline.created),
            "Geändert": _de(timeline.updated),
            "Letzter Kontakt": _de(timeline.last_activity) if self.rng.random() < 0.85 else "",
            "Betreuer": self.rng.choice(self.owners) if self.rng.random() < 0.9 else "",
        }

    def shop_person(self, person: Person, slot: Slot) -> dict[str, object]:
        """A web-shop customer object."""
        rng, timeline = self.rng, slot.timeline
        first, last = self.person_name(person, slot)
        email = self.email(person, slot) or ""
        if rng.random() < 0.05:
            local, _, domain = email.partition("@")
            email = f"{local.title()}@{domain.capitalize()}"
        return {
            "salutation": SALUTATIONS[person.gender] if rng.random() < 0.85 else None,
            "name": self._shop_name(person, first, last),
            "address": self._shop_address(self.address(person, slot)),
            "phone": self.phone(person, slot, prefer_mobile=True) if rng.random() < 0.75 else None,
            "email": email,
            "birthday": person.birth_date.isoformat() if rng.random() < 0.4 else None,
            "customer_since": timeline.created.isoformat(),
            "updated_at": timeline.updated.isoformat(),
            "last_order": timeline.last_activity.isoformat() if rng.random() < 0.92 else None,
            "newsletter_opt_in": rng.random() < 0.35,
        }

    def _shop_name(self, person: Person, first: str, last: str) -> str:
        rng = self.rng
        suffix = self.suffix(person)
        roll = rng.random()
        if person.title and roll < 0.7:
            return f"{person.title} {first} {last}{suffix}"
        if roll < 0.8:
            return f"{first} {last}{suffix}"
        return f"{last}{suffix}, {first}"

    def _shop_address(self, address: Address) -> str:
        rng, place = self.rng, address.place
        street, number = self.street(address, typo_rate=0.05)
        city = self.city(place)
        if place.country == "DE":
            prefix = "D-" if rng.random() < 0.1 else ""
            return f"{street} {number}, {prefix}{place.postal_code} {city}"
        if place.country == "AT":
            style = _weighted(rng, (("A-", 50), ("AT-", 10), ("name", 40)))
        else:
            style = _weighted(rng, (("CH-", 60), ("name", 40)))
        if style == "name":
            country = "Österreich" if place.country == "AT" else "Schweiz"
            return f"{street} {number}, {place.postal_code} {city}, {country}"
        return f"{street} {number}, {style}{place.postal_code} {city}"

    def erp_person(self, person: Person, slot: Slot) -> dict[str, object]:
        """An ERP row of a private customer."""
        rng, timeline = self.rng, slot.timeline
        first, last = self.person_name(person, slot)
        street, number = self.street(self.address(person, slot), typo_rate=0.01)
        place = self.address(person, slot).place
        return {
            "kundentyp": "Person",
            "anrede": SALUTATIONS[person.gender],
            "titel": person.title or None,
            "vorname": first,
            "nachname": last + self.suffix(person),
            "strasse": f"{street} {number}",
            "plz": place.postal_code,
            "ort": self.city(place),
            "land": place.country,
            "telefon": self.phone(person, slot, prefer_mobile=False),
            "email": self.email(person, slot) if rng.random() < 0.7 else None,
            "geburtsdatum": person.birth_date.isoformat() if rng.random() < 0.3 else None,
            **self._erp_dates(timeline),
        }

    def erp_organisation(self, organisation: Organisation, slot: Slot) -> dict[str, object]:
        """An ERP row of a company or association, legal form in its own column."""
        rng, form = self.rng, organisation.legal_form
        street, number = self.street(organisation.address, typo_rate=0.01)
        place = organisation.address.place
        written_form = (
            rng.choice(form.variants) if form.variants and rng.random() < 0.2 else form.name
        )
        vat_id = organisation.vat_id if rng.random() < 0.95 or slot.duplicate else None
        return {
            "kundentyp": "Firma",
            "firmenname": self.organisation_name(organisation, with_legal_form=False),
            "rechtsform": written_form,
            "strasse": f"{street} {number}",
            "plz": place.postal_code,
            "ort": self.city(place),
            "land": place.country,
            "telefon": format_phone(rng, organisation.phone),
            "telefax": format_phone(rng, organisation.fax) if organisation.fax else None,
            "email": organisation.email,
            "ust_idnr": None if slot.duplicate and rng.random() < 0.5 else vat_id,
            **self._erp_dates(slot.timeline),
        }

    def _erp_dates(self, timeline: Timeline) -> dict[str, object]:
        return {
            "angelegt_am": timeline.created.isoformat(),
            "geaendert_am": timeline.updated.isoformat(),
            "letzte_rechnung": timeline.last_activity.isoformat(),
        }

    def newsletter_person(self, person: Person, slot: Slot) -> dict[str, object]:
        """A newsletter subscriber: e-mail, optional names, consent and its dates."""
        rng, timeline = self.rng, slot.timeline
        first, last = self.person_name(person, slot)
        opted_in = rng.random() < 0.85
        opt_out = random_date(rng, timeline.created, self.today) if not opted_in else None
        return {
            "email": self.email(person, slot),
            "first_name": first if rng.random() < 0.6 else "",
            "last_name": last if rng.random() < 0.55 else "",
            "opt_in": "yes" if opted_in else "no",
            "opt_in_date": timeline.created.isoformat(),
            "opt_out_date": opt_out.isoformat() if opt_out else "",
            "source": _weighted(rng, NEWSLETTER_SOURCES),
            "last_open": timeline.last_activity.isoformat() if opted_in else "",
        }
