"""Nightly operations that hold: runs without a Prefect server, faults of the machine as one
line, killed runs, two runs at once, old run folders, a lost or damaged state store.

The faults are real: a folder the process may not write (as root, with the capability that
overrides permissions dropped), a file-size limit that makes writes fail like a full disk, a
run killed with SIGKILL. Each ends in one line on stderr or in a recovery.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.demo import write_demo

runner = CliRunner()
GOLDEN = str(Path(sys.executable).with_name("golden"))


@pytest.fixture(autouse=True)
def _no_prefect_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def _demo(folder: Path, persons: int = 40, project: str = "") -> Path:
    write_demo(folder, persons=persons, seed=7)
    config = folder / "golden.toml"
    if project:
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("[project]\n", f"[project]\n{project}\n", 1), "utf-8")
    return config


def _run(config: Path, *extra: str) -> object:
    return runner.invoke(app, ["run", "--config", str(config), *extra])


def _runs(config: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(config.parent / "out" / "state.db") as connection:
        return connection.execute(
            "SELECT run_id, status, error FROM golden_runs ORDER BY started_at"
        ).fetchall()


def _error_lines(stderr: str) -> list[str]:
    # Off a terminal a stage running longer than 5 s writes progress lines (flows.progress).
    return [
        line for line in stderr.splitlines() if line.strip() and not line.startswith("golden: ")
    ]


def test_a_run_without_prefect_is_recorded_backed_up_and_old_folders_pruned(
    tmp_path: Path,
) -> None:
    config = _demo(tmp_path, project="keep_runs = 2")
    for _ in range(3):
        result = _run(config)
        assert result.exit_code == 0, result.output
    runs = _runs(config)
    assert [status for _, status, _ in runs] == ["completed"] * 3
    kept = sorted(path.name for path in (tmp_path / "out" / "runs").iterdir())
    assert kept == sorted(run_id for run_id, _, _ in runs[1:])
    assert (tmp_path / "out" / "latest").resolve().name == runs[-1][0]
    backups = sorted((tmp_path / "out" / "state-backups").glob("state-*.db"))
    assert [path.name for path in backups] == [f"state-{run_id}.db" for run_id, _, _ in runs]
    with sqlite3.connect(backups[-1]) as connection:  # taken before the third run
        assert connection.execute("SELECT count(*) FROM golden_runs").fetchone() == (2,)


def test_messages_keep_their_brackets(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('first_name = "Vorname"', 'first_name = "Vor[/]name"', 1))
    result = _run(config)
    assert result.exit_code == 2
    assert "'Vor[/]name'" in result.output
    assert "fix [silos.crm.mapping] in golden.toml" in result.output
    assert "Traceback" not in result.output


def _golden(config: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    return subprocess.run(
        [GOLDEN, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,  # type: ignore[call-overload]
    )


def _without_permission_override() -> list[str]:
    """Root writes anywhere; drop the capabilities that allow it, so permissions count."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_a_read_only_runs_folder_ends_in_one_line(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    assert _run(config).exit_code == 0
    runs = tmp_path / "out" / "runs"
    runs.chmod(0o555)
    try:
        env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
        result = subprocess.run(
            [*_without_permission_override(), GOLDEN, "run", "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        runs.chmod(0o755)
    lines = _error_lines(result.stderr)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and str(runs) in lines[0]
    assert "permission denied" in lines[0]
    assert [status for _, status, _ in _runs(config)] == ["completed", "failed"]


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))


def test_a_full_disk_ends_in_one_line_and_keeps_latest(tmp_path: Path) -> None:
    config = _demo(tmp_path, persons=300)
    assert _run(config).exit_code == 0
    published = (tmp_path / "out" / "latest").resolve()
    result = _golden(config, "run", preexec_fn=_limit_file_size)
    lines = _error_lines(result.stderr)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "file too large" in lines[0] or "disk" in lines[0]
    assert (tmp_path / "out" / "latest").resolve() == published


