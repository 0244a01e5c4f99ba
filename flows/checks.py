"""Checks beyond the schema: `golden check-config` (does the file fit this machine?) and
`golden doctor` (can this machine run golden-records every night?).

Each check gives a ``Check``: a name, ok or not, and one line saying what was found or what to
do. Network checks (database servers, the Prefect server) are skipped with ``offline``; they
only connect, they never read data.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flows.faults import without_password
from rules.config import DATABASE_CONNECTORS, GoldenConfig, resolve_env
from rules.errors import GoldenError

if TYPE_CHECKING:
    import polars as pl

#: A date every format must write and read back unchanged (day > 12 catches day/month mix-ups).
_PROBE_DATE = date(2024, 12, 31)
#: Free space below which a nightly run (run folder, state backup) is at risk.
MIN_FREE_BYTES = 1 << 30
#: Packages and the versions golden-records works with (pyproject pins the same ranges).
PACKAGE_RANGES = {
    "prefect": ((3, 8), (3, 9)),
    "sqlalchemy": ((2, 0), (2, 1)),
    "fastapi": ((0, 139), (0, 151)),
    "polars": ((1, 30), None),
    "great-expectations": ((1, 3), (2, 0)),
    "rapidfuzz": ((3, 9), None),
    "pydantic": ((2, 7), None),
}
_WHY_PINNED = {
    "prefect": "golden-records is tested with Prefect 3.8",
    "sqlalchemy": "Prefect 3.8's scheduler crashes on SQLAlchemy 2.1: schedules never run",
    "fastapi": "Prefect 3.8's server fails with fastapi 0.151 and newer",
}


@dataclass(frozen=True)
class Check:
    """One line of check-config or doctor: what was checked, ok or not, found / what to do."""

    name: str
    ok: bool
    detail: str


def config_checks(config: GoldenConfig, *, offline: bool = False) -> list[Check]:
    """Files exist, ${VARS} are set, date formats parse, databases answer (unless offline)."""
    checks = [_variables_check(config)]
    for silo in config.enabled_silos():
        where = f"[silos.{silo.name}]"
        if silo.connector not in DATABASE_CONNECTORS:
            reachable = _file_check(config, silo.name, silo.path or "")
        elif not offline:
            reachable = _silo_reachable(config, silo.name)
        else:
            reachable = None
        if reachable is not None:
            checks.append(reachable)
        date_format = None
        if silo.date_format:
            date_format = _date_format_check(silo.date_format, f"{where} date_format")
            checks.append(date_format)
        # Local sources are read whole (as the night will): a mapped column the file lacks, or
        # a date format its dates do not have, fails here instead of at 2 a.m.
        if reachable is not None and reachable.ok and silo.connector in LOCAL_CONNECTORS:
            format_ok = date_format is not None and date_format.ok
            checks.extend(_source_checks(config, silo.name, date_format_ok=format_ok))
    for profile, fmt in sorted(config.export.date_formats.items()):
        checks.append(_date_format_check(fmt, f"[export.date_formats] {profile}"))
    checks.append(state_check(config, offline=offline))
    return checks


#: Connectors whose source is a local file: cheap enough to read whole in check-config.
LOCAL_CONNECTORS = frozenset({"csv", "excel", "json", "jsonl", "parquet", "sqlite"})

#: A configured date format must read at least this share of a silo's birth dates.
DATE_FORMAT_MIN_SHARE = 0.5


def _source_checks(config: GoldenConfig, silo: str, *, date_format_ok: bool) -> list[Check]:
    """The source's columns hold every mapped column; its birth dates have the date format."""
    from cleaners.mapping import check_mapped_columns
    from flows.connectors.read import read_silo

    settings = config.silos[silo]
    try:
        extract = read_silo(settings, config)
        if not extract.columns:  # an empty JSON array or Parquet file: nothing to hold them yet
            return [Check(f"silo {silo} columns", True, "no records yet: columns not checked")]
        check_mapped_columns(settings, extract.columns)
    except GoldenError as exc:
        return [Check(f"silo {silo} columns", False, str(exc))]
    checks = [
        Check(f"silo {silo} columns", True, f"{len(extract.columns)} columns, all mapped found")
    ]
    mapped = settings.mapping.get("birth_date")
    if settings.date_format and date_format_ok and mapped:
        column = mapped[0] if isinstance(mapped, list) else mapped
        checks.append(_dates_read_check(silo, column, settings.date_format, extract.frame[column]))
    return checks


