"""The map cache: parsed address lines and names kept for the next run give what parsing gives."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cleaners.address_lines import parse_address_line
from cleaners.distinct_memo import DistinctMemo, load_memo, write_memo
from cleaners.names import split_full_name

# Lines of the plain shape ("Musterstr. 12a, 80331 München") are read in polars and never
# memoized (cleaners.plain_addresses): these go to the parser.
LINES = [
    "Musterstr. 12 a, 80331 München",
    "c/o Müller, Hauptstraße 5, 1010 Wien",
    None,
    "Musterstr. 12 a, 80331 München",
    "Bahnhofstrasse 1 b, 8001 Zürich",
]
# Plain names ("Anna Huber", "Huber, Anna") likewise (cleaners.plain_names).
NAMES = [
    "Herr Dr. Hans Meier",
    "Anna-Lena Schmidt jun.",
    None,
    "Meier, Dr. Hans",
    "Frau Prof. Eva Roth",
]


def _frame(lines: list[str | None], names: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "address_line": lines,
            "country": ["DE", "AT", None, "DE", "CH"][: len(lines)],
            "full_name": names,
        },
        schema={"address_line": pl.String(), "country": pl.String(), "full_name": pl.String()},
    )


def _parsed(frame: pl.DataFrame, memo: DistinctMemo | None) -> pl.DataFrame:
    addresses = parse_address_line(frame, "address_line", phone_country="country", memo=memo)
    return split_full_name(addresses, "full_name", memo)


def _night(tmp_path: Path, frame: pl.DataFrame, folder: Path | None) -> DistinctMemo:
    memo, _ = load_memo(folder)
    _parsed(frame, memo)
    return memo


def test_kept_values_give_what_parsing_gives(tmp_path: Path) -> None:
    first = _frame(LINES, NAMES)
    memo = _night(tmp_path, first, None)
    write_memo(tmp_path / "map_cache", memo)
    changed_lines = [*LINES[:4], "Ringstraße 3 b, 50667 Köln"]
    changed_names = [*NAMES[:4], "Herrn Max Mustermann"]
    second = _frame(changed_lines, changed_names)
    kept, reason = load_memo(tmp_path / "map_cache")
    assert reason == ""
    assert_frame_equal(_parsed(second, kept), _parsed(second, None))
    # Only the new line and the new name are parsed; the rest comes from the memo.
    assert kept.parsed == 2
    assert kept.reused == memo.parsed - 2


def test_the_memo_keeps_only_this_runs_values(tmp_path: Path) -> None:
    memo = _night(tmp_path, _frame(LINES, NAMES), None)
    write_memo(tmp_path / "one", memo)
    kept, _ = load_memo(tmp_path / "one")
    _parsed(_frame(LINES[:2], NAMES[:2]), kept)
    write_memo(tmp_path / "two", kept)
    again, _ = load_memo(tmp_path / "two")
    assert again.previous["parse_full_name"].height == 2
    assert again.previous["parse_address_text"].height == 2


def test_plain_lines_and_names_are_not_memoized() -> None:
    memo = DistinctMemo()
    frame = _frame(["Musterstr. 12a, 80331 München", LINES[1]], ["Anna Huber", NAMES[1]])
    assert_frame_equal(_parsed(frame, memo), _parsed(frame, None))
    assert memo.current["parse_address_text"]["in_0"].to_list() == [LINES[1]]
    assert memo.current["parse_full_name"]["in_0"].to_list() == [NAMES[1]]


@pytest.mark.parametrize(
    "case",
    [
        {"description": "no manifest", "damage": "manifest", "reason": "manifest.json missing"},
        {"description": "other code", "damage": "key", "reason": "other cleaners code"},
        {"description": "cut file", "damage": "rows", "reason": "unreadable"},
    ],
    ids=lambda case: case["description"],
)
def test_an_unusable_memo_means_every_value_is_parsed(tmp_path: Path, case: dict[str, str]) -> None:
    description, damage, reason = case["description"], case["damage"], case["reason"]
    folder = tmp_path / "map_cache"
    write_memo(folder, _night(tmp_path, _frame(LINES, NAMES), None))
    manifest = folder / "manifest.json"
    if damage == "manifest":
        manifest.unlink()
    elif damage == "key":
        data = json.loads(manifest.read_text("utf-8"))
        manifest.write_text(json.dumps({**data, "key": "other"}), "utf-8")
    else:
        path = folder / "parse_full_name.parquet"
        path.write_bytes(path.read_bytes()[:20])
    memo, why = load_memo(folder)
    assert reason in why, description
    frame = _frame(LINES, NAMES)
    assert_frame_equal(_parsed(frame, memo), _parsed(frame, None))
    assert memo.reused == 0


def test_only_memoized_parsers_are_kept() -> None:
    def upper(value: str) -> tuple[str]:
        return (value.upper(),)

    frame = pl.DataFrame({"value": ["a"]})
    with pytest.raises(ValueError, match="not a memoized parser"):
        DistinctMemo().results(frame, upper, {"upper": pl.String()})
