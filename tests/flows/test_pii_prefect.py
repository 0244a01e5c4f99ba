"""No personal data in anything Prefect keeps: logs of every flow and task run, artifacts.

The nightly flow runs through Prefect proper (a temporary Prefect server, prefect_test_harness)
at DEBUG level (Prefect's loggers and the root logger, so ours and every library's), with our
own loggers ("golden", "flows") and great_expectations sent to the API as well, around an
erasure of a known person (tests/flows/prefect_pii_run.py, in a fresh interpreter). Then every
log, artifact (all versions), run name, parameter and state message read back from the Prefect
API, and the console, are grepped for every value of the person: e-mails, phones in every
format (E.164, international, national, digits), name, street, and each as the silos hold it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.demo import write_demo
from rules.privacy import SALT_ENV

pytestmark = pytest.mark.slow

HELPER = Path(__file__).with_name("prefect_pii_run.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prefect_dump(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    directory = tmp_path_factory.mktemp("pii-prefect")
    write_demo(directory, persons=120, seed=9)
    out = directory / "prefect_api.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        # every logger at DEBUG, ours and the libraries' (Prefect's default root level: WARNING)
        "PREFECT_LOGGING_ROOT_LEVEL": "DEBUG",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "golden,flows,great_expectations",
        # the subject commands run outside a flow: their records are not for the API
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        SALT_ENV: "prefect-log-test-salt-0123456789",
    }
    finished = subprocess.run(
        [sys.executable, str(HELPER), str(directory), str(out)],
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    dump = json.loads(out.read_text("utf-8"))
    dump["console"] = finished.stdout + finished.stderr
    return dump


def test_prefect_kept_the_runs_at_debug_level(prefect_dump: dict[str, object]) -> None:
    """Guards the grep: it reads two real flow runs, their tasks, DEBUG logs and artifacts."""
    api = prefect_dump["api"]
    assert isinstance(api, dict)
    assert [run["state"] for run in api["flow_runs"]] == ["Completed", "Completed"]
    assert len(api["task_runs"]) > 20
    assert any(log["level"] == 10 for log in api["logs"])  # DEBUG reached the API
    names = {log["name"] for log in api["logs"]}
    assert any(name.startswith("golden") for name in names), names  # our own loggers too
    kinds = {artifact["type"] for artifact in api["artifacts"]}
    assert {"markdown", "progress"} <= kinds
    summary = [a for a in api["artifacts"] if a["key"] == "golden-run-summary"]
    assert len(summary) == 2 and "golden records" in summary[0]["data"]
    assert prefect_dump["source_records"] >= 2
    assert len(prefect_dump["values"]) >= 6  # type: ignore[arg-type]


@pytest.mark.parametrize("part", ["logs", "artifacts", "flow_runs", "task_runs"])
def test_no_personal_value_in_prefect(prefect_dump: dict[str, object], part: str) -> None:
    api = prefect_dump["api"]
    assert isinstance(api, dict)
    text = json.dumps(api[part], ensure_ascii=False).lower()
    values = prefect_dump["values"]
    assert isinstance(values, list)
    leaked = [value for value in values if value.lower() in text]
    assert not leaked, f"{part} of the Prefect API hold {leaked}"


def test_no_personal_value_on_the_console(prefect_dump: dict[str, object]) -> None:
    """What the operator sees while the flow runs at DEBUG (Prefect's console handler)."""
    text = str(prefect_dump["console"]).lower()
    values = prefect_dump["values"]
    assert isinstance(values, list)
    assert not [value for value in values if value.lower() in text]