def _dates_read_check(silo: str, column: str, fmt: str, values: pl.Series) -> Check:
    """Most non-empty values of ``column`` parse with ``fmt`` (else the format is the wrong one)."""
    import polars as pl

    texts = values.cast(pl.String).str.strip_chars()
    texts = texts.filter(texts.is_not_null() & (texts != ""))
    where = f"[silos.{silo}] date_format"
    if texts.is_empty():
        return Check(where, True, f"column {column!r} has no dates to read")
    read = texts.str.strptime(pl.Date, fmt, strict=False).is_not_null().sum()
    if read >= DATE_FORMAT_MIN_SHARE * texts.len():
        return Check(where, True, f"{fmt!r} reads {read} of {texts.len()} values of {column!r}")
    # The shape of the most common unread value, not the value: it is a birth date.
    unread = texts.filter(texts.str.strptime(pl.Date, fmt, strict=False).is_null())
    shape = unread.str.replace_all(r"\d", "9").str.replace_all(r"[^\W\d_]", "A").mode().sort()[0]
    return Check(
        where,
        False,
        f"{where} = {fmt!r} reads only {read} of {texts.len()} values of column {column!r} "
        f"(most look like {shape!r}) — set the format the file uses, or remove date_format",
    )


def _variables_check(config: GoldenConfig) -> Check:
    places = [("[project] output_dir", config.project.output_dir)]
    places.append(("[project] state_url", config.project.state_url))
    places.append(("[export] output_dir", config.export.output_dir))
    for silo in config.enabled_silos():
        places.append((f"[silos.{silo.name}] path", silo.path or ""))
        places.append((f"[silos.{silo.name}] url", silo.url or ""))
    for where, text in places:
        try:
            resolve_env(text, where)
        except GoldenError as exc:
            return Check("environment variables", False, str(exc))
    return Check("environment variables", True, "every ${VAR} in golden.toml is set")


def _file_check(config: GoldenConfig, silo: str, path_text: str) -> Check:
    from flows.connectors.locate import source_path

    try:
        path = source_path(config.silos[silo], config)
    except GoldenError as exc:
        return Check(f"silo {silo}", False, str(exc))
    if not os.access(path, os.R_OK):
        return Check(f"silo {silo}", False, f"{path}: not readable — check its permissions")
    return Check(f"silo {silo}", True, f"{path} exists")


def _date_format_check(fmt: str, where: str) -> Check:
    """A format is good when the probe date written with it reads back as the same date."""
    import polars as pl

    try:
        text = _PROBE_DATE.strftime(fmt)
        python_ok = datetime.strptime(text, fmt).date() == _PROBE_DATE
        parsed = pl.Series([text]).str.strptime(pl.Date, fmt, strict=False).item()
    except (ValueError, pl.exceptions.PolarsError) as exc:
        return Check(
            where,
            False,
            f'{where} = {fmt!r} is not a date format ({exc}) — use e.g. "%d.%m.%Y" or "%Y-%m-%d"',
        )
    if not python_ok or parsed != _PROBE_DATE:
        return Check(
            where,
            False,
            f"{where} = {fmt!r} does not read back a full date ({text!r}) "
            f'— it needs day, month and year, e.g. "%d.%m.%Y"',
        )
    return Check(where, True, f"{where} = {fmt!r} parses ({text})")


def _silo_reachable(config: GoldenConfig, silo: str) -> Check:
    from flows.connectors.databases import check_reachable

    try:
        place = check_reachable(config.silos[silo])
    except GoldenError as exc:
        return Check(f"silo {silo}", False, str(exc))
    return Check(f"silo {silo}", True, f"{place} answers")


