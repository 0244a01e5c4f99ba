"""DQ check results reused: great-expectations validates only values it has not judged yet.

A check's verdict on a row depends on nothing but the row's slim batch (reports.dq_validation:
the rows the check applies to, with the columns it reads), except for uniqueness, which depends
on the other rows. So, per check:

- **row checks** (not null, null, format, between, equal columns): rows are keyed by a 128-bit
  fingerprint of their slim values (row id aside). Rows whose fingerprint the last run's cache
  judged take its verdict; of the rest only one row per fingerprint goes to great-expectations,
  and its verdict holds for every row with that fingerprint. A day-dependent bound ("not in the
  future", "updated within 24 months": ``argument`` moves every day) is left out of the key;
  rows whose value lies between yesterday's and today's bound are validated again, all others
  keep their verdict (a value outside that interval is on the same side of both bounds).
- **uniqueness in a silo**: a row can only fail when another row of its silo has the same
  value; rows whose (silo, value) occurs once (and rows without a value) pass without
  great-expectations. The repeated ones are keyed by the fingerprint of their (silo, value):
  one judged repeated last night keeps its verdict while it is repeated; the rows of a value
  repeated for the first time (one new row can make an old one a duplicate) all go to
  great-expectations, so it sees the repetition.

Great-expectations is imported (about 4 s) only when some check has a row to validate
(reports.dq_validation): a night without new values runs no validation at all.

The cache (``dq_cache/`` in the run folder, published with it, so never half written) holds per
check one parquet file of fingerprint_1, fingerprint_2, failed, and a manifest with the checks'
row counts and bounds; no values. Its files are read and written by rules.cache_files, as the
clean and match caches are: a cache that cannot be used is named in summary.json's
``dq_checking`` reason (which file, what is wrong). It is valid while the great-expectations,
pandas and polars versions and the code of reports, flows and rules (which build the frames, the
slim batches, the checks and the expectations) are the same. ``golden run --full`` ignores it;
an erasure deletes it (flows.scrub).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from reports.dq_frames import ROW_ID
from rules.cache_files import MANIFEST, read_frame, read_manifest, row_counts, write_manifest
from rules.dq_rules import Check, CheckKind
from rules.versions import distribution_version, json_digest, source_digest

#: Folder of the cache inside a run folder.
CACHE_FOLDER = "dq_cache"
#: Bump when the cache's files or their meaning change (2: rules.cache_files' manifest, with
#: ``rows`` and ``bounds`` per check).
CACHE_FORMAT = 2
#: Two seeds, one 64-bit hash each: a 128-bit fingerprint per slim row.
FINGERPRINT_SEEDS = (4_711_001, 8_150_017)
#: Checks whose bound is a day-dependent argument (left out of the cache key).
BOUND_KINDS = (CheckKind.NOT_BEFORE, CheckKind.NOT_AFTER)

_VERDICT_SCHEMA = {
    "fingerprint_1": pl.UInt64(),
    "fingerprint_2": pl.UInt64(),
    "failed": pl.Boolean(),
}


class DQCacheUnusable(Exception):
    """The last run's DQ cache cannot be used (the message says why); never leaves this module."""


@dataclass
class _Verdicts:
    """A check's verdicts by fingerprint, and the bound they were reached with."""

    frame: pl.DataFrame  # fingerprint_1, fingerprint_2, failed (unique fingerprints)
    bound: str | None = None


@dataclass(frozen=True)
class Plan:
    """What one check needs: the rows great-expectations validates (``batch``) and how to
    spread its verdicts over all rows."""

    check: Check
    batch: pl.DataFrame  # slim rows to validate, one per fingerprint (row checks)
    fingerprints: pl.DataFrame  # ROW_ID, fingerprint_1, fingerprint_2 (uniqueness: repeated)
    known: pl.DataFrame | None  # fingerprint_1, fingerprint_2, failed: reused verdicts


