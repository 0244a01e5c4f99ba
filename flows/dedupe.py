"""`golden dedupe`: de-duplicate one CSV, Excel, JSON or Parquet file without a golden.toml.

Column roles are inferred from German and English headers (flows/data/header_roles.csv) and can
be overridden; without an id column the row number is the id. The file runs through the same
stages as the nightly flow with a throw-away state store; the outputs (crosswalk.csv,
golden.csv, quarantine.csv, ...) land in the output folder next to ``<name>_Dubletten.<ext>``: the
input file unchanged plus Dubletten_Gruppe, Golden_ID and Sicherheit (flows.dedupe_output), the
file to open.
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

import polars as pl

from cleaners.organisations import organisation_share
from flows import stages
from flows.connectors import SiloExtract, read_silo
from flows.connectors.result import ROW_NUMBER
from flows.dedupe_output import (
    annotated_name,
    write_annotated_csv,
    write_annotated_excel,
    write_annotated_frame,
)
from flows.pipeline import PipelineResult, run_pipeline
from flows.progress import ProgressRunner
from matching.blocking import BlockingBudget
from matching.blocking_estimate import BlockingEstimate, estimate_blocking
from matching.duplicate_groups import duplicate_groups
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
#: Lines one record of a `golden dedupe` file may span. A one-off file has no golden.toml to raise
#: the silo default (3) in, and exports of site or customer lists carry notes and names over
#: many lines (dedupe.io's Chicago site list: up to 24). A stray quote still cannot swallow the
#: records after it: flows.connectors.lines refuses a span in which a line looks like a record.
FILE_RECORD_LINES = 50


@dataclass(frozen=True)
class DedupeResult:
    """The pipeline's result and the roles used for each source column."""

    result: PipelineResult
    roles: dict[str, str | list[str]]
    unused_columns: list[str]
    #: the input file plus the duplicate-group columns: the file to open
    annotated: Path | None = None
    #: no id column given: the row number (1 = first data row) is the id
    row_number_ids: bool = False


def _normalize_header(header: str) -> str:
    return re.sub(r"[\s._\-/:]+", "", header.strip().lower())


