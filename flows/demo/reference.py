"""Reference data of the demo generator, read from the CSV files in ``flows/demo/data``.

Each file starts with a ``# source:`` comment line (see ``data/README.md``). Values are grouped
into weighted pools per country so that the generator draws with one ``random.choices`` call.
"""

from __future__ import annotations

import csv
import itertools
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

DATA_DIR = Path(__file__).parent / "data"
COUNTRIES = ("DE", "AT", "CH")
ERAS = ("old", "middle", "young")

T = TypeVar("T")


@dataclass(frozen=True)
class Pool(Generic[T]):
    """Items with cumulative weights, for fast seeded weighted draws."""

    items: tuple[T, ...]
    cum_weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> T:
        """Return one item drawn by weight."""
        return rng.choices(self.items, cum_weights=self.cum_weights)[0]


def make_pool(items: list[T], weights: list[float]) -> Pool[T]:
    """Build a pool; raises ValueError when it would be empty."""
    if not items:
        raise ValueError(
            "demo reference data: a pool is empty — check the files in flows/demo/data"
        )
    return Pool(tuple(items), tuple(itertools.accumulate(weights)))


def rank_weights(count: int) -> list[float]:
    """Zipf-like weights for items listed from most to least frequent."""
    return [1.0 / (rank + 4) ** 0.9 for rank in range(count)]


@dataclass(frozen=True)
class FirstName:
    name: str
    gender: str
    era: str
    nicknames: tuple[str, ...]


@dataclass(frozen=True)
class Surname:
    name: str
    group: str


@dataclass(frozen=True)
class Place:
    country: str
    postal_code: str
    city: str
    area_code: str
    subscriber_digits: int
    variants: tuple[str, ...]


@dataclass(frozen=True)
class LegalForm:
    country: str
    name: str
    kind: str
    has_vat: bool
    variants: tuple[str, ...]


@dataclass(frozen=True)
class MobilePrefix:
    prefix: str
    digits: int


@dataclass(frozen=True)
class ReferenceData:
    """Every pool the generator draws from; keys are (country, ...) tuples or words."""

    first_names: dict[tuple[str, str, str], Pool[FirstName]]
    surnames: dict[str, Pool[Surname]]
    surname_groups: dict[str, tuple[str, ...]]
    places: dict[str, Pool[Place]]
    streets: dict[str, Pool[str]]
    legal_forms: dict[tuple[str, str], Pool[LegalForm]]
    mobile_prefixes: dict[str, Pool[MobilePrefix]]
    email_domains: dict[str, Pool[str]]
    titles: dict[str, Pool[str]]
    company_words: dict[str, tuple[str, ...]]


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of one data file, skipping ``#`` comment lines."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _countries(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row["countries"].split("|"))


def _variants(text: str) -> tuple[str, ...]:
    return tuple(value for value in text.split("|") if value)


def _nicknames() -> dict[str, tuple[str, ...]]:
    """Short forms per first name, from the demo's own nicknames.csv (not the matcher's)."""
    nicknames: dict[str, list[str]] = {}
    for row in read_rows("nicknames.csv"):
        nicknames.setdefault(row["name"], []).append(row["nickname"])
    return {name: tuple(values) for name, values in nicknames.items()}


def _first_name_pools() -> dict[tuple[str, str, str], Pool[FirstName]]:
    rows = read_rows("first_names.csv")
    nicknames = _nicknames()
    pools: dict[tuple[str, str, str], Pool[FirstName]] = {}
    for country, gender, era in itertools.product(COUNTRIES, ("m", "f"), ERAS):
        chosen = [
            FirstName(row["name"], row["gender"], row["era"], nicknames.get(row["name"], ()))
            for row in rows
            if row["gender"] == gender and country in _countries(row) and row["era"] in (era, "any")
        ]
        pools[(country, gender, era)] = make_pool(chosen, rank_weights(len(chosen)))
    return pools


def _surname_pools() -> tuple[dict[str, Pool[Surname]], dict[str, tuple[str, ...]]]:
    rows = read_rows("surnames.csv")
    pools = {}
    for country in COUNTRIES:
        chosen = [
            Surname(row["surname"], row["group"]) for row in rows if country in _countries(row)
        ]
        pools[country] = make_pool(chosen, rank_weights(len(chosen)))
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row["surname"])
    return pools, {group: tuple(names) for group, names in groups.items()}


def _place_pools() -> dict[str, Pool[Place]]:
    rows = read_rows("places.csv")
    pools = {}
    for country in COUNTRIES:
        chosen = [row for row in rows if row["country"] == country]
        places = [
            Place(
                row["country"],
                row["postal_code"],
                row["city"],
                row["area_code"],
                int(row["subscriber_digits"]),
                _variants(row["variants"]),
            )
            for row in chosen
        ]
        pools[country] = make_pool(places, [float(row["weight"]) for row in chosen])
    return pools


def _street_pools() -> dict[str, Pool[str]]:
    rows = read_rows("streets.csv")
    pools = {}
    for country in COUNTRIES:
        names = [row["street"] for row in rows if country in _countries(row)]
        if country == "CH":
            names = [name.replace("ß", "ss") for name in names]
        pools[country] = make_pool(names, [1.0] * len(names))
    return pools


def _legal_form_pools() -> dict[tuple[str, str], Pool[LegalForm]]:
    rows = read_rows("legal_forms.csv")
    pools = {}
    for country, kind in itertools.product(COUNTRIES, ("company", "association")):
        chosen = [row for row in rows if row["country"] == country and row["kind"] == kind]
        forms = [
            LegalForm(
                country, row["legal_form"], kind, row["vat"] == "yes", _variants(row["variants"])
            )
            for row in chosen
        ]
        pools[(country, kind)] = make_pool(forms, [float(row["weight"]) for row in chosen])
    return pools


def _weighted_by_country(name: str, column: str) -> dict[str, Pool[str]]:
    rows = read_rows(name)
    pools = {}
    for country in COUNTRIES:
        chosen = [
            row for row in rows if country in (row.get("countries") or row["country"]).split("|")
        ]
        pools[country] = make_pool(
            [row[column] for row in chosen], [float(row["weight"]) for row in chosen]
        )
    return pools


def _mobile_pools() -> dict[str, Pool[MobilePrefix]]:
    rows = read_rows("mobile_prefixes.csv")
    pools = {}
    for country in COUNTRIES:
        prefixes = [
            MobilePrefix(r["prefix"], int(r["digits"])) for r in rows if r["country"] == country
        ]
        pools[country] = make_pool(prefixes, [1.0] * len(prefixes))
    return pools


def _company_words() -> dict[str, tuple[str, ...]]:
    words: dict[str, list[str]] = {}
    for row in read_rows("company_words.csv"):
        words.setdefault(row["kind"], []).append(row["word"])
    return {kind: tuple(values) for kind, values in words.items()}


@lru_cache(maxsize=1)
def load_reference() -> ReferenceData:
    """Read every data file once per process."""
    surnames, groups = _surname_pools()
    return ReferenceData(
        first_names=_first_name_pools(),
        surnames=surnames,
        surname_groups=groups,
        places=_place_pools(),
        streets=_street_pools(),
        legal_forms=_legal_form_pools(),
        mobile_prefixes=_mobile_pools(),
        email_domains=_weighted_by_country("email_domains.csv", "domain"),
        titles=_weighted_by_country("titles.csv", "title"),
        company_words=_company_words(),
    )


def golden_toml_text() -> str:
    """The demo golden.toml as shipped in the data folder."""
    return (DATA_DIR / "golden.toml").read_text(encoding="utf-8")
