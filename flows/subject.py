"""Data-subject requests (DSGVO Art. 15 and 17): find a person, erase them everywhere.

Every command reads the silos afresh (a request is answered from what the company holds now)
through the same connectors, mapping and cleaners as a run, and the crosswalk of the state store
says which records are one person. Nothing here logs a value; the CLI shows the steward what
they asked for.

Erasure, in order: check (salt, golden id, every silo readable), compute (silo tasks, tombstone
hashes, the rewritten copies of published files), record (one state-store transaction), then
publish (task files, rewritten files moved into place). A failure before the transaction leaves
nothing behind; the file moves after it are renames.
"""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import select

from cleaners import clean_records
from flows import stages
from flows.connectors import read_silo
from flows.connectors.result import ROW_NUMBER
from flows.privacy_state import (
    compact,
    erasure_of_golden_id,
    lift_restriction,
    load_erasure,
    load_hits,
    load_tasks,
    load_tombstones,
    record_erasure,
    save_flags,
)
from flows.publish import write_json
from flows.scrub import ScrubPlan, apply_scrub, discard_scrub, plan_scrub
from flows.state import StateStore, export_runs, golden_exports
from flows.state_files import renew_backups_after_erasure, sqlite_path
from matching.erasure import (
    Erasure,
    ErasureStatus,
    Person,
    check_erasable,
    erased_person,
    erasure_tasks,
    person_members,
    run_folders_to_scrub,
    tombstone_keys,
)
from matching.subjects import (
    GOLDEN_ID,
    Holdings,
    SubjectMatch,
    follow_golden_id,
    mark_erased,
    matches_by_person,
    parse_query,
    query_frame,
    records_matching,
    single_person,
    summaries,
)
from reports.csv_safe import write_csv
from rules.config import GoldenConfig
from rules.errors import GoldenError, PrivacyError
from rules.privacy import MIN_SALT_LENGTH, SALT_ENV


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did."""

    erasure: Erasure
    tasks: pl.DataFrame
    folder: Path
    scrubbed: dict[str, int]
    tombstone_keys: int


def read_salt(config: GoldenConfig) -> bytes:
    """The tombstone salt from GOLDEN_ERASURE_SALT or ``[privacy] salt_file``; else PrivacyError."""
    value = os.environ.get(SALT_ENV, "")
    where = f"environment variable {SALT_ENV}"
    if not value and config.privacy.salt_file:
        path = config.resolve_path(config.privacy.salt_file)
        where = f"key file {path} ([privacy] salt_file)"
        try:
            value = path.read_text("utf-8").strip()
        except OSError as exc:
            raise PrivacyError(
                f"cannot read the tombstone salt from {where}: {exc.strerror} — create it, e.g. "
                f"`python -c 'import secrets; print(secrets.token_hex(32))' > {path}; "
                f"chmod 600 {path}`"
            ) from None
    if not value:
        raise PrivacyError(
            f"no tombstone salt: set the environment variable {SALT_ENV} or name a key file in "
            "[privacy] salt_file of golden.toml (never the salt itself) — keep it secret and "
            "never change it, or erased persons are no longer recognised"
        )
    if len(value) < MIN_SALT_LENGTH:
        raise PrivacyError(
            f"the tombstone salt in {where} has {len(value)} characters; use at least "
            f"{MIN_SALT_LENGTH} random ones (e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`)"
        )
    return value.encode("utf-8")


def read_holdings(config: GoldenConfig, store: StateStore, today: date | None = None) -> Holdings:
    """Read and clean every enabled silo; a silo that cannot be read stops the request."""
    extracts = []
    for silo in config.enabled_silos():
        try:
            extracts.append(read_silo(silo, config))
        except GoldenError as exc:
            raise PrivacyError(
                f"{exc} — a request needs every silo readable to find all of the person's "
                "records; nothing was changed"
            ) from None
    prepared = stages.prepare(config, extracts)
    cleaned = stages.clean(config, prepared, today or date.today())
    return Holdings(
        records=cleaned.records,
        raw={extract.silo: extract.frame for extract in extracts},
        crosswalk=store.load_crosswalk(),
    )


def find_subjects(
    config: GoldenConfig, query: str, today: date | None = None
) -> list[SubjectMatch]:
    """Every person a query names: golden id, silo:source_id, e-mail, phone, name + postal code."""
    parsed = parse_query(query, config.silos)
    store = StateStore.open(config.state_url)
    try:
        golden_id = (
            follow_golden_id(store.load_golden_ids(), parsed.text)
            if parsed.kind == "golden_id"
            else None
        )
        holdings = read_holdings(config, store, today)
        if golden_id is not None:
            keys = holdings.crosswalk.filter(pl.col("golden_id") == golden_id)
            erasure = erasure_of_golden_id(store, golden_id)
            if erasure is not None:
                return [SubjectMatch(golden_id, summaries(holdings, keys), erasure.request_ref)]
            return [SubjectMatch(golden_id, summaries(holdings, keys))]
        cleaned = (
            None
            if parsed.kind == "record"
            else clean_records(
                query_frame(parsed), default_country=config.project.default_country
            ).frame
        )
        matches = matches_by_person(holdings, records_matching(holdings.records, parsed, cleaned))
        tombstones = load_tombstones(store)
        salt = _salt_if_given(config) if tombstones.height else None
        if salt is None:  # without the salt nobody can tell; find works without it
            return matches
        return mark_erased(matches, holdings.records, tombstones, salt)
    finally:
        store.close()


def _salt_if_given(config: GoldenConfig) -> bytes | None:
    try:
        return read_salt(config)
    except PrivacyError:
        return None


def one_subject(config: GoldenConfig, query: str, today: date | None = None) -> str:
    """The golden id of the one person ``query`` names, or PrivacyError (none, several, erased)."""
    return single_person(find_subjects(config, query, today), query)


# -- erasure -------------------------------------------------------------------------------------
def erase_subject(
    config: GoldenConfig,
    golden_id: str,
    *,
    reason: str,
    requested_at: date,
    erased_by: str | None = None,
    today: date | None = None,
) -> ErasureResult:
    """Erase one person: tasks per silo, tombstone, state and published files; audit entry."""
    if not reason.strip():
        raise PrivacyError('--reason is empty — say why (e.g. "Antrag per E-Mail vom 01.12.")')
    salt = read_salt(config)  # before anything else: without it nothing may start
    now = datetime.now(UTC)
    if requested_at > now.date():
        raise PrivacyError(f"--requested-at {requested_at} lies in the future")
    store = StateStore.open(config.state_url)
    try:
        _check_erasable(store, golden_id)
        holdings = read_holdings(config, store, today)
        members = person_members(holdings.crosswalk, golden_id)
        ref = f"E{now:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
        owners = {name: silo.owner or "" for name, silo in config.silos.items()}
        tasks = erasure_tasks(members, ref, owners)
        tombstone = tombstone_keys(holdings, golden_id, salt)
        erasure = Erasure(
            request_ref=ref,
            golden_id=golden_id,
            requested_at=requested_at,
            erased_at=now,
            erased_by=erased_by or getpass.getuser(),
            reason=reason.strip(),
            silos=tuple(sorted(set(tasks["silo"].to_list()))),
            profiles=_profiles_given(store, golden_id),
            records=tasks.height,
        )
        person = erased_person(holdings, golden_id)
        plan = _plan_files(config, store, person, ref, holdings.records_of(golden_id))
        folder = _privacy_dir(config) / "erasure" / ref
        staging = folder.with_name(f".{ref}.partial")
        try:
            _write_tasks(staging, erasure, tasks)
            record_erasure(store, erasure, tasks, tombstone)
        except BaseException:
            discard_scrub(plan)
            _remove_tree(staging)
            raise
        staging.replace(folder)
        apply_scrub(plan)
        compact(store)
        database = sqlite_path(config.state_url)
        if database is not None:  # state backups from before hold the person too
            renew_backups_after_erasure(database)
        return ErasureResult(
            erasure=erasure,
            tasks=tasks,
            folder=folder,
            scrubbed=plan.changes,
            tombstone_keys=tombstone.select("kind", "key_hash").unique().height,
        )
    finally:
        store.close()


def _check_erasable(store: StateStore, golden_id: str) -> None:
    check_erasable(store.load_golden_ids(), golden_id, erasure_of_golden_id(store, golden_id))


def _profiles_given(store: StateStore, golden_id: str) -> tuple[str, ...]:
    with store.transaction("exports") as connection:
        rows = connection.execute(
            select(golden_exports.c.profile).where(golden_exports.c.golden_id == golden_id)
        ).all()
    return tuple(sorted({row.profile for row in rows}))


def _plan_files(
    config: GoldenConfig, store: StateStore, person: Person, ref: str, records: pl.DataFrame
) -> ScrubPlan:
    """Every published run and export folder on disk; older runs rewritten or deleted; the
    person's cleaned ``records`` leave the frozen term-frequency tables."""
    runs = config.output_dir / "runs"
    latest = (
        (config.output_dir / "latest").resolve()
        if (config.output_dir / "latest").exists()
        else None
    )
    run_folders = (
        sorted(path for path in runs.iterdir() if path.is_dir() and not path.name.startswith("."))
        if runs.is_dir()
        else []
    )
    rewrite, remove = run_folders_to_scrub(run_folders, latest, config.privacy.older_runs)
    with store.transaction("exports") as connection:
        recorded = {
            Path(row.folder)
            for row in connection.execute(select(export_runs.c.folder))
            if row.folder
        }
    exports = sorted(path for path in recorded if path.is_dir())
    return plan_scrub([*rewrite, *exports], person, ref, delete_folders=remove, counted=records)


