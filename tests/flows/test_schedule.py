"""`golden serve` for real: a Prefect server, a one-minute cron, and a run that publishes.

Building the deployment proves nothing (a scheduler that crashes on every loop builds it fine);
only a scheduled run that completes does. This test caught SQLAlchemy 2.1 breaking Prefect
3.8's scheduler (`Can't evaluate bulk DML statement`): every loop failed, no run was ever made.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.demo import write_demo

SCHEDULED_RUN_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str, payload: dict[str, object] | None = None) -> object:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def _wait_healthy(api: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _get_json(f"{api}/health")
            return True
        except OSError:
            time.sleep(0.5)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real `prefect server start` on a free loopback port, with its own PREFECT_HOME."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=api,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        GX_ANALYTICS_ENABLED="false",
    )
    log = (tmp_path / "prefect-server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
        + ["--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert _wait_healthy(api, 120), (tmp_path / "prefect-server.log").read_text()[-3000:]
        yield api, env
    finally:
        _stop(server)
        log.close()


@pytest.mark.slow
def test_a_scheduled_run_completes_and_publishes(
    prefect_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = prefect_server
    write_demo(tmp_path / "demo", persons=40, seed=5)
    config = tmp_path / "demo" / "golden.toml"
    golden = Path(sys.executable).with_name("golden")
    serve_log = (tmp_path / "serve.log").open("wb")
    serving = subprocess.Popen(
        [str(golden), "serve", "--config", str(config), "--cron", "* * * * *"],
        env=env,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    completed: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + SCHEDULED_RUN_TIMEOUT
        while time.monotonic() < deadline and not completed:
            assert serving.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            # A scheduler that crashes on its loop never recovers: fail now, not at the timeout.
            server_log = (tmp_path / "prefect-server.log").read_text(errors="replace")
            assert "Can't evaluate bulk DML" not in server_log, server_log[-3000:]
            time.sleep(3)
            runs = _get_json(
                f"{api}/flow_runs/filter",
                {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
            )
            assert isinstance(runs, list)
            completed = [run for run in runs if run.get("deployment_id")]
    finally:
        _stop(serving)
        serve_log.close()
    server_log = (tmp_path / "prefect-server.log").read_text(errors="replace")
    assert completed, (
        f"no scheduled run completed within {SCHEDULED_RUN_TIMEOUT} s\n"
        f"serve log:\n{(tmp_path / 'serve.log').read_text(errors='replace')[-3000:]}\n"
        f"server log:\n{server_log[-3000:]}"
    )
    assert "Can't evaluate bulk DML" not in server_log
    assert completed[0]["auto_scheduled"] is True
    summary = json.loads((tmp_path / "demo" / "out" / "latest" / "summary.json").read_text())
    assert summary["golden_records"] > 0
