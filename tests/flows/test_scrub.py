"""Scrubbing published files: the erased person's rows go, everybody else's stay, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from flows.scrub import Person, apply_scrub, discard_scrub, plan_scrub
from reports.csv_safe import write_csv

PERSON = Person(
    golden_ids=frozenset({"G00000000AAAA"}),
    records=frozenset({("crm", "1"), ("shop", "S9")}),
    needles=frozenset({"max@muster.de", "+4930123456", "zyx"}),
)


def _folder(root: Path) -> Path:
    root.mkdir(parents=True)
    write_csv(
        pl.DataFrame(
            {
                "golden_id": ["G00000000AAAA", "G00000000BBBB"],
                "last_name": ["Zyx", "Roth"],
                "phones": [["+4930123456"], ["+4930999999"]],
            }
        ),
        root / "golden.csv",
    )
    write_csv(
        pl.DataFrame(
            {
                "left_silo": ["crm", "crm"],
                "left_source_id": ["2", "3"],
                "right_silo": ["shop", "crm"],
                "right_source_id": ["S9", "4"],
            }
        ),
        root / "review_queue.csv",
        delimiter=";",
    )
    pl.DataFrame({"record_key": ["crm:1", "crm:2"], "value": ["a", "b"]}).write_parquet(
        root / "pairs.parquet"
    )
    (root / "dq_report.html").write_text("<td>max@muster.de</td>", "utf-8")
    (root / "summary.json").write_text('{"golden_records": 2}', "utf-8")
    cache = root / "match_cache"
    cache.mkdir()
    pl.DataFrame({"record_key": ["crm:1", "crm:2"]}).write_parquet(cache / "records.parquet")
    (cache / "manifest.json").write_text(json.dumps({"rows": {"records": 2}}), "utf-8")
    return root


def test_rows_of_the_person_are_removed_and_the_rest_kept(tmp_path: Path) -> None:
    latest = _folder(tmp_path / "runs" / "r2")
    older = _folder(tmp_path / "runs" / "r1")
    summary_before = (latest / "summary.json").read_bytes()
    plan = plan_scrub([latest], PERSON, "E1", delete_folders=[older])
    # nothing published changed before apply
    assert "Zyx" in (latest / "golden.csv").read_text("utf-8-sig")
    apply_scrub(plan)
    golden = (latest / "golden.csv").read_text("utf-8-sig")
    assert "Zyx" not in golden and "G00000000BBBB" in golden and ",+4930999999\n" in golden
    assert (latest / "golden.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM kept
    queue = pl.read_csv(latest / "review_queue.csv", separator=";", infer_schema=False)
    assert queue.rows() == [("crm", "3", "crm", "4")]  # the pair with shop:S9 is gone
    assert pl.read_parquet(latest / "pairs.parquet")["record_key"].to_list() == ["crm:2"]
    report = (latest / "dq_report.html").read_text("utf-8")
    assert "max@muster.de" not in report and "E1" in report
    assert (latest / "summary.json").read_bytes() == summary_before  # untouched
    assert pl.read_parquet(latest / "match_cache" / "records.parquet")["record_key"].to_list() == [
        "crm:2"
    ]
    manifest = json.loads((latest / "match_cache" / "manifest.json").read_text("utf-8"))
    assert manifest["rows"] == {"records": 1}
    assert not older.exists()
    assert not list(latest.rglob("*.scrub"))


def test_a_discarded_plan_leaves_everything_as_it_was(tmp_path: Path) -> None:
    latest = _folder(tmp_path / "runs" / "r2")
    before = {path: path.read_bytes() for path in latest.rglob("*") if path.is_file()}
    discard_scrub(plan_scrub([latest], PERSON, "E1"))
    after = {path: path.read_bytes() for path in latest.rglob("*") if path.is_file()}
    assert after == before


def test_the_clean_map_and_dq_caches_are_deleted_whole(tmp_path: Path) -> None:
    """They hold the person's cleaned values (clean cache), parsed address lines and names (map
    cache), golden records and lineage (golden cache) or fingerprints of them (DQ cache): all
    go; the next run cleans, parses, checks and survives every row again."""
    latest = _folder(tmp_path / "runs" / "r2")
    for name in ("clean_cache", "dq_cache", "map_cache", "golden_cache", "csv_cache"):
        (latest / name).mkdir()
        pl.DataFrame({"fingerprint_1": [1, 2]}).write_parquet(latest / name / "x.parquet")
        (latest / name / "manifest.json").write_text("{}", "utf-8")
    plan = plan_scrub([latest], PERSON, "E1")
    assert plan.changes[str(latest / "dq_cache")] == -1
    apply_scrub(plan)
    assert not (latest / "clean_cache").exists() and not (latest / "dq_cache").exists()
    assert not (latest / "map_cache").exists()
    assert not (latest / "golden_cache").exists()  # golden records and lineage: values
    assert not (latest / "csv_cache").exists()  # offsets of the files the scrub rewrites
    assert (latest / "match_cache" / "manifest.json").is_file()  # kept, without the person