def state_check(config: GoldenConfig, *, offline: bool = False) -> Check:
    """The state store opens (SQLite: exists and is sound; servers: connect unless offline)."""
    from flows.state_files import sqlite_path, sqlite_problem

    try:
        url = config.state_url
    except GoldenError as exc:
        return Check("state store", False, str(exc))
    database = sqlite_path(url)
    if database is not None:
        if not database.exists():
            runs = database.parent / "runs"
            if runs.is_dir() and any(runs.iterdir()):
                return Check(
                    "state store",
                    False,
                    f"{database} is missing next to {runs} — "
                    "`golden state restore` brings the last backup back",
                )
            return Check("state store", True, f"{database} will be created by the first run")
        problem = sqlite_problem(database)
        if problem:
            return Check(
                "state store",
                False,
                f"{database} is damaged ({problem}) — restore the "
                "last backup with `golden state restore`",
            )
        return Check("state store", True, f"{database} is sound")
    if offline:
        return Check("state store", True, "a database server (not checked: --offline)")
    from flows.connectors.databases import check_state_reachable

    try:
        place = check_state_reachable(url)
    except GoldenError as exc:
        return Check("state store", False, str(exc))
    return Check("state store", True, f"{without_password(place)} answers")


def doctor_checks(config: GoldenConfig | None, *, offline: bool = False) -> list[Check]:
    """Python, packages, Prefect server, state store, silos, disk space, chromium."""
    checks = [_python_check(), *_package_checks()]
    if not offline:
        checks.append(_prefect_check())
    if config is not None:
        checks.extend(config_checks(config, offline=offline))
        checks.append(_disk_check(config.output_dir))
    checks.append(_chromium_check())
    return checks


def _python_check() -> Check:
    version = ".".join(str(part) for part in sys.version_info[:3])
    ok = sys.version_info[:2] == (3, 11)
    return Check("python", ok, f"{version}" + ("" if ok else " — golden-records needs 3.11"))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def version_problem(name: str, version: str) -> str | None:
    """What is wrong with ``version`` of package ``name`` (PACKAGE_RANGES), or None."""
    lowest, below = PACKAGE_RANGES[name]
    found = _version_tuple(version)
    wanted = f">={'.'.join(map(str, lowest))}" + (f",<{'.'.join(map(str, below))}" if below else "")
    if lowest <= found and (below is None or found < below):
        return None
    why = _WHY_PINNED.get(name, "outside the tested range")
    return f"{version}: needs {wanted} ({why}) — `pip install '{name}{wanted}'`"


def _package_checks() -> list[Check]:
    checks = []
    for name in PACKAGE_RANGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(name, False, "not installed — run `make setup`"))
            continue
        problem = version_problem(name, version)
        checks.append(Check(name, problem is None, problem or version))
    return checks


def _prefect_check() -> Check:
    api = os.environ.get("PREFECT_API_URL")
    if not api:
        return Check(
            "prefect server",
            True,
            "PREFECT_API_URL not set: `golden run` needs no server; `golden serve` starts one",
        )
    try:
        with urllib.request.urlopen(f"{api.rstrip('/')}/health", timeout=3) as response:  # noqa: S310
            if response.status == 200:
                return Check("prefect server", True, f"{api} answers")
    except (urllib.error.URLError, OSError) as exc:
        return Check(
            "prefect server",
            False,
            f"{api} does not answer ({exc}) — start it "
            "(`systemctl start prefect-server`, see README) or unset PREFECT_API_URL",
        )
    return Check("prefect server", False, f"{api}/health did not say ok")


def _disk_check(output_dir: Path) -> Check:
    existing = output_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    ok = free >= MIN_FREE_BYTES
    detail = f"{free / 2**30:.1f} GiB free at {existing}"
    if not ok:
        detail += " — free space or lower [project] keep_runs"
    elif not os.access(existing, os.W_OK):
        return Check("disk", False, f"{existing} is not writable — fix its permissions")
    return Check("disk", ok, detail)


def _chromium_check() -> Check:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        return Check("chromium", True, f"{chromium} (browser tests, report screenshots)")
    return Check(
        "chromium",
        False,
        "not found — `apt-get install -y chromium` (only needed for "
        "the browser tests and screenshots; reports open in any browser)",
    )
