"""Connector benchmark: a 1,000,000-row CRM CSV through read_silo (issue 15's ingest checks).

Writes one file per case into a temporary folder and reads each in a fresh process, printing the
wall time and peak memory (max RSS) of ``read_silo``: decoding (per line only where the file
mixes encodings), the physical record count, parsing, and the value checks (control characters,
mojibake, over-long values).

Cases: clean UTF-8; clean Windows-1252; UTF-8 with one Windows-1252 line (decided per line);
UTF-8 with 1,000 stray quotes and 1,000 values with mojibake.

Usage: python -m benchmarks.read_1m [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

FIRST = ["Jürgen", "Anna", "Björn", "Käthe", "Max", "Sophie", "Özlem", "Hans-Peter", "Zoë"]
LAST = ["Müller", "Meier", "Schmidt", "Weiß", "Groß", "Öztürk", "Bäcker", "Schulz", "Nguyen"]
CITIES = ["München", "Köln", "Zürich", "Graz", "Düsseldorf", "Berlin", "Wien", "Fürth"]
STREETS = ["Hauptstraße", "Königsallee", "Lindenweg", "Bahnhofstr.", "Am Gänsemarkt"]
CASES = ("utf8_clean", "cp1252_clean", "utf8_one_cp1252_line", "utf8_stray_quotes_mojibake")


def _frame(rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def pick(values: list[str]) -> pl.Series:
        return pl.Series(values).gather(rng.integers(0, len(values), rows))

    return pl.DataFrame(
        {
            "Kundennr": pl.int_range(100000, 100000 + rows, eager=True).cast(pl.String),
            "Vorname": pick(FIRST),
            "Nachname": pick(LAST),
            "Straße": pick(STREETS),
            "Hausnr": pl.Series(rng.integers(1, 200, rows)).cast(pl.String),
            "PLZ": pl.Series(rng.integers(1000, 99999, rows)).cast(pl.String).str.zfill(5),
            "Ort": pick(CITIES),
            "Telefon": pl.Series(rng.integers(10**8, 10**9, rows)).cast(pl.String),
            "E-Mail": pl.Series(rng.integers(0, 10**6, rows)).cast(pl.String) + "@example.de",
            "Notiz": pick(["", "Stammkunde", "Rückruf; bitte", 'Firma "Zum Anker"']),
        }
    )


def _write(case: str, path: Path, rows: int, seed: int) -> None:
    frame = _frame(rows, seed)
    if case == "utf8_stray_quotes_mojibake":
        every = max(rows // 1000, 1)
        broken = pl.int_range(0, rows, eager=True) % every == 0
        frame = frame.with_columns(
            pl.when(broken).then(pl.lit("JÃ¼rgen")).otherwise(pl.col("Vorname")).alias("Vorname")
        )
    text = frame.write_csv(separator=";")
    if case == "utf8_stray_quotes_mojibake":
        lines = text.split("\n")
        for index in range(3, len(lines) - 1, max(rows // 1000, 1)):
            lines[index] = lines[index].replace(";", ';"', 1)  # a quote opening the 2nd field
        text = "\n".join(lines)
    if case == "cp1252_clean":
        path.write_bytes(text.encode("cp1252"))
    elif case == "utf8_one_cp1252_line":
        head, _, rest = text.partition("\n")
        middle = rest.index("\n", len(rest) // 2)
        line_end = rest.index("\n", middle + 1)
        line = rest[middle + 1 : line_end]
        data = (head + "\n" + rest[: middle + 1]).encode() + line.encode("cp1252")
        path.write_bytes(data + rest[line_end:].encode())
    else:
        path.write_bytes(text.encode())


def _measure(path: Path, encoding: str) -> None:
    from flows.connectors import read_silo
    from rules.config import parse_config

    toml = (
        f'[silos.crm]\nconnector = "csv"\npath = "{path.name}"\nencoding = "{encoding}"\n'
        'delimiter = ";"\nmapping = { source_id = "Kundennr" }\n'
    )
    config = parse_config(toml, path.parent / "golden.toml")
    start = time.perf_counter()
    extract = read_silo(config.silos["crm"], config)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    findings = extract.findings.height if hasattr(extract, "findings") else 0
    print(  # noqa: T201
        f"{path.stem:28} {seconds:6.2f} s  peak {peak:6.0f} MiB  rows {extract.frame.height:,}"
        f"  quarantined {extract.quarantine.height:,}  findings {findings:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", nargs=2, metavar=("PATH", "ENCODING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(Path(args.measure[0]), args.measure[1])
        return
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            path = Path(folder) / f"{case}.csv"
            _write(case, path, args.rows, args.seed)
            encoding = "cp1252" if case == "cp1252_clean" else "auto"
            subprocess.run(
                [sys.executable, "-m", "benchmarks.read_1m", "--measure", str(path), encoding],
                check=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
