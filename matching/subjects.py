"""Finding a data subject (DSGVO Art. 12, 15): which records and golden records a query names.

A steward's query is a golden id (``G…``), ``silo:source_id``, an e-mail, a phone, or a name
followed by the postal code. E-mails, phones and names go through the same cleaners as every
silo's values (``query_frame`` builds the canonical rows to clean), so an e-mail in another case or
a phone in another format finds the person. Pure functions over frames: flows.subject reads the
silos and the state store and calls them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from cleaners.mapping import ROW_NUMBER
from matching.tombstones import screen
from rules.canonical import CANONICAL_SCHEMA
from rules.errors import PrivacyError

#: What a golden id looks like ("G" and upper-case hex digits, matching.stable_ids).
GOLDEN_ID: Final = re.compile(r"G[0-9A-F]{6,}")
#: golden_ids.retired_run of an erased golden id: "erasure:<request ref>".
ERASURE_PREFIX: Final = "erasure:"
_PHONE: Final = re.compile(r"\+?[\d][\d\s/().\-]{5,}")
_NAME_POSTAL: Final = re.compile(r"(?P<name>.*?\D)[\s,]+(?P<postal>\d{4,5})\s*$")
#: The values a steward checks before acting, per record (subject find).
SUMMARY_COLUMNS: Final = (
    "first_name",
    "last_name",
    "organisation_name",
    "street",
    "house_number",
    "postal_code",
    "city",
    "emails",
    "phones",
    "birth_date",
)

QueryKind = Literal["golden_id", "record", "email", "phone", "name_postal"]


@dataclass(frozen=True)
class Holdings:
    """Every silo's records as a run would see them, and the crosswalk of the last run."""

    records: pl.DataFrame
    raw: dict[str, pl.DataFrame]
    crosswalk: pl.DataFrame

    def records_of(self, golden_id: str) -> pl.DataFrame:
        """The cleaned records the crosswalk puts behind ``golden_id``."""
        members = self.crosswalk.filter(pl.col("golden_id") == golden_id)
        return self.records.join(members.select("silo", "source_id"), on=["silo", "source_id"])

    def raw_of(self, silo: str, row_numbers: list[int]) -> pl.DataFrame:
        """The rows of ``silo`` as read (every column as text)."""
        frame = self.raw.get(silo)
        if frame is None:
            return pl.DataFrame()
        return frame.filter(pl.col(ROW_NUMBER).is_in(row_numbers))


@dataclass(frozen=True)
class SubjectMatch:
    """One person a query found: the golden id (None: in no golden record) and the records."""

    golden_id: str | None
    #: silo, source_id, first_name, last_name, organisation_name, postal_code, city, emails,
    #: phones, birth_date of every record behind the golden id (absent from the silos: nulls)
    records: pl.DataFrame
    erased_by: str | None = None


@dataclass(frozen=True)
class SubjectQuery:
    """A steward's query, read: its kind and the parts the search needs."""

    text: str
    kind: QueryKind
    silo: str | None = None
    source_id: str | None = None
    #: name + postal code: both readings (first names, last name) and (last name, first names)
    name_orders: tuple[tuple[str | None, str], ...] = ()
    postal_code: str | None = None


def parse_query(query: str, silos: Collection[str]) -> SubjectQuery:
    """Read a query (``silos``: the declared silo names), or PrivacyError saying what to give."""
    text = query.strip()
    if not text:
        raise PrivacyError(
            "empty query — give a golden id, silo:source_id, an e-mail, a phone "
            "or a name and postal code"
        )
    if GOLDEN_ID.fullmatch(text):
        return SubjectQuery(text, "golden_id")
    silo, separator, source_id = text.partition(":")
    if separator and silo in silos:
        return SubjectQuery(text, "record", silo=silo, source_id=source_id.strip())
    if "@" in text:
        return SubjectQuery(text, "email")
    if _PHONE.fullmatch(text):
        return SubjectQuery(text, "phone")
    named = _NAME_POSTAL.fullmatch(text)
    if named is None:
        raise PrivacyError(
            f"cannot read the query {text!r} — give a golden id (G…), silo:source_id, an "
            'e-mail, a phone, or a name followed by the postal code ("Max Mustermann 10115")'
        )
    words = named["name"].replace(",", " ").split()
    orders = ((" ".join(words[:-1]) or None, words[-1]), (" ".join(words[1:]) or None, words[0]))
    return SubjectQuery(text, "name_postal", name_orders=orders, postal_code=named["postal"])


