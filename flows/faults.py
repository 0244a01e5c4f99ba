"""Faults of the machine, not of the data, as one line: what happened, where, what to do.

A read-only or full disk, a missing permission or a database that stops answering are not bugs
of golden-records; a traceback only hides the path or server the person has to look at. Every
OSError and database error that reaches the CLI is described here; URLs lose their password.
"""

from __future__ import annotations

import errno
import re

_OS_ERROR_CODE = re.compile(r"os error (\d+)")
_PASSWORD_IN_URL = re.compile(r"(\w[\w+.-]*://[^:/@\s]+):[^@\s]+@")

_ADVICE = {
    errno.EROFS: "the file system is read-only — make it writable or point [project] output_dir "
    "in golden.toml at a writable folder",
    errno.EACCES: "permission denied — give the user running golden write access, or point "
    "[project] output_dir in golden.toml at a folder it may write",
    errno.EPERM: "operation not permitted — check the owner and permissions of that path",
    errno.ENOSPC: "the disk is full — free space there (lower [project] keep_runs to keep fewer "
    "run folders) or point [project] output_dir at another disk",
    errno.EDQUOT: "the disk quota is used up — free space or raise the quota",
    errno.EFBIG: "file too large for this system's limit (ulimit -f / disk full) — raise the "
    "limit or free space",
    errno.ENOENT: "not found — check the path in golden.toml",
    errno.ENOTDIR: "a file stands where a folder is needed — move it or change the path "
    "([project] output_dir in golden.toml)",
    errno.EISDIR: "a folder stands where a file is needed — check the path in golden.toml",
    errno.EIO: "input/output error — check the disk (dmesg) before the next run",
}


def without_password(text: str) -> str:
    """``text`` with the password of any URL in it replaced by ***."""
    return _PASSWORD_IN_URL.sub(r"\1:***@", text)


def describe_os_error(exc: OSError) -> str:
    """One line for an OSError: the path, what the system said, what to do."""
    where = exc.filename if exc.filename is not None else "(the system named no path)"
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    code = exc.errno
    if code is None:  # polars and other Rust code write "... (os error 28)"
        found = _OS_ERROR_CODE.search(str(exc))
        code = int(found.group(1)) if found else None
    advice = _ADVICE.get(code or -1)
    if advice is None:
        reason = exc.strerror or str(exc) or type(exc).__name__
        advice = f"{reason} — check that path and the disk it is on"
    return without_password(f"{where}: {advice}")


def is_database_error(exc: BaseException) -> bool:
    """True for SQLAlchemy and DB-API driver errors (checked by module, nothing imported)."""
    module = type(exc).__module__ or ""
    return module.startswith(("sqlalchemy", "sqlite3", "psycopg", "pymysql")) and isinstance(
        exc, Exception
    )


def describe_database_error(exc: BaseException) -> str:
    """One line for a database error: the driver's first line, no statement, no password."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    first = lines[0][:300] if lines else ""
    return without_password(
        f"database error ({type(orig).__name__}: {first}) — check that the database server "
        f"runs and [project] state_url or the silo's url in golden.toml"
    )


def describe_fault(exc: BaseException) -> str | None:
    """The one line for a machine fault, or None when ``exc`` is not one (a real bug)."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if is_database_error(exc):
        return describe_database_error(exc)
    return None
