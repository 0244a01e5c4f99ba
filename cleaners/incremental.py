"""Incremental cleaning: re-clean only new and changed source rows, reuse the rest from a cache.

Cleaning reads each canonical row on its own (flows.stages cleans in partitions for that
reason), so a row whose values are the same as in the last run cleans to the same records and
findings. Every run with incremental matching on leaves a clean cache (``clean_cache/`` inside
its published run folder, so a killed run never leaves half a cache):

- ``rows.parquet``: per canonical record_key a 128-bit fingerprint of the raw canonical row
  (every column but ``row_number``, which moves when rows above are deleted);
- ``records.parquet``: the cleaned records (CLEANED_SCHEMA) with ``parent_key``, the canonical
  row they came from (an organisation row with a contact person gives two records);
- ``findings.parquet``: the cleaners' findings of those records, in cleaning order;
- ``hashes.parquet``: rules.canonical.record_hashes of the records the run hashed (the review
  queue's), each with a fingerprint of the values hashed: reused while that is the same;
- ``manifest.json``: format, the day the rows were cleaned, row counts, and a fingerprint of
  everything else cleaning depends on (the cleaners' and rules' code and reference data, the
  library versions, the cleaning settings of golden.toml).

The day matters for dates only (two-digit years, birth-date plausibility): when it differs,
the dates of the reusable rows are parsed with both days and rows whose dates come out
differently are re-cleaned. The assembled result is the one a full clean of all rows gives,
row for row and finding for finding, in the same order (partition by partition as
flows.stages cleans them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from cleaners.dates import DATE_COLUMNS, TIMESTAMP_COLUMNS, clean_dates
from cleaners.outcome import ROW, CleanResult
from cleaners.pipeline import CLEANED_SCHEMA, prepared_frame
from rules.cache_files import MANIFEST, read_frame, read_manifest, row_counts, write_manifest
from rules.canonical import CANONICAL_SCHEMA, FINDINGS_SCHEMA, record_hashes
from rules.versions import distribution_version, json_digest, source_digest

#: Bump when the cache's files or their meaning change: older caches then force a full clean.
CACHE_FORMAT = 1
#: Folder of the cache inside a run folder.
CACHE_FOLDER = "clean_cache"
#: Packages whose code and reference data decide what cleaning gives.
SOURCE_PACKAGES = ("cleaners", "rules")
#: Libraries the cleaners call: another version may normalise differently.
LIBRARIES = ("polars", "phonenumbers", "email-validator", "rapidfuzz", "golden-records")
FINGERPRINT_SEEDS = (2_718_281, 3_141_592)
#: Raw columns a row's fingerprint covers: all but the row number.
FINGERPRINT_COLUMNS = tuple(name for name in CANONICAL_SCHEMA if name != "row_number")

_ROWS_SCHEMA = {
    "record_key": pl.String(),
    "fingerprint_1": pl.UInt64(),
    "fingerprint_2": pl.UInt64(),
}
_RECORDS_SCHEMA = {"parent_key": pl.String(), **CLEANED_SCHEMA}
_HASHES_SCHEMA = {
    "record_key": pl.String(),
    "fingerprint_1": pl.UInt64(),
    "fingerprint_2": pl.UInt64(),
    "record_hash": pl.String(),
}
_ROW_COUNTS = ("rows", "records", "findings", "hashes")
_DAY_COLUMNS = (*DATE_COLUMNS, *TIMESTAMP_COLUMNS)

#: Records with none of these fields carry nothing to match or contact: they go to quarantine.
# A record that can be told apart and found again: a name, an organisation, an e-mail, a phone, or
# an identifier of its own (a personal id such as an SSN or AHV-Nr., a VAT id).
IDENTIFYING_FIELDS = (
    "last_name",
    "first_name",
    "organisation_name",
    "emails",
    "phones",
    "personal_id",
    "vat_id",
)


class CleanCacheUnusable(Exception):
    """Raised when a clean cache is missing, damaged or of another format (never leaves here)."""


@dataclass(frozen=True)
class CleanSettings:
    """The settings of golden.toml cleaning reads (the arguments of cleaners.clean_records)."""

    default_country: str
    silo_countries: Mapping[str, str]
    date_formats: Mapping[str, str | None]

    def fingerprint(self) -> str:
        """SHA-256 of these settings, the cache format, library versions and the code."""
        parts = {
            "format": CACHE_FORMAT,
            "settings": {
                "default_country": self.default_country,
                "silo_countries": dict(sorted(self.silo_countries.items())),
                "date_formats": dict(sorted(self.date_formats.items())),
            },
            "libraries": {name: distribution_version(name) for name in LIBRARIES},
            "code": {package: source_digest(package) for package in SOURCE_PACKAGES},
        }
        return json_digest(parts)


@dataclass(frozen=True)
class CleanCache:
    """What one run keeps so that the next one can clean incrementally."""

    rows: pl.DataFrame  # record_key, fingerprint_1, fingerprint_2 (canonical rows)
    records: pl.DataFrame  # parent_key + CLEANED_SCHEMA, cleaning order
    findings: pl.DataFrame  # FINDINGS_SCHEMA, cleaning order
    settings: str
    day: date
    #: record_key, fingerprint_1, fingerprint_2, record_hash: rules.canonical.record_hashes of
    #: the records this run hashed (review queue), valid while the values' fingerprint is equal
    hashes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_HASHES_SCHEMA))

    def keeping(self, record_keys: pl.Series) -> CleanCache:
        """The cache without every canonical row one of whose records is neither in
        ``record_keys`` (the records the run kept) nor empty (quarantined as such): a record
        moved to quarantine later (an erased person's) must not stay behind in the cache."""
        records = self.records
        kept = records["record_key"].is_in(record_keys.implode()) | ~identifying(records)
        dropped = records.filter(~kept)["parent_key"].unique()
        drop_parent = pl.col("parent_key").is_in(dropped.implode())
        records = records.filter(~drop_parent)
        return CleanCache(
            rows=self.rows.filter(~pl.col("record_key").is_in(dropped.implode())),
            records=records,
            findings=self.findings.filter(
                pl.col("record_key").is_in(records["record_key"].implode())
            ),
            settings=self.settings,
            day=self.day,
            hashes=self.hashes.filter(pl.col("record_key").is_in(records["record_key"].implode())),
        )


@dataclass(frozen=True)
class CleanReport:
    """How a run cleaned: ``summary.json`` ``cleaning``."""

    mode: str  # "full" or "incremental"
    reason: str
    rows: int
    #: canonical rows cleaned in this run (all rows in a full clean)
    cleaned: int
    #: of them, rows unchanged but re-cleaned because their dates read differently today
    redated: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "reason": self.reason,
            "rows": self.rows,
            "cleaned_rows": self.cleaned,
            "reused_rows": self.rows - self.cleaned,
            "redated_rows": self.redated,
        }

    def log_line(self) -> str:
        """One line for the run log: counts and reason, no values."""
        if self.mode == "incremental":
            return (
                f"cleaning: incremental — {self.cleaned} of {self.rows} rows cleaned "
                f"({self.redated} for their dates), the rest reused from the last run"
            )
        return f"cleaning: all {self.rows} rows — {self.reason}"


