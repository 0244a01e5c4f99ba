"""Phone numbers, e-mail addresses and VAT ids for demo entities.

Phones are drawn from real area codes and mobile prefixes with plausible lengths, then written in
the many ways DACH systems hold them (+49 30 1234567, 030/1234567, 0049 (0)30 1234567 ...).
VAT ids carry check digits computed with python-stdnum, so they validate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum.at import uid as at_uid
from stdnum.ch import uid as ch_uid
from stdnum.iso7064 import mod_11_10

from flows.demo.reference import Place, ReferenceData
from flows.demo.variants import ascii_fold

CALLING_CODES = {"DE": "49", "AT": "43", "CH": "41"}


@dataclass(frozen=True)
class Phone:
    """A national number: area code or mobile prefix (without trunk 0) and subscriber digits."""

    country: str
    area: str
    subscriber: str
    mobile: bool


def _digits(rng: random.Random, count: int) -> str:
    # Subscriber numbers never start with 0 or 1 (those are trunk and service prefixes).
    return str(rng.randrange(2 * 10 ** (count - 1), 10**count))


def landline(rng: random.Random, place: Place) -> Phone:
    """A fixed-line number in the place's area."""
    return Phone(place.country, place.area_code, _digits(rng, place.subscriber_digits), False)


def mobile(rng: random.Random, reference: ReferenceData, country: str) -> Phone:
    """A mobile number from one of the country's mobile prefixes."""
    prefix = reference.mobile_prefixes[country].draw(rng)
    return Phone(country, prefix.prefix, _digits(rng, prefix.digits), True)


def fax_of(phone: Phone) -> Phone:
    """The fax line next to an office number (same trunk, other last digits)."""
    last = str((int(phone.subscriber[-2:]) + 9) % 100).zfill(2)
    return Phone(phone.country, phone.area, phone.subscriber[:-2] + last, False)


def _grouped(subscriber: str) -> str:
    if len(subscriber) == 7:
        return f"{subscriber[:3]} {subscriber[3:5]} {subscriber[5:]}"
    return " ".join(subscriber[i : i + 2] for i in range(0, len(subscriber), 2))


def format_phone(rng: random.Random, phone: Phone) -> str:
    """Write the number in one of the formats customers and clerks use in its country."""
    code, area, sub = CALLING_CODES[phone.country], phone.area, phone.subscriber
    styles: tuple[str, ...]
    if phone.country == "CH":
        styles = (
            f"0{area} {_grouped(sub)}",
            f"+41 {area} {_grouped(sub)}",
            f"0041 {area} {sub}",
            f"+41{area}{sub}",
            f"0{area}/{sub}",
        )
        return rng.choices(styles, weights=(45, 30, 8, 10, 7))[0]
    if phone.mobile:
        styles = (
            f"0{area}-{sub}",
            f"0{area} {sub}",
            f"+{code} {area} {sub}",
            f"0{area}/{sub}",
            f"+{code}{area}{sub}",
            f"00{code} {area} {sub}",
        )
        return rng.choices(styles, weights=(20, 30, 25, 10, 10, 5))[0]
    styles = (
        f"+{code} {area} {sub}",
        f"0{area}/{sub}",
        f"0{area} {sub}",
        f"00{code} (0){area} {sub}",
        f"(0{area}) {_grouped(sub)}",
        f"0{area}-{sub}",
        f"+{code} (0){area} {sub}",
        f"+{code}{area}{sub}",
    )
    return rng.choices(styles, weights=(20, 25, 20, 5, 8, 10, 6, 6))[0]


def e164(phone: Phone) -> str:
    """The number in E.164, for tests and sanity checks."""
    return f"+{CALLING_CODES[phone.country]}{phone.area}{phone.subscriber}"


def _slug(text: str) -> str:
    folded = ascii_fold(text).lower()
    return "".join(char for char in folded if char.isalnum() or char in ".-")


