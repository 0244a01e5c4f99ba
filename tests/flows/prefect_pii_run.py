"""Helper of test_pii_prefect.py, run in a fresh interpreter with PREFECT_LOGGING_LEVEL=DEBUG.

Under a temporary Prefect server (prefect_test_harness): the nightly flow on a demo folder, an
access export and an erasure of a known person, the nightly flow again (the tombstone path),
then everything the Prefect API holds about those runs — every log of every flow and task run,
every artifact (markdown, table, progress; all versions), run names, parameters and state
messages — written as JSON with the person's values, for the test to grep.

A fresh interpreter because Prefect configures its loggers once per process, from the settings
at import time; the test session runs at WARNING.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import phonenumbers
import polars as pl

#: Canonical fields whose source columns hold contact data or names (grepped as read, too).
PERSONAL_FIELDS = (
    "emails", "phones", "first_name", "last_name", "full_name", "street", "street_line",
    "address_line", "contact_name",
)  # fmt: skip


def phone_formats(e164: str) -> list[str]:
    """The number as E.164, international, national, and digits only (with and without 0)."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    formats = [
        e164,
        e164.lstrip("+"),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        national,
        "".join(ch for ch in national if ch.isdigit()),
        str(number.national_number),
    ]
    return list(dict.fromkeys(formats))


def person_to_erase(golden: pl.DataFrame) -> dict[str, Any]:
    """The first person (by golden id) with two or more records, an e-mail, a phone and a street:
    every kind of value a log could leak."""
    return (
        golden.filter(
            (pl.col("record_type") == "person")
            & (pl.col("member_count") >= 2)
            & (pl.col("emails").list.len() > 0)
            & (pl.col("phones").list.len() > 0)
            & pl.col("street").is_not_null()
        )
        .sort("golden_id")
        .row(0, named=True)
    )


def person_values(golden: dict[str, Any], raw_records: list[dict[str, Any]]) -> list[str]:
    """Every value of the person to look for: golden and as read in each silo."""
    values: list[str] = list(golden["emails"])
    for phone in golden["phones"]:
        values.extend(phone_formats(phone))
    for name in ("first_name", "last_name", "street"):
        if golden[name]:
            values.append(str(golden[name]))
    values.append(f"{golden['first_name']} {golden['last_name']}")
    if golden["street"] and golden["house_number"]:
        values.append(f"{golden['street']} {golden['house_number']}")
    for record in raw_records:
        values.extend(str(value) for value in record["values"] if value)
    return [value for value in dict.fromkeys(values) if len(value) >= 4]


def _raw_personal_values(config: Any, record: dict[str, Any]) -> list[str]:
    mapping = config.silos[record["silo"]].mapping
    columns: list[str] = []
    for field in PERSONAL_FIELDS:
        mapped = mapping.get(field)
        columns.extend(mapped if isinstance(mapped, list) else [mapped] if mapped else [])
    return [record["values"].get(column) for column in columns]


async def _read_api() -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    async def every(read: Any) -> list[Any]:
        found: list[Any] = []
        while True:
            page = await read(limit=200, offset=len(found))
            found.extend(page)
            if len(page) < 200:
                return found

    async with get_client() as client:
        flow_runs = await every(client.read_flow_runs)
        task_runs = await every(client.read_task_runs)
        logs = await every(client.read_logs)
        artifacts = await every(client.read_artifacts)
    return {
        "flow_runs": [
            {
                "name": run.name,
                "parameters": run.parameters,
                "state": run.state_name,
                "message": run.state.message if run.state else None,
            }
            for run in flow_runs
        ],
        "task_runs": [
            {"name": run.name, "message": run.state.message if run.state else None}
            for run in task_runs
        ],
        "logs": [{"name": log.name, "level": log.level, "message": log.message} for log in logs],
        "artifacts": [
            {
                "key": artifact.key,
                "type": artifact.type,
                "description": artifact.description,
                "data": artifact.data,
            }
            for artifact in artifacts
        ],
    }


def main(directory: Path, out: Path) -> None:
    """Two nightly runs around an erasure, under a temporary Prefect server; dump the API."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.demo import DEMO_TODAY
    from flows.nightly import nightly_flow
    from flows.subject import erase_subject, export_subject, find_subjects
    from rules.config import load_config

    config_path = directory / "golden.toml"
    config = load_config(config_path)
    with prefect_test_harness(server_startup_timeout=120):
        nightly_flow(str(config_path), today=DEMO_TODAY)
        golden = pl.read_parquet(directory / "out" / "latest" / "golden.parquet")
        person = person_to_erase(golden)
        golden_id = str(person["golden_id"])
        find_subjects(config, str(person["emails"][0]).upper(), DEMO_TODAY)
        access_json, _ = export_subject(config, golden_id, directory / "access", DEMO_TODAY)
        records = json.loads(access_json.read_text("utf-8"))["source_records"]
        raw = [{"values": _raw_personal_values(config, record)} for record in records]
        erase_subject(config, golden_id, reason="Antrag", requested_at=DEMO_TODAY, today=DEMO_TODAY)
        nightly_flow(str(config_path), today=DEMO_TODAY)
        api = asyncio.run(_read_api())
    out.write_text(
        json.dumps(
            {
                "golden_id": golden_id,
                "source_records": len(records),
                "values": person_values(person, raw),
                "api": api,
            },
            default=str,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
