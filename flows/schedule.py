"""`golden serve`: the nightly schedule.

Prefect schedules need a long-running API server. When ``PREFECT_API_URL`` is set (a server run
as a service, see the README), the deployment registers there. Otherwise a local
``prefect server start`` is started on 127.0.0.1 for as long as `golden serve` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from rich.console import Console

from rules.errors import GoldenError

LOCAL_API = "http://127.0.0.1:4200/api"


def validate_cron(cron: str) -> str:
    """Return ``cron`` if Prefect accepts it, else raise GoldenError naming the problem."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as exc:
        raise GoldenError(f"--cron {cron!r} is not a valid cron expression: {exc}") from None
    return cron


def build_deployment(config_path: Path, cron: str, name: str) -> Any:
    """The Prefect deployment of the nightly flow for this config (not yet registered)."""
    from flows.nightly import nightly_flow

    return nightly_flow.to_deployment(
        name=name,
        cron=validate_cron(cron),
        parameters={"config_path": str(config_path)},
        description=f"golden-records nightly run of {config_path}",
        tags=["golden-records"],
    )


def _wait_for_api(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def serve_nightly(config_path: Path, *, cron: str, name: str, console: Console) -> None:
    """Register the schedule and run flow runs when they are due, until interrupted."""
    from prefect import serve

    deployment = build_deployment(config_path, cron, name)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        console.print("no PREFECT_API_URL set: starting a local Prefect server on 127.0.0.1:4200")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                "4200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not _wait_for_api(LOCAL_API, 90):
            server.terminate()
            raise GoldenError(
                "the local Prefect server did not start within 90 s — is port 4200 free? "
                "Or run `prefect server start` as a service and set PREFECT_API_URL"
            )
        os.environ["PREFECT_API_URL"] = LOCAL_API
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            console.print(f"serving '{name}' with cron {cron!r}; stop with Ctrl+C")
            serve(deployment, print_starting_message=False)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