class EmailBook:
    """Hands out e-mail addresses that no other entity of the run uses."""

    def __init__(self, rng: random.Random, reference: ReferenceData) -> None:
        self._rng = rng
        self._reference = reference
        self._used: set[str] = set()
        self._domains: set[str] = set()

    def personal(self, first: str, last: str, birth_year: int, country: str) -> str:
        """An address like max.mustermann@web.de, made unique with digits when needed."""
        first_slug, last_slug = _slug(first).replace(".", ""), _slug(last).replace(".", "")
        domain = self._reference.email_domains[country].draw(self._rng)
        pattern = self._rng.choices(range(6), weights=(35, 15, 12, 10, 14, 14))[0]
        local = (
            f"{first_slug}.{last_slug}",
            f"{first_slug[:1]}.{last_slug}",
            f"{first_slug}{last_slug}",
            f"{last_slug}.{first_slug}",
            f"{first_slug}.{last_slug}{birth_year % 100:02d}",
            f"{first_slug}{self._rng.randint(1, 999)}",
        )[pattern]
        return self._claim(local, domain)

    def shared(self, local: str, country: str) -> str:
        """A household address such as familie.mueller@gmx.de."""
        domain = self._reference.email_domains[country].draw(self._rng)
        return self._claim(_slug(local), domain)

    def organisation(self, name: str, country: str) -> str:
        """A company address like info@mueller-bau.de."""
        words = [_slug(word) for word in name.replace("&", " ").split()]
        host = "-".join(word for word in words if word)[:30].strip("-.")
        tld = {"DE": "de", "AT": "at", "CH": "ch"}[country]
        domain, counter = f"{host}.{tld}", 1
        while domain in self._domains:  # two companies of one name never share a web domain
            counter += 1
            domain = f"{host}{counter}.{tld}"
        self._domains.add(domain)
        local = self._rng.choice(("info", "info", "kontakt", "office", "mail", "buchhaltung"))
        return self._claim(local, domain)

    def _claim(self, local: str, domain: str) -> str:
        candidate = f"{local}@{domain}"
        counter = 1
        while candidate in self._used:
            counter += 1
            candidate = f"{local}{counter}@{domain}"
        self._used.add(candidate)
        return candidate


class VatBook:
    """Hands out unique, check-digit-valid VAT ids (DE USt-IdNr, ATU, CHE-UID MWST)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self, country: str) -> str:
        """A fresh VAT id for a company in ``country``."""
        while True:
            vat_id = {"DE": self._german, "AT": self._austrian, "CH": self._swiss}[country]()
            if vat_id and vat_id not in self._used:
                self._used.add(vat_id)
                return vat_id

    def _german(self) -> str:
        body = str(self._rng.randint(1, 9)) + "".join(
            str(self._rng.randrange(10)) for _ in range(7)
        )
        return f"DE{body}{mod_11_10.calc_check_digit(body)}"

    def _austrian(self) -> str:
        body = "".join(str(self._rng.randrange(10)) for _ in range(7))
        return f"ATU{body}{at_uid.calc_check_digit('U' + body)}"

    def _swiss(self) -> str:
        body = "".join(str(self._rng.randrange(10)) for _ in range(8))
        check = ch_uid.calc_check_digit(body)
        if len(check) != 1:  # remainder 10 has no check digit: such numbers are never issued
            return ""
        digits = body + check
        return f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]} MWST"


def vat_variant(rng: random.Random, vat_id: str) -> str:
    """The same VAT id as clerks type it (spaces, no dots, without the MWST suffix)."""
    if vat_id.startswith("CHE-"):
        return rng.choice((vat_id, vat_id.removesuffix(" MWST"), vat_id.replace(".", "")))
    prefix_length = 3 if vat_id.startswith("ATU") else 2
    head, body = vat_id[:prefix_length], vat_id[prefix_length:]
    return rng.choice((vat_id, f"{head} {body}", f"{head} {body[:3]} {body[3:6]} {body[6:]}"))