def _privacy_dir(config: GoldenConfig) -> Path:
    if config.privacy.output_dir:
        return config.resolve_path(config.privacy.output_dir).resolve()
    return config.output_dir / "privacy"


def _write_tasks(folder: Path, erasure: Erasure, tasks: pl.DataFrame) -> None:
    """tasks.csv and tasks.json: what each silo owner must delete (no values), mode 0700/0600."""
    folder.mkdir(parents=True, mode=0o700)
    write_csv(tasks.select("silo", "source_id", "owner"), folder / "tasks.csv")
    write_json(
        {
            "request_ref": erasure.request_ref,
            "requested_at": erasure.requested_at.isoformat(),
            "erased_at": erasure.erased_at.isoformat(timespec="seconds"),
            "crm_profiles_told": list(erasure.profiles),
            "tasks": tasks.select("silo", "source_id", "owner").to_dicts(),
        },
        folder / "tasks.json",
    )
    for path in folder.iterdir():
        path.chmod(0o600)


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# -- status ---------------------------------------------------------------------------------------
def erasure_status(config: GoldenConfig, request_ref: str) -> ErasureStatus:
    """The state of one erasure request, or PrivacyError when there is no such request."""
    store = StateStore.open(config.state_url)
    try:
        erasure = load_erasure(store, request_ref)
        if erasure is None:
            raise PrivacyError(
                f"no erasure request {request_ref!r} in the state store — the reference is "
                "printed by `golden subject erase` and named in erasure/<ref>/tasks.json"
            )
        return ErasureStatus(erasure, load_tasks(store, request_ref), load_hits(store, request_ref))
    finally:
        store.close()


