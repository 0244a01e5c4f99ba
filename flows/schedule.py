"""`golden serve`: the nightly schedule.

Prefect schedules need a long-running API server. When ``PREFECT_API_URL`` is set (a server run
as a service, see the README), the deployment registers there. Otherwise a Prefect server that
already answers on 127.0.0.1:<port> is used, or one is started for as long as `golden serve`
runs: its output goes to ``<output>/logs/prefect-server.log``, its pid to
``<output>/prefect-server.pid``. It dies with `golden serve` (Linux parent-death signal, and
Ctrl+C / SIGTERM stop it explicitly); one left behind by a `golden serve` killed otherwise is
stopped at the next start. Within a minute of serving, the deployment's schedule must have
produced a scheduled run; `golden serve` says so, or says where to look.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from rich.console import Console

from flows.runlock import process_alive, process_identity
from rules.config import load_config
from rules.errors import GoldenError

DEFAULT_PORT = 4200
SERVER_START_SECONDS = 120
SCHEDULE_CHECK_SECONDS = 90
PID_FILE = "prefect-server.pid"
LOG_FILE = Path("logs") / "prefect-server.log"


def validate_cron(cron: str) -> str:
    """Return ``cron`` if Prefect accepts it, else raise GoldenError naming the problem."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as exc:
        raise GoldenError(f"--cron {cron!r} is not a valid cron expression: {exc}") from None
    return cron


def build_deployment(
    config_path: Path, cron: str, name: str, task_runner: Any | None = None
) -> Any:
    """The Prefect deployment of the nightly flow for this config (not yet registered);
    ``task_runner``: the DaskTaskRunner of ``[project] executor = "dask"`` (None: Prefect's)."""
    from flows.nightly import nightly_flow

    flow_run = (
        nightly_flow if task_runner is None else nightly_flow.with_options(task_runner=task_runner)
    )
    return flow_run.to_deployment(
        name=name,
        cron=validate_cron(cron),
        parameters={"config_path": str(config_path)},
        description=f"golden-records nightly run of {config_path}",
        tags=["golden-records"],
    )


def _api_json(url: str, payload: dict[str, object] | None = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback/own)
        return json.loads(response.read())


def api_healthy(api: str) -> bool:
    """True when the Prefect API at ``api`` answers its health check."""
    try:
        return _api_json(f"{api.rstrip('/')}/health") is True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _wait_for_api(api: str, seconds: float, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if api_healthy(api):
            return True
        if server.poll() is not None:
            return False
        time.sleep(0.5)
    return False


def _die_with_parent() -> None:
    """In the server's child process: get SIGTERM when `golden serve` dies, however it dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def reap_left_server(output_dir: Path) -> int | None:
    """Stop a temporary server a killed `golden serve` left running; return its pid."""
    pid_file = output_dir / PID_FILE
    try:
        recorded = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return None
    pid = recorded.get("pid") if isinstance(recorded, dict) else None
    if isinstance(pid, int) and process_alive(recorded):
        os.kill(pid, signal.SIGTERM)
        for _ in range(60):
            if not process_alive(recorded):
                break
            time.sleep(0.5)
        else:
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid if isinstance(pid, int) else None


class TemporaryServer:
    """A `prefect server start` child with its output in a log file; stop() ends it."""

    def __init__(self, output_dir: Path, port: int) -> None:
        self.output_dir = output_dir
        self.api = f"http://127.0.0.1:{port}/api"
        self.log_path = output_dir / LOG_FILE
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        log.close()
        identity = {**process_identity(), "pid": self.process.pid}
        from flows.runlock import process_start_ticks

        identity["pid_started"] = process_start_ticks(self.process.pid)
        (output_dir / PID_FILE).write_text(json.dumps(identity))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s; remove the pid file."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        (self.output_dir / PID_FILE).unlink(missing_ok=True)


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        tail = path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(line.strip() for line in tail)


def start_or_find_server(output_dir: Path, port: int, console: Console) -> TemporaryServer | None:
    """Point PREFECT_API_URL at a server: the configured one, one already on ``port``, or a new
    temporary one (returned, to be stopped by the caller)."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        if not api_healthy(configured):
            raise GoldenError(
                f"PREFECT_API_URL={configured} does not answer — start that server "
                f"(`systemctl start prefect-server`, see README) or unset PREFECT_API_URL to let "
                f"`golden serve` start one"
            )
        console.print(f"using the Prefect server at {configured}")
        return None
    reaped = reap_left_server(output_dir)
    if reaped:
        console.print(f"stopped a Prefect server (pid {reaped}) left by an earlier golden serve")
    local = f"http://127.0.0.1:{port}/api"
    if api_healthy(local):
        console.print(f"using the Prefect server already running at {local}")
        os.environ["PREFECT_API_URL"] = local
        return None
    server = TemporaryServer(output_dir, port)
    console.print(f"starting a Prefect server on 127.0.0.1:{port} (log: {server.log_path})")
    if not _wait_for_api(server.api, SERVER_START_SECONDS, server.process):
        server.stop()
        raise GoldenError(
            f"the Prefect server did not start within {SERVER_START_SECONDS} s — see "
            f"{server.log_path} ({_log_tail(server.log_path)}); is port {port} free? "
            f"(--port chooses another)"
        )
    os.environ["PREFECT_API_URL"] = server.api
    return server


def check_schedule(api: str, name: str, seconds: float, console: Console) -> bool:
    """Wait until the deployment has a scheduled run; say when it is due, or what is wrong."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            deployment = _api_json(f"{api}/deployments/name/golden-nightly/{name}")
            runs = _api_json(
                f"{api}/flow_runs/filter",
                {
                    "deployments": {"id": {"any_": [deployment["id"]]}},
                    "flow_runs": {"state": {"type": {"any_": ["SCHEDULED", "RUNNING"]}}},
                    "sort": "EXPECTED_START_TIME_ASC",
                    "limit": 1,
                },
            )
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
            runs = []
        if runs:
            due = str(runs[0].get("expected_start_time") or "")[:19].replace("T", " ")
            console.print(f"schedule ok: the next run of '{name}' is due at {due} UTC")
            return True
        time.sleep(3)
    console.print(
        f"problem: the schedule of '{name}' produced no scheduled run within {seconds:.0f} s — "
        f"check the Prefect server's log and `golden doctor` (SQLAlchemy must be below 2.1)",
        style="bold red",
    )
    return False


def serve_nightly(
    config_path: Path, *, cron: str, name: str, console: Console, port: int = DEFAULT_PORT
) -> None:
    """Register the schedule and run flow runs when they are due, until Ctrl+C or SIGTERM."""
    from prefect import serve

    from flows.nightly import dask_task_runner

    config = load_config(config_path)
    deployment = build_deployment(config_path, cron, name, dask_task_runner(config))
    server = start_or_find_server(config.output_dir, port, console)
    previous_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        api = os.environ["PREFECT_API_URL"].rstrip("/")
        threading.Thread(
            target=check_schedule,
            args=(api, name, SCHEDULE_CHECK_SECONDS, console),
            name="golden-schedule-check",
            daemon=True,
        ).start()
        with temporary_settings(updates={PREFECT_API_URL: api}):
            console.print(f"serving '{name}' with cron {cron!r}; stop with Ctrl+C")
            # Prefect turns SIGTERM into SystemExit(0) and Ctrl+C into a clean return: either
            # way the finally below stops the server.
            serve(deployment, print_starting_message=False)
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        if server is not None:
            console.print("stopping the Prefect server")
            server.stop()
        console.print("golden serve stopped")