@dataclass(frozen=True)
class CleanOutcome:
    """The cleaning result (as one clean_records call over all rows), the cache, the report."""

    result: CleanResult
    cache: CleanCache
    report: CleanReport
    #: the last run's record hashes (see CleanCache.hashes), for known_record_hashes
    known_hashes: pl.DataFrame | None = None


def identifying_expression() -> pl.Expr:
    """True for a cleaned record with a name, organisation, e-mail, phone or id of its own."""
    return pl.any_horizontal(
        pl.col(name).list.len() > 0 if name in ("emails", "phones") else pl.col(name).is_not_null()
        for name in IDENTIFYING_FIELDS
    )


def identifying(records: pl.DataFrame) -> pl.Series:
    """Per cleaned record: does it carry a name, organisation, e-mail, phone or own id?"""
    return records.select(identifying_expression().alias("identifying"))["identifying"]


def row_fingerprints(canonical: pl.DataFrame) -> pl.DataFrame:
    """record_key, fingerprint_1, fingerprint_2: a 128-bit hash of each raw canonical row."""
    values = pl.struct(FINGERPRINT_COLUMNS)
    return canonical.select(
        "record_key",
        *(
            values.hash(seed).alias(f"fingerprint_{index}")
            for index, seed in enumerate(FINGERPRINT_SEEDS, start=1)
        ),
    )