def confirm_erasure(
    config: GoldenConfig, request_ref: str, silo: str, by: str | None = None
) -> int:
    """Record that ``silo``'s owner deleted the records of a request; return tasks confirmed."""
    from flows.privacy_state import confirm_tasks

    status = erasure_status(config, request_ref)
    if silo not in set(status.tasks["silo"].to_list()):
        raise PrivacyError(
            f"request {request_ref} has no task for silo {silo!r}; its silos: "
            f"{', '.join(status.erasure.silos)}"
        )
    store = StateStore.open(config.state_url)
    try:
        return confirm_tasks(store, request_ref, silo, by or getpass.getuser(), datetime.now(UTC))
    finally:
        store.close()


# -- access (Art. 15) -----------------------------------------------------------------------------
def export_subject(
    config: GoldenConfig, subject: str, out: Path, today: date | None = None
) -> tuple[Path, Path]:
    """Write access_<golden id>.json and .html into ``out`` (mode 0700/0600); return both."""
    from flows.export import published_run
    from flows.review import history
    from reports.access import AccessReport, SourceRecord, render_access_html

    golden_id = subject if GOLDEN_ID.fullmatch(subject) else one_subject(config, subject, today)
    store = StateStore.open(config.state_url)
    try:
        _check_erasable(store, golden_id)
        holdings = read_holdings(config, store, today)
        members = person_members(holdings.crosswalk, golden_id).sort("silo", "source_id")
        decisions = store.load_review_decisions()
        with store.transaction("exports") as connection:
            sent = connection.execute(
                select(
                    golden_exports.c.profile,
                    golden_exports.c.status,
                    golden_exports.c.exported_at,
                    golden_exports.c.run_id,
                ).where(golden_exports.c.golden_id == golden_id)
            ).all()
    finally:
        store.close()
    _, run_folder = published_run(config.output_dir)
    keys = members.select("silo", "source_id")
    report = AccessReport(
        golden_id=golden_id,
        created_at=datetime.now(UTC),
        records=[
            SourceRecord(
                silo=silo,
                source_id=source_id,
                owner=config.silos[silo].owner or "" if silo in config.silos else "",
                values=_raw_values(holdings, silo, source_id),
            )
            for silo, source_id in keys.iter_rows()
        ],
        golden=_plain(
            pl.read_parquet(run_folder / "golden.parquet").filter(pl.col("golden_id") == golden_id)
        )[0],
        lineage=_plain(_csv(run_folder / "lineage.csv").filter(pl.col("golden_id") == golden_id)),
        decisions=_plain(
            decisions.join(
                keys.rename({"silo": "left_silo", "source_id": "left_source_id"}),
                on=["left_silo", "left_source_id"],
                how="semi",
            )
            .vstack(
                decisions.join(
                    keys.rename({"silo": "right_silo", "source_id": "right_source_id"}),
                    on=["right_silo", "right_source_id"],
                    how="semi",
                )
            )
            .unique("decision_id")
            .sort("decided_at", "decision_id")
        ),
        history=[
            {"when": entry.when, "kind": entry.kind, "detail": entry.detail}
            for entry in history(config, golden_id)
        ],
        findings=_plain(
            pl.concat(
                [
                    _csv(run_folder / name)
                    .join(keys, on=["silo", "source_id"], how="semi")
                    .select(
                        "silo",
                        "source_id",
                        "field",
                        pl.col(status).alias("status") if status else pl.lit("dq").alias("status"),
                        pl.col(reason).alias("reason"),
                        "value",
                    )
                    for name, status, reason in (
                        ("findings.csv", "status", "reason"),
                        ("dq_failures.csv", "", "rule"),
                    )
                    if (run_folder / name).is_file()
                ]
            )
        ),
        recipients=[
            {
                "profile": row.profile,
                "status": row.status,
                "exported_at": row.exported_at,
                "run_id": row.run_id,
            }
            for row in sorted(sent, key=lambda row: (row.profile, row.exported_at))
        ],
    )
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    json_path, html_path = out / f"access_{golden_id}.json", out / f"access_{golden_id}.html"
    write_json(report.to_json(), json_path)
    html_path.write_text(render_access_html(report, config.project.language), "utf-8")
    for path in (json_path, html_path):
        path.chmod(0o600)
    return json_path, html_path