@dataclass
class DQReuse:
    """The last run's verdicts (``previous``) and this run's (``current``), with counts."""

    previous: dict[str, _Verdicts] = field(default_factory=dict)
    current: dict[str, _Verdicts] = field(default_factory=dict)
    #: rows of all checks / rows great-expectations validated
    rows: int = 0
    validated: int = 0
    reason: str = "no DQ cache"

    @classmethod
    def load(cls, folder: Path | None) -> DQReuse:
        """The cache published in ``folder`` (None, missing or unusable: nothing to reuse)."""
        if folder is None:
            return cls(reason="full run: DQ cache not read")
        try:
            previous = _read_cache(folder)
        except DQCacheUnusable as exc:
            return cls(reason=f"no usable DQ cache from the last run ({exc})")
        return cls(previous=previous, reason="the last run's DQ cache fits")

    def plan(self, check: Check, slim: pl.DataFrame) -> Plan:
        """The rows of ``slim`` (ROW_ID, condition and check columns) great-expectations must
        validate for ``check``."""
        self.rows += slim.height
        unique = check.kind is CheckKind.UNIQUE_IN_SILO
        if unique:
            # A missing value is never a duplicate (ignore_row_if="any_value_is_missing"), nor
            # is a value seen once in its silo: only repeated values can fail. Their rows'
            # fingerprint is their (silo, value), so all rows of one value are known or not.
            slim = slim.filter(
                pl.col(check.column).is_not_null() & (pl.len().over("silo", check.column) > 1)
            )
        values = pl.struct(pl.all().exclude(ROW_ID))
        fingerprints = slim.select(
            ROW_ID,
            *(
                values.hash(seed).alias(f"fingerprint_{index}")
                for index, seed in enumerate(FINGERPRINT_SEEDS, start=1)
            ),
        )
        keys = ["fingerprint_1", "fingerprint_2"]
        known = None
        cached = self.previous.get(_definition(check))
        if cached is not None:
            known = cached.frame
            bound = _bound(check)
            if bound != cached.bound:
                # Values between the two bounds may read differently: validate them again.
                bounds = _datetimes(bound, cached.bound)
                if bounds is None:
                    known = None
                else:
                    try:
                        between = slim[check.column].is_between(*bounds).fill_null(False)
                    except pl.exceptions.PolarsError:  # not a time column: judge every row
                        known = None
                    else:
                        moved = fingerprints.filter(between).select(keys)
                        known = known.join(moved, on=keys, how="anti")
        unknown = (
            fingerprints
            if known is None
            else fingerprints.join(known.select(keys), on=keys, how="anti")
        )
        if unique:  # every row of a repeated value, or great-expectations sees it once
            batch = slim.join(unknown.select(ROW_ID), on=ROW_ID, how="semi")
        else:  # one row per fingerprint: the verdict is the same for equal slim values
            first = unknown.unique(keys, keep="first", maintain_order=True)[ROW_ID]
            batch = slim.filter(pl.col(ROW_ID).is_in(first.implode()))
        self.validated += batch.height
        return Plan(check, batch, fingerprints, known)

    def failing(self, plan: Plan, failed_rows: Iterable[int]) -> list[int]:
        """Row ids failing ``plan.check``: ``failed_rows`` (of the batch) and the rows sharing
        a fingerprint with one of them or with a cached failing value; keeps the verdicts."""
        failed = sorted(failed_rows)
        keys = ["fingerprint_1", "fingerprint_2"]
        judged = (
            plan.fingerprints.join(plan.batch.select(ROW_ID), on=ROW_ID, how="semi")
            .select(*keys, pl.col(ROW_ID).is_in(failed).alias("failed"))
            .unique(keys, keep="first")  # uniqueness sends every row of a value
        )
        verdicts = judged if plan.known is None else pl.concat([plan.known, judged])
        present = plan.fingerprints.join(verdicts, on=keys, how="left")
        self.current[_definition(plan.check)] = _Verdicts(
            verdicts.join(plan.fingerprints.select(keys), on=keys, how="semi")
            .unique(keys)
            .sort(keys),
            _bound(plan.check),
        )
        return sorted(present.filter(pl.col("failed"))[ROW_ID].cast(pl.Int64).to_list())

    def to_dict(self) -> dict[str, object]:
        """summary.json ``dq_checking``: rows of all checks, rows GX validated, and why."""
        return {"rows": self.rows, "validated": self.validated, "reason": self.reason}

    def log_line(self) -> str:
        """One line for the run log: how many rows great-expectations validated."""
        return (
            f"dq: great-expectations validated {self.validated} of {self.rows} check rows "
            f"({self.reason})"
        )


