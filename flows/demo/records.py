"""Which entity appears in which silo, how often, and which records are deliberately broken.

People are spread over the silos by share (CRM 55 %, shop 45 %, newsletter 28 %, ERP 15 %, at
least one) with a few duplicates inside a silo; organisations live in the ERP and the CRM. When an
entity has an old state (moved, married, new mail provider) and two or more records, its least
recently updated record shows that state. Source ids are handed out in creation order, as the
silos themselves would have.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from flows.demo.entities import Organisation, Person
from flows.demo.silos import Renderer, Slot
from flows.demo.variants import invalid_phone, malformed_email

SILOS = ("crm", "erp", "newsletter", "shop")
#: silo -> (share of people with a record there, share of those with a second record)
PERSON_SILOS = {
    "crm": (0.55, 0.07),
    "shop": (0.45, 0.06),
    "newsletter": (0.28, 0.03),
    "erp": (0.15, 0.03),
}
ORGANISATION_SILOS = {"erp": (0.92, 0.05), "crm": (0.50, 0.04)}
NEEDS_EMAIL = ("shop", "newsletter")
FIRST_ID = {"crm": 10001, "erp": 20001, "shop": 100001}


@dataclass
class SiloRecord:
    """One row of one silo, with the true entity behind it."""

    silo: str
    entity_id: str
    created: date
    order_key: int
    values: dict[str, object]
    source_id: str = ""
    has_id: bool = True
    #: crm only: the row carries an unquoted ";" and so one field too many
    stray_delimiter: bool = False
    problems: list[str] = field(default_factory=list)


def _slots(
    renderer: Renderer,
    entity_silos: list[tuple[str, bool]],
    earliest: date,
    old_state: bool,
) -> list[Slot]:
    timelines = [renderer.timeline(earliest) for _ in entity_silos]
    oldest = min(range(len(timelines)), key=lambda index: (timelines[index].updated, index))
    show_old = old_state and len(entity_silos) > 1
    return [
        Slot(silo, timeline, show_old and index == oldest, duplicate)
        for index, ((silo, duplicate), timeline) in enumerate(
            zip(entity_silos, timelines, strict=True)
        )
    ]


def _draw_silos(
    rng: random.Random, shares: dict[str, tuple[float, float]], fallback: str, has_email: bool
) -> list[tuple[str, bool]]:
    chosen: list[tuple[str, bool]] = []
    for silo, (share, duplicate_share) in shares.items():
        if silo in NEEDS_EMAIL and not has_email:
            continue
        if rng.random() < share:
            chosen.append((silo, False))
            if rng.random() < duplicate_share:
                chosen.append((silo, True))
    return chosen or [(fallback, False)]


def collect_records(
    rng: random.Random,
    renderer: Renderer,
    people: list[Person],
    organisations: list[Organisation],
) -> dict[str, list[SiloRecord]]:
    """Render every entity into its silos; returns silo -> records (ids not yet assigned)."""
    records: dict[str, list[SiloRecord]] = {silo: [] for silo in SILOS}
    person_renderers = {
        "crm": renderer.crm_person,
        "shop": renderer.shop_person,
        "erp": renderer.erp_person,
        "newsletter": renderer.newsletter_person,
    }
    for person in people:
        silos = _draw_silos(rng, PERSON_SILOS, "crm", bool(person.email))
        adult = date(person.birth_date.year + 18, person.birth_date.month, 1)
        for slot in _slots(renderer, silos, adult, person.has_old_state):
            values = person_renderers[slot.silo](person, slot)
            records[slot.silo].append(_record(rng, slot, person.entity_id, values))
    organisation_renderers = {"crm": renderer.crm_organisation, "erp": renderer.erp_organisation}
    for organisation in organisations:
        silos = _draw_silos(rng, ORGANISATION_SILOS, "erp", True)
        for slot in _slots(renderer, silos, date(2008, 1, 1), False):
            values = organisation_renderers[slot.silo](organisation, slot)
            records[slot.silo].append(_record(rng, slot, organisation.entity_id, values))
    return records


def _record(
    rng: random.Random, slot: Slot, entity_id: str, values: dict[str, object]
) -> SiloRecord:
    return SiloRecord(slot.silo, entity_id, slot.timeline.created, rng.getrandbits(40), values)


class _Picker:
    """Hands out distinct records of one silo in a seeded random order (fewer if it runs out)."""

    def __init__(self, rng: random.Random, rows: list[SiloRecord]) -> None:
        self._rows = list(rows)
        rng.shuffle(self._rows)

    def take(self, count: int) -> list[SiloRecord]:
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken


def break_records(rng: random.Random, records: dict[str, list[SiloRecord]]) -> None:
    """Spoil a few records per silo so that the pipeline's quarantine and findings show."""
    few = max(2, len(records["crm"]) // 400)
    crm = _Picker(rng, [record for record in records["crm"] if record.entity_id.startswith("P")])
    for record in crm.take(2):
        record.values["Straße"] = f"{record.values['Straße']}; Hinterhaus"
        record.stray_delimiter = True
        record.problems.append("stray delimiter: one field too many")
    _spoil_dates(crm.take(1), "Geburtsdatum", "31.02.1980")
    _spoil_phones(rng, crm.take(few), "Telefon")
    _spoil_emails(rng, crm.take(few), "E-Mail")
    records["crm"].extend(_without_id(rng, record) for record in crm.take(1))

    shop = _Picker(rng, records["shop"])
    _spoil_phones(rng, shop.take(few), "phone")
    _spoil_emails(rng, shop.take(few), "email")
    _spoil_dates(shop.take(1), "birthday", "1985-02-30")

    erp = _Picker(rng, records["erp"])
    _spoil_phones(rng, erp.take(2), "telefon")
    _spoil_dates(erp.take(1), "geburtsdatum", "0000-00-00")

    newsletter = _Picker(rng, records["newsletter"])
    _spoil_emails(rng, newsletter.take(few), "email")
    _spoil_dates(newsletter.take(1), "opt_in_date", "2024-02-30")


def _spoil_dates(chosen: list[SiloRecord], column: str, impossible: str) -> None:
    for record in chosen:
        record.values[column] = impossible
        record.problems.append("impossible date")


def _spoil_phones(rng: random.Random, chosen: list[SiloRecord], column: str) -> None:
    for record in chosen:
        record.values[column] = invalid_phone(rng)
        record.problems.append("invalid phone")


def _spoil_emails(rng: random.Random, chosen: list[SiloRecord], column: str) -> None:
    for record in chosen:
        email = record.values.get(column)
        record.values[column] = malformed_email(rng, str(email or "vorname.nachname@web.de"))
        record.problems.append("malformed e-mail")


def _without_id(rng: random.Random, original: SiloRecord) -> SiloRecord:
    """A second copy of a CRM row saved without a customer number (not in truth.csv)."""
    created = original.created + timedelta(days=rng.randint(1, 60))
    record = SiloRecord(
        "crm", original.entity_id, created, rng.getrandbits(40), dict(original.values)
    )
    record.has_id = False
    record.problems.append("no id")
    return record


def assign_ids(rng: random.Random, records: dict[str, list[SiloRecord]]) -> None:
    """Sort each silo by creation and hand out its ids (CRM/ERP numbers, SW..., hex)."""
    for silo in SILOS:
        rows = records[silo]
        rows.sort(key=lambda record: (record.created, record.order_key))
        next_number = FIRST_ID.get(silo, 0)
        used: set[str] = set()
        for record in rows:
            if not record.has_id:
                continue
            if silo == "newsletter":
                record.source_id = _hex_id(rng, used)
                continue
            record.source_id = f"SW{next_number}" if silo == "shop" else str(next_number)
            next_number += rng.choices((1, 2, 3), weights=(80, 15, 5))[0]


def _hex_id(rng: random.Random, used: set[str]) -> str:
    while True:
        candidate = f"{rng.getrandbits(40):010x}"
        if candidate not in used:
            used.add(candidate)
            return candidate