def query_frame(query: SubjectQuery) -> pl.DataFrame:
    """Canonical rows (CANONICAL_SCHEMA) holding the query's e-mail, phone or names, to clean."""
    emails = [query.text] if query.kind == "email" else []
    phones = [query.text] if query.kind == "phone" else []
    empty: list[tuple[str | None, str | None]] = [(None, None)]
    rows: list[tuple[str | None, str | None]] = list(query.name_orders) or empty
    frame = pl.DataFrame(
        {
            "record_key": [f"query:{index}" for index in range(len(rows))],
            "silo": ["query"] * len(rows),
            "source_id": [str(index) for index in range(len(rows))],
            "row_number": list(range(1, len(rows) + 1)),
            "first_name": [first for first, _ in rows],
            "last_name": [last for _, last in rows],
            "emails": [emails] * len(rows),
            "phones": [phones] * len(rows),
        },
        schema_overrides={
            name: CANONICAL_SCHEMA[name] for name in ("row_number", "emails", "phones")
        },
    )
    for name, dtype in CANONICAL_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(name))
    if query.name_orders:
        frame = frame.with_columns(pl.lit("person").alias("record_type"))
    return frame.select(list(CANONICAL_SCHEMA)).cast(CANONICAL_SCHEMA)  # type: ignore[arg-type]


def records_matching(
    records: pl.DataFrame, query: SubjectQuery, cleaned: pl.DataFrame | None
) -> pl.DataFrame:
    """silo, source_id of the cleaned records a record, e-mail, phone or name + PLZ query finds.

    ``cleaned`` is query_frame(query) through the cleaners (None for a record query).
    """
    if query.kind == "record":
        return records.filter(
            (pl.col("silo") == query.silo) & (pl.col("source_id") == query.source_id)
        ).select("silo", "source_id")
    assert cleaned is not None, "e-mail, phone and name queries need their cleaned values"
    if query.kind in ("email", "phone"):
        column = "emails" if query.kind == "email" else "phones"
        values = cleaned[column].explode().drop_nulls().to_list()
        if not values and query.kind == "email":
            raise PrivacyError(f"{query.text!r} is not a valid e-mail address after cleaning")
        if not values:
            raise PrivacyError(
                f"{query.text!r} is not a valid phone number after cleaning — give it with the "
                "country code (+49 …) if it is not a German one"
            )
        return records.filter(
            pl.col(column).list.eval(pl.element().is_in(values)).list.any()
        ).select("silo", "source_id")
    found = []
    for first_key, last_key in cleaned.select("first_name_key", "last_name_key").iter_rows():
        if last_key is None:
            continue
        condition = (pl.col("last_name_key") == last_key) & (
            pl.col("postal_code") == query.postal_code
        )
        if first_key is not None:
            condition &= pl.col("first_name_key") == first_key
        found.append(records.filter(condition).select("silo", "source_id"))
    return pl.concat(found).unique() if found else records.clear().select("silo", "source_id")


def follow_golden_id(golden_ids: pl.DataFrame, query: str) -> str:
    """The golden id ``query`` names, following merges (golden_ids: the state's id history).

    PrivacyError when the id was never issued, or retired because its records left the silos.
    An erased id is returned as it is (the caller says it was erased).
    """
    current = query
    for _ in range(golden_ids.height + 1):
        row = golden_ids.filter(pl.col("golden_id") == current)
        if row.height == 0:
            raise PrivacyError(
                f"unknown golden id {query} — the state store never issued it; check it in "
                "golden.csv of the latest run or search with `golden subject find`"
            )
        retired, target = row["retired_run"][0], row["redirect_to"][0]
        if retired is None or retired.startswith(ERASURE_PREFIX) or target is None:
            if retired is not None and target is None and not retired.startswith(ERASURE_PREFIX):
                raise PrivacyError(
                    f"golden id {query} was retired in run {retired} (its records left the "
                    "silos) — nothing is held under it"
                )
            return current
        current = target
    return current


