"""A nightly run killed midway (SIGKILL) leaves the state store and the caches sound.

The run is a real `golden run` process that kills itself with SIGKILL at a chosen point (in the
match stage, halfway through writing the match cache, after its block keys (keys.parquet) or
before its manifest (after the organisations' domain owners), the clean, map, DQ, cluster,
golden or CSV cache, after publishing but before the state store recorded the run), so the
point is exact rather than a race against a timer. Then the next run must complete, clean and
match incrementally from complete caches, and give the same crosswalk and golden records as a
run on the same data that was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from benchmarks.incremental import change_erp
from cleaners.distinct_memo import CACHE_FOLDER as MAP_CACHE_FOLDER
from cleaners.incremental import CACHE_FOLDER as CLEAN_CACHE_FOLDER
from flows.cli import app
from flows.demo import write_demo
from matching.cluster_reuse import CACHE_FOLDER as CLUSTER_CACHE_FOLDER
from matching.golden_reuse import CACHE_FOLDER as GOLDEN_CACHE_FOLDER
from matching.incremental import CACHE_FOLDER
from reports.csv_reuse import CACHE_FOLDER as CSV_CACHE_FOLDER
from reports.dq_reuse import CACHE_FOLDER as DQ_CACHE_FOLDER
from rules.versions import source_digest

runner = CliRunner()

#: The code this process imported (at collection, with the modules above). The killed run is a
#: child process that imports the code on disk when it starts: after a checkout or merge in the
#: working tree during the test session it runs other code (new default hard rules, say), and
#: its caches rightly read as made with other [matching] settings here. Seen once as a flaky
#: "[matching] settings changed since the last run" on the `published` point, the only one
#: whose next night reads a cache the child wrote. The caches also carry digests of the code
#: on disk when they were written: an edit between two runs of one test makes the next night
#: a full one, as it should.
_LOADED_CODE = {
    package: source_digest(package)
    for package in ("cleaners", "flows", "matching", "reports", "rules")
}

#: Python run in the child: patch one function so the process SIGKILLs itself there, then run.
_CHILD = """
import os, signal, sys
import flows.outputs, flows.pipeline, flows.stages

point, config = sys.argv[1], sys.argv[2]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "match":
    original_match = flows.stages.match
    def match(*args):
        original_match(*args)
        die()
    flows.stages.match = match
