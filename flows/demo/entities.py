"""The true entities behind the demo silos: people in households, and organisations.

Households are where the hard negatives come from: couples and families share a last name, an
address and a landline; fathers and sons share a full name; twins share a birth date. Life events
(a move, a marriage, a new mail provider) give a person an *old state* that the oldest of their
silo records still shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flows.demo.contact import EmailBook, Phone, VatBook, fax_of, landline, mobile
from flows.demo.reference import FirstName, LegalForm, Place, ReferenceData

COUNTRY_WEIGHTS = {"DE": 65, "AT": 20, "CH": 15}
HOUSEHOLD_KINDS = {"single": 60, "couple": 22, "family": 9, "father_son": 5, "twins": 4}
#: Passed as ``phone`` when a person gets a landline of their own (or none), not a shared one.
OWN_LANDLINE = "own"


@dataclass(frozen=True)
class Address:
    street: str
    house_number: str
    place: Place


@dataclass(frozen=True)
class Person:
    """One real person; ``previous_address``, ``maiden_name``, ``old_email`` are the old state."""

    entity_id: str
    household_id: str
    gender: str
    title: str
    first_name: FirstName
    last_name: str
    surname_group: str
    suffix: str
    birth_date: date
    address: Address
    email: str | None
    landline: Phone | None
    mobile: Phone | None
    previous_address: Address | None = None
    maiden_name: str | None = None
    maiden_group: str | None = None
    old_email: str | None = None

    @property
    def country(self) -> str:
        return self.address.place.country

    @property
    def has_old_state(self) -> bool:
        return bool(self.previous_address or self.maiden_name or self.old_email)


@dataclass(frozen=True)
class Organisation:
    """One real company or association."""

    entity_id: str
    name: str
    legal_form: LegalForm
    address: Address
    phone: Phone
    fax: Phone | None
    email: str
    vat_id: str | None

    @property
    def country(self) -> str:
        return self.address.place.country


def draw_country(rng: random.Random) -> str:
    """DE, AT or CH by the demo company's customer mix."""
    return rng.choices(tuple(COUNTRY_WEIGHTS), weights=tuple(COUNTRY_WEIGHTS.values()))[0]


