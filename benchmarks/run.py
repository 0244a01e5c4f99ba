"""Speed, memory and match quality of the whole pipeline, one subprocess per case.

Cases: the demo data set (generated, with ground truth) and Splink's public fake_1000 and
fake_20000 person data (../shared/data, true entity in `cluster`, used only to score). Each case
runs the nightly pipeline's stages as plain calls (no Prefect server start-up) in a fresh
process, so the reported peak memory (max RSS) belongs to that case alone.

Usage: python -m benchmarks.run [--cases demo-2000,fake_1000,...] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_CASES = ("demo-2000", "demo-20000", "fake_1000", "fake_20000")

SPLINK_TOML = """
[project]
name = "splink {name}"
output_dir = "out"
default_country = "GB"

[silos.fake]
connector = "csv"
path = "{path}"
encoding = "utf-8"
delimiter = ","

[silos.fake.mapping]
source_id = "unique_id"
first_name = "first_name"
last_name = "surname"
birth_date = "dob"
city = "city"
emails = ["email"]

[matching]
# Splink's synthetic data corrupts first names and birth dates of true duplicates heavily, so
# the DACH default hard rules (different first name / birth date -> no match) do not fit it.
hard_rules = []

[dq]
required_fields = []
"""


def _prepare(case: str, workdir: Path) -> tuple[Path, Path]:
    """Write the case's golden.toml (and data) into workdir; return config and truth paths."""
    if case.startswith("demo-"):
        from flows.demo import write_demo

        write_demo(workdir, persons=int(case.split("-", 1)[1]), seed=42)
        return workdir / "golden.toml", workdir / "truth.csv"
    import polars as pl

    source = SHARED / f"splink_{case}.csv"
    if not source.is_file():
        raise SystemExit(f"benchmark data not found: {source}")
    truth = pl.read_csv(source, infer_schema=False).select(
        pl.lit("fake").alias("silo"),
        pl.col("unique_id").alias("source_id"),
        pl.col("cluster").alias("entity_id"),
    )
    truth.write_csv(workdir / "truth.csv")
    config = workdir / "golden.toml"
    config.write_text(SPLINK_TOML.format(name=case, path=source), encoding="utf-8")
    return config, workdir / "truth.csv"


def run_case(case: str) -> dict[str, object]:
    """Run one case in this process and return its measurements."""
    import polars as pl

    from flows.files import read_id_table
    from flows.pipeline import PlainRunner, run_pipeline
    from matching.evaluate import evaluate
    from rules.config import load_config

    with tempfile.TemporaryDirectory(prefix=f"golden-bench-{case}-") as tmp:
        workdir = Path(tmp)
        config_path, truth_path = _prepare(case, workdir)
        config = load_config(config_path)
        started = time.perf_counter()
        result = run_pipeline(config, PlainRunner())
        wall = time.perf_counter() - started
        crosswalk = pl.read_parquet(result.folder / "crosswalk.parquet")
        scores = evaluate(read_id_table(truth_path, ("silo", "source_id", "entity_id")), crosswalk)
        summary = result.summary
        return {
            "case": case,
            "rows_read": summary.rows_read,
            "quarantined": summary.quarantined,
            "records": summary.records_in_crosswalk,
            "golden_records": summary.golden_records,
            "candidate_pairs": result.outputs.matched.pairs.height,
            "wall_seconds": round(wall, 2),
            "stage_seconds": summary.stage_seconds,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            **{key: value for key, value in scores.to_dict().items() if isinstance(value, float)},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES))
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        sys.stdout.write(json.dumps(run_case(args.one)) + "\n")
        return
    results = []
    for case in args.cases.split(","):
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--one", case],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            sys.stderr.write(f"case {case} failed:\n{completed.stderr[-3000:]}\n")
            continue
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        results.append(result)
        sys.stdout.write(
            f"{case:<12} records {result['records']:>7}  golden {result['golden_records']:>7}  "
            f"pairwise P {result['precision']:.4f} R {result['recall']:.4f} "
            f"F1 {result['f1']:.4f}  B3 F1 {result['bcubed_f1']:.4f}  "
            f"wall {result['wall_seconds']:>6.2f} s  peak {result['peak_rss_mib']:>7.1f} MiB\n"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"results: {args.json}\n")


if __name__ == "__main__":
    main()
