"""flows.faults: one line per fault of the machine, naming the path, never a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.faults import describe_fault, without_password


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(OSError) as raised:
        (tmp_path / "nope.csv").read_text()
    line = describe_fault(raised.value)
    assert line == f"{tmp_path / 'nope.csv'}: not found — check the path in golden.toml"


def test_an_os_error_from_rust_code_keeps_its_meaning(tmp_path: Path) -> None:
    # polars writes "... (os error 28)" and leaves errno unset
    line = describe_fault(OSError(None, "No space left on device (os error 28)", str(tmp_path)))
    assert line is not None and line.startswith(f"{tmp_path}: the disk is full")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "postgresql://golden:s3cret@db:5432/x refused",
            "postgresql://golden:***@db:5432/x refused",
        ),
        ("mysql+pymysql://root@127.0.0.1/test", "mysql+pymysql://root@127.0.0.1/test"),
        ("no url here: a:b@c", "no url here: a:b@c"),
    ],
)
def test_urls_lose_their_password(text: str, expected: str) -> None:
    assert without_password(text) == expected


def test_a_bug_is_not_a_fault() -> None:
    assert describe_fault(KeyError("golden_id")) is None
