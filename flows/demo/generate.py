"""write_demo: four realistic DACH customer silos with known truth, from one seed.

The same ``seed`` (and ``today``) gives byte-identical files: every random choice comes from one
``random.Random(seed)`` and entities are visited in id order. Nothing reads the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.demo.entities import OrganisationFactory, PeopleFactory
from flows.demo.records import SILOS, assign_ids, break_records, collect_records
from flows.demo.reference import load_reference
from flows.demo.silos import Renderer
from flows.demo.writers import (
    CONFIG_FILE,
    FILE_NAMES,
    TRUTH_FILE,
    WRITERS,
    write_config,
    write_truth,
)

#: The fixed "today" of the demo, so that outputs never depend on the clock.
DEMO_TODAY = date(2026, 11, 1)
#: Organisations per person.
ORGANISATION_SHARE = 0.1


@dataclass(frozen=True)
class DemoSummary:
    """What write_demo wrote: rows per silo, true entities and where truth and config are."""

    directory: Path
    records: dict[str, int]
    persons: int
    organisations: int
    truth_rows: int
    #: rows written without a source id (not in truth.csv)
    rows_without_id: int
    #: rows spoiled on purpose (stray delimiter, impossible date, bad phone or e-mail, no id)
    broken_rows: int
    truth_path: Path
    config_path: Path

    @property
    def entities(self) -> int:
        """True entities (people and organisations)."""
        return self.persons + self.organisations

    @property
    def total_records(self) -> int:
        """Rows written over all silos, including broken ones."""
        return sum(self.records.values())

    @property
    def silo_paths(self) -> dict[str, Path]:
        """silo name -> file written for it."""
        return {silo: self.directory / FILE_NAMES[silo] for silo in sorted(self.records)}


def write_demo(
    directory: Path, persons: int = 2000, seed: int = 42, today: date = DEMO_TODAY
) -> DemoSummary:
    """Write crm.csv, shop.json, erp.sqlite, newsletter.csv, truth.csv and golden.toml."""
    if persons < 10:
        raise ValueError(f"write_demo: persons must be at least 10, got {persons}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    reference = load_reference()
    people_factory = PeopleFactory(rng, reference, today)
    people = people_factory.build(persons)
    organisations = OrganisationFactory(rng, reference, people_factory.emails).build(
        max(1, round(persons * ORGANISATION_SHARE))
    )
    records = collect_records(rng, Renderer(rng, reference, today), people, organisations)
    break_records(rng, records)
    assign_ids(rng, records)
    for silo in SILOS:
        WRITERS[silo](directory / FILE_NAMES[silo], records[silo])
    truth_rows = write_truth(directory / TRUTH_FILE, records)
    write_config(directory / CONFIG_FILE)
    return DemoSummary(
        directory=directory,
        records={silo: len(records[silo]) for silo in SILOS},
        persons=len(people),
        organisations=len(organisations),
        truth_rows=truth_rows,
        rows_without_id=sum(not r.has_id for rows in records.values() for r in rows),
        broken_rows=sum(bool(r.problems) for rows in records.values() for r in rows),
        truth_path=directory / TRUTH_FILE,
        config_path=directory / CONFIG_FILE,
    )