def _wait_for_running(config: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if any(status == "running" for _, status, _ in _runs(config)):
                return
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    raise AssertionError("the run never started")


def test_a_second_run_stops_and_a_killed_run_is_marked_aborted(tmp_path: Path) -> None:
    config = _demo(tmp_path, persons=1500)
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    first = subprocess.Popen(
        [GOLDEN, "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_running(config)
        second = _run(config)
        assert second.exit_code == 2
        assert f"another golden run is using {tmp_path / 'out'} (pid {first.pid}" in second.output
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    listed = runner.invoke(app, ["runs", "--config", str(config)])
    assert listed.exit_code == 0 and "aborted" in listed.output
    [(_, status, error)] = _runs(config)
    assert status == "aborted" and error is not None and "last seen" in error
    again = _run(config)  # the stale lock is taken over
    assert again.exit_code == 0, again.output
    assert [status for _, status, _ in _runs(config)] == ["aborted", "completed"]


def test_a_lost_state_store_stops_the_run_until_restored_or_new(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    assert _run(config).exit_code == 0
    assert _run(config).exit_code == 0
    state = tmp_path / "out" / "state.db"
    state.unlink()
    lost = _run(config)
    assert lost.exit_code == 2
    assert f"state store {state} is missing" in lost.output
    assert "golden state restore" in lost.output and "--new-state" in lost.output
    assert not state.exists()
    restored = runner.invoke(app, ["state", "restore", "--config", str(config)])
    assert restored.exit_code == 0, restored.output
    assert len(_runs(config)) == 1  # the backup taken before the second run
    state.unlink()
    fresh = _run(config, "--new-state")
    assert fresh.exit_code == 0, fresh.output
    assert len(_runs(config)) == 1


def test_a_damaged_state_store_is_named_and_restored(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    assert _run(config).exit_code == 0
    assert _run(config).exit_code == 0
    state = tmp_path / "out" / "state.db"
    content = state.read_bytes()
    state.write_bytes(content[: len(content) // 3])  # truncated, as by a full disk
    damaged = _run(config)
    assert damaged.exit_code == 2
    assert f"state store {state} is damaged" in damaged.output
    assert "golden state restore" in damaged.output
    assert "Traceback" not in damaged.output
    restored = runner.invoke(app, ["state", "restore", "--config", str(config)])
    assert restored.exit_code == 0, restored.output
    assert list(tmp_path.glob("out/state.db.replaced-*")), "the damaged file is kept aside"
    again = _run(config)
    assert again.exit_code == 0, again.output
    assert [status for _, status, _ in _runs(config)] == ["completed", "completed"]


def test_state_restore_refuses_without_a_sound_backup(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    result = runner.invoke(app, ["state", "restore", "--config", str(config)])
    assert result.exit_code == 2
    assert "no sound state-store backup" in result.output


def test_a_crashed_lock_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    from flows.runlock import LOCK_NAME

    config = _demo(tmp_path)
    (tmp_path / "out").mkdir()
    stale = {"pid": 999_999_999, "host": "elsewhere", "started_at": "yesterday"}
    (tmp_path / "out" / LOCK_NAME).write_text(json.dumps(stale))
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / LOCK_NAME).read_text() == ""


def test_an_unreachable_state_server_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("GOLDEN_TEST_STATE_PW", "s3cret-pw")
    url = f"postgresql://golden:${{GOLDEN_TEST_STATE_PW}}@127.0.0.1:{port}/golden"
    config = _demo(tmp_path, project=f'state_url = "{url}"')
    result = _run(config)
    assert result.exit_code == 2
    lines = _error_lines(result.output)
    assert len(lines) == 1 and lines[0].startswith("error: state store "), result.output
    assert f"golden:***@127.0.0.1:{port}/golden" in lines[0]
    assert "s3cret-pw" not in result.output and "Traceback" not in result.output


def test_an_output_folder_under_a_file_is_one_line(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    (tmp_path / "blocker").write_text("a file where the output folder should be")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('output_dir = "out"', 'output_dir = "blocker/out"'), "utf-8")
    result = _run(config)
    assert result.exit_code == 2
    lines = _error_lines(result.output)
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'blocker' / 'out'}:")


def test_an_erasure_leaves_no_state_backup_holding_the_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DSGVO Art. 17: backups from before the erasure still hold the person, and restoring one
    would bring them back; only the erased state is kept as a backup."""
    import polars as pl

    monkeypatch.setenv("GOLDEN_ERASURE_SALT", "test-salt-of-this-installation")
    config = _demo(tmp_path)
    assert _run(config).exit_code == 0
    assert _run(config).exit_code == 0
    crosswalk = pl.read_csv(tmp_path / "out" / "latest" / "crosswalk.csv", infer_schema=False)
    golden_id, source_id = crosswalk.row(0)[2], crosswalk.row(0)[1]
    erased = runner.invoke(
        app,
        ["subject", "erase", golden_id, "--reason", "Antrag", "--requested-at", "2026-12-01"]
        + ["--config", str(config)],
    )
    assert erased.exit_code == 0, erased.output
    backups = sorted((tmp_path / "out" / "state-backups").glob("*.db"))
    assert [path.name.endswith("-after-erasure.db") for path in backups] == [True]
    with sqlite3.connect(backups[0]) as connection:
        held = connection.execute(
            "SELECT count(*) FROM golden_crosswalk WHERE source_id = ?", (source_id,)
        ).fetchone()
    assert held == (0,)