def clean_reusing(
    canonical: pl.DataFrame,
    settings: CleanSettings,
    today: date,
    previous: Path | None,
    partition_rows: int,
    clean: Callable[[pl.DataFrame], CleanResult],
) -> CleanOutcome:
    """Clean ``canonical`` like ``clean`` over all rows would, reusing ``previous``'s cache.

    ``clean`` cleans a canonical frame (flows.stages spreads it over partitions);
    ``partition_rows`` is the partition size of a full clean, whose order the result keeps.
    A missing, damaged or outdated cache never fails the run: every row is cleaned.
    """
    fingerprint = settings.fingerprint()
    rows = row_fingerprints(canonical)
    cache, reason = _usable(previous, fingerprint, canonical)
    if cache is None:
        result = clean(canonical)
        records = _with_parents(result.frame, canonical)
        report = CleanReport("full", reason, canonical.height, canonical.height)
        return CleanOutcome(
            result, CleanCache(rows, records, result.findings, fingerprint, today), report
        )
    same = rows.join(cache.rows, on=["record_key", "fingerprint_1", "fingerprint_2"], how="semi")
    reusable = same["record_key"]
    redated = pl.Series("record_key", [], dtype=pl.String())
    if cache.day != today and reusable.len():
        redated = _redated(
            canonical.filter(pl.col("record_key").is_in(reusable.implode())),
            settings,
            cache.day,
            today,
        )
        reusable = reusable.filter(~reusable.is_in(redated.implode()))
    changed = canonical.filter(~pl.col("record_key").is_in(reusable.implode()))
    fresh = clean(changed) if changed.height else None
    reused = cache.records.filter(pl.col("parent_key").is_in(reusable.implode()))
    reused = reused.drop("row_number").join(
        canonical.select(pl.col("record_key").alias("parent_key"), "row_number"),
        on="parent_key",
        how="left",
    )
    parts = [reused.select(list(_RECORDS_SCHEMA))]
    finding_parts = [
        cache.findings.filter(pl.col("record_key").is_in(reused["record_key"].implode()))
    ]
    if fresh is not None:
        parts.append(_with_parents(fresh.frame, changed))
        finding_parts.append(fresh.findings)
    records, findings = _in_clean_order(
        pl.concat(parts), pl.concat(finding_parts), canonical, partition_rows
    )
    result = CleanResult(records.drop("parent_key"), findings)
    report = CleanReport(
        "incremental",
        "the last run's clean cache fits",
        canonical.height,
        changed.height,
        redated.len(),
    )
    return CleanOutcome(
        result,
        CleanCache(rows, records, findings, fingerprint, today),
        report,
        known_hashes=cache.hashes,
    )


def _usable(
    previous: Path | None, fingerprint: str, canonical: pl.DataFrame
) -> tuple[CleanCache | None, str]:
    """(the cache, "") when it can be used; else (None, why every row is cleaned)."""
    if previous is None:
        return None, "a full run (--full) or no earlier run"
    if canonical.select(pl.struct("silo", "row_number").is_duplicated().any()).item():
        return None, "a silo repeats a row number: rows cannot be told apart"
    try:
        cache = load_clean_cache(previous)
    except CleanCacheUnusable as exc:
        return None, f"no usable clean cache from the last run ({exc})"
    if cache.settings != fingerprint:
        return None, "the cleaning code, its libraries or the cleaning settings changed"
    return cache, ""


def _with_parents(frame: pl.DataFrame, canonical: pl.DataFrame) -> pl.DataFrame:
    """The cleaned records with ``parent_key``: the canonical row of the same silo and row
    number (a contact record shares its organisation row's)."""
    parents = canonical.select("silo", "row_number", pl.col("record_key").alias("parent_key"))
    return frame.join(parents, on=["silo", "row_number"], how="left", maintain_order="left").select(
        list(_RECORDS_SCHEMA)
    )


