"""Scale benchmark: the nightly flow on a large generated demo (default 100,000 persons).

A mid-sized company's silos hold a few hundred thousand customer rows. The demo generator at
100,000 persons writes about 176,000 rows over its four silos (duplicates included), which
block into about 6 million candidate pairs. This runs the whole pipeline on them once (DQ
checks, full match with EM, clustering, golden records, reports, publish) and prints the wall
time per stage and the peak memory (max RSS) of the process. Results go to
``benchmarks/results/scale.json``.

Usage: python -m benchmarks.scale [--persons N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from flows.demo import write_demo
    from flows.pipeline import PlainRunner, run_pipeline
    from rules.config import load_config

    with tempfile.TemporaryDirectory(prefix="golden-scale-") as tmp:
        workdir = Path(tmp)
        clock = time.perf_counter()
        write_demo(workdir, persons=args.persons, seed=args.seed)
        generated = time.perf_counter() - clock
        clock = time.perf_counter()
        result = run_pipeline(load_config(workdir / "golden.toml"), PlainRunner(), full=True)
        wall = time.perf_counter() - clock
    summary = result.summary
    outcome = {
        "persons": args.persons,
        "rows_read": summary.rows_read,
        "records": summary.records_in_crosswalk,
        "golden_records": summary.golden_records,
        "candidate_pairs": result.outputs.matched.pairs.height,
        "generate_seconds": round(generated, 1),
        "wall_seconds": round(wall, 1),
        "stage_seconds": summary.stage_seconds,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"scale demo-{args.persons}: {outcome['records']:,} records, "
        f"{outcome['candidate_pairs']:,} candidate pairs, {outcome['golden_records']:,} golden "
        f"records",
        f"  nightly flow {outcome['wall_seconds']} s wall, peak {outcome['peak_rss_mib']:,} MiB "
        f"(generating the data: {outcome['generate_seconds']} s)",
        *(f"  {stage:<18} {seconds:7.1f} s" for stage, seconds in summary.stage_seconds.items()),
        f"results: {RESULTS / 'scale.json'}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
