"""Writes the demo silos, truth.csv and golden.toml to disk, byte for byte reproducibly."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from flows.demo.records import SiloRecord
from flows.demo.reference import golden_toml_text
from flows.demo.silos import CRM_COLUMNS, ERP_COLUMNS, NEWSLETTER_COLUMNS, SHOP_KEYS
from flows.demo.variants import cp1252_safe

FILE_NAMES = {
    "crm": "crm.csv",
    "erp": "erp.sqlite",
    "newsletter": "newsletter.csv",
    "shop": "shop.json",
}
ERP_TABLE = "kunden"
TRUTH_FILE = "truth.csv"
CONFIG_FILE = "golden.toml"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def write_crm(path: Path, records: list[SiloRecord]) -> None:
    """Semicolon CSV in Windows-1252 with CRLF line ends, as German CRMs export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CRM_COLUMNS)
    for record in records:
        cells = (cp1252_safe(_text(record.values.get(c))) for c in CRM_COLUMNS[1:])
        row = [record.source_id, *cells]
        if record.stray_delimiter:
            # Written by hand so the ";" stays unquoted: the row gets one field too many.
            buffer.write(";".join(row) + "\r\n")
        else:
            writer.writerow(row)
    path.write_bytes(buffer.getvalue().encode("cp1252"))


def write_shop(path: Path, records: list[SiloRecord]) -> None:
    """A JSON array of customer objects with English keys."""
    customers = [
        {"customer_id": record.source_id, **{key: record.values.get(key) for key in SHOP_KEYS[1:]}}
        for record in records
    ]
    text = json.dumps(customers, ensure_ascii=False, indent=2) + "\n"
    path.write_bytes(text.encode("utf-8"))


def write_erp(path: Path, records: list[SiloRecord]) -> None:
    """A SQLite database with one table ``kunden`` (kundennr INTEGER, the rest TEXT)."""
    path.unlink(missing_ok=True)
    columns = ", ".join(f"{name} TEXT" for name in ERP_COLUMNS[1:])
    rows = [
        (int(record.source_id), *(record.values.get(name) for name in ERP_COLUMNS[1:]))
        for record in records
    ]
    placeholders = ", ".join("?" for _ in ERP_COLUMNS)
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(
                f"CREATE TABLE {ERP_TABLE} (kundennr INTEGER PRIMARY KEY, {columns})"
            )
            connection.executemany(f"INSERT INTO {ERP_TABLE} VALUES ({placeholders})", rows)
    finally:
        connection.close()


def write_newsletter(path: Path, records: list[SiloRecord]) -> None:
    """Comma CSV in UTF-8 with English headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NEWSLETTER_COLUMNS)
    for record in records:
        values = (_text(record.values.get(c)) for c in NEWSLETTER_COLUMNS[1:])
        writer.writerow([record.source_id, *values])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def write_truth(path: Path, records: dict[str, list[SiloRecord]]) -> int:
    """silo,source_id,entity_id for every record that has a source id; returns the row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("silo", "source_id", "entity_id"))
    count = 0
    for silo in sorted(records):
        for record in records[silo]:
            if record.has_id:
                writer.writerow((silo, record.source_id, record.entity_id))
                count += 1
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return count


def write_config(path: Path) -> None:
    """The demo golden.toml, paths relative to the folder it is written to."""
    path.write_bytes(golden_toml_text().encode("utf-8"))


WRITERS = {"crm": write_crm, "erp": write_erp, "newsletter": write_newsletter, "shop": write_shop}
