"""Publishing is atomic: `latest` switches only to a complete run folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from flows.pipeline import PlainRunner, run_pipeline
from flows.publish import make_caches_private, publish_run
from tests.flows.csv_silos import CsvSilo, csv_project


def _writer(content: str):
    def write(folder: Path) -> None:
        (folder / "golden.csv").write_text(content, encoding="utf-8")
        (folder / "summary.json").write_text("{}", encoding="utf-8")

    return write


def test_publish_creates_run_folder_and_latest(tmp_path: Path) -> None:
    folder = publish_run(tmp_path, "run-1", _writer("first"))
    assert folder == tmp_path / "runs" / "run-1"
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "first"
    publish_run(tmp_path, "run-2", _writer("second"))
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "second"
    assert (tmp_path / "runs" / "run-1" / "golden.csv").read_text(encoding="utf-8") == "first"


def test_failure_while_writing_leaves_latest_untouched(tmp_path: Path) -> None:
    publish_run(tmp_path, "run-1", _writer("good"))

    def broken(folder: Path) -> None:
        (folder / "golden.csv").write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        publish_run(tmp_path, "run-2", broken)
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "good"
    assert not (tmp_path / "runs" / "run-2").exists()
    assert not list((tmp_path / "runs").glob(".*.partial"))


def test_leftover_of_a_killed_run_is_cleaned_and_ignored(tmp_path: Path) -> None:
    publish_run(tmp_path, "run-1", _writer("good"))
    killed = tmp_path / "runs" / ".run-2.partial"  # what a kill -9 during writing leaves
    killed.mkdir()
    (killed / "golden.csv").write_text("half", encoding="utf-8")
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "good"
    publish_run(tmp_path, "run-3", _writer("third"))
    assert not killed.exists()
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "third"


def test_hand_made_latest_folder_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "old.txt").write_text("x", encoding="utf-8")
    publish_run(tmp_path, "run-1", _writer("new"))
    assert (tmp_path / "latest").is_symlink()
    assert (tmp_path / "latest" / "golden.csv").read_text(encoding="utf-8") == "new"


def test_caches_are_owner_only_when_the_outputs_are_not(tmp_path: Path) -> None:
    """[privacy] private_files = false serves reports; the map and clean caches (names and
    address lines as the silos spell them) stay readable by the owner alone."""
    run = tmp_path / "run"
    for cache in ("map_cache", "clean_cache", "match_cache"):
        (run / cache).mkdir(parents=True)
        (run / cache / "x.parquet").write_bytes(b"")
        (run / cache / "x.parquet").chmod(0o644)
        (run / cache).chmod(0o755)
    (run / "golden.csv").write_text("", encoding="utf-8")
    (run / "golden.csv").chmod(0o644)

    make_caches_private(run)

    for cache in ("map_cache", "clean_cache", "match_cache"):
        assert stat.S_IMODE((run / cache).stat().st_mode) == 0o700, cache
        assert stat.S_IMODE((run / cache / "x.parquet").stat().st_mode) == 0o600, cache
    assert stat.S_IMODE((run / "golden.csv").stat().st_mode) == 0o644


def test_a_run_with_shared_outputs_keeps_its_caches_private(tmp_path: Path) -> None:
    """The pipeline applies it: golden.csv keeps the umask's mode, map_cache/ is owner-only."""
    silo = CsvSilo(
        "id,name,street\n1,Anna Huber,Werkstraße 3\n2,Anna Huber,Werkstr. 3\n",
        {"source_id": "id", "full_name": "name", "street_line": "street"},
    )
    config = csv_project(
        tmp_path, "shared outputs", {"crm": silo}, privacy={"private_files": False}
    )

    umask = os.umask(0o022)  # the modes a web server's shared folder would get
    try:
        folder = run_pipeline(config, PlainRunner()).folder
    finally:
        os.umask(umask)

    for cache in ("map_cache", "golden_cache"):  # values in clear: never shared
        assert (folder / cache).is_dir()
        assert stat.S_IMODE((folder / cache).stat().st_mode) == 0o700
        for path in (folder / cache).iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((folder / "golden.csv").stat().st_mode) & 0o044  # readable by others
