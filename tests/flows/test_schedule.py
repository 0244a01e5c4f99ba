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
    assert (
        "schedule ok: the next run of 'nightly' is due at" in (tmp_path / "serve.log").read_text()
    )
    summary = json.loads((tmp_path / "demo" / "out" / "latest" / "summary.json").read_text())
    assert summary["golden_records"] > 0


def _wait_for_text(path: Path, text: str, seconds: float, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        assert process.poll() is None, content[-3000:]
        time.sleep(1)
    raise AssertionError(f"{text!r} not seen within {seconds} s:\n{content[-3000:]}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_serve_starts_its_own_server_and_stops_it(tmp_path: Path) -> None:
    """Without PREFECT_API_URL: the server's log is a file, SIGTERM stops both, and a
    `golden serve` killed with SIGKILL takes its server with it."""
    from flows.schedule import LOG_FILE, PID_FILE

    write_demo(tmp_path / "demo", persons=20, seed=5)
    config = tmp_path / "demo" / "golden.toml"
    output = tmp_path / "demo" / "out"
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), DO_NOT_TRACK="1")
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false")
    golden = Path(sys.executable).with_name("golden")
    command = [str(golden), "serve", "--config", str(config), "--cron", "0 2 * * *"]
    for stop in (signal.SIGTERM, signal.SIGKILL):
        log_path = tmp_path / f"serve-{stop.name}.log"
        with log_path.open("wb") as log:
            serving = subprocess.Popen(
                [*command, "--port", str(_free_port())],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_text(log_path, "schedule ok", 240, serving)
            server_pid = json.loads((output / PID_FILE).read_text())["pid"]
            assert _alive(server_pid)
            assert (output / LOG_FILE).stat().st_size > 0  # the server's output, not /dev/null
            os.kill(serving.pid, stop)  # the serve process only, not its group
            serving.wait(timeout=60)
            assert _wait_gone(server_pid, 30), f"server left running after {stop.name}"
        finally:
            _stop(serving)
        if stop == signal.SIGTERM:
            assert "golden serve stopped" in log_path.read_text()
            assert not (output / PID_FILE).exists()


def test_a_server_left_by_a_killed_serve_is_stopped_at_the_next_start(tmp_path: Path) -> None:
    from flows.runlock import process_identity, process_start_ticks
    from flows.schedule import PID_FILE, reap_left_server

    left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        identity = {**process_identity(), "pid": left.pid}
        identity["pid_started"] = process_start_ticks(left.pid)
        (tmp_path / PID_FILE).write_text(json.dumps(identity))
        assert reap_left_server(tmp_path) == left.pid
        assert left.wait(timeout=30) == -signal.SIGTERM
        assert not (tmp_path / PID_FILE).exists()
    finally:
        if left.poll() is None:
            left.kill()
