"""The typed summary of one pipeline run: counts per silo and stage, for reports and history.

flows/ builds a ``RunSummary`` at the end of a run and publishes ``to_dict()`` as ``summary.json``;
the next run reads it back with ``RunSummary.from_dict()`` so the DQ report can show the change
since the previous run. ``to_dict()`` holds only JSON types (datetimes as ISO 8601 strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import polars as pl

_T = TypeVar("_T")


@dataclass(frozen=True)
class SiloSummary:
    """What happened to one silo's rows: read, quarantined or passed on, and its findings."""

    name: str
    connector: str
    trust_rank: int
    #: every source row seen
    rows_read: int
    #: rows that ended in quarantine
    quarantined: int
    #: rows that went on into matching (rows_read == quarantined + records)
    records: int
    #: findings with status "invalid" (value removed from the record)
    invalid_values: int
    #: findings with status "corrected" (value changed and kept)
    corrected_values: int

    def __post_init__(self) -> None:
        # A silo whose counts do not add up means a stage lost or duplicated rows: stop here
        # rather than publish a report that quietly disagrees with quarantine.csv.
        if self.rows_read != self.quarantined + self.records:
            raise ValueError(
                f"silo '{self.name}': rows_read ({self.rows_read}) != quarantined "
                f"({self.quarantined}) + records ({self.records}) — count every source row "
                "exactly once when building the SiloSummary"
            )

    def to_dict(self) -> dict[str, str | int]:
        """Return the summary as a JSON-safe dict."""
        return {
            "name": self.name,
            "connector": self.connector,
            "trust_rank": self.trust_rank,
            "rows_read": self.rows_read,
            "quarantined": self.quarantined,
            "records": self.records,
            "invalid_values": self.invalid_values,
            "corrected_values": self.corrected_values,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SiloSummary:
        """Build a silo summary from ``to_dict()`` output; unknown keys are ignored."""
        where = "silo summary"
        return cls(
            name=_get(data, "name", str, where),
            connector=_get(data, "connector", str, where),
            trust_rank=_get(data, "trust_rank", int, where),
            rows_read=_get(data, "rows_read", int, where),
            quarantined=_get(data, "quarantined", int, where),
            records=_get(data, "records", int, where),
            invalid_values=_get(data, "invalid_values", int, where),
            corrected_values=_get(data, "corrected_values", int, where),
        )


@dataclass(frozen=True)
class RunSummary:
    """Counts of one pipeline run, from silos read to golden records published."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    project: str
    language: str
    silos: tuple[SiloSummary, ...]
    golden_records: int
    records_in_crosswalk: int
    #: records merged into another record's golden record = records_in_crosswalk - golden_records
    duplicates_merged: int
    review_pairs: int
    stale_flagged: int
    #: wall time per stage in seconds, in stage order
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.duplicates_merged != self.records_in_crosswalk - self.golden_records:
            raise ValueError(
                f"run '{self.run_id}': duplicates_merged ({self.duplicates_merged}) != "
                f"records_in_crosswalk ({self.records_in_crosswalk}) - golden_records "
                f"({self.golden_records}) — derive it from the crosswalk"
            )
        # Callers may pass a list; a tuple keeps the frozen summary really immutable.
        object.__setattr__(self, "silos", tuple(self.silos))

    @property
    def rows_read(self) -> int:
        """Source rows read over all silos."""
        return sum(silo.rows_read for silo in self.silos)

    @property
    def quarantined(self) -> int:
        """Source rows quarantined over all silos."""
        return sum(silo.quarantined for silo in self.silos)

    @property
    def records(self) -> int:
        """Source rows that went on into matching over all silos."""
        return sum(silo.records for silo in self.silos)

    def to_dict(self) -> dict[str, object]:
        """Return the summary as a JSON-safe dict (datetimes as ISO 8601 strings)."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "project": self.project,
            "language": self.language,
            "silos": [silo.to_dict() for silo in self.silos],
            "golden_records": self.golden_records,
            "records_in_crosswalk": self.records_in_crosswalk,
            "duplicates_merged": self.duplicates_merged,
            "review_pairs": self.review_pairs,
            "stale_flagged": self.stale_flagged,
            "stage_seconds": {
                stage: float(seconds) for stage, seconds in self.stage_seconds.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunSummary:
        """Build a run summary from ``to_dict()`` output; unknown keys are ignored."""
        where = "run summary"
        silos = _get(data, "silos", list, where)
        finished_at = data.get("finished_at")
        stage_seconds = _get(data, "stage_seconds", dict, where)
        return cls(
            run_id=_get(data, "run_id", str, where),
            started_at=_parse_datetime(_get(data, "started_at", str, where), "started_at"),
            finished_at=(
                None
                if finished_at is None
                else _parse_datetime(_get(data, "finished_at", str, where), "finished_at")
            ),
            project=_get(data, "project", str, where),
            language=_get(data, "language", str, where),
            silos=tuple(SiloSummary.from_dict(silo) for silo in silos),
            golden_records=_get(data, "golden_records", int, where),
            records_in_crosswalk=_get(data, "records_in_crosswalk", int, where),
            duplicates_merged=_get(data, "duplicates_merged", int, where),
            review_pairs=_get(data, "review_pairs", int, where),
            stale_flagged=_get(data, "stale_flagged", int, where),
            stage_seconds={str(stage): float(seconds) for stage, seconds in stage_seconds.items()},
        )


def _get(data: Mapping[str, object], key: str, kind: type[_T], where: str) -> _T:
    """Return ``data[key]`` checked against ``kind``, with a message that names the key."""
    if key not in data:
        raise ValueError(f"{where}: key '{key}' is missing — was the file written by to_dict()?")
    value = data[key]
    # bool is an int subclass; a count of True is a bug in whoever wrote the file.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(
            f"{where}: key '{key}' should be {kind.__name__}, got {type(value).__name__} "
            f"{value!r} — was the file written by to_dict()?"
        )
    return value


def _parse_datetime(text: str, key: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(
            f"run summary: key '{key}' is not an ISO 8601 datetime: {text!r}"
        ) from error


def merges_refused(refused: pl.DataFrame) -> dict[str, object]:
    """summary.json ``merges_refused``: accepted pairs whose merge clustering refused, by reason.

    ``refused`` has a ``reason`` column (matching.clustering: "weak_link", or "conflict: " and
    the conflicting rule, e.g. "conflict: birth_date:different", "conflict: different sex").
    """
    counts = refused.group_by("reason").len().sort("reason")
    return {
        "total": refused.height,
        "by_reason": {reason: int(count) for reason, count in counts.iter_rows()},
    }