def header_roles() -> dict[str, str]:
    """Normalized header -> canonical field, from flows/data/header_roles.csv."""
    text = resources.files("flows").joinpath("data/header_roles.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {_normalize_header(row["header"]): row["role"] for row in rows}


def infer_roles(
    columns: list[str], id_column: str | None, overrides: dict[str, str]
) -> tuple[dict[str, str | list[str]], list[str]]:
    """Mapping canonical field -> column(s), and the columns left unused.

    ``overrides`` maps a column to a role (or to "ignore"). A scalar role claimed by two
    columns goes to the first; the other is reported unused. ``id_column`` None: the row
    number is the id.
    """
    known = header_roles()
    role: str | None
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
    if id_column is not None and id_column not in columns:
        raise ConfigError(
            f"--id {id_column}: no such column; the file has {', '.join(repr(c) for c in columns)}"
        )
    mapping: dict[str, str | list[str]] = {"source_id": id_column or ROW_NUMBER}
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


#: A name column is an organisation column when at least this share of its distinct values
#: carry a legal form; below, each value decides for itself (cleaners.names: a value with a
#: legal form becomes an organisation, the others persons).
ORGANISATION_COLUMN_SHARE = 0.8


def organisation_name_column(
    mapping: dict[str, str | list[str]], raw: pl.DataFrame, overrides: dict[str, str]
) -> dict[str, str | list[str]]:
    """Map a "Name" column to organisation_name when nearly all its values are organisations.

    A list of companies in a "Name" column (most with "GmbH", "AG", "Inc." ...) then keeps its
    companies without a legal form as organisations too.
    """
    column = mapping.get("full_name")
    if (
        not isinstance(column, str)
        or "organisation_name" in mapping
        or column in overrides
        or column not in raw.columns
    ):
        return mapping
    if organisation_share(raw[column]) < ORGANISATION_COLUMN_SHARE:
        return mapping
    remapped = {role: value for role, value in mapping.items() if role != "full_name"}
    remapped["organisation_name"] = column
    return remapped


def _file_silo(
    path: Path, id_column: str | None, encoding: str, delimiter: str
) -> dict[str, object]:
    """The one silo of a `golden dedupe` file, its connector from the file's suffix."""
    connector = CONNECTOR_BY_SUFFIX.get(path.suffix.lower())
    if connector is None:
        raise GoldenError(
            f"{path}: unknown file type {path.suffix!r}; use one of "
            f"{', '.join(sorted(CONNECTOR_BY_SUFFIX))}"
        )
    return {
        "connector": connector,
        "path": str(path.resolve()),
        "encoding": encoding,
        "delimiter": delimiter,
        "max_record_lines": FILE_RECORD_LINES,
        "mapping": {"source_id": id_column or ROW_NUMBER},
    }


def _inferred_config(
    silo: dict[str, object],
    work: Path,
    id_column: str | None,
    overrides: dict[str, str],
    country: str,
    hard_rules: bool,
    dq_checks: bool,
) -> tuple[GoldenConfig, SiloExtract, dict[str, str | list[str]], list[str]]:
    """Read the file once, infer its column roles; the config with that mapping, and the read."""
    probe = _config(silo, work, country, hard_rules, dq_checks)
    extract = read_silo(probe.silos[SILO], probe)
    mapping, unused = infer_roles(extract.columns, id_column, overrides)
    mapping = organisation_name_column(mapping, extract.frame, overrides)
    config = _config({**silo, "mapping": mapping}, work, country, hard_rules, dq_checks)
    return config, extract, mapping, unused


def dedupe_file(
    path: Path,
    id_column: str | None,
    out: Path,
    *,
    overrides: dict[str, str] | None = None,
    country: str = "DE",
    encoding: str = "auto",
    delimiter: str = "auto",
    hard_rules: bool = True,
    dq_checks: bool = False,
    all_pairs: bool = False,
) -> DedupeResult:
    """De-duplicate one file and write the outputs into ``out``.

    ``all_pairs``: pairs.parquet holds every scored candidate pair, not only those that matter.
    """
    silo = _file_silo(path, id_column, encoding, delimiter)
    with tempfile.TemporaryDirectory(prefix="golden-dedupe-") as work:
        config, extract, mapping, unused = _inferred_config(
            silo, Path(work), id_column, overrides or {}, country, hard_rules, dq_checks
        )
        if all_pairs:
            project = config.project.model_copy(update={"write_all_pairs": True})
            config = config.model_copy(update={"project": project})
        result = run_pipeline(config, ProgressRunner())
        out.mkdir(parents=True, exist_ok=True)
        for produced in sorted(result.folder.iterdir()):
            if produced.is_file():  # not the match cache: a one-off run has no next run
                shutil.copy2(produced, out / produced.name)
        groups = duplicate_groups(
            result.outputs.cleaned.records,
            result.outputs.ids.assignment,
            result.outputs.matched.pairs,
            config.matching.match_threshold,
        )
        annotated = out / annotated_name(path)
        connector = silo["connector"]
        if connector == "csv":
            write_annotated_csv(
                path,
                annotated,
                groups,
                encoding=encoding,
                delimiter=delimiter,
                max_record_lines=FILE_RECORD_LINES,
            )
        elif connector == "excel":
            write_annotated_excel(path, annotated, groups, None)
        else:
            write_annotated_frame(extract.frame, annotated, groups)
    return DedupeResult(
        result=result,
        roles=mapping,
        unused_columns=unused,
        annotated=annotated,
        row_number_ids=id_column is None,
    )


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
    id_column: str | None,
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
    silo = _file_silo(path, id_column, encoding, delimiter)
    with tempfile.TemporaryDirectory(prefix="golden-dedupe-") as work:
        config, extract, _, _ = _inferred_config(
            silo, Path(work), id_column, overrides or {}, country, True, False
        )
        # The mapping is applied in prepare, not when reading: the probe's rows serve.
        prepared = stages.prepare(config, [extract])
        cleaned = stages.clean(config, prepared, date.today())
    return estimate_blocking(
        cleaned.records,
        config.matching.blocking_rules,
        config.matching.max_block_size,
        BlockingBudget.from_settings(config.matching),
    )
