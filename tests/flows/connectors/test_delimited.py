"""CSV silos: encodings, delimiters, quoting, broken rows, empty files, missing files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flows.connectors.delimited import parse_delimited
from rules.errors import SiloError

from .helpers import (
    SiloFactory,
    quarantined,
    read_checked,
    rows,
)

GERMAN_HEADER = "Kundennr;Straße;PLZ;Ort;Umsatz"
GERMAN_ROWS = [
    "1;Königstraße 5;01067;Dresden;1.234,50 €",
    "2;Großer Grasbrook 9;20457;Hamburg;99 €",
    "3;Weißenseer Weg 1;10367;Berlin;",
]


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    return name


def test_windows_1252_semicolons_with_umlauts(tmp_path: Path, make_silo: SiloFactory) -> None:
    text = "\r\n".join([GERMAN_HEADER, *GERMAN_ROWS]) + "\r\n"
    path = _write(tmp_path, "kunden.csv", text.encode("cp1252"))

    extract = read_checked(*make_silo("csv", path=path))

    assert extract.columns == ["Kundennr", "Straße", "PLZ", "Ort", "Umsatz"]
    assert rows(extract) == [
        ("1", "Königstraße 5", "01067", "Dresden", "1.234,50 €"),
        ("2", "Großer Grasbrook 9", "20457", "Hamburg", "99 €"),
        ("3", "Weißenseer Weg 1", "10367", "Berlin", None),
    ]
    assert extract.frame["_row_number"].to_list() == [1, 2, 3]
    assert extract.rows_read == 3
    assert extract.quarantine.is_empty()


@pytest.mark.parametrize(
    "case",
    [
        {"description": "UTF-8 with BOM", "data": "\ufeffid,Name\n1,Jürgen\n".encode()},
        {"description": "UTF-8 without BOM", "data": "id,Name\n1,Jürgen\n".encode()},
        {"description": "UTF-16 with BOM", "data": "id,Name\n1,Jürgen\n".encode("utf-16")},
        {
            "description": "latin-1 configured",
            "data": "id,Name\n1,Jürgen\n".encode("latin-1"),
            "encoding": "latin-1",
        },
        {
            "description": "cp1252 detected",
            "data": "id,Name\n1,Jürgen\n".encode("cp1252"),
        },
    ],
    ids=lambda case: case["description"],
)
def test_encodings(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", case["data"])
    extra = {"encoding": case["encoding"]} if "encoding" in case else {}

    extract = read_checked(*make_silo("csv", path=path, **extra))

    assert extract.columns == ["id", "Name"]  # BOM stripped from the first header
    assert rows(extract) == [("1", "Jürgen")]


_TABBED = "id\tName\tOrt\n1\tAnna\tWien\n"


@pytest.mark.parametrize(
    "case",
    [
        {"description": "comma, detected", "text": "id,Name,Ort\n1,Anna,Wien\n", "delimiter": None},
        {
            "description": "tab, detected",
            "text": "id\tName\tOrt\n1\tAnna\tWien\n",
            "delimiter": None,
        },
        {
            "description": "tab, configured",
            "text": "id\tName\tOrt\n1\tAnna\tWien\n",
            "delimiter": "\\t",
        },
        {"description": "pipe, detected", "text": "id|Name|Ort\n1|Anna|Wien\n", "delimiter": None},
        {
            "description": "semicolon with commas in values",
            "text": "id;Name;Ort\n1;Anna, Dr.;Wien\n",
            "delimiter": None,
            "expected": ("1", "Anna, Dr.", "Wien"),
        },
    ],
    ids=lambda case: case["description"],
)
def test_delimiters(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", case["text"].encode())
    extra = {"delimiter": case["delimiter"]} if case["delimiter"] else {}

    extract = read_checked(*make_silo("csv", path=path, **extra))

    assert extract.columns == ["id", "Name", "Ort"]
    assert rows(extract) == [case.get("expected", ("1", "Anna", "Wien"))]


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_quoted_delimiter_quote_and_newline(
    line_end: str, tmp_path: Path, make_silo: SiloFactory
) -> None:
    text = line_end.join(
        [
            "id;Name;Adresse",
            f'1;"Meier; Hans";"Hauptstr. 1{line_end}c/o Firma ""Anker"""',
            "2;Huber;Ring 3",
            "",
        ]
    )
    path = _write(tmp_path, "kunden.csv", text.encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert rows(extract) == [
        ("1", "Meier; Hans", f'Hauptstr. 1{line_end}c/o Firma "Anker"'),
        ("2", "Huber", "Ring 3"),
    ]
    assert extract.frame["_row_number"].to_list() == [1, 2]


@pytest.mark.parametrize(
    "case",
    [
        {
            "description": "too few fields",
            "broken": "2;Huber",
            "reason": "expected 3 fields, found 2",
            "source_id": None,  # which field is missing cannot be told
        },
        {
            "description": "too many fields",
            "broken": "2;Huber;Ring 3;extra",
            "reason": "expected 3 fields, found 4",
            "source_id": None,
        },
        {
            "description": "unterminated quote swallows nothing",
            "broken": '2;"Huber;Ring 3',
            "reason": "expected 3 fields, found 2 (unterminated quote)",
            "source_id": "2",  # the quote opens after the id column
        },
        {
            "description": "unterminated quote in the last field",
            "broken": '2;Huber;"Ring 3',
            "reason": "unterminated quote",
            "source_id": "2",
        },
    ],
    ids=lambda case: case["description"],
)
def test_broken_row_goes_to_quarantine_others_intact(
    case: dict, tmp_path: Path, make_silo: SiloFactory
) -> None:
    lines = ["id;Name;Ort", "1;Meier;Wien", case["broken"], '3;"Wolf";Graz', "4;Lang;Linz"]
    path = _write(tmp_path, "kunden.csv", ("\n".join(lines) + "\n").encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert rows(extract) == [("1", "Meier", "Wien"), ("3", "Wolf", "Graz"), ("4", "Lang", "Linz")]
    assert extract.frame["_row_number"].to_list() == [1, 3, 4]
    assert quarantined(extract) == [(2, case["reason"])]
    assert extract.quarantine.row(0, named=True) | {"reason": None} == {
        "silo": "crm",
        "source_id": case["source_id"],
        "row_number": 2,
        "field": None,
        "reason": None,
        "raw": case["broken"],
    }
    assert extract.rows_read == 4


@pytest.mark.parametrize(
    "case",
    [
        {
            "description": "cp1252 CRM export, semicolons, id first",
            "encoding": "cp1252",
            "header": "id;Kundentyp;Anrede;Firma;Ort",
            "good": ["100522;Privatkunde;Herr;;Köln", "100524;Privatkunde;Frau;;München"],
            "broken": '100523;Geschäftskunde;"Firma;Bäckerei Groß GmbH;Düsseldorf',
            "reason": "expected 5 fields, found 3 (unterminated quote)",
            "source_id": "100523",
        },
        {
            "description": "UTF-8 commas, id after a cleanly quoted value",
            "encoding": "utf-8",
            "header": "Name,id,Firma,Ort",
            "good": ['"Müller, Max",100522,,Köln', "Eva Roth,100524,,Graz"],
            "broken": '"Weiß, Jürgen",100523,"Bäckerei Groß, Wien',
            "reason": "expected 4 fields, found 3 (unterminated quote)",
            "source_id": "100523",
        },
        {
            "description": "the id itself cleanly quoted, a quote doubled before it",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": '"Zum ""Anker"" GmbH";"100523";"Linz',
            "reason": "unterminated quote",
            "source_id": "100523",
        },
        {
            "description": "the id trimmed like a mapped id",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": 'Lang; 100523 ;"Linz',
            "reason": "unterminated quote",
            "source_id": "100523",
        },
        {
            "description": "a quote opened before the id column",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": '"Lang;100523;Linz',
            "reason": "expected 3 fields, found 1 (unterminated quote)",
            "source_id": None,
        },
        {
            "description": "a quote opened in the id column",
            "encoding": "utf-8",
            "header": "id;Name;Ort",
            "good": ["100522;Meier;Wien", "100524;Roth;Graz"],
            "broken": '"100523;Lang;Linz',
            "reason": "expected 3 fields, found 1 (unterminated quote)",
            "source_id": None,
        },
        {
            "description": "text after a closing quote before the id column",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": '"Zum Anker" GmbH;100523;"Linz',
            "reason": "unterminated quote",
            "source_id": None,
        },
        {
            "description": "the id column empty",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": 'Lang;;"Linz',
            "reason": "unterminated quote",
            "source_id": None,
        },
        {
            "description": "more fields than columns: which one shifted cannot be told",
            "encoding": "utf-8",
            "header": "Name;id;Ort",
            "good": ["Meier;100522;Wien", "Roth;100524;Graz"],
            "broken": 'Lang;Eva;100523;"Linz',
            "reason": "expected 3 fields, found 4 (unterminated quote)",
            "source_id": None,
        },
    ],
    ids=lambda case: case["description"],
)
def test_a_broken_row_carries_its_id_where_it_can_be_read(
    case: dict, tmp_path: Path, make_silo: SiloFactory
) -> None:
    lines = [case["header"], case["good"][0], case["broken"], case["good"][1]]
    data = ("\r\n".join(lines) + "\r\n").encode(case["encoding"])
    path = _write(tmp_path, "kunden.csv", data)

    extract = read_checked(*make_silo("csv", path=path))

    assert extract.frame["_row_number"].to_list() == [1, 3]
    assert extract.quarantine.rows(named=True) == [
        {
            "silo": "crm",
            "source_id": case["source_id"],
            "row_number": 2,
            "field": None,
            "reason": case["reason"],
            "raw": case["broken"],
        }
    ]


def test_broken_row_after_a_quoted_newline_keeps_numbering(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    text = 'id;Name;Ort\n1;"A\nB";Wien\n2;kaputt\n3;C;Graz\n'
    path = _write(tmp_path, "kunden.csv", text.encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert rows(extract) == [("1", "A\nB", "Wien"), ("3", "C", "Graz")]
    assert extract.frame["_row_number"].to_list() == [1, 3]
    assert quarantined(extract) == [(2, "expected 3 fields, found 2")]


def test_raw_is_truncated_to_500_characters(tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", ("id;Name\n1;" + "x" * 600 + ";zu viel\n").encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert len(extract.quarantine["raw"][0]) == 500


def test_values_are_kept_as_written_and_empty_is_null(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    text = 'id;PLZ;Name;Notiz\n007;01067; Anna ;""\n008;00000;NA;null\n'
    path = _write(tmp_path, "kunden.csv", text.encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert rows(extract) == [("007", "01067", " Anna ", None), ("008", "00000", "NA", "null")]


def test_empty_rows_are_counted_and_quarantined(tmp_path: Path, make_silo: SiloFactory) -> None:
    text = "id;Name\n1;Anna\n\n;\n  \n2;Bert\n"
    path = _write(tmp_path, "kunden.csv", text.encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert rows(extract) == [("1", "Anna"), ("2", "Bert")]
    assert extract.frame["_row_number"].to_list() == [1, 5]
    assert quarantined(extract) == [(2, "empty row"), (3, "empty row"), (4, "empty row")]


@pytest.mark.parametrize(
    "case",
    [
        {"description": "0 bytes", "data": b"", "columns": []},
        {"description": "BOM only", "data": b"\xef\xbb\xbf", "columns": []},
        {"description": "header only", "data": b"id;Name;Ort\n", "columns": ["id", "Name", "Ort"]},
        {"description": "header, no newline", "data": b"id;Name", "columns": ["id", "Name"]},
    ],
    ids=lambda case: case["description"],
)
def test_empty_files_give_empty_frames(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", case["data"])

    extract = read_checked(*make_silo("csv", path=path))

    assert extract.columns == case["columns"]
    assert extract.frame.height == 0
    assert extract.rows_read == 0


def test_duplicate_and_empty_headers_are_made_unique(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    text = " id ;Telefon;Telefon;;_row_number\n1;030 1;030 2;x;y\n"
    path = _write(tmp_path, "kunden.csv", text.encode())

    extract = read_checked(*make_silo("csv", path=path))

    assert extract.columns == ["id", "Telefon", "Telefon_2", "column_4", "_row_number_2"]
    assert rows(extract) == [("1", "030 1", "030 2", "x", "y")]


def test_missing_file_names_silo_and_path(tmp_path: Path, make_silo: SiloFactory) -> None:
    silo, config = make_silo("csv", path="exports/fehlt.csv")

    with pytest.raises(SiloError) as caught:
        read_checked(silo, config)

    message = str(caught.value)
    assert message.startswith("silo 'crm': file not found:")
    assert str(tmp_path / "exports" / "fehlt.csv") in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "case",
    [
        {"description": "a folder", "path": ".", "message": "not a file"},
        {"description": "blank path", "path": "   ", "message": "empty path"},
        {
            "description": "unset variable",
            "path": "${GOLDEN_TEST_UNSET}/a.csv",
            "message": "GOLDEN_TEST_UNSET",
        },
    ],
    ids=lambda case: case["description"],
)
def test_unusable_paths(case: dict, make_silo: SiloFactory) -> None:
    silo, config = make_silo("csv", path=case["path"])

    with pytest.raises(SiloError, match=case["message"]):
        read_checked(silo, config)


def test_unknown_encoding(tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", b"id\n1\n")
    silo, config = make_silo("csv", path=path, encoding="klingon")

    with pytest.raises(SiloError, match="unknown encoding 'klingon'"):
        read_checked(silo, config)


def test_bytes_not_in_the_configured_encoding(tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", "id;Name\n1;Jürgen\n".encode("cp1252"))
    silo, config = make_silo("csv", path=path, encoding="utf-8")

    with pytest.raises(SiloError, match=r"cannot be decoded as utf-8 \(byte offset 11\)") as caught:
        read_checked(silo, config)
    assert "Jürgen" not in str(caught.value)


def test_header_with_an_unclosed_quote_is_an_error(tmp_path: Path, make_silo: SiloFactory) -> None:
    path = _write(tmp_path, "kunden.csv", b'id;"Name\n1;Anna\n')
    silo, config = make_silo("csv", path=path)

    with pytest.raises(SiloError, match="header line cannot be parsed"):
        read_checked(silo, config)


# --- property: whatever csv.writer writes comes back, row numbers included ---------------------

_VALUE = st.text(
    alphabet=st.sampled_from(list('ab ;,\t|"\n\r0äßé€')), max_size=8
) | st.sampled_from(["", "01067", "Müller"])


@settings(max_examples=200, deadline=None)
@given(
    table=st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(st.lists(_VALUE, min_size=width, max_size=width), max_size=6)
    ),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_written_tables_read_back(table: list[list[str]], delimiter: str, line_end: str) -> None:
    if line_end == "\n":
        # csv.writer quotes only the characters of its own line end: a CR would stay unquoted.
        table = [[value.replace("\r", "") for value in row] for row in table]
    width = len(table[0]) if table else 1
    header = [f"col{index}" for index in range(width)]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows([header, *table])

    # A value spanning lines with a line that looks like a whole record (N-1 delimiters, 3 or
    # more columns) is read as a broken quote by design (flows.connectors.lines): not generated.
    assume(
        width < 3
        or not any(
            delimiter in value for row in table for value in row if "\n" in value or "\r" in value
        )
    )
    extract = parse_delimited("crm", buffer.getvalue(), delimiter, max_record_lines=10)

    blank = [all(not value.strip() for value in row) for row in table]
    expected = [
        tuple(value or None for value in row)
        for row, empty in zip(table, blank, strict=True)
        if not empty
    ]
    assert rows(extract) == expected
    assert extract.frame["_row_number"].to_list() == [i + 1 for i, e in enumerate(blank) if not e]
    assert quarantined(extract) == [(i + 1, "empty row") for i, e in enumerate(blank) if e]
    assert extract.rows_read == len(table)


def _csv_text(row: list[str], delimiter: str = ";") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(row)
    return buffer.getvalue()


def _looks_like_a_record_inside_a_value(table: list[list[str]], delimiter: str) -> bool:
    """Whether a row written as CSV spans lines, one of which holds a whole record's worth of
    delimiters (width - 1 or more) with 3 or more columns: flows.connectors.lines reads such a
    line as the next record after a broken quote, by design (a stray quote loses one line, not
    the rest of the file). Also when the delimiters come from a neighbouring value: a row
    "\n", ";;", "\n" is written as the lines '"', '";";;";"' and '"'."""
    width = len(table[0]) if table else 1
    if width < 3:
        return False
    for row in table:
        lines = _csv_text(row, delimiter).rstrip("\n").replace("\r", "\n").split("\n")
        # The first and the last line of a row are its own start and end; a line between them
        # lies wholly inside a quoted value.
        if any(line.count(delimiter) >= width - 1 for line in lines[1:-1]):
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(
    table=st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(
            st.lists(
                _VALUE.map(lambda text: text.replace("\r", "")), min_size=width, max_size=width
            ),
            max_size=6,
        )
    ),
    position=st.integers(min_value=0, max_value=6),
    extra_fields=st.sampled_from([-1, 1, 2]),
)
def test_a_broken_line_shifts_no_other_row(
    table: list[list[str]], position: int, extra_fields: int
) -> None:
    width = len(table[0]) if table else 1
    found = width + extra_fields
    if found == 0:
        found = 2  # a line without any field is an empty row, tested above
    position = min(position, len(table))
    assume(width < 3 or not any(";" in value for row in table for value in row if "\n" in value))
    assume(not _looks_like_a_record_inside_a_value(table, ";"))
    pieces = [_csv_text(row) for row in table]
    pieces.insert(position, ";".join(["kaputt"] * found) + "\n")
    header = _csv_text([f"col{index}" for index in range(width)])

    extract = parse_delimited("crm", header + "".join(pieces), ";", max_record_lines=10)

    numbered = [(n + 1 if n > position else n, row) for n, row in enumerate(table, start=1)]
    kept = [(n, row) for n, row in numbered if any(value.strip() for value in row)]
    assert rows(extract) == [tuple(value or None for value in row) for _, row in kept]
    assert extract.frame["_row_number"].to_list() == [n for n, _ in kept]
    assert (position + 1, f"expected {width} fields, found {found}") in quarantined(extract)
    assert extract.rows_read == len(table) + 1


def test_the_generated_tables_leave_out_only_what_reads_as_a_record_by_design() -> None:
    # Hypothesis found '"\n";";;";"\n"': its middle line '";";;";"' holds two delimiters, so
    # it reads as a record after a broken quote (flows.connectors.lines), as designed.
    assert _looks_like_a_record_inside_a_value([["\n", ";;", "\n"]], ";")
    assert not _looks_like_a_record_inside_a_value([["a\nb", "c", "d"]], ";")
    assert not _looks_like_a_record_inside_a_value([["\n", ";;"]], ";")  # two columns