def new_address(rng: random.Random, reference: ReferenceData, country: str) -> Address:
    """A street address in a real town of ``country``."""
    number = str(rng.randint(1, 40) if rng.random() < 0.7 else rng.randint(41, 180))
    if rng.random() < 0.08:
        number += rng.choice("abc")
    street = reference.streets[country].draw(rng)
    return Address(street, number, reference.places[country].draw(rng))


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A uniformly drawn day in [start, end] (start when the range is empty)."""
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span)) if span > 0 else start


def _era(year: int) -> str:
    return "old" if year < 1962 else "middle" if year < 1988 else "young"


class PeopleFactory:
    """Creates households of people with unique e-mails; ids are P000001, P000002, ..."""

    def __init__(self, rng: random.Random, reference: ReferenceData, today: date) -> None:
        self.rng = rng
        self.reference = reference
        self.today = today
        self.emails = EmailBook(rng, reference)
        self.people: list[Person] = []
        self._households = 0

    def build(self, count: int) -> list[Person]:
        """At least ``count`` people in households, then cut to exactly ``count``."""
        builders: dict[str, Callable[[str], object]] = {
            "single": self._single,
            "couple": self._couple,
            "family": self._family,
            "father_son": self._father_son,
            "twins": self._twins,
        }
        kinds, weights = tuple(HOUSEHOLD_KINDS), tuple(HOUSEHOLD_KINDS.values())
        while len(self.people) < count:
            kind = self.rng.choices(kinds, weights=weights)[0]
            self._households += 1
            builders[kind](f"H{self._households:06d}")
        return self.people[:count]

    # --- households -------------------------------------------------------------------------

    def _single(self, household: str) -> None:
        country = draw_country(self.rng)
        self._add(household, self._gender(), self._birth(1940, self._adult_year), country)

    def _couple(self, household: str) -> tuple[Person, Person]:
        country = draw_country(self.rng)
        address = new_address(self.rng, self.reference, country)
        phone = self._maybe_landline(address, 0.65)
        surname = self.reference.surnames[country].draw(self.rng)
        shared_email = (
            self.emails.shared(f"familie.{surname.name}", country)
            if self.rng.random() < 0.1
            else None
        )
        year = self.rng.randint(1945, self._adult_year - 9)
        man = self._add(
            household,
            "m",
            self._birth(year - 4, year + 2),
            country,
            address,
            phone,
            surname=(surname.name, surname.group),
            email=shared_email,
        )
        married = self.rng.random() < 0.2
        woman = self._add(
            household,
            "f",
            self._birth(year - 3, year + 4),
            country,
            address,
            phone,
            surname=(surname.name, surname.group),
            email=shared_email,
            married=married,
        )
        return man, woman

    def _family(self, household: str) -> None:
        man, _woman = self._couple(household)
        year = min(man.birth_date.year + self.rng.randint(24, 36), self._adult_year + 2)
        same_home = self.rng.random() < 0.7
        self._add(
            household,
            self._gender(),
            self._birth(year, year),
            man.country,
            man.address if same_home else None,
            man.landline if same_home else OWN_LANDLINE,
            surname=(man.last_name, man.surname_group),
            avoid=(man.first_name.name,),
        )

    def _father_son(self, household: str) -> None:
        father = self._add(
            household,
            "m",
            self._birth(1945, 1970),
            draw_country(self.rng),
            suffix="sen.",
            landline_share=0.7,
        )
        same_home = self.rng.random() < 0.6
        year = father.birth_date.year + self.rng.randint(24, 34)
        self._add(
            household,
            "m",
            self._birth(year, year),
            father.country,
            father.address if same_home else None,
            father.landline if same_home else OWN_LANDLINE,
            surname=(father.last_name, father.surname_group),
            suffix="jun.",
            first_name=father.first_name,
            title="",
        )

    def _twins(self, household: str) -> None:
        country = draw_country(self.rng)
        birth = self._birth(1975, self._adult_year)
        surname = self.reference.surnames[country].draw(self.rng)
        first = self._add(
            household,
            self._gender(),
            birth,
            country,
            surname=(surname.name, surname.group),
            landline_share=0.5,
        )
        same_home = self.rng.random() < 0.75
        self._add(
            household,
            self._gender(),
            birth,
            country,
            first.address if same_home else None,
            first.landline if same_home else OWN_LANDLINE,
            surname=(surname.name, surname.group),
            avoid=(first.first_name.name,),
        )

    # --- one person ---------------------------------------------------------------------------

    def _add(
        self,
        household: str,
        gender: str,
        birth: date,
        country: str,
        address: Address | None = None,
        phone: Phone | None | str = OWN_LANDLINE,
        *,
        surname: tuple[str, str] | None = None,
        email: str | None = None,
        married: bool = False,
        suffix: str = "",
        first_name: FirstName | None = None,
        avoid: tuple[str, ...] = (),
        title: str | None = None,
        landline_share: float = 0.55,
    ) -> Person:
        """Create one person; ``phone`` is a shared landline, None, or OWN_LANDLINE to draw one."""
        rng, reference = self.rng, self.reference
        address = address or new_address(rng, reference, country)
        if phone == OWN_LANDLINE:
            phone = self._maybe_landline(address, landline_share)
        first_name = first_name or self._first_name(country, gender, birth.year, avoid)
        if surname is None:
            drawn = reference.surnames[country].draw(rng)
            surname = (drawn.name, drawn.group)
        maiden, maiden_group = self._maiden(country, gender, married, surname[0])
        email_last = maiden if maiden and rng.random() < 0.5 else surname[0]
        own_email = (
            self.emails.personal(first_name.name, email_last, birth.year, country)
            if rng.random() < 0.9
            else None
        )
        person = Person(
            entity_id=f"P{len(self.people) + 1:06d}",
            household_id=household,
            gender=gender,
            title=self._title(country, birth.year) if title is None else title,
            first_name=first_name,
            last_name=surname[0],
            surname_group=surname[1],
            suffix=suffix,
            birth_date=birth,
            address=address,
            email=email or own_email,
            landline=phone if isinstance(phone, Phone) else None,
            mobile=mobile(rng, reference, country) if rng.random() < 0.8 else None,
            previous_address=self._previous_address(address),
            maiden_name=maiden,
            maiden_group=maiden_group,
            old_email=self._old_email(first_name.name, surname[0], maiden, birth.year, country),
        )
        self.people.append(person)
        return person

    def _gender(self) -> str:
        return "f" if self.rng.random() < 0.5 else "m"

    @property
    def _adult_year(self) -> int:
        """The latest birth year of a typical adult customer (22 years before today)."""
        return self.today.year - 22

    def _birth(self, first_year: int, last_year: int) -> date:
        return random_date(self.rng, date(first_year, 1, 1), date(last_year, 12, 31))

    def _first_name(
        self, country: str, gender: str, year: int, avoid: tuple[str, ...]
    ) -> FirstName:
        pool = self.reference.first_names[(country, gender, _era(year))]
        name = pool.draw(self.rng)
        while name.name in avoid:
            name = pool.draw(self.rng)
        return name

    def _title(self, country: str, year: int) -> str:
        if year > 1995 or self.rng.random() >= 0.08:
            return ""
        return self.reference.titles[country].draw(self.rng)

    def _maybe_landline(self, address: Address, share: float) -> Phone | None:
        return landline(self.rng, address.place) if self.rng.random() < share else None

    def _maiden(
        self, country: str, gender: str, married: bool, last_name: str
    ) -> tuple[str | None, str | None]:
        if gender != "f" or not (married or self.rng.random() < 0.04):
            return None, None
        maiden = self.reference.surnames[country].draw(self.rng)
        if maiden.name == last_name:
            return None, None
        return maiden.name, maiden.group

    def _previous_address(self, address: Address) -> Address | None:
        if self.rng.random() >= 0.12:
            return None
        country = address.place.country
        moved = new_address(self.rng, self.reference, country)
        if self.rng.random() < 0.4:  # moved within the same town
            return Address(moved.street, moved.house_number, address.place)
        return moved

    def _old_email(
        self, first: str, last: str, maiden: str | None, year: int, country: str
    ) -> str | None:
        """The address used before a marriage (maiden name) or a change of mail provider."""
        if maiden and self.rng.random() < 0.6:
            return self.emails.personal(first, maiden, year, country)
        if self.rng.random() < 0.06:
            return self.emails.personal(first, last, year, country)
        return None


class OrganisationFactory:
    """Creates companies and associations with valid VAT ids; ids are O00001, O00002, ..."""

    def __init__(self, rng: random.Random, reference: ReferenceData, emails: EmailBook) -> None:
        self.rng = rng
        self.reference = reference
        self.emails = emails
        self.vat = VatBook(rng)

    def build(self, count: int) -> list[Organisation]:
        """``count`` organisations; ~4 % reuse an earlier name in another town (hard negative)."""
        organisations: list[Organisation] = []
        for index in range(count):
            country = draw_country(self.rng)
            kind = "association" if self.rng.random() < 0.08 else "company"
            legal_form = self.reference.legal_forms[(country, kind)].draw(self.rng)
            address = new_address(self.rng, self.reference, country)
            if organisations and kind == "company" and self.rng.random() < 0.04:
                name = self.rng.choice(organisations).name
            else:
                name = self._name(kind, address)
            phone = landline(self.rng, address.place)
            organisations.append(
                Organisation(
                    entity_id=f"O{index + 1:05d}",
                    name=name,
                    legal_form=legal_form,
                    address=address,
                    phone=phone,
                    fax=fax_of(phone) if self.rng.random() < 0.4 else None,
                    email=self.emails.organisation(name, country),
                    vat_id=self.vat.new(country)
                    if legal_form.has_vat and self.rng.random() < 0.88
                    else None,
                )
            )
        return organisations

    def _name(self, kind: str, address: Address) -> str:
        words = self.reference.company_words
        rng = self.rng
        if kind == "association":
            name = f"{rng.choice(words['association'])} {address.place.city}"
            return f"{name} {rng.randint(1860, 1990)}" if rng.random() < 0.4 else name
        surname = self.reference.surnames[address.place.country].draw(rng).name
        pattern = rng.choices(range(5), weights=(35, 20, 27, 8, 10))[0]
        if pattern == 0:
            return f"{surname} {rng.choice(words['suffix'])}"
        if pattern == 1:
            return f"{rng.choice(words['prefix'])} {surname}"
        if pattern == 2:
            return f"{rng.choice(words['stem'])} {rng.choice(words['suffix'])}"
        if pattern == 3:
            other = self.reference.surnames[address.place.country].draw(rng).name
            return f"{surname} & {other}" if other != surname else f"{surname} & Söhne"
        return f"{rng.choice(words['stem'])}-{rng.choice(words['suffix'])}"
