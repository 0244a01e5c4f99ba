"""Issue 15: no row lost to a stray quote, no wrong encoding or mojibake passed on silently.

One test per damage the issue lists, each through the real connector (read_silo).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.connectors.lines import count_records
from flows.connectors.result import Rejected, build_extract
from rules.errors import SiloError

from .helpers import SiloFactory, quarantined, read_checked, rows

HEADER = "id;vorname;nachname;ort;email"
CUSTOMERS = [
    f"{number};Vorname{number};Nachname{number};Ort{number};k{number}@example.de"
    for number in range(1, 13)
]


def _write(tmp_path: Path, data: bytes) -> str:
    (tmp_path / "kunden.csv").write_bytes(data)
    return "kunden.csv"


def _customers(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _findings(extract) -> list[tuple[int | None, str | None, str]]:  # noqa: ANN001
    return extract.findings.select("row_number", "column", "reason").rows()


def test_stray_quotes_nine_rows_apart_lose_no_customer(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    lines = list(CUSTOMERS)
    lines[0] = '1;Vorname1;"Nachname1;Ort1;k1@example.de'  # quote opens a last name ...
    lines[9] = '10;Vorname10;Nachname10";Ort10;k10@example.de'  # ... and one closes nine later
    silo, config = make_silo("csv", path=_write(tmp_path, _customers(lines)))

    extract = read_checked(silo, config)

    assert extract.rows_read == 12 == count_records(_customers(lines).decode(), ";", 5, 3)
    assert quarantined(extract) == [(1, "expected 5 fields, found 3 (unterminated quote)")]
    read = {row[0]: row for row in rows(extract)}
    assert sorted(read, key=int) == [str(number) for number in range(2, 13)]
    assert read["5"] == ("5", "Vorname5", "Nachname5", "Ort5", "k5@example.de")
    assert read["10"][2] == 'Nachname10"'  # the stray quote stays visible, nothing shifted


@pytest.mark.parametrize("gap", [1, 2], ids=["adjacent", "two-apart"])
def test_stray_quotes_close_together_swallow_no_row(
    gap: int, tmp_path: Path, make_silo: SiloFactory
) -> None:
    lines = list(CUSTOMERS)
    lines[3] = '4;Vorname4;"Nachname4;Ort4;k4@example.de'
    lines[3 + gap] = f'{4 + gap};Vorname{4 + gap};Nachname{4 + gap}";Ort;k@example.de'
    silo, config = make_silo("csv", path=_write(tmp_path, _customers(lines)))

    extract = read_checked(silo, config)

    assert extract.rows_read == 12
    assert [number for number, _ in quarantined(extract)] == [4]
    assert extract.frame.height == 11


def test_multi_line_values_are_read_within_the_limit(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    text = HEADER + '\n1;Anna;Muster;"c/o Meier\nHinterhaus";a@example.de\n2;Ben;B;Ort;b@x.de\n'
    silo, config = make_silo("csv", path=_write(tmp_path, text.encode()))

    extract = read_checked(silo, config)

    assert rows(extract)[0] == ("1", "Anna", "Muster", "c/o Meier\nHinterhaus", "a@example.de")
    assert extract.rows_read == 2


@pytest.mark.parametrize(
    "case",
    [
        {"description": "silo without multi-line values", "limit": 1, "value_lines": 2},
        {"description": "value over the line limit", "limit": 3, "value_lines": 4},
    ],
    ids=lambda case: case["description"],
)
def test_a_quote_spanning_too_many_lines_is_a_broken_quote(
    case: dict, tmp_path: Path, make_silo: SiloFactory
) -> None:
    value = "\n".join(f"Zeile {number}" for number in range(case["value_lines"]))
    text = f'{HEADER}\n1;Anna;Muster;"{value}";a@example.de\n2;Ben;B;Ort;b@x.de\n'
    silo, config = make_silo(
        "csv", path=_write(tmp_path, text.encode()), max_record_lines=case["limit"]
    )

    extract = read_checked(silo, config)

    physical = 1 + case["value_lines"]  # the broken line, the value's other lines, row 2
    assert extract.rows_read == physical
    assert quarantined(extract)[0] == (1, "expected 5 fields, found 4 (unterminated quote)")
    assert ("2", "Ben", "B", "Ort", "b@x.de") in rows(extract)


def test_a_utf8_line_in_a_cp1252_silo_is_decoded_as_utf8(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    data = (
        "id;Name\n1;Jürgen\n".encode("cp1252")
        + "2;Jürgen Groß\n".encode()
        + "3;Bär\n".encode("cp1252")
    )
    silo, config = make_silo("csv", path=_write(tmp_path, data), encoding="cp1252")

    extract = read_checked(silo, config)

    assert rows(extract) == [("1", "Jürgen"), ("2", "Jürgen Groß"), ("3", "Bär")]
    assert _findings(extract) == [
        (
            2,
            None,
            "row was encoded as UTF-8, the rest of the file as Windows-1252: decoded as UTF-8",
        )
    ]


@pytest.mark.parametrize("encoding", ["auto", "utf-8"])
def test_a_cp1252_line_in_a_utf8_file_leaves_the_other_lines_alone(
    encoding: str, tmp_path: Path, make_silo: SiloFactory
) -> None:
    data = (
        "id;Name\n1;Jürgen\n2;Müller\n".encode()
        + "3;Weiß\n".encode("cp1252")
        + "4;Öztürk\n".encode()
    )
    silo, config = make_silo("csv", path=_write(tmp_path, data), encoding=encoding)

    extract = read_checked(silo, config)

    assert rows(extract) == [("1", "Jürgen"), ("2", "Müller"), ("3", "Weiß"), ("4", "Öztürk")]
    assert [(row, reason.split(":")[0]) for row, _, reason in _findings(extract)] == [
        (3, "row was encoded as Windows-1252, the rest of the file as UTF-8")
    ]


def test_a_line_no_encoding_decodes_is_quarantined(tmp_path: Path, make_silo: SiloFactory) -> None:
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid in UTF-8.
    data = "id;Name\n1;Jürgen\n".encode() + b"2;Ma\x81\x8dx\n" + "3;Bär\n".encode()
    silo, config = make_silo("csv", path=_write(tmp_path, data))

    extract = read_checked(silo, config)

    assert rows(extract) == [("1", "Jürgen"), ("3", "Bär")]
    ((number, reason),) = quarantined(extract)
    assert number == 2
    assert reason.startswith("row cannot be decoded as UTF-8 or Windows-1252 (byte 5 of its line)")


def test_an_undecodable_json_line_is_quarantined_not_also_read(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    # Still valid JSON once decoded with a replacement character: it must go to quarantine
    # only, not to quarantine and the records both (the silo would fail its row balance).
    data = (
        '{"id": "1", "name": "Jürgen"}\n'.encode()
        + b'{"id": "2", "name": "Ma\x81\x8dx"}\n'
        + '{"id": "3", "name": "Bär"}\n'.encode()
    )
    path = tmp_path / "k.jsonl"
    path.write_bytes(data)
    silo, config = make_silo("jsonl", path="k.jsonl")

    extract = read_checked(silo, config)

    assert [number for number, _ in quarantined(extract)] == [2]
    assert len(rows(extract)) == 2


def test_an_undecodable_line_keeps_its_id_where_it_is_ascii_before_the_first_bad_byte(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid in UTF-8; the id is column 2.
    bad = [
        b"Ma\x81\x8dx;K-1;Bonn",  # the bad bytes come before the id: its bytes are unknown
        b"Anna;K-2;K\xc3\xb6\x81\x8dln",  # ... after it: the id reads alike in any encoding
        b"Ben;K-\x81\x8d3;Ulm",  # ... inside it
        b'Eva;" K-4 ";Wi\x81en',  # quoted and padded: read as the mapping reads it
        b"Tom;K\xc3\xb6-5;Li\x81nz",  # not ASCII: which encoding's letter is unknown
        b"Ida;K-6;Wels;zu viel\x81",  # a field more than the header: the id may have shifted
        b'"Ute;K-7;Graz\x81',  # a quote opened before the id
    ]
    good = [f"Jürgen{number};G-{number};Köln".encode() for number in range(1, 16)]
    data = b"\n".join([b"Name;id;Ort", *bad, *good]) + b"\n"
    silo, config = make_silo("csv", path=_write(tmp_path, data))

    extract = read_checked(silo, config)

    assert extract.quarantine.select("source_id", "row_number").rows() == [
        (None, 1),
        ("K-2", 2),
        (None, 3),
        ("K-4", 4),
        (None, 5),
        (None, 6),
        (None, 7),
    ]
    reasons = extract.quarantine["reason"].to_list()
    assert all(
        reason.startswith("row cannot be decoded as UTF-8 or Windows-1252") for reason in reasons
    )
    decoded = [line.decode("utf-8", errors="replace") for line in bad]
    raw = extract.quarantine["raw"].to_list()
    assert raw[:4] == [decoded[0], decoded[1], decoded[2], "Eva; K-4 ;Wi\ufffden"]
    assert raw[4:] == decoded[4:]
    assert len(rows(extract)) == 15


def test_control_characters_are_removed_with_a_finding(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    data = b"id;Name;Ort\n1;Ju\x00rgen;Berlin\n2;Anna;Bo\xef\xbb\xbfnn\n" + "3;Ben;Köln\n".encode()
    silo, config = make_silo("csv", path=_write(tmp_path, data))

    extract = read_checked(silo, config)

    assert rows(extract) == [("1", "Jurgen", "Berlin"), ("2", "Anna", "Bonn"), ("3", "Ben", "Köln")]
    assert extract.findings.select("row_number", "column", "value").rows() == [
        (1, "Name", "Ju\\x00rgen"),
        (2, "Ort", "Bo\\ufeffnn"),
    ]
    assert set(extract.findings["reason"]) == {
        "control characters removed (NUL, escape, byte-order mark ...)"
    }


def test_mojibake_is_repaired_with_a_finding(tmp_path: Path, make_silo: SiloFactory) -> None:
    data = "id;Name;Straße\n1;JÃ¼rgen MÃ¼ller;GroÃŸe Str. â€“ Hinterhaus\n2;Anna;Weg 1\n"
    silo, config = make_silo("csv", path=_write(tmp_path, data.encode()))

    extract = read_checked(silo, config)

    assert rows(extract)[0] == ("1", "Jürgen Müller", "Große Str. – Hinterhaus")
    assert extract.findings.select("row_number", "column", "value").rows() == [
        (1, "Name", "JÃ¼rgen MÃ¼ller"),
        (1, "Straße", "GroÃŸe Str. â€“ Hinterhaus"),
    ]


@pytest.mark.parametrize("connector", ["csv", "jsonl"])
def test_a_million_character_name_is_quarantined_not_published(
    connector: str, tmp_path: Path, make_silo: SiloFactory
) -> None:
    long_name = "A" * 1_000_000
    if connector == "csv":
        data = f"id;Name\n1;{long_name}\n2;Anna\n".encode()
    else:
        data = f'{{"id": 1, "Name": "{long_name}"}}\n{{"id": 2, "Name": "Anna"}}\n'.encode()
    (tmp_path / "kunden.data").write_bytes(data)
    silo, config = make_silo(connector, path="kunden.data")

    extract = read_checked(silo, config)

    assert rows(extract) == [("2", "Anna")]
    ((number, reason),) = quarantined(extract)
    assert number == 1
    assert reason.startswith("value too long: column 'Name' has 1,000,000 characters (limit 1,000")
    assert extract.quarantine["raw"].str.len_chars().max() <= 500


@pytest.mark.parametrize("connector", ["csv", "jsonl", "parquet"])
def test_a_row_with_an_over_long_value_is_quarantined_with_its_id(
    connector: str, tmp_path: Path, make_silo: SiloFactory
) -> None:
    # Row 1: a long note, the id padded as exports pad it; row 2: the id itself is over-long;
    # row 3: a long note and no id.
    long_note, long_id = "x" * 1200, "9" * 1200
    table = {"id": ["  K-17 ", long_id, " ", "K-18"], "Notiz": [long_note, "kurz", long_note, "ok"]}
    path = tmp_path / "kunden.data"
    if connector == "csv":
        lines = [f"{key};{note}" for key, note in zip(table["id"], table["Notiz"], strict=True)]
        path.write_text("\n".join(["id;Notiz", *lines]) + "\n", encoding="utf-8")
    elif connector == "jsonl":
        frame = pl.DataFrame(table)
        path.write_text(frame.write_ndjson(), encoding="utf-8")
    else:
        pl.DataFrame(table).write_parquet(path)
    silo, config = make_silo(connector, path="kunden.data")

    extract = read_checked(silo, config)

    assert rows(extract) == [("K-18", "ok")]
    assert extract.quarantine.select("source_id", "row_number").rows() == [
        ("K-17", 1),  # trimmed, as the mapping reads an id
        (None, 2),  # the over-long value is the id: no id to give
        (None, 3),
    ]
    assert [reason.split(":")[0] for reason in extract.quarantine["reason"]] == [
        "value too long"
    ] * 3


def test_the_value_limit_is_a_silo_option(tmp_path: Path, make_silo: SiloFactory) -> None:
    data = b"id;Name\n1;" + b"A" * 1500 + b"\n"
    silo, config = make_silo("csv", path=_write(tmp_path, data), max_value_length=2000)

    assert rows(read_checked(silo, config)) == [("1", "A" * 1500)]


def test_rows_that_do_not_add_up_to_the_physical_count_fail_loudly() -> None:
    frame = pl.DataFrame({"id": ["1", "2"]})

    with pytest.raises(SiloError, match="the source has 3 records but 2 were read and 0"):
        build_extract("crm", frame, [1, 2], [], physical_rows=3)
    extract = build_extract("crm", frame, [1, 3], [Rejected(2, "kaputt", "x")], physical_rows=3)
    assert extract.rows_read == 3