def versions() -> dict[str, str]:
    """What the verdicts depend on besides the values: validator, frames and hashing."""
    return {
        "great_expectations": distribution_version("great-expectations"),
        "pandas": distribution_version("pandas"),
        "polars": pl.__version__,
        "code": json_digest(
            {package: source_digest(package) for package in ("flows", "reports", "rules")}
        ),
    }


def _definition(check: Check) -> str:
    """A check's definition without a day-dependent bound: the key of its verdicts."""
    return json_digest(
        {
            "key": check.key,
            "kind": str(check.kind),
            "frame": check.frame,
            "columns": list(check.columns()),
            "argument": None if check.kind in BOUND_KINDS else str(check.argument),
            "condition": {
                "silos": sorted(check.silos),
                "record_type": check.record_type,
                "country": check.country,
            },
        }
    )[:32]


def _datetimes(*bounds: str | None) -> tuple[datetime, datetime] | None:
    """Two bounds as (lower, higher) datetimes, or None when one is not a time."""
    try:
        low, high = sorted(datetime.fromisoformat(bound) for bound in bounds if bound is not None)
    except (TypeError, ValueError):
        return None
    return low, high


def _bound(check: Check) -> str | None:
    if check.kind not in BOUND_KINDS or check.argument is None:
        return None
    argument = check.argument
    return argument.isoformat() if isinstance(argument, datetime) else str(argument)


def write_dq_cache(folder: Path, reuse: DQReuse, run_id: str = "") -> None:
    """Write this run's verdicts into ``folder`` (inside a staging run folder); manifest last."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for key, verdicts in reuse.current.items():
        verdicts.frame.write_parquet(folder / f"{key}.parquet")
    manifest = {
        "format": CACHE_FORMAT,
        "run_id": run_id,
        "versions": versions(),
        "rows": {key: verdicts.frame.height for key, verdicts in reuse.current.items()},
        "bounds": {key: verdicts.bound for key, verdicts in reuse.current.items()},
    }
    write_manifest(folder, manifest)


def _read_cache(folder: Path) -> dict[str, _Verdicts]:
    """The verdicts per check definition written by ``write_dq_cache``; raise DQCacheUnusable
    saying what is wrong (which file, or which versions differ)."""
    manifest = read_manifest(folder, CACHE_FORMAT, DQCacheUnusable)
    written, now = manifest.get("versions"), versions()
    if not isinstance(written, dict):
        raise DQCacheUnusable(f"{MANIFEST}: 'versions' missing")
    changed = sorted(name for name in set(now) | set(written) if written.get(name) != now.get(name))
    if changed:
        raise DQCacheUnusable(f"written with other {', '.join(changed)}")
    keys = manifest.get("rows")
    bounds = manifest.get("bounds")
    if not isinstance(keys, dict) or not isinstance(bounds, dict):
        raise DQCacheUnusable(f"{MANIFEST}: 'rows' or 'bounds' missing")
    rows = row_counts(manifest, keys, DQCacheUnusable)
    previous = {}
    for key, count in rows.items():
        if len(key) != 32 or not all(char in "0123456789abcdef" for char in key):
            raise DQCacheUnusable(f"{MANIFEST}: {key[:40]!r} is not a check's key")
        bound = bounds.get(key)
        if bound is not None and not isinstance(bound, str):
            raise DQCacheUnusable(f"{MANIFEST}: the bound of {key} is not a text")
        frame = read_frame(folder / f"{key}.parquet", count, _VERDICT_SCHEMA, DQCacheUnusable)
        previous[key] = _Verdicts(frame, bound)
    return previous
