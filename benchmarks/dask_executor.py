"""The nightly flow in one process and on a two-worker Dask LocalCluster: wall time, memory, and
whether the outputs are byte-identical.

Two cases (issue 18, point 5):

- ``demo-N``: the 4-silo DACH demo at ``--persons`` persons (default 2,000);
- ``records-N``: ``--records`` generated person records (benchmarks/fake_persons.py, default
  100,000) as one CSV silo, matched with the settings `golden dedupe` uses (no incremental
  cache, DQ checks off).

Each runs `golden run` in a child process twice: ``[project] executor = "local"`` (plain calls,
no Prefect server) and ``executor = "dask"`` (the Prefect flow on prefect-dask's DaskTaskRunner
with a LocalCluster of ``dask_workers = 2`` processes; the wall time includes starting the
temporary Prefect server and the cluster). Partition sizes are the defaults. Memory: the peak
RSS of the `golden` process (``os.wait4``) and the peak of the RSS summed over it and all its
descendants (the Dask scheduler, nannies and workers; sampled every 0.2 s with psutil).
Results go to ``benchmarks/results/dask_executor.json``.

Usage: python -m benchmarks.dask_executor [--persons N] [--records N] [--skip-demo] [--skip-records]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.scale import GOLDEN, RESULTS, ROOT, VOCABULARY

#: Published files that carry the run's id, clock times or durations (see
#: tests/flows/test_dask_executor.py): not compared.
VOLATILE = {
    "summary.json",
    "dq_summary.json",
    "match_cache/manifest.json",
    "dq_report.html",
    "review.html",
}

RECORDS_TOML = """[project]
name = "scale-records"
output_dir = "out"

[matching]
incremental = false

[dq]
run_checks = false
fail_if_silo_empty = false
max_quarantine_percent = 100
max_invalid_percent = 100
max_invalid_records_percent = 100

[silos.file]
connector = "csv"
path = "input.csv"

[silos.file.mapping]
source_id = "unique_id"
first_name = "first_name"
last_name = "surname"
birth_date = "dob"
city = "city"
emails = ["email"]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-records", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="golden-dask-") as tmp:
        work = args.keep or Path(tmp)
        if not args.skip_demo:
            demo = work / "demo"
            _write_demo(demo, args.persons, args.seed)
            results[f"demo-{args.persons}"] = compare_executors(demo)
        if not args.skip_records:
            records = work / "records"
            _write_records(records, args.records, args.seed)
            results[f"records-{args.records}"] = compare_executors(records)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "dask_executor.json"
    earlier = json.loads(target.read_text("utf-8")) if target.is_file() else {}
    target.write_text(json.dumps({**earlier, **results}, indent=2) + "\n", encoding="utf-8")
    lines = []
    for case, outcome in results.items():
        lines.append(
            f"dask executor {case}: outputs byte-identical: {outcome['identical']}"
            + (
                f" (differ: {', '.join(outcome['differing_files'])})"
                if not outcome["identical"]
                else ""
            )
        )
        for executor in ("local", "dask"):
            run = outcome[executor]
            lines.append(
                f"  {executor:<5} {run['wall_seconds']:7.1f} s wall, peak {run['peak_rss_mib']:,}"
                f" MiB (golden process), {run['tree_peak_rss_mib']:,} MiB (with its workers); "
                f"clean {run['stage_seconds'].get('clean', 0):.1f} s, "
                f"match {run['stage_seconds'].get('match', 0):.1f} s"
            )
    lines.append(f"results: {target}")
    sys.stdout.write("\n".join(lines) + "\n")


def _write_demo(folder: Path, persons: int, seed: int) -> None:
    from flows.demo import write_demo

    write_demo(folder, persons=persons, seed=seed)


def _write_records(folder: Path, records: int, seed: int) -> None:
    import polars as pl

    from benchmarks.fake_persons import generate

    if not VOCABULARY.is_file():
        raise SystemExit(f"dask_executor: vocabulary not found: {VOCABULARY}")
    folder.mkdir(parents=True)
    persons = generate(records, pl.read_csv(VOCABULARY, infer_schema=False), seed)
    persons.drop("cluster").write_csv(folder / "input.csv")
    (folder / "golden.toml").write_text(RECORDS_TOML, encoding="utf-8")


def compare_executors(source: Path) -> dict[str, object]:
    """Run `golden run` on copies of ``source`` with each executor; compare the outputs."""
    import shutil

    runs, folders = {}, {}
    for executor in ("local", "dask"):
        project = source.parent / f"{source.name}-{executor}"
        shutil.copytree(source, project)
        toml = project / "golden.toml"
        text = toml.read_text("utf-8")
        toml.write_text(
            text.replace("[project]\n", f'[project]\nexecutor = "{executor}"\n', 1), "utf-8"
        )
        runs[executor] = _measured_run(toml)
        folders[executor] = project / "out" / "latest"
    differing = _differing(folders["local"], folders["dask"])
    return {**runs, "identical": not differing, "differing_files": differing}


def _measured_run(toml: Path) -> dict[str, object]:
    """`golden run` in a child: wall, its peak RSS, the peak RSS of it and its descendants."""
    # No Prefect server of the machine: the dask run starts its own temporary one, in a home
    # of its own; telemetry off.
    environment = {
        **{key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"},
        "PREFECT_HOME": str(toml.parent / ".prefect"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "COLUMNS": "150",
    }
    log = toml.parent / "run.log"
    clock = time.perf_counter()
    with log.open("w", encoding="utf-8") as output:
        child = subprocess.Popen(
            [str(GOLDEN), "run", "--config", str(toml)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        tree_peak = _sample_tree(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - clock
    if child.returncode != 0:
        raise SystemExit(f"golden run failed ({toml}):\n{log.read_text('utf-8')[-3000:]}")
    summary = json.loads((toml.parent / "out" / "latest" / "summary.json").read_text("utf-8"))
    return {
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "tree_peak_rss_mib": round(tree_peak.wait() / 2**20),
        "stage_seconds": summary["stage_seconds"],
        "records": summary["records_in_crosswalk"],
        "golden_records": summary["golden_records"],
    }


class _TreePeak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
            while root.status() != psutil.STATUS_ZOMBIE:
                total = 0
                for process in [root, *root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
                time.sleep(0.2)
        except psutil.Error:
            return

    def wait(self) -> int:
        self.join()
        return self.peak


def _sample_tree(pid: int) -> _TreePeak:
    sampler = _TreePeak(pid)
    sampler.start()
    return sampler


def _differing(local: Path, dask: Path) -> list[str]:
    """Files whose bytes differ (VOLATILE left out), or that only one run wrote."""
    names = {str(p.relative_to(local)) for p in local.rglob("*") if p.is_file()}
    others = {str(p.relative_to(dask)) for p in dask.rglob("*") if p.is_file()}
    return sorted(
        name
        for name in names | others
        if name not in VOLATILE
        and (
            name not in names & others or (local / name).read_bytes() != (dask / name).read_bytes()
        )
    )


if __name__ == "__main__":
    main()
