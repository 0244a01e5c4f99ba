"""No personal data in any log line: the demo run and the subject commands at DEBUG level.

Greps the captured log records (messages with their arguments, and exception texts) for every
value of a known person: e-mails, phones, names, street, birth date.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import pytest

from flows.demo import DEMO_TODAY, write_demo
from flows.pipeline import PlainRunner, run_pipeline
from flows.subject import erase_subject, export_subject, find_subjects
from rules.config import load_config
from rules.privacy import SALT_ENV
from tests.flows.prefect_pii_run import person_to_erase


def _values(person: dict[str, object]) -> list[str]:
    values: list[str] = [*person["emails"], *person["phones"]]  # type: ignore[misc]
    for name in ("first_name", "last_name", "street", "birth_date"):
        if person[name] is not None:
            values.append(str(person[name]))
    values.append(f"{person['first_name']} {person['last_name']}")
    return [value for value in values if len(value) >= 4]


def test_no_personal_value_in_any_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_demo(tmp_path, persons=120, seed=9)
    config = load_config(tmp_path / "golden.toml")
    monkeypatch.setenv(SALT_ENV, "log-test-salt-0123456789")
    with caplog.at_level(logging.DEBUG):
        first = run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
        golden = pl.read_parquet(first.folder / "golden.parquet")
        person = person_to_erase(golden)
        email = str(person["emails"][0])
        find_subjects(config, email.upper(), DEMO_TODAY)
        export_subject(config, str(person["golden_id"]), tmp_path / "access", DEMO_TODAY)
        erase_subject(
            config,
            str(person["golden_id"]),
            reason="Antrag",
            requested_at=DEMO_TODAY,
            today=DEMO_TODAY,
        )
        run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    assert len(lines) > 20  # the run did log (stage timings, counts)
    text = "\n".join(lines).lower()
    for value in _values(person):
        assert value.lower() not in text, f"{value!r} appears in a log line"
