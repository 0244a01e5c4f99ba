"""reports.csv_reuse: a CSV written from the last run's file where its rows did not change is the
same bytes as one written whole; anything the index cannot vouch for is formatted again."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from reports.csv_reuse import CACHE_FOLDER, CsvReuse, CsvWritten, write_csv_reusing
from reports.csv_safe import write_csv


def _lineage(golden_ids: list[str], value: str = "Meier") -> pl.DataFrame:
    """Three rows per golden id, as lineage.csv has (golden id, then field order)."""
    return pl.DataFrame(
        schema_overrides={"phones": pl.List(pl.String())},
        data={
            "golden_id": [g for g in golden_ids for _ in range(3)],
            "field": ["city", "email", "last_name"] * len(golden_ids),
            "value": [
                v
                for g in golden_ids
                for v in (f"Köln {g}", f"{g.lower()}@example.de", f"{value}, {g}")
            ],
            "since": [date(2024, 1, int(g[-1]) + 1) for g in golden_ids for _ in range(3)],
            "phones": [
                ["+4922112345"] if g.endswith("2") else [] for g in golden_ids for _ in range(3)
            ],
            "score": [0.5 + int(g[1:]) / 10 for g in golden_ids for _ in range(3)],
        },
    )


def _night(
    tmp_path: Path, name: str, frame: pl.DataFrame, previous: Path | None
) -> tuple[Path, CsvWritten]:
    """Write ``frame`` as run folder ``name`` (index in its csv_cache) reusing ``previous``."""
    folder = tmp_path / name
    folder.mkdir()
    written = write_csv_reusing(
        frame, folder / "lineage.csv", ["golden_id"], CsvReuse(previous, folder / CACHE_FOLDER)
    )
    return folder, written


def _whole(tmp_path: Path, frame: pl.DataFrame) -> bytes:
    path = tmp_path / "whole.csv"
    write_csv(frame, path)
    return path.read_bytes()


def test_unchanged_groups_are_copied_and_the_file_is_the_same_bytes(tmp_path: Path) -> None:
    first = _lineage(["G1", "G2", "G3", "G4", "G5", "G6"])
    night_1, written_1 = _night(tmp_path, "run1", first, None)
    assert written_1.formatted == first.height and written_1.reused == 0
    assert (night_1 / "lineage.csv").read_bytes() == _whole(tmp_path, first)
    # G2 changes a value, G4 leaves, G45 and G7 are new (one between two kept ones), G6's rows
    # come in another order: only those are formatted, the file is the whole file's bytes.
    changed = pl.concat(
        [
            _lineage(["G1"]),
            _lineage(["G2"], value='Schmidt; "Sohn"'),
            _lineage(["G3", "G45", "G5"]),
            _lineage(["G6"]).reverse(),
            _lineage(["G7"], value="=1+1"),
        ]
    )
    night_2, written_2 = _night(tmp_path, "run2", changed, night_1)
    assert (night_2 / "lineage.csv").read_bytes() == _whole(tmp_path, changed)
    assert written_2.reused == 9, written_2  # G1, G3, G5
    assert written_2.formatted == changed.height - 9
    # The third night reads the second night's index (offsets of a file it assembled).
    third = changed.filter(pl.col("golden_id") != "G1")
    night_3, written_3 = _night(tmp_path, "run3", third, night_2)
    assert (night_3 / "lineage.csv").read_bytes() == _whole(tmp_path, third)
    assert written_3.formatted == 0 and written_3.reused == third.height


def test_a_file_changed_since_its_index_is_not_copied(tmp_path: Path) -> None:
    first = _lineage(["G1", "G2", "G3"])
    night_1, _ = _night(tmp_path, "run1", first, None)
    path = night_1 / "lineage.csv"
    text = path.read_bytes().replace(b"Meier", b"Maier")  # same size: an edit in place
    stat = path.stat()
    path.write_bytes(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    night_2, written = _night(tmp_path, "run2", first, night_1)
    assert written.reused == 0, written
    assert "changed" in written.reason
    assert (night_2 / "lineage.csv").read_bytes() == _whole(tmp_path, first)


@pytest.mark.parametrize("damage", ["no_manifest", "other_columns", "truncated_index"])
def test_an_unusable_index_writes_every_row(tmp_path: Path, damage: str) -> None:
    first = _lineage(["G1", "G2", "G3"])
    night_1, _ = _night(tmp_path, "run1", first, None)
    cache = night_1 / CACHE_FOLDER
    frame = first
    if damage == "no_manifest":  # a run killed between the index and its manifest
        (cache / "lineage.csv.json").unlink()
    elif damage == "other_columns":
        frame = first.with_columns(pl.col("score").cast(pl.Float32))
    else:
        index = pl.read_parquet(cache / "lineage.csv.parquet")
        index.head(1).write_parquet(cache / "lineage.csv.parquet")
    night_2, written = _night(tmp_path, "run2", frame, night_1)
    assert written.reused == 0, written
    assert (night_2 / "lineage.csv").read_bytes() == _whole(tmp_path, frame)


def test_line_breaks_in_cells_and_scattered_keys_are_written_whole(tmp_path: Path) -> None:
    first = _lineage(["G1", "G2"]).with_columns(
        pl.when(pl.col("field") == "city")
        .then(pl.lit("Köln\nNord"))
        .otherwise("value")
        .alias("value")
    )
    night_1, _ = _night(tmp_path, "run1", first, None)
    assert not (night_1 / CACHE_FOLDER / "lineage.csv.json").exists()  # lines are not rows
    assert (night_1 / "lineage.csv").read_bytes() == _whole(tmp_path, first)
    plain = _lineage(["G1", "G2"])
    night_2, _ = _night(tmp_path, "run2", plain, None)
    scattered = pl.concat([plain.head(2), plain.tail(3), plain.slice(2, 1)])  # G1, G2, G1
    night_3, written = _night(tmp_path, "run3", scattered, night_2)
    assert written.reused == 0 and "together" in written.reason
    assert (night_3 / "lineage.csv").read_bytes() == _whole(tmp_path, scattered)


def test_the_index_holds_no_values_or_identifiers(tmp_path: Path) -> None:
    night_1, _ = _night(tmp_path, "run1", _lineage(["G1", "G2"]), None)
    cache = night_1 / CACHE_FOLDER
    index = pl.read_parquet(cache / "lineage.csv.parquet")
    assert all(dtype.is_integer() for dtype in index.dtypes)
    manifest = json.loads((cache / "lineage.csv.json").read_text("utf-8"))
    assert "G1" not in json.dumps(manifest)


def test_an_empty_file_and_the_night_after_it(tmp_path: Path) -> None:
    first = _lineage(["G1", "G2"])
    night_1, _ = _night(tmp_path, "run1", first, None)
    empty = first.clear()
    night_2, written = _night(tmp_path, "run2", empty, night_1)
    assert (written.formatted, written.reused) == (0, 0)
    assert (night_2 / "lineage.csv").read_bytes() == _whole(tmp_path, empty)
    night_3, written = _night(tmp_path, "run3", first, night_2)
    assert written.formatted == first.height
    assert (night_3 / "lineage.csv").read_bytes() == _whole(tmp_path, first)