def _in_clean_order(
    records: pl.DataFrame,
    findings: pl.DataFrame,
    canonical: pl.DataFrame,
    partition_rows: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records and findings in the order a full clean gives: per partition of canonical rows,
    the rows' own records in row order, then the contact records split off them; each record's
    findings in the order they were made."""
    positions = canonical.select(
        pl.col("record_key").alias("parent_key"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("__position"),
    )
    order = ["__partition", "__contact", "__position"]
    records = (
        records.join(positions, on="parent_key", how="left")
        .with_columns(
            (pl.col("__position") // max(partition_rows, 1)).alias("__partition"),
            (pl.col("record_key") != pl.col("parent_key")).alias("__contact"),
        )
        .sort(order)
    )
    findings = (
        findings.with_columns(pl.int_range(pl.len()).over("record_key").alias("__sequence"))
        .join(records.select("record_key", *order), on="record_key", how="left")
        .sort([*order, "__sequence"])
        .select(list(FINDINGS_SCHEMA))
    )
    return records.drop(order), findings


def _redated(
    canonical: pl.DataFrame, settings: CleanSettings, cached_day: date, today: date
) -> pl.Series:
    """Record keys of canonical rows whose dates clean differently on ``today`` than on
    ``cached_day`` (cleaners.dates is the only step that reads the day).

    The canonical rows are probed before contacts are split off: a contact record has no
    birth date and its organisation row's other dates, so it changes only when that row does.
    """
    frame = prepared_frame(canonical).select(
        "record_key", "silo", "source_id", "row_number", ROW, *_DAY_COLUMNS
    )
    results = [
        clean_dates(frame, date_formats=dict(settings.date_formats), today=day)
        for day in (cached_day, today)
    ]
    values = [result.frame.select("record_key", *_DAY_COLUMNS) for result in results]
    differing = (
        values[0]
        .join(values[1], on="record_key", suffix="__today")
        .filter(
            pl.any_horizontal(
                pl.col(name).ne_missing(pl.col(f"{name}__today")) for name in _DAY_COLUMNS
            )
        )["record_key"]
    )
    findings = [result.findings.select(list(FINDINGS_SCHEMA)) for result in results]
    changed_findings = pl.concat(
        [
            findings[0].join(findings[1], on=list(FINDINGS_SCHEMA), how="anti", nulls_equal=True),
            findings[1].join(findings[0], on=list(FINDINGS_SCHEMA), how="anti", nulls_equal=True),
        ]
    )["record_key"]
    return pl.concat([differing, changed_findings]).unique().sort().alias("record_key")


def known_record_hashes(records: pl.DataFrame, known: pl.DataFrame | None) -> pl.DataFrame:
    """record_key, fingerprint_1, fingerprint_2, record_hash for every record of ``records``:
    rules.canonical.record_hashes (JSON + MD5 per record in Python, slow), taken from ``known``
    (an earlier run's) where the record's values still have the same 128-bit fingerprint."""
    values = pl.struct(pl.all().exclude("row_number"))
    fingerprints = records.select(
        "record_key",
        *(
            values.hash(seed).alias(f"fingerprint_{index}")
            for index, seed in enumerate(FINGERPRINT_SEEDS, start=1)
        ),
    )
    columns = ["record_key", "fingerprint_1", "fingerprint_2"]
    if known is None:
        known = pl.DataFrame(schema=_HASHES_SCHEMA)
    found = fingerprints.join(known, on=columns, how="inner")
    missing = records.filter(~pl.col("record_key").is_in(found["record_key"].implode()))
    hashed = record_hashes(missing)
    fresh = fingerprints.filter(pl.col("record_key").is_in(missing["record_key"].implode()))
    fresh = fresh.with_columns(
        pl.col("record_key").replace_strict(hashed, return_dtype=pl.String()).alias("record_hash")
    )
    return pl.concat([found.select(list(_HASHES_SCHEMA)), fresh.select(list(_HASHES_SCHEMA))])


def write_clean_cache(folder: Path, cache: CleanCache, run_id: str = "") -> None:
    """Write the cache into ``folder`` (inside a staging run folder); the manifest last."""
    folder.mkdir(parents=True, exist_ok=True)
    cache.rows.write_parquet(folder / "rows.parquet")
    cache.records.write_parquet(folder / "records.parquet")
    cache.findings.write_parquet(folder / "findings.parquet")
    cache.hashes.write_parquet(folder / "hashes.parquet")
    manifest = {
        "format": CACHE_FORMAT,
        "run_id": run_id,
        "day": cache.day.isoformat(),
        "settings": cache.settings,
        "rows": {
            "rows": cache.rows.height,
            "records": cache.records.height,
            "findings": cache.findings.height,
            "hashes": cache.hashes.height,
        },
    }
    write_manifest(folder, manifest)


def load_clean_cache(folder: Path) -> CleanCache:
    """Read a cache written by ``write_clean_cache``; raise CleanCacheUnusable saying why not."""
    data = read_manifest(folder, CACHE_FORMAT, CleanCacheUnusable)
    rows = row_counts(data, _ROW_COUNTS, CleanCacheUnusable)
    settings = data.get("settings")
    if not isinstance(settings, str):
        raise CleanCacheUnusable(f"{MANIFEST}: 'settings' missing")
    try:
        day = date.fromisoformat(str(data.get("day")))
    except ValueError:
        raise CleanCacheUnusable(f"{MANIFEST}: 'day' is not a date") from None
    frames = {
        name: read_frame(folder / f"{name}.parquet", rows[name], schema, CleanCacheUnusable)
        for name, schema in (
            ("rows", _ROWS_SCHEMA),
            ("records", _RECORDS_SCHEMA),
            ("findings", dict(FINDINGS_SCHEMA)),
            ("hashes", _HASHES_SCHEMA),
        )
    }
    if frames["rows"]["record_key"].n_unique() != frames["rows"].height:
        raise CleanCacheUnusable("rows.parquet repeats a record_key")
    return CleanCache(
        frames["rows"], frames["records"], frames["findings"], settings, day, frames["hashes"]
    )