def summaries(holdings: Holdings, keys: pl.DataFrame) -> pl.DataFrame:
    """The records behind ``keys`` (silo, source_id) with the values a steward checks."""
    return (
        keys.select("silo", "source_id")
        .unique()
        .join(
            holdings.records.select("silo", "source_id", *SUMMARY_COLUMNS),
            on=["silo", "source_id"],
            how="left",
        )
        .sort("silo", "source_id")
    )


def matches_by_person(holdings: Holdings, found: pl.DataFrame) -> list[SubjectMatch]:
    """One SubjectMatch per golden record the found records (silo, source_id) belong to.

    Each lists every record behind its golden id, not only the ones found; records in no golden
    record are listed together under None, last.
    """
    with_ids = found.join(holdings.crosswalk, on=["silo", "source_id"], how="left")
    matches = []
    for (person,), group in with_ids.group_by("golden_id", maintain_order=True):
        if person is None:
            matches.append(SubjectMatch(None, summaries(holdings, group)))
        else:
            keys = holdings.crosswalk.filter(pl.col("golden_id") == person)
            matches.append(SubjectMatch(str(person), summaries(holdings, keys)))
    return sorted(matches, key=lambda match: match.golden_id or "~")


def mark_erased(
    matches: list[SubjectMatch], records: pl.DataFrame, tombstones: pl.DataFrame, salt: bytes
) -> list[SubjectMatch]:
    """Records in no golden record that match an erasure tombstone, listed under their request.

    An erased person's records leave the crosswalk but stay in the silos until each owner
    deletes them; a query still finds them, and says so instead of "in no golden record".
    """
    unlinked = [match for match in matches if match.golden_id is None]
    if not unlinked or tombstones.height == 0:
        return matches
    result = [match for match in matches if match.golden_id is not None]
    for match in unlinked:
        found = records.join(match.records.select("silo", "source_id"), on=["silo", "source_id"])
        hits = screen(found, tombstones, salt).hits
        for (request_ref,), group in hits.group_by("request_ref", maintain_order=True):
            keys = group.select("silo", "source_id")
            erased = match.records.join(keys, on=["silo", "source_id"], how="semi")
            result.append(SubjectMatch(None, erased, erased_by=str(request_ref)))
        rest = match.records.join(
            hits.select("silo", "source_id"), on=["silo", "source_id"], how="anti"
        )
        if rest.height:
            result.append(SubjectMatch(None, rest))
    return result


def single_person(matches: list[SubjectMatch], query: str) -> str:
    """The golden id of the one person the matches name, or PrivacyError (none, several, erased)."""
    persons = [match for match in matches if match.golden_id is not None]
    erased = sorted({match.erased_by for match in matches if match.erased_by is not None})
    if not persons and erased:
        raise PrivacyError(
            f"{query!r} names a person erased already (request {', '.join(erased)}) — the silos "
            f"still hold their records until each owner deletes them; `golden subject status "
            f"{erased[0]}` lists them"
        )
    if not persons:
        raise PrivacyError(
            f"no golden record matches {query!r} — check it with `golden subject find`"
        )
    if len(persons) > 1:
        ids = ", ".join(str(match.golden_id) for match in persons)
        raise PrivacyError(
            f"{query!r} matches {len(persons)} persons ({ids}) — confirm the identity with "
            "`golden subject find` and give the golden id"
        )
    person = persons[0]
    if person.erased_by is not None:
        raise PrivacyError(
            f"{person.golden_id} was erased already (request {person.erased_by}) — "
            f"`golden subject status {person.erased_by}` shows its state"
        )
    return str(person.golden_id)
