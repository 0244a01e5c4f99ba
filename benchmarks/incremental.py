"""Incremental matching on the 20,000-person demo: a full recompute against an incremental run
after 1 % of the records changed.

The demo (``write_demo(persons=20000, seed=42)``, as ``demo-20000`` in benchmarks/run.py) is
run once in full; the folder is copied; in both copies 1 % of the records change in the ERP
silo (moves, new e-mail addresses, new surnames, deletions, new duplicates, seeded); then one
copy runs incrementally (the default) and the other with ``full=True`` (`golden run --full`);
with fixed weights the full run keeps the first run's frozen model (``keep_model``: its
weights and term-frequency tables, matching.frozen_model), as the incremental night does.
Printed: the whole run's wall time and every stage's (extract, clean, match, golden records,
publish, ...) for both, pairs compared (and reused), and whether pairs and clusters (the
crosswalk's golden ids) are identical. Twice: with fixed weights
(``estimate_weights = false``: the incremental result must be identical) and with the default
EM, where the full run estimates fresh weights and the incremental run keeps the last ones.
DQ checks are off unless ``--dq`` (they do not touch matching); ``--fixed-only`` skips the EM
variant (for the large sizes).

Usage: python -m benchmarks.incremental [--persons 20000] [--dq] [--fixed-only] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
CHANGED_SHARE = 0.01
#: The first run's day and the night after it (the demo's data is as of DEMO_TODAY).
FIRST_DAY = date(2026, 11, 1)
NEXT_DAY = FIRST_DAY + timedelta(days=1)


def change_erp(directory: Path, records: int, seed: int = 7) -> dict[str, int]:
    """Change ``CHANGED_SHARE`` of ``records`` in erp.sqlite: updates, deletions, inserts."""
    budget = max(4, round(records * CHANGED_SHARE))
    moves = new_emails = renames = budget // 6
    deletions = budget // 4
    inserts = budget - moves - new_emails - renames - deletions
    rng = random.Random(seed)
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        persons = [
            row[0]
            for row in connection.execute(
                "SELECT kundennr FROM kunden WHERE kundentyp = 'Person' ORDER BY kundennr"
            )
        ]
        chosen = rng.sample(persons, moves + new_emails + renames + deletions)
        donors = rng.sample(persons, moves + renames)
        moved, emailed = chosen[:moves], chosen[moves : moves + new_emails]
        renamed = chosen[moves + new_emails : moves + new_emails + renames]
        deleted = chosen[moves + new_emails + renames :]
        connection.executemany(
            "UPDATE kunden SET (strasse, plz, ort) = "
            "(SELECT strasse, plz, ort FROM kunden WHERE kundennr = ?) WHERE kundennr = ?",
            zip(donors[:moves], moved, strict=True),
        )
        connection.executemany(
            "UPDATE kunden SET email = lower(vorname || '.' || nachname || '@posteo.de') "
            "WHERE kundennr = ?",
            [(key,) for key in emailed],
        )
        connection.executemany(
            "UPDATE kunden SET nachname = (SELECT nachname FROM kunden WHERE kundennr = ?) "
            "WHERE kundennr = ?",
            zip(donors[moves:], renamed, strict=True),
        )
        connection.executemany("DELETE FROM kunden WHERE kundennr = ?", [(k,) for k in deleted])
        top = connection.execute("SELECT max(kundennr) FROM kunden").fetchone()[0]
        copied = rng.sample([key for key in persons if key not in set(deleted)], inserts)
        for offset, key in enumerate(copied, start=1):  # a new duplicate of an existing customer
            connection.execute(
                "INSERT INTO kunden SELECT ?, kundentyp, anrede, titel, vorname, nachname, "
                "firmenname, rechtsform, strasse, plz, ort, land, NULL, telefax, email, ust_idnr, "
                "geburtsdatum, angelegt_am, geaendert_am, letzte_rechnung "
                "FROM kunden WHERE kundennr = ?",
                (top + offset, key),
            )
    return {
        "moved": moves,
        "new_email": new_emails,
        "renamed": renames,
        "deleted": deletions,
        "inserted": inserts,
    }


def _cpu_runner() -> object:
    """A PlainRunner that also keeps each stage's process CPU seconds (all threads): on a
    shared machine CPU time says more than wall time."""
    from flows.pipeline import PlainRunner

    class CpuRunner(PlainRunner):
        def __init__(self) -> None:
            self.cpu: dict[str, float] = {}

        def stage(self, name: str, function: object, *args: object) -> object:
            clock = time.process_time()
            try:
                return super().stage(name, function, *args)  # type: ignore[arg-type]
            finally:
                key = "extract" if name.startswith("extract ") else name
                self.cpu[key] = self.cpu.get(key, 0.0) + time.process_time() - clock

    return CpuRunner()


def run_variant(
    persons: int, estimate_weights: bool, workdir: Path, dq: bool = False
) -> dict[str, object]:
    """First run, 1 % changes, then incremental (copy a) and full (copy b); return the numbers."""
    from flows.demo import write_demo
    from flows.pipeline import PlainRunner, run_pipeline
    from rules.config import load_config

    first_dir, full_dir = workdir / "incremental", workdir / "full"
    write_demo(first_dir, persons=persons, seed=42)
    config_path = first_dir / "golden.toml"
    text = config_path.read_text("utf-8")
    text = text.replace(
        "[matching]\n", f"[matching]\nestimate_weights = {str(estimate_weights).lower()}\n", 1
    )
    if not dq:
        text = text.replace("[dq]\n", "[dq]\nrun_checks = false\n", 1)
    config_path.write_text(text, "utf-8")
    # The next night runs a day later: cached cleaned rows must be checked for their dates.
    first = run_pipeline(load_config(config_path), PlainRunner(), today=FIRST_DAY)
    shutil.copytree(first_dir, full_dir, symlinks=True)
    records = first.summary.records_in_crosswalk
    changes = {}
    for directory in (first_dir, full_dir):
        changes = change_erp(directory, records)
    runners = {"incremental": _cpu_runner(), "full": _cpu_runner()}
    cpu_total = {}
    clock, cpu = time.perf_counter(), time.process_time()
    incremental = run_pipeline(
        load_config(config_path),
        runners["incremental"],  # type: ignore[arg-type]
        today=NEXT_DAY,
    )
    wall_incremental = time.perf_counter() - clock
    cpu_total["incremental"] = time.process_time() - cpu
    clock, cpu = time.perf_counter(), time.process_time()
    full = run_pipeline(
        load_config(full_dir / "golden.toml"),
        runners["full"],  # type: ignore[arg-type]
        today=NEXT_DAY,
        full=True,
        # Fixed weights: the same frozen model as the night, so both must agree pair for pair.
        keep_model=not estimate_weights,
    )
    wall_full = time.perf_counter() - clock
    cpu_total["full"] = time.process_time() - cpu

    cleaning = getattr(incremental.outputs.cleaned, "report", None)  # None before clean caches
    inc_report = incremental.outputs.matched.report
    full_report = full.outputs.matched.report
    assert inc_report is not None and full_report is not None
    crosswalks = [
        pl.read_parquet(result.folder / "crosswalk.parquet") for result in (incremental, full)
    ]
    differing = (
        crosswalks[0]
        .join(crosswalks[1], on=["silo", "source_id"], how="full", suffix="_full")
        .filter(pl.col("golden_id").ne_missing(pl.col("golden_id_full")))
    )
    pairs = [result.outputs.matched.pairs for result in (incremental, full)]
    return {
        "persons": persons,
        "estimate_weights": estimate_weights,
        "records": incremental.summary.records_in_crosswalk,
        "changes": changes,
        "incremental_mode": inc_report.mode,
        "incremental_reason": inc_report.reason,
        "records_removed": inc_report.removed,
        "dq_checks": dq,
        "cleaning_incremental": cleaning.to_dict() if cleaning is not None else None,
        "wall_seconds_full": round(wall_full, 3),
        "wall_seconds_incremental": round(wall_incremental, 3),
        "cpu_seconds_full": round(cpu_total["full"], 3),
        "cpu_seconds_incremental": round(cpu_total["incremental"], 3),
        "stage_cpu_seconds_full": {k: round(v, 3) for k, v in runners["full"].cpu.items()},  # type: ignore[attr-defined]
        "stage_cpu_seconds_incremental": {
            k: round(v, 3)
            for k, v in runners["incremental"].cpu.items()  # type: ignore[attr-defined]
        },
        "stage_seconds_full": dict(full.summary.stage_seconds),
        "stage_seconds_incremental": dict(incremental.summary.stage_seconds),
        "match_seconds_full": full.summary.stage_seconds["match"],
        "match_seconds_incremental": incremental.summary.stage_seconds["match"],
        "pairs_compared_full": full_report.compared_pairs,
        "pairs_compared_incremental": inc_report.compared_pairs,
        "pairs_reused_incremental": inc_report.reused_pairs,
        "candidate_pairs": inc_report.candidate_pairs,
        "pairs_identical": pairs[0].equals(pairs[1]),
        "pair_keys_and_levels_identical": pairs[0]
        .select(incremental.outputs.matched.cache.compared.columns)  # type: ignore[union-attr]
        .equals(pairs[1].select(full.outputs.matched.cache.compared.columns)),  # type: ignore[union-attr]
        "clusters_identical": differing.height == 0,
        "records_with_other_golden_id": differing.height,
        "golden_records_full": full.summary.golden_records,
        "golden_records_incremental": incremental.summary.golden_records,
    }


def _stage_lines(result: dict[str, object]) -> str:
    """One line per stage: wall and CPU seconds in the full and in the incremental run."""
    wall = {run: result[f"stage_seconds_{run}"] for run in ("full", "incremental")}
    cpu = {run: result[f"stage_cpu_seconds_{run}"] for run in ("full", "incremental")}
    names = dict.fromkeys([*wall["full"], *wall["incremental"]])  # type: ignore[misc]
    rows = {
        name: [
            float(table[run].get(name, 0.0))  # type: ignore[attr-defined]
            for table in (wall, cpu)
            for run in ("full", "incremental")
        ]
        for name in names
    }
    # The stages end before publishing: the rest of the run is publish + state store.
    rows["publish, state"] = [
        float(result[f"{kind}_seconds_{run}"])  # type: ignore[arg-type]
        - sum(float(table[run].get(name, 0.0)) for name in names)  # type: ignore[attr-defined,misc]
        for kind, table in (("wall", wall), ("cpu", cpu))
        for run in ("full", "incremental")
    ]
    rows["whole run"] = [
        float(result[f"{kind}_seconds_{run}"])  # type: ignore[arg-type]
        for kind in ("wall", "cpu")
        for run in ("full", "incremental")
    ]
    lines = [
        f"    {'stage':<18} {'wall full':>10} {'wall incr':>10} {'cpu full':>10} {'cpu incr':>10}\n"
    ]
    lines += [
        f"    {name:<18} " + " ".join(f"{value:>10.2f}" for value in values) + "\n"
        for name, values in rows.items()
    ]
    return "".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "incremental.json"
    )
    parser.add_argument("--dq", action="store_true", help="keep the DQ checks on")
    parser.add_argument("--fixed-only", action="store_true", help="skip the EM variant")
    args = parser.parse_args()
    results = []
    for estimate_weights in (False,) if args.fixed_only else (False, True):
        with tempfile.TemporaryDirectory(prefix="golden-bench-incremental-") as tmp:
            result = run_variant(args.persons, estimate_weights, Path(tmp), dq=args.dq)
        results.append(result)
        weights = "EM weights" if estimate_weights else "fixed weights"
        sys.stdout.write(
            f"incremental demo-{args.persons} ({weights}): {result['records']} records, "
            f"{sum(result['changes'].values())} changed (1 %)\n"  # type: ignore[attr-defined]
            f"{_stage_lines(result)}"
            f"  match stage   full {result['match_seconds_full']:>7.2f} s   "
            f"incremental {result['match_seconds_incremental']:>7.2f} s "
            f"({result['incremental_mode']}: {result['incremental_reason']}, "
            f"{result['records_removed']} removed)\n"
            f"  cleaning      incremental {result['cleaning_incremental']}\n"
            f"  pairs         full {result['pairs_compared_full']:>9} compared   "
            f"incremental {result['pairs_compared_incremental']:>7} compared + "
            f"{result['pairs_reused_incremental']} reused\n"
            f"  identical     scored pairs {result['pairs_identical']}   "
            f"keys and levels {result['pair_keys_and_levels_identical']}   "
            f"clusters {result['clusters_identical']} "
            f"({result['records_with_other_golden_id']} records with another golden id)\n"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"results: {args.json}\n")


if __name__ == "__main__":
    main()
