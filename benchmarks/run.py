"""Speed, memory and match quality of the whole pipeline, one subprocess per case.

Cases: the demo data set (generated, with ground truth) through the nightly pipeline's stages
as plain calls (no Prefect server start-up), and Splink's public fake_1000 and fake_20000 person
data (../shared/data, true entity in `cluster`, used only to score) through `golden dedupe`.
Each case runs in a fresh process, so the reported peak memory (max RSS) is that case's alone.
If .venv-splink exists (`make bench` makes it), Splink's documented recipe then runs on the
fake_* cases too (benchmarks/splink_baseline.py); its numbers and the ratios are printed and
stored with our result.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_CASES = ("demo-2000", "demo-20000", "fake_1000", "fake_20000")
# Optional comparison: Splink in its own venv (made by `make bench`), run on the fake_* cases.
SPLINK_PYTHON = ROOT / ".venv-splink" / "bin" / "python"


def run_case(case: str) -> dict[str, object]:
    """Run one case in this process and return its measurements.

    Demo cases run the nightly pipeline (four silos); Splink's files run `golden dedupe`, the
    one-shot command a CRM admin uses, with roles inferred from the headers and defaults only
    (no --country, hard rules on): the defaults must hold on data they were not made for.
    """
    import polars as pl

    from flows.files import read_id_table
    from matching.evaluate import evaluate

    with tempfile.TemporaryDirectory(prefix=f"golden-bench-{case}-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        imports = 0.0
        if case.startswith("demo-"):
            from flows.demo import write_demo
            from flows.pipeline import PlainRunner, run_pipeline
            from rules.config import load_config

            write_demo(workdir, persons=int(case.split("-", 1)[1]), seed=42)
            started = time.perf_counter()
            config = load_config(workdir / "golden.toml")
            # Every scored pair, for blocking recall below (clusters do not depend on it).
            project = config.project.model_copy(update={"write_all_pairs": True})
            result = run_pipeline(config.model_copy(update={"project": project}), PlainRunner())
            folder = result.folder
            truth = read_id_table(workdir / "truth.csv", ("silo", "source_id", "entity_id"))
        else:
            from flows.dedupe import SILO, dedupe_file

            # The clock starts after the imports, as for the demo cases and for Splink's run
            # (splink_baseline imports Splink before its clock starts); they are reported apart.
            imports = time.perf_counter() - started
            started = time.perf_counter()
            source = SHARED / f"splink_{case}.csv"
            if not source.is_file():
                raise SystemExit(f"benchmark data not found: {source}")
            result = dedupe_file(source, "unique_id", workdir / "out", all_pairs=True).result
            folder = workdir / "out"
            truth = pl.read_csv(source, infer_schema=False).select(
                pl.lit(SILO).alias("silo"),
                pl.col("unique_id").alias("source_id"),
                pl.col("cluster").alias("entity_id"),
            )
        wall = time.perf_counter() - started
        crosswalk = pl.read_parquet(folder / "crosswalk.parquet")
        scores = evaluate(truth, crosswalk)
        summary = result.summary
        pairs = result.outputs.matched.pairs
        return {
            "blocking_recall": round(_blocking_recall(truth, pairs), 4),
            "connected_components_f1": round(_components_f1(truth, pairs), 4),
            "case": case,
            "rows_read": summary.rows_read,
            "quarantined": summary.quarantined,
            "records": summary.records_in_crosswalk,
            "golden_records": summary.golden_records,
            "candidate_pairs": _candidate_pairs(result.outputs.matched),
            "pairs_per_rule": result.outputs.matched.blocking.pairs_per_rule,
            "wall_seconds": round(wall, 2),
            "import_seconds": round(imports, 2),
            "stage_seconds": summary.stage_seconds,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            **{key: value for key, value in scores.to_dict().items() if isinstance(value, float)},
        }


def _candidate_pairs(matched: Any) -> int:
    """Candidate pairs of the run (matched.pairs holds only the kept ones by default)."""
    return int(matched.report.candidate_pairs) if matched.report else matched.pairs.height


def _true_pairs(truth: Any) -> Any:
    import polars as pl

    from rules.canonical import record_key

    keyed = truth.select(
        record_key(pl.col("silo"), pl.col("source_id")).alias("key"), pl.col("entity_id")
    )
    return (
        keyed.join(keyed, on="entity_id", suffix="_r")
        .filter(pl.col("key") < pl.col("key_r"))
        .select(pl.col("key").alias("left_key"), pl.col("key_r").alias("right_key"))
    )


def _blocking_recall(truth: Any, pairs: Any) -> float:
    """Share of the true duplicate pairs that blocking offered for comparison at all."""
    true_pairs = _true_pairs(truth)
    found = true_pairs.join(pairs.select("left_key", "right_key"), on=["left_key", "right_key"])
    return found.height / max(true_pairs.height, 1)


def _components_f1(truth: Any, pairs: Any) -> float:
    """Pairwise F1 had the same accepted pairs been clustered by plain connected components."""
    import polars as pl

    from matching.clustering import connected_components
    from matching.evaluate import evaluate
    from rules.canonical import split_record_key
    from rules.config import MatchingConfig

    threshold = MatchingConfig().match_threshold  # every case runs with the default
    records = pl.concat([pairs["left_key"], pairs["right_key"]]).unique()
    accepted = pairs.filter(pl.col("probability") >= threshold)
    components = connected_components(records, accepted)
    silo, source_id = split_record_key(pl.col("record_key"))
    crosswalk = components.select(
        silo.alias("silo"),
        source_id.alias("source_id"),
        pl.col("cluster_key").alias("golden_id"),
    )
    return evaluate(truth, crosswalk).f1


def splink_json(arguments: list[str], name: str) -> dict[str, Any] | None:
    """Run benchmarks/splink_baseline.py in .venv-splink; its JSON result line, or None."""
    completed = subprocess.run(
        [str(SPLINK_PYTHON), "benchmarks/splink_baseline.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(f"splink {name} failed:\n{completed.stderr[-3000:]}\n")
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_splink(case: str) -> dict[str, Any] | None:
    """Splink's documented recipe on a fake_* case (benchmarks/splink_baseline.py), or None."""
    return splink_json([str(SHARED / f"splink_{case}.csv")], case)


