"""One run at a time per output folder, and telling live processes from dead ones.

A run holds ``<output>/.golden.lock`` (an flock held for the run's life, with the holder's pid,
host and start time written inside for the message). The kernel drops the flock when the holder
dies, however it dies, so a lock left by a killed run is detected as stale and taken over.
``process_alive`` also recognises a reused pid by the process start time from /proc.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rules.errors import GoldenError

log = logging.getLogger("golden.runlock")

LOCK_NAME = ".golden.lock"


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 on (the command name, field 2, may contain spaces)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def process_start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, /proc), or None when unknown."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None  # field 22


def process_identity() -> dict[str, object]:
    """This process as the lock and the state store record it: pid, host, start ticks."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_started": process_start_ticks(pid)}


def process_alive(identity: dict[str, object]) -> bool | None:
    """Whether the recorded process still runs; None when it ran on another host."""
    if identity.get("host") != socket.gethostname():
        return None
    pid = identity.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    fields = _stat_fields(pid)
    if fields and fields[0] == "Z":
        return False  # exited, waiting for its parent to collect it
    started = identity.get("pid_started")
    return started is None or process_start_ticks(pid) in (None, started)


@contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output folder's run lock, or raise GoldenError naming the run that holds it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_NAME
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            raise GoldenError(
                f"another golden run is using {output_dir} (pid {holder.get('pid', '?')} on "
                f"{holder.get('host', '?')}, started {holder.get('started_at', '?')}) — wait for "
                f"it to finish; runs on one output folder cannot overlap"
            ) from None
        previous = _holder(handle)
        if previous:
            log.warning(
                "took over the stale lock %s of pid %s (started %s): that run did not finish",
                path,
                previous.get("pid"),
                previous.get("started_at"),
            )
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {**process_identity(), "started_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"}
            )
        )
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # an empty lock file is a free lock, not a stale one
            handle.flush()
    finally:
        handle.close()


def _holder(handle: object) -> dict[str, object]:
    handle.seek(0)  # type: ignore[attr-defined]
    text = handle.read()  # type: ignore[attr-defined]
    try:
        holder = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}