def _raw_values(holdings: Holdings, silo: str, source_id: str) -> dict[str, str | None]:
    """The columns of one source record exactly as the silo holds them."""
    record = holdings.records.filter((pl.col("silo") == silo) & (pl.col("source_id") == source_id))
    if record.height == 0:
        return {}
    raw = holdings.raw_of(silo, record["row_number"].to_list())
    if raw.height == 0:
        return {}
    return {name: value for name, value in raw.row(0, named=True).items() if name != ROW_NUMBER}


def _csv(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    # Published CSVs escape formula characters with a leading apostrophe (Excel safety).
    return frame.with_columns(pl.col(pl.String).str.replace(r"^'([=+\-@\t\r])", "$1"))


def _plain(frame: pl.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts of text, lists joined, temporals in ISO form (for JSON and the page)."""
    columns = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            columns.append(pl.col(name).cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif dtype.is_temporal():
            columns.append(pl.col(name).cast(pl.String).alias(name))
        else:
            columns.append(pl.col(name))
    return frame.select(columns).to_dicts()


# -- restriction (Art. 18) and objection (Art. 21) ------------------------------------------------
def flag_subject(
    config: GoldenConfig,
    subject: str,
    *,
    kind: str,
    channels: tuple[str, ...] = (),
    since: date,
    reason: str | None,
    recorded_by: str | None = None,
    today: date | None = None,
) -> tuple[str, int]:
    """Restrict (``kind`` "restrict") or record an objection (``kind`` "object") for a person.

    Flags every record the crosswalk puts behind the golden id; returns (golden id, records).
    The next run applies an objection; exports apply a restriction at once.
    """
    from matching.objections import OBJECT

    golden_id = subject if GOLDEN_ID.fullmatch(subject) else one_subject(config, subject, today)
    now = datetime.now(UTC)
    if since > now.date():
        raise PrivacyError(f"--requested-at {since} lies in the future")
    store = StateStore.open(config.state_url)
    try:
        _check_erasable(store, golden_id)
        members = person_members(store.load_crosswalk(), golden_id)
        who = recorded_by or getpass.getuser()
        rows = [
            {
                "flag_id": f"{kind}-{uuid.uuid4().hex}",
                "silo": silo,
                "source_id": source_id,
                "kind": kind,
                "channel": channel,
                "since": since,
                "reason": reason,
                "recorded_by": who,
                "recorded_at": now.replace(tzinfo=None),
            }
            for silo, source_id in members.select("silo", "source_id").iter_rows()
            for channel in (channels if kind == OBJECT else (None,))
        ]
        save_flags(store, rows)
        return golden_id, members.height
    finally:
        store.close()


def lift_subject_restriction(config: GoldenConfig, golden_id: str) -> int:
    """End a restriction (Art. 18(3)); return the number of flags ended."""
    store = StateStore.open(config.state_url)
    try:
        members = store.load_crosswalk().filter(pl.col("golden_id") == golden_id)
        keys = [(silo, source_id) for silo, source_id in members.select("silo", "source_id").rows()]
        count = lift_restriction(store, keys, datetime.now(UTC)) if keys else 0
    finally:
        store.close()
    if count == 0:
        raise PrivacyError(f"{golden_id} is not restricted — nothing to lift")
    return count
