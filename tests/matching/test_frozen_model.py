"""Frozen term-frequency tables (matching.frozen_model): counted by a full run, read by the
nights after it. Read from the records they were counted from, they give exactly the
frequencies a recount gives; a value they never saw counts once; they hold no names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matching.frozen_model import (
    TABLES_FILE,
    TablesUnusable,
    frequency_tables,
    frozen_record_frequencies,
    load_tables,
    tables_without,
    write_tables,
)
from matching.term_frequency import record_frequencies

# mueller 3, zwicky 1 of 4 last names: tf 0.75 / 0.25, u = 0.5625 + 0.0625 = 0.625.
NAMES = {"a:0": "mueller", "a:1": "mueller", "a:2": "mueller", "b:0": "zwicky", "c:0": None}


def _records(make_records: Any, names: dict[str, str | None]) -> pl.DataFrame:
    return make_records(
        [
            {"record_key": key, "last_name_key": name, "last_name_phonetic": name}
            for key, name in names.items()
        ]
    )


def test_tables_read_back_give_the_frequencies_of_a_recount(
    make_records: Any, tmp_path: Path
) -> None:
    records = _records(make_records, NAMES)
    tables = frequency_tables(records)
    assert tables.totals["last_name"] == (4, 0.625)
    assert tables.totals["first_name"] is None  # nobody has a first name
    write_tables(tmp_path, tables)
    loaded = load_tables(tmp_path)
    assert loaded.totals == tables.totals
    assert_frame_equal(loaded.counts, tables.counts)
    frozen = frozen_record_frequencies(records, loaded)
    fresh = record_frequencies(records)
    assert frozen["first_name"] is None and fresh["first_name"] is None
    assert frozen["last_name"] is not None and fresh["last_name"] is not None
    assert frozen["last_name"][1] == fresh["last_name"][1]
    assert_frame_equal(frozen["last_name"][0], fresh["last_name"][0])
    # No name in the file: hashes and counts only.
    assert "mueller" not in (tmp_path / TABLES_FILE).read_bytes().decode("latin-1")


def test_new_records_are_read_against_the_frozen_counts(make_records: Any) -> None:
    """The night after: new records change no count; an unseen name counts once."""
    tables = frequency_tables(_records(make_records, NAMES))
    tonight = _records(make_records, {**NAMES, "d:0": "mueller", "e:0": "huber", "f:0": None})
    frozen = frozen_record_frequencies(tonight, tables)["last_name"]
    assert frozen is not None
    per_record, average = frozen
    tf = dict(per_record.iter_rows())
    assert average == 0.625
    assert tf["a:0"] == tf["d:0"] == 0.75  # not 4 of 6 as a recount would say
    assert tf["b:0"] == 0.25
    assert tf["e:0"] == 0.25  # unseen: once in 4
    assert tf["c:0"] is None and tf["f:0"] is None


def test_damaged_tables_are_refused(make_records: Any, tmp_path: Path) -> None:
    write_tables(tmp_path, frequency_tables(_records(make_records, NAMES)))
    (tmp_path / TABLES_FILE).write_bytes(b"not parquet")
    with pytest.raises(TablesUnusable):
        load_tables(tmp_path)


def test_an_erased_persons_records_leave_the_counts(make_records: Any) -> None:
    """DSGVO Art. 17: the tables become those a full run counts without the person: a name
    only they had loses its hash, a shared one counts once less, totals and u follow."""
    tables = frequency_tables(_records(make_records, NAMES))
    erased = _records(make_records, {"b:0": "zwicky", "a:2": "mueller"})

    kept = tables_without(tables, erased)

    rest = {key: name for key, name in NAMES.items() if key not in ("b:0", "a:2")}
    recount = frequency_tables(_records(make_records, rest))
    assert kept.totals == recount.totals == {"first_name": None, "last_name": (2, 1.0)}
    assert_frame_equal(kept.counts, recount.counts)
    zwicky = frequency_tables(_records(make_records, {"b:0": "zwicky"})).counts
    assert kept.counts.join(zwicky, on=["value_hash_1", "value_hash_2"]).height == 0


def test_a_value_the_tables_never_counted_takes_nothing(make_records: Any) -> None:
    tables = frequency_tables(_records(make_records, NAMES))
    kept = tables_without(tables, _records(make_records, {"x:0": "renamed"}))
    assert kept.totals == tables.totals
    assert_frame_equal(kept.counts, tables.counts)


def test_the_last_value_erased_leaves_no_average(make_records: Any) -> None:
    tables = frequency_tables(_records(make_records, {"b:0": "zwicky"}))
    kept = tables_without(tables, _records(make_records, {"b:0": "zwicky"}))
    assert kept.totals == {"first_name": None, "last_name": None}
    assert kept.counts.height == 0