elif point == "cache":
    def write_match_cache(folder, cache, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        cache.fingerprints.write_parquet(folder / "records.parquet")
        die()  # compared.parquet, oversized.parquet and the manifest never written
    flows.outputs.write_match_cache = write_match_cache
elif point == "keys":
    import matching.incremental
    write_keys = matching.incremental.write_keys
    def write_keys_and_die(path, keys, rule_names):
        write_keys(path, keys, rule_names)
        die()  # keys.parquet written, owners.parquet and the manifest not
    matching.incremental.write_keys = write_keys_and_die
elif point == "owners":
    import matching.incremental
    def write_manifest(folder, manifest):
        assert (folder / "owners.parquet").is_file()
        die()  # the match cache written (owners.parquet too), its manifest not
    matching.incremental.write_manifest = write_manifest
elif point == "clean_cache":
    def write_clean_cache(folder, cache, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        cache.rows.write_parquet(folder / "rows.parquet")
        die()  # records.parquet, findings.parquet and the manifest never written
    flows.outputs.write_clean_cache = write_clean_cache
elif point == "dq_cache":
    def write_dq_cache(folder, reuse, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        key, verdicts = next(iter(reuse.current.items()))
        verdicts.frame.write_parquet(folder / f"{key}.parquet")
        die()  # the other checks' verdicts and the manifest never written
    flows.outputs.write_dq_cache = write_dq_cache
elif point == "cluster_cache":
    def write_cluster_cache(folder, cache, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        cache.clusters.write_parquet(folder / "clusters.parquet")
        die()  # the pairs' hashes, the links, the refused merges and the manifest never written
    flows.outputs.write_cluster_cache = write_cluster_cache
elif point == "golden_cache":
    def write_golden_cache(folder, cache, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        cache.digests.write_parquet(folder / "digests.parquet")
        die()  # the golden records, their lineage and the manifest never written
    flows.outputs.write_golden_cache = write_golden_cache
elif point == "map_cache":
    def write_memo(folder, memo, run_id=""):
        folder.mkdir(parents=True, exist_ok=True)
        name, frame = sorted(memo.current.items())[0]
        frame.write_parquet(folder / f"{name}.parquet")
        die()  # the other parsers' values and the manifest never written
    flows.outputs.write_memo = write_memo
elif point == "csv_cache":
    import reports.csv_reuse
    def _write_index(cache, path, groups, key):
        cache.mkdir(parents=True, exist_ok=True)
        groups.write_parquet(cache / f"{path.name}.parquet")
        die()  # its manifest and the other files' indexes never written
    reports.csv_reuse._write_index = _write_index
elif point == "published":
    def prune_match_caches(output_dir, keep):
        die()  # latest already switched, the state store not yet told
    flows.pipeline.prune_match_caches = prune_match_caches

from flows.cli import app
app(["run", "--config", config])
"""


@pytest.fixture(autouse=True)
def _no_prefect_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def _run(config: Path) -> None:
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output


def _statuses(directory: Path) -> list[str]:
    with sqlite3.connect(directory / "out" / "state.db") as connection:
        rows = connection.execute("SELECT status FROM golden_runs ORDER BY started_at").fetchall()
    return [status for (status,) in rows]


def _errors(directory: Path) -> list[str]:
    with sqlite3.connect(directory / "out" / "state.db") as connection:
        rows = connection.execute("SELECT error FROM golden_runs ORDER BY started_at").fetchall()
    return [error or "" for (error,) in rows]


def _published(directory: Path) -> pl.DataFrame:
    latest = directory / "out" / "latest"
    return pl.read_parquet(latest / "crosswalk.parquet").sort("silo", "source_id")


def _matching(directory: Path, part: str = "matching") -> dict[str, object]:
    summary = json.loads((directory / "out" / "latest" / "summary.json").read_text("utf-8"))
    return summary[part]


@pytest.mark.parametrize(
    "point",
    [
        "match",
        "cache",
        "keys",
        "owners",
        "clean_cache",
        "map_cache",
        "dq_cache",
        "cluster_cache",
        "golden_cache",
        "csv_cache",
        "published",
    ],
)
def test_a_killed_run_leaves_state_and_cache_sound(tmp_path: Path, point: str) -> None:
    try:
        _kill_and_compare(tmp_path, point)
    except AssertionError:
        changed = [name for name, digest in _LOADED_CODE.items() if source_digest(name) != digest]
        if changed:  # the runs compared ran different code: nothing to conclude
            pytest.skip(
                f"the code of {', '.join(changed)} changed on disk during the test session (a "
                "checkout, merge or edit): the runs compared ran different code"
            )
        raise


def _kill_and_compare(tmp_path: Path, point: str) -> None:
    """Kill a run at ``point``, run the next night, compare with a night never interrupted."""
    killed, calm = tmp_path / "killed", tmp_path / "calm"
    write_demo(killed, persons=300, seed=11)
    _run(killed / "golden.toml")
    first = (killed / "out" / "latest").resolve()
    shutil.copytree(killed, calm, symlinks=True)
    for directory in (killed, calm):
        change_erp(directory, records=600)  # 1 %, at least 4 changes: the same in both copies

    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, point, str(killed / "golden.toml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    latest = (killed / "out" / "latest").resolve()
    if point == "published":
        assert latest != first  # the run's folder was complete and is published
        assert (latest / CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / CACHE_FOLDER / "keys.parquet").is_file()
        assert (latest / CLEAN_CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / DQ_CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / CLUSTER_CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / MAP_CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / GOLDEN_CACHE_FOLDER / "manifest.json").is_file()
        assert (latest / CSV_CACHE_FOLDER / "lineage.csv.json").is_file()
    else:
        assert latest == first  # the last complete run stays published, its caches whole
        assert (first / CACHE_FOLDER / "manifest.json").is_file()
        assert (first / CLEAN_CACHE_FOLDER / "manifest.json").is_file()
        assert (first / DQ_CACHE_FOLDER / "manifest.json").is_file()
        assert (first / CLUSTER_CACHE_FOLDER / "manifest.json").is_file()
        assert (first / MAP_CACHE_FOLDER / "manifest.json").is_file()
        assert (first / GOLDEN_CACHE_FOLDER / "manifest.json").is_file()
        assert (first / CSV_CACHE_FOLDER / "lineage.csv.json").is_file()

    _run(killed / "golden.toml")  # the next night
    _run(calm / "golden.toml")  # the same data, never interrupted
    assert _statuses(killed) == ["completed", "aborted", "completed"]
    error = _errors(killed)[1]
    if point == "published":  # not a plain "aborted": its outputs are the ones in latest/
        assert error.startswith("killed after publishing (outputs in latest/)"), error
    else:
        assert error.startswith("killed or crashed during "), error
    assert not list((killed / "out" / "runs").glob(".*"))  # no half-written folder remains
    again, calm_matching = _matching(killed), _matching(calm)
    assert again["mode"] == calm_matching["mode"] == "incremental", again["reason"]
    if point == "published":  # the killed run's complete cache already holds today's records
        assert again["changed"] == 0 and again["removed"] == 0
    else:  # the cache of the last complete run, not a half-written one
        assert (again["changed"], again["removed"]) == (
            calm_matching["changed"],
            calm_matching["removed"],
        )
        assert again["compared_pairs"] == calm_matching["compared_pairs"]
    assert calm_matching["changed"] > 0  # type: ignore[operator]
    cleaning, calm_cleaning = _matching(killed, "cleaning"), _matching(calm, "cleaning")
    assert cleaning["mode"] == calm_cleaning["mode"] == "incremental", cleaning["reason"]
    if point == "published":
        assert cleaning["cleaned_rows"] == 0
    else:  # the rows cleaned are those changed since the last complete run
        assert cleaning["cleaned_rows"] == calm_cleaning["cleaned_rows"] > 0  # type: ignore[operator]
    checking, calm_checking = _matching(killed, "dq_checking"), _matching(calm, "dq_checking")
    assert checking["reason"] == calm_checking["reason"] == "the last run's DQ cache fits"
    if point == "published":  # only the repeated values of uniqueness checks are asked again
        assert checking["validated"] <= calm_checking["validated"]  # type: ignore[operator]
    else:  # the verdicts of the last complete run, not of a half-written cache
        assert checking == calm_checking
    clustering, calm_clustering = _matching(killed, "clustering"), _matching(calm, "clustering")
    assert clustering["mode"] == calm_clustering["mode"] == "incremental", clustering["reason"]
    if point != "published":  # the clusters of the last complete run, not a half-written cache
        assert clustering == calm_clustering
    mapping, calm_mapping = _matching(killed, "mapping"), _matching(calm, "mapping")
    assert mapping["reused_values"] > 0  # type: ignore[operator]
    if point != "published":  # the values of the last complete run, not a half-written cache
        assert mapping == calm_mapping
    survivorship = _matching(killed, "survivorship")
    calm_survivorship = _matching(calm, "survivorship")
    assert survivorship["mode"] == calm_survivorship["mode"] == "incremental", survivorship
    if point != "published":  # the golden records of the last complete run, not a half cache
        assert survivorship == calm_survivorship
    assert_frame_equal(_published(killed), _published(calm))
    # The large CSV files copied the unchanged rows from the last complete run's files.
    files, calm_files = _matching(killed, "csv_files"), _matching(calm, "csv_files")
    for name in ("dq_failures.csv", "golden.csv", "lineage.csv"):
        how = files[name]
        assert how["reason"] == "the last run's file and index fit", how  # type: ignore[index]
        assert how["reused"] > how["formatted"], how  # type: ignore[index,operator]
    if point != "published":  # the files of the last complete run, not a half-written index
        assert files == calm_files
    for name in ("dq_failures.csv", "golden.csv", "lineage.csv"):
        latest_killed, latest_calm = (d / "out" / "latest" / name for d in (killed, calm))
        assert latest_killed.read_bytes() == latest_calm.read_bytes(), name
    golden = [
        pl.read_parquet(directory / "out" / "latest" / "golden.parquet").sort("golden_id")
        for directory in (killed, calm)
    ]
    assert golden[0]["golden_id"].to_list() == golden[1]["golden_id"].to_list()
