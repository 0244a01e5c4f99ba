"""`golden dedupe`: de-duplicate one CSV, Excel, JSON or Parquet file without a golden.toml.

Column roles are inferred from German and English headers (flows/data/header_roles.csv) and can
be overridden; the file runs through the same stages as the nightly flow with a throw-away state
store, and the outputs (crosswalk.csv, golden.csv, quarantine.csv, ...) land directly in the
output folder.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from flows import stages
from flows.connectors import read_silo
from flows.pipeline import PipelineResult, run_pipeline
from flows.progress import ProgressRunner
from matching.blocking_estimate import BlockingEstimate, estimate_blocking
from rules.canonical import LIST_FIELDS, MAPPABLE_FIELDS
from rules.config import GoldenConfig
from rules.errors import ConfigError, GoldenError

CONNECTOR_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "excel",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
SILO = "file"


@dataclass(frozen=True)
class DedupeResult:
    """The pipeline's result and the roles used for each source column."""

    result: PipelineResult
    roles: dict[str, str | list[str]]
    unused_columns: list[str]


def _normalize_header(header: str) -> str:
    return re.sub(r"[\s._\-/:]+", "", header.strip().lower())


def header_roles() -> dict[str, str]:
    """Normalized header -> canonical field, from flows/data/header_roles.csv."""
    text = resources.files("flows").joinpath("data/header_roles.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {_normalize_header(row["header"]): row["role"] for row in rows}


def infer_roles(
    columns: list[str], id_column: str, overrides: dict[str, str]
) -> tuple[dict[str, str | list[str]], list[str]]:
    """Mapping canonical field -> column(s), and the columns left unused.

    ``overrides`` maps a column to a role (or to "ignore"). A scalar role claimed by two
    columns goes to the first; the other is reported unused.
    """
    known = header_roles()
    for column, role in overrides.items():
        if column not in columns:
            raise ConfigError(
                f"--role {column}={role}: no column {column!r} in the file; it has "
                f"{', '.join(repr(c) for c in columns)}"
            )
        if role != "ignore" and role not in MAPPABLE_FIELDS:
            raise ConfigError(
                f"--role {column}={role}: unknown role; use one of {', '.join(MAPPABLE_FIELDS)} "
                f"or ignore"
            )
    if id_column not in columns:
        raise ConfigError(
            f"--id {id_column}: no such column; the file has {', '.join(repr(c) for c in columns)}"
        )
    mapping: dict[str, str | list[str]] = {"source_id": id_column}
    unused = []
    for column in columns:
        if column == id_column:
            continue
        role = overrides.get(column, known.get(_normalize_header(column)))
        if role is None or role == "ignore":
            unused.append(column)
        elif role in LIST_FIELDS:
            existing = mapping.setdefault(role, [])
            assert isinstance(existing, list)
            existing.append(column)
        elif role in mapping:
            unused.append(column)
        else:
            mapping[role] = column
    if len(mapping) == 1:
        raise ConfigError(
            "no column of the file has a known role (name, address, e-mail, phone ...); "
            "name them with --role COLUMN=ROLE"
        )
    return mapping, unused


def dedupe_file(
    path: Path,
    id_column: str,
    out: Path,
    *,
    overrides: dict[str, str] | None = None,
    country: str = "DE",
    encoding: str = "auto",
    delimiter: str = "auto",
    hard_rules: bool = True,
    dq_checks: bool = False,
) -> DedupeResult:
    """De-duplicate one file and write the outputs into ``out``."""
    connector = CONNECTOR_BY_SUFFIX.get(path.suffix.lower())
    if connector is None:
        raise GoldenError(
            f"{path}: unknown file type {path.suffix!r}; use one of "
            f"{', '.join(sorted(CONNECTOR_BY_SUFFIX))}"
        )
    silo = {
        "connector": connector,
        "path": str(path.resolve()),
        "encoding": encoding,
        "delimiter": delimiter,
        "mapping": {"source_id": id_column},
    }
    with tempfile.TemporaryDirectory(prefix="golden-dedupe-") as work:
        probe = _config(silo, Path(work), country, hard_rules, dq_checks)
        header = read_silo(probe.silos[SILO], probe).columns
        mapping, unused = infer_roles(header, id_column, overrides or {})
        config = _config({**silo, "mapping": mapping}, Path(work), country, hard_rules, dq_checks)
        result = run_pipeline(config, ProgressRunner())
        out.mkdir(parents=True, exist_ok=True)
        for produced in sorted(result.folder.iterdir()):
            if produced.is_file():  # not the match cache: a one-off run has no next run
                shutil.copy2(produced, out / produced.name)
    return DedupeResult(result=result, roles=mapping, unused_columns=unused)


def _config(
    silo: dict[str, object], work: Path, country: str, hard_rules: bool, dq_checks: bool
) -> GoldenConfig:
    # A one-off run has no next run to reuse a match cache: incremental matching is off.
    matching: dict[str, object] = {"incremental": False}
    if not hard_rules:
        matching["hard_rules"] = []
    try:
        return GoldenConfig.model_validate(
            {
                "project": {
                    "name": "golden dedupe",
                    "output_dir": str(work / "out"),
                    "state_url": f"sqlite:///{work / 'state.db'}",
                    "default_country": country,
                },
                "silos": {SILO: silo},
                "matching": matching,
                # A one-off file has no silo to fail over: report, never stop.
                "dq": {
                    "fail_if_silo_empty": False,
                    "max_quarantine_percent": 100,
                    "max_invalid_percent": 100,
                    "max_invalid_records_percent": 100,
                    "run_checks": dq_checks,
                },
            }
        )
    except ValueError as exc:
        raise ConfigError(f"golden dedupe: invalid option: {exc}") from None


def explain_blocking(
    path: Path,
    id_column: str,
    *,
    overrides: dict[str, str] | None = None,
    country: str = "DE",
    encoding: str = "auto",
    delimiter: str = "auto",
) -> BlockingEstimate:
    """Read and clean the file as `dedupe_file` does; estimate each blocking rule's pairs.

    No pair is built: the estimate counts block sizes (matching.blocking_estimate), so it runs
    in seconds on files whose matching would take minutes.
    """
    connector = CONNECTOR_BY_SUFFIX.get(path.suffix.lower())
    if connector is None:
        raise GoldenError(
            f"{path}: unknown file type {path.suffix!r}; use one of "
            f"{', '.join(sorted(CONNECTOR_BY_SUFFIX))}"
        )
    silo: dict[str, object] = {
        "connector": connector,
        "path": str(path.resolve()),
        "encoding": encoding,
        "delimiter": delimiter,
        "mapping": {"source_id": id_column},
    }
    with tempfile.TemporaryDirectory(prefix="golden-dedupe-") as work:
        probe = _config(silo, Path(work), country, True, False)
        extract = read_silo(probe.silos[SILO], probe)
        mapping, _ = infer_roles(extract.columns, id_column, overrides or {})
        config = _config({**silo, "mapping": mapping}, Path(work), country, True, False)
        # The mapping is applied in prepare, not when reading: the probe's rows serve.
        prepared = stages.prepare(config, [extract])
        cleaned = stages.clean(config, prepared, date.today())
    return estimate_blocking(
        cleaned.records, config.matching.blocking_rules, config.matching.max_block_size
    )
