"""Erasure (DSGVO Art. 17, 19): what is erased, what each silo owner is told, what is audited.

Pure decisions over frames; flows.subject reads the silos and the state store, calls these, and
records the result (flows.privacy_state) and rewrites published files (flows.scrub):

- ``check_erasable``: an unknown, already erased or merged golden id is refused;
- ``erasure_tasks``: one task per source record of the person, with the silo's owner;
- ``tombstone_keys``: the salted match keys that keep the person from coming back
  (matching.tombstones), shared keys (a family landline) left out;
- ``distinctive_values``: the person's values no other record holds, which find their rows in
  published files (``Person``, ``person_rows``, ``holds_person``);
- ``Erasure``: the audit entry (who, when, why, which silos and CRM profiles were told; no
  personal data), ``ErasureStatus``: its tasks confirmed or open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final, Literal

import polars as pl

from cleaners.mapping import ROW_NUMBER
from matching.subjects import Holdings
from matching.tombstones import hash_keys, personal_keys
from rules.errors import PrivacyError

#: Canonical fields whose values identify a person (the values an erasure removes everywhere).
IDENTIFYING: Final[tuple[str, ...]] = (
    "first_name",
    "last_name",
    "organisation_name",
    "street",
    "house_number",
    "address_extra",  # "c/o Müller" names a person
    "emails",
    "phones",
    "birth_date",
    "vat_id",
    "full_name",
    "address_line",
    "street_line",
)
#: Needles this long or longer are searched inside cells and files; shorter ones (a rare short
#: last name) only as a whole cell, or "Ott" would hit every "Otto".
SUBSTRING_MIN: Final = 6
#: Status of a silo task before and after its owner confirmed the deletion.
OPEN: Final = "open"
CONFIRMED: Final = "confirmed"


@dataclass(frozen=True)
class Erasure:
    """The audit entry of one erasure (no personal data)."""

    request_ref: str
    golden_id: str
    requested_at: date
    erased_at: datetime
    erased_by: str
    reason: str
    silos: tuple[str, ...]
    profiles: tuple[str, ...]
    records: int


@dataclass(frozen=True)
class ErasureStatus:
    """An erasure's audit entry, its silo tasks and later sightings."""

    erasure: Erasure
    tasks: pl.DataFrame
    hits: pl.DataFrame

    def silos(self) -> dict[str, str]:
        """silo -> "confirmed" (every task) or "open (n of m)"."""
        result = {}
        for (silo,), group in self.tasks.group_by("silo", maintain_order=True):
            open_tasks = group.filter(pl.col("status") != CONFIRMED).height
            result[str(silo)] = (
                "confirmed" if open_tasks == 0 else f"open ({open_tasks} of {group.height})"
            )
        return dict(sorted(result.items()))


@dataclass(frozen=True)
class Person:
    """What identifies the erased person's rows in published files."""

    golden_ids: frozenset[str]
    #: (silo, source_id) of every record of theirs
    records: frozenset[tuple[str, str]]
    #: distinctive values, lower case
    needles: frozenset[str]

    @property
    def record_keys(self) -> frozenset[str]:
        """``silo:source_id`` of every record of theirs."""
        return frozenset(f"{silo}:{source_id}" for silo, source_id in self.records)


def check_erasable(golden_ids: pl.DataFrame, golden_id: str, erased: Erasure | None) -> None:
    """PrivacyError unless ``golden_id`` was issued, is not erased and was not merged away.

    ``golden_ids`` is the state's id history, ``erased`` the erasure that retired the id (if any).
    """
    ids = golden_ids.filter(pl.col("golden_id") == golden_id)
    if ids.height == 0:
        raise PrivacyError(
            f"unknown golden id {golden_id} — the state store never issued it; find the person "
            "with `golden subject find`"
        )
    if erased is not None:
        raise PrivacyError(
            f"{golden_id} was erased already on {erased.erased_at:%Y-%m-%d} (request "
            f"{erased.request_ref}) — `golden subject status {erased.request_ref}` shows which "
            "silos confirmed"
        )
    redirect = ids["redirect_to"][0]
    if redirect is not None:
        raise PrivacyError(
            f"golden id {golden_id} was merged into {redirect} — erase {redirect} (it holds the "
            "person's records now)"
        )


def person_members(crosswalk: pl.DataFrame, golden_id: str) -> pl.DataFrame:
    """The crosswalk rows of ``golden_id``; PrivacyError when the last run has none."""
    members = crosswalk.filter(pl.col("golden_id") == golden_id)
    if members.height == 0:
        raise PrivacyError(
            f"golden id {golden_id} has no records in the crosswalk of the last run — "
            "search with `golden subject find`"
        )
    return members


def erasure_tasks(
    members: pl.DataFrame, request_ref: str, owners: Mapping[str, str]
) -> pl.DataFrame:
    """request_ref, silo, source_id, owner: what each silo owner must delete (no values)."""
    return members.select(
        pl.lit(request_ref).alias("request_ref"),
        "silo",
        "source_id",
        pl.col("silo").replace_strict(dict(owners), default="").alias("owner"),
    ).sort("silo", "source_id")


