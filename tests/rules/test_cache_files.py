"""The cache files the three caches share: each problem raises the caller's own exception type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cleaners.incremental import CleanCacheUnusable
from matching.incremental import CacheUnusable
from reports.dq_reuse import DQCacheUnusable
from rules.cache_files import read_frame, read_manifest, row_counts, write_manifest

SCHEMA = {"record_key": pl.String()}

MANIFESTS: list[dict[str, Any]] = [
    {"description": "no manifest", "text": None, "reason": "manifest.json missing"},
    {"description": "not JSON", "text": "{half", "reason": "manifest.json unreadable"},
    {"description": "another format", "text": '{"format": 9}', "reason": "format 9, expected 1"},
    {"description": "not an object", "text": "[1]", "reason": "format None"},
]


@pytest.mark.parametrize("unusable", [CleanCacheUnusable, DQCacheUnusable, CacheUnusable])
@pytest.mark.parametrize("case", MANIFESTS, ids=lambda case: case["description"])
def test_a_bad_manifest_raises_the_callers_exception(
    case: dict[str, Any], unusable: type[Exception], tmp_path: Path
) -> None:
    if case["text"] is not None:
        (tmp_path / "manifest.json").write_text(case["text"], "utf-8")
    with pytest.raises(unusable, match=case["reason"]):
        read_manifest(tmp_path, 1, unusable)


def test_a_written_manifest_reads_back(tmp_path: Path) -> None:
    write_manifest(tmp_path, {"format": 1, "rows": {"records": 2}})
    manifest = read_manifest(tmp_path, 1, CacheUnusable)
    assert row_counts(manifest, ["records"], CacheUnusable) == {"records": 2}
    with pytest.raises(CleanCacheUnusable, match="'rows' missing or damaged"):
        row_counts(manifest, ["records", "findings"], CleanCacheUnusable)


@pytest.mark.parametrize("unusable", [CleanCacheUnusable, DQCacheUnusable, CacheUnusable])
def test_frames_must_match_the_manifest(unusable: type[Exception], tmp_path: Path) -> None:
    path = tmp_path / "records.parquet"
    pl.DataFrame({"record_key": ["crm:1", "crm:2"]}).write_parquet(path)
    assert read_frame(path, 2, SCHEMA, unusable).height == 2
    with pytest.raises(unusable, match="holds 2 rows, the manifest says 3"):
        read_frame(path, 3, SCHEMA, unusable)
    with pytest.raises(unusable, match="other columns"):
        read_frame(path, 2, {"record_key": pl.Int64()}, unusable)
    path.write_bytes(b"PAR1 broken")
    with pytest.raises(unusable, match="records.parquet unreadable"):
        read_frame(path, 2, None, unusable)