def compare_with_splink(results: list[dict[str, Any]]) -> None:
    """Add Splink's numbers and the ratios to each fake_* result and print them."""
    fakes = [result for result in results if str(result["case"]).startswith("fake_")]
    if fakes and not SPLINK_PYTHON.is_file():
        sys.stdout.write(
            "splink comparison skipped: no .venv-splink (`make bench` creates it, or "
            "python3 -m venv .venv-splink && .venv-splink/bin/pip install splink polars)\n"
        )
        return
    for result in fakes:
        splink = run_splink(str(result["case"]))
        if splink is None:
            continue
        f1, wall = splink["f1"], splink["wall_seconds"]
        result["splink"] = splink
        result["f1_vs_splink"] = round(result["f1"] / f1, 3) if f1 else None
        result["splink_wall_vs_ours"] = round(wall / max(result["wall_seconds"], 0.01), 2)
        sys.stdout.write(
            f"{result['case']:<12} splink ({splink['recipe']} recipe, p >= {splink['threshold']})  "
            f"pairwise P {splink['precision']:.4f} R {splink['recall']:.4f} F1 {f1:.4f}  "
            f"wall {wall:>6.2f} s  peak {splink['peak_rss_mib']:>7.1f} MiB\n"
            f"{'':<12} ours/splink F1 {result['f1']:.4f}/{f1:.4f} = {result['f1_vs_splink']}  "
            f"splink/ours wall {wall:.2f}/{result['wall_seconds']:.2f} s = "
            f"{result['splink_wall_vs_ours']}x\n"
        )


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
            f"F1 {result['f1']:.4f} (components {result['connected_components_f1']:.4f})  "
            f"B3 F1 {result['bcubed_f1']:.4f}  blocking recall {result['blocking_recall']:.3f}  "
            f"wall {result['wall_seconds']:>6.2f} s"
            + (f" (+{result['import_seconds']:.2f} s imports)" if result["import_seconds"] else "")
            + f"  peak {result['peak_rss_mib']:>7.1f} MiB\n"
        )
    compare_with_splink(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"results: {args.json}\n")


if __name__ == "__main__":
    main()