def tombstone_keys(holdings: Holdings, golden_id: str, salt: bytes) -> pl.DataFrame:
    """record_key, kind, key_hash: the person's salted match keys and record ids.

    Keys another record shares (a family landline, a namesake at the same address) are left out
    (matching.tombstones.personal_keys), so nobody else is quarantined.
    """
    person = holdings.records_of(golden_id)
    others = holdings.records.join(person.select("record_key"), on="record_key", how="anti")
    keys = personal_keys(person, others)
    record_id = pl.col("silo") + ":" + pl.col("source_id")
    source_keys = holdings.crosswalk.filter(pl.col("golden_id") == golden_id).select(
        record_id.alias("record_key"), pl.lit("source").alias("kind"), record_id.alias("key")
    )
    return hash_keys(pl.concat([keys, source_keys]).unique(), salt)


def erased_person(holdings: Holdings, golden_id: str) -> Person:
    """The golden id, record ids and distinctive values that find the person in published files."""
    members = holdings.crosswalk.filter(pl.col("golden_id") == golden_id)
    return Person(
        golden_ids=frozenset({golden_id}),
        records=frozenset(tuple(row) for row in members.select("silo", "source_id").iter_rows()),
        needles=frozenset(distinctive_values(holdings, holdings.records_of(golden_id))),
    )


def distinctive_values(holdings: Holdings, person: pl.DataFrame) -> set[str]:
    """The person's identifying values (raw and cleaned, lower case) that no other record holds.

    City, country or a common first name are shared with thousands and identify nobody; an
    e-mail, a phone, a rare last name or a street with house number do.
    """
    mine = identifying_values(holdings, person)
    others = identifying_values(
        holdings, holdings.records.join(person.select("record_key"), on="record_key", how="anti")
    )
    return {value for value in mine - others if len(value) >= 3}


def identifying_values(holdings: Holdings, records: pl.DataFrame) -> set[str]:
    """Lower-case IDENTIFYING values of ``records``, street + number, and their raw cells."""
    columns = [name for name in IDENTIFYING if name in records.columns]
    values: set[str] = set()
    for name in columns:
        column = records[name]
        if isinstance(column.dtype, pl.List):
            column = column.explode()
        values.update(str(value).strip().lower() for value in column.drop_nulls().unique())
    street = records.select(pl.concat_str("street", "house_number", separator=" ").alias("x"))["x"]
    values.update(str(value).lower() for value in street.drop_nulls().unique())
    for (silo,), group in records.group_by("silo"):
        raw = holdings.raw_of(str(silo), group["row_number"].to_list())
        for name in raw.columns:
            if name == ROW_NUMBER:
                continue
            values.update(str(value).strip().lower() for value in raw[name].drop_nulls().unique())
    return {value for value in values if value}


def run_folders_to_scrub(
    run_folders: list[Path], latest: Path | None, older_runs: Literal["rewrite", "delete"]
) -> tuple[list[Path], list[Path]]:
    """(rewrite, delete): the latest run is always rewritten, older ones per ``older_runs``."""
    rewrite = [path for path in run_folders if path == latest or older_runs == "rewrite"]
    return rewrite, [path for path in run_folders if path not in rewrite]


def holds_person(text: str, person: Person) -> bool:
    """True when ``text`` holds a golden id or a long distinctive value of the person."""
    lowered = text.lower()
    if any(golden_id.lower() in lowered for golden_id in person.golden_ids):
        return True
    return any(needle in lowered for needle in person.needles if len(needle) >= SUBSTRING_MIN)


def holds_short_value(text: str, person: Person) -> bool:
    """Short needles as whole words (a rare short last name in a report's table cell)."""
    short = [needle for needle in person.needles if len(needle) < SUBSTRING_MIN]
    if not short:
        return False
    pattern = r"(?<![\w])(" + "|".join(re.escape(needle) for needle in short) + r")(?![\w])"
    return re.search(pattern, text.lower()) is not None


def person_rows(frame: pl.DataFrame, person: Person) -> pl.Expr:
    """True for the rows of ``frame`` that belong to the person.

    A row belongs to them when a cell is their golden id or one of their record keys, when a
    silo / source-id column pair names one of their records, or when a cell holds one of their
    distinctive values (long ones anywhere in the cell, short ones as the whole cell).
    """
    ids = [*person.golden_ids, *person.record_keys]
    short = [needle for needle in person.needles if len(needle) < SUBSTRING_MIN]
    long = [re.escape(needle) for needle in person.needles if len(needle) >= SUBSTRING_MIN]
    pattern = "|".join(long)
    checks: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        text = _as_text(pl.col(name), dtype)
        cell = text.str.strip_chars_start("'").str.to_lowercase()
        checks.append(cell.is_in([value.lower() for value in ids]))
        if short:
            checks.append(cell.is_in(short))
        if pattern:
            checks.append(cell.str.contains(pattern))
    for silo_column in [name for name in frame.columns if name.endswith("silo")]:
        source_column = silo_column[: -len("silo")] + "source_id"
        if source_column in frame.columns:
            keys = pl.col(silo_column).cast(pl.String) + ":" + pl.col(source_column).cast(pl.String)
            checks.append(keys.is_in(list(person.record_keys)))
    if not checks:
        return pl.lit(False)
    return pl.any_horizontal(check.fill_null(False) for check in checks)


def _as_text(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):
        return column.cast(pl.List(pl.String)).list.join("; ")
    if isinstance(dtype, pl.Struct):
        return column.struct.json_encode()
    return column.cast(pl.String)
