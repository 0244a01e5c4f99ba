"""Protecting the SQLite state store: checks before opening, a backup per run, restore.

The state store holds what cannot be recomputed from the silos: reviewer decisions, unmerges,
the audit trail and every golden id ever published (with redirects). So a missing store next to
existing run folders is an error (``--new-state`` starts over on purpose), a damaged one is
named as damaged with the way back, and every run first copies the store into
``<output>/state-backups/`` (SQLite's online backup: a consistent copy), keeping the last
``KEEP_BACKUPS``. PostgreSQL and MariaDB state stores are backed up by their own tools.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from rules.errors import StateError

BACKUP_FOLDER = "state-backups"
KEEP_BACKUPS = 7


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite state-store URL, or None for a server database.

    Parsed as SQLAlchemy does (``sqlite:///relative.db``, ``sqlite:////absolute.db``) without
    importing it: `golden check-config` should answer fast.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0] != "sqlite":
        return None
    database = rest.removeprefix("/").split("?", 1)[0]
    return Path(database) if database and database != ":memory:" else None


def backups_of(database: Path) -> list[Path]:
    """The backups of a state store, newest first."""
    folder = database.parent / BACKUP_FOLDER
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{database.stem}-*.db"), reverse=True)


def _restore_hint(database: Path) -> str:
    backups = backups_of(database)
    if not backups:
        return f"no backup found in {database.parent / BACKUP_FOLDER}"
    return (
        f"restore the last backup ({backups[0].name}) with `golden state restore --config "
        f"<golden.toml>`"
    )


def check_sqlite_state(database: Path, *, new_state: bool = False) -> None:
    """Raise StateError when the store is damaged, or missing next to existing run folders."""
    if not database.exists():
        runs = database.parent / "runs"
        published = (
            [p for p in runs.iterdir() if not p.name.startswith(".")] if runs.is_dir() else []
        )
        if published and not new_state:
            raise StateError(
                f"state store {database} is missing, but {runs} holds {len(published)} run(s): "
                f"without it reviewer decisions, unmerges and golden-id redirects are lost — "
                f"{_restore_hint(database)}, or start over on purpose with `golden run --new-state`"
            )
        database.parent.mkdir(parents=True, exist_ok=True)
        return
    problem = sqlite_problem(database)
    if problem:
        raise StateError(
            f"state store {database} is damaged ({problem}) — {_restore_hint(database)}; "
            f"the damaged file is kept aside when you restore"
        )


def sqlite_problem(database: Path) -> str | None:
    """What is wrong with a SQLite file (not a database, malformed), or None when it is sound."""
    if database.stat().st_size == 0:
        return "the file is empty"
    try:
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        connection.close()
    verdict = "; ".join(str(row[0]) for row in rows[:3])
    return None if verdict == "ok" else verdict


def backup_state(database: Path, run_id: str, keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy the store into state-backups/ before a run; keep the newest ``keep``."""
    if not database.is_file():
        return None
    folder = database.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    target = folder / f"{database.stem}-{run_id}.db"
    partial = target.with_suffix(".partial")
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    except sqlite3.Error as exc:
        copy.close()
        partial.unlink(missing_ok=True)
        raise StateError(
            f"cannot back up the state store to {target}: {exc} — free disk space in {folder} "
            f"(the run did not start)"
        ) from None
    finally:
        copy.close()
        source.close()
    partial.replace(target)
    for old in backups_of(database)[keep:]:
        old.unlink(missing_ok=True)
    return target


def restore_state(database: Path, backup: Path | None = None) -> tuple[Path, Path | None]:
    """Put a backup (default: the newest sound one) in place of the store.

    Returns (backup used, where the replaced store was kept aside or None).
    """
    candidates = [backup] if backup is not None else backups_of(database)
    chosen = next(
        (path for path in candidates if path.is_file() and not sqlite_problem(path)), None
    )
    if chosen is None:
        where = backup if backup is not None else database.parent / BACKUP_FOLDER
        raise StateError(f"no sound state-store backup found at {where} — nothing restored")
    aside = None
    if database.exists():
        aside = database.with_name(f"{database.name}.replaced-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        database.replace(aside)
    shutil.copy2(chosen, database.with_suffix(".restoring"))
    database.with_suffix(".restoring").replace(database)
    return chosen, aside


def renew_backups_after_erasure(database: Path) -> int:
    """Delete every backup (and store kept aside by a restore) made before an erasure, then back
    up the erased store; return how many files were deleted.

    DSGVO Art. 17: an older copy still holds the erased person, and restoring it would bring
    them back; after an erasure only the erased state may be restored.
    """
    old = backups_of(database) + sorted(database.parent.glob(f"{database.name}.replaced-*"))
    for path in old:
        path.unlink(missing_ok=True)
    backup_state(database, f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-after-erasure")
    return len(old)
