"""`golden dedupe` on hand-made hard cases: who must merge and who must stay apart."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.connectors.delimited import parse_delimited
from flows.dedupe import FILE_RECORD_LINES, dedupe_file, infer_roles
from flows.dedupe_output import write_annotated_csv
from rules.errors import ConfigError

HEADER = "Kundennr;Anrede;Vorname;Nachname;Firma;Straße;PLZ;Ort;Telefon;E-Mail;Geburtsdatum"
# (id, row, case) — rows sharing a case letter and a trailing "same" id group must merge.
ROWS = [
    # twins: same name, address, birth date and landline, different first names -> apart
    ("1", "Herr;Lukas;Brandt;;Lindenweg 4;80331;München;089 1234567;;14.03.1990", "twin a"),
    ("2", "Herr;Jonas;Brandt;;Lindenweg 4;80331;München;089 1234567;;14.03.1990", "twin b"),
    # father and son, same name and address, birth dates 28 years apart -> apart
    ("3", "Herr;Georg;Huber;;Bergstraße 2;8010;Graz;+43 316 123456;;02.05.1950", "father"),
    ("4", "Herr;Georg;Huber;;Bergstraße 2;8010;Graz;+43 316 123456;;11.09.1978", "son"),
    # family at one address with a shared household e-mail -> apart
    ("5", "Frau;Sabine;Wolf;;Am Markt 1;01067;Dresden;;familie.wolf@web.de;", "mother"),
    ("6", "Herr;Tim;Wolf;;Am Markt 1;01067;Dresden;;familie.wolf@web.de;", "child"),
    # same common name in different cities, nothing else shared -> apart
    ("7", "Herr;Thomas;Müller;;Hauptstraße 1;10115;Berlin;;;", "berlin"),
    ("8", "Herr;Thomas;Müller;;Königstraße 9;70173;Stuttgart;;;", "stuttgart"),
    # moved person: same name, birth date and e-mail, new address -> merge
    (
        "9",
        "Frau;Petra;Schulz;;Alte Gasse 3;60311;Frankfurt am Main;;petra.schulz@gmx.de;01.02.1975",
        "moved",
    ),
    ("10", "Frau;Petra;Schulz;;Neuer Weg 8;04109;Leipzig;;petra.schulz@gmx.de;01.02.1975", "moved"),
    # married name change: same first name, birth date and e-mail -> merge
    ("11", "Frau;Anna;Keller;;Rosenweg 5;50667;Köln;;anna.k@posteo.de;23.07.1988", "married"),
    ("12", "Frau;Anna;Berger;;Rosenweg 5;50667;Köln;;anna.k@posteo.de;23.07.1988", "married"),
    # transliteration and phone formats: Jürgen Weiß vs Juergen Weiss -> merge
    ("13", "Herr;Jürgen;Weiß;;Schillerstraße 7;28195;Bremen;0421 555666;;09.12.1960", "translit"),
    (
        "14",
        "Herr;Juergen;Weiss;;Schillerstr. 7;28195;Bremen;+49 421 555666;;09.12.1960",
        "translit",
    ),
    # swapped first and last name -> merge
    ("15", "Herr;Stefan;Albrecht;;Ringstraße 12;30159;Hannover;0511 998877;;30.06.1970", "swapped"),
    ("16", "Herr;Albrecht;Stefan;;Ringstraße 12;30159;Hannover;0511 998877;;30.06.1970", "swapped"),
    # nickname: Sepp and Josef with the same birth date and address -> merge
    ("17", "Herr;Josef;Gruber;;Dorfplatz 1;6020;Innsbruck;;;04.04.1955", "nickname"),
    ("18", "Herr;Sepp;Gruber;;Dorfplatz 1;6020;Innsbruck;;;04.04.1955", "nickname"),
    # an organisation and its owner share phone and address -> apart
    ("19", "Firma;;;Gruber Bau GmbH;Dorfplatz 1;6020;Innsbruck;0512 4455;;", "company"),
    ("20", "Herr;Anton;Gruber;;Dorfplatz 1;6020;Innsbruck;0512 4455;;12.12.1962", "owner"),
    # the same company twice, once with the legal form written differently -> merge
    (
        "21",
        "Firma;;;Müller Maschinenbau GmbH;Industriestraße 5;73730;Esslingen;0711 3344;;",
        "company2",
    ),
    (
        "22",
        "Firma;;;Müller Maschinenbau Gesellschaft mit beschränkter Haftung;"
        "Industriestr. 5;73730;Esslingen;0711 3344;;",
        "company2",
    ),
]


@pytest.fixture(scope="module")
def crosswalk(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    folder = tmp_path_factory.mktemp("dedupe")
    lines = [HEADER] + [f"{row_id};{row}" for row_id, row, _ in ROWS]
    source = folder / "export.csv"
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    dedupe_file(source, "Kundennr", folder / "out")
    return pl.read_csv(folder / "out" / "crosswalk.csv", infer_schema=False)


def _golden(crosswalk: pl.DataFrame, source_id: str) -> str:
    return crosswalk.filter(pl.col("source_id") == source_id)["golden_id"].item()


@pytest.mark.parametrize(
    "case",
    ["moved", "married", "translit", "swapped", "nickname", "company2"],
)
def test_true_duplicates_merge(crosswalk: pl.DataFrame, case: str) -> None:
    ids = [row_id for row_id, _, label in ROWS if label == case]
    assert len({_golden(crosswalk, row_id) for row_id in ids}) == 1, case


@pytest.mark.parametrize(
    ("left", "right", "description"),
    [
        ("1", "2", "twins"),
        ("3", "4", "father and son"),
        ("5", "6", "family sharing an e-mail"),
        ("7", "8", "same common name, different cities"),
        ("19", "20", "organisation and its owner"),
        ("17", "19", "person and a company at the same address"),
    ],
)
def test_hard_negatives_stay_apart(
    crosswalk: pl.DataFrame, left: str, right: str, description: str
) -> None:
    assert _golden(crosswalk, left) != _golden(crosswalk, right), description


def test_every_row_is_in_the_crosswalk(crosswalk: pl.DataFrame) -> None:
    assert sorted(crosswalk["source_id"].to_list(), key=int) == [r[0] for r in ROWS]


def test_roles_are_inferred_from_german_and_english_headers() -> None:
    mapping, unused = infer_roles(
        ["Kundennr", "Vorname", "surname", "E-Mail", "Mobil", "Telefon", "PLZ", "Bemerkung"],
        "Kundennr",
        {},
    )
    assert mapping["first_name"] == "Vorname" and mapping["last_name"] == "surname"
    assert mapping["phones"] == ["Mobil", "Telefon"] and mapping["emails"] == ["E-Mail"]
    assert mapping["postal_code"] == "PLZ"
    assert unused == ["Bemerkung"]


@pytest.mark.parametrize(
    "header", ["Ort", "Wohnort", "Gemeinde", "City", "Town", "Suburb", "Locality", "Municipality"]
)
def test_place_headers_become_the_city(header: str) -> None:
    mapping, _ = infer_roles(["id", "Nachname", header], "id", {})
    assert mapping["city"] == header


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Branche", "segment"), ("Kundengruppe", "segment"), ("Kunden-Segment", "segment"),
        ("Customer Group", "segment"), ("Industry", "segment"), ("Beruf", "profession"),
        ("Berufsbezeichnung", "profession"), ("Job Title", "profession"),
        ("Tätigkeit", "profession"), ("Occupation", "profession"),
    ],
)  # fmt: skip
def test_group_headers_become_segment_or_profession(header: str, role: str) -> None:
    mapping, unused = infer_roles(["id", "Nachname", header], "id", {})
    assert mapping[role] == header and unused == []


@pytest.mark.parametrize(
    "header", ["Adresszusatz", "Address 2", "Address Line 2", "address_2", "Street 2", "c/o"]
)
def test_address_addition_headers_become_address_extra(header: str) -> None:
    # A second address line is kept with the address (golden.csv address_extra), not unused.
    mapping, unused = infer_roles(["id", "Nachname", "Straße", header], "id", {})
    assert mapping["address_extra"] == header and unused == []


def test_role_overrides_and_their_errors() -> None:
    mapping, unused = infer_roles(
        ["id", "Name", "Notiz"], "id", {"Name": "last_name", "Notiz": "ignore"}
    )
    assert mapping == {"source_id": "id", "last_name": "Name"} and unused == ["Notiz"]
    with pytest.raises(ConfigError, match="no column 'Nope'"):
        infer_roles(["id", "Name"], "id", {"Nope": "city"})
    with pytest.raises(ConfigError, match="unknown role"):
        infer_roles(["id", "Name"], "id", {"Name": "nickname"})
    with pytest.raises(ConfigError, match="--id kunde"):
        infer_roles(["id", "Name"], "kunde", {})


def test_cli_dedupe_prints_roles_and_writes_outputs(tmp_path: Path) -> None:
    source = tmp_path / "kunden.csv"
    source.write_text(
        "id,first_name,last_name,email\n1,Max,Muster,max@muster.de\n2,Max,Muster,max@muster.de\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["dedupe", str(source), "--id", "id", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "first_name" in result.output
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    assert crosswalk["golden_id"].n_unique() == 1
    assert (tmp_path / "out" / "golden.csv").is_file()


def test_cli_dedupe_quarantines_a_broken_row_with_the_id_its_line_shows(tmp_path: Path) -> None:
    lines = [
        "Vorname,Nachname,Kundennr,Firma,Ort,E-Mail",
        "Max,Müller,K1,,Dresden,max@web.de",
        'Eva,Roth,K2,"Roth, Bau GmbH,Berlin,eva@roth.de',  # the quote opens after the id
        "Max,Müller,K3,,Dresden,max@web.de",
        "Tim,Wolf,K4,,Linz,tim@web.de",
        '"Lang,Anna,K5,,Graz,anna@web.de',  # ... and here before it: no id to read
        "Sabine,Huber,K6,,Wien,sabine@web.de",
    ]
    source = tmp_path / "kunden.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(
        app, ["dedupe", str(source), "--id", "Kundennr", "--out", str(tmp_path / "out")]
    )

    assert result.exit_code == 0, result.output
    quarantine = pl.read_csv(tmp_path / "out" / "quarantine.csv", infer_schema=False)
    assert quarantine.select("source_id", "row_number", "reason", "raw").rows() == [
        ("K2", "2", "expected 6 fields, found 4 (unterminated quote)", lines[2]),
        (None, "5", "expected 6 fields, found 1 (unterminated quote)", lines[5]),
    ]


def test_cli_dedupe_unknown_file_type_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "kunden.xml"
    source.write_text("<x/>", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["dedupe", str(source), "--id", "id", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "unknown file type" in result.output
    assert "Traceback" not in result.output


# -- a plain list: no id column, the user's own file back --------------------------------------
PLAIN = [
    "Vorname;Nachname;Straße;PLZ;Ort;E-Mail",
    "Jürgen;Weiß;Schillerstraße 7;28195;Bremen;j.weiss@web.de",
    "Eva;Schröder;Lindenweg 3;80331;München;eva@example.de",
    'Juergen;Weiss;"Schillerstr. 7";28195;Bremen;j.weiss@web.de',
    "Stefan;Wolf;Bahnhofstr. 7;01067;Dresden;s.wolf@posteo.de",
]


def test_plain_list_without_id_comes_back_unchanged_with_group_columns(tmp_path: Path) -> None:
    source = tmp_path / "kunden.csv"
    source.write_bytes(("\r\n".join(PLAIN) + "\r\n").encode("cp1252"))
    result = CliRunner().invoke(
        app, ["dedupe", str(source), "--out", str(tmp_path / "out")], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "the row number is the id" in result.output
    annotated = tmp_path / "out" / "kunden_Dubletten.csv"
    assert f"Open this file: {annotated}" in result.output
    raw = annotated.read_bytes()
    text = raw.decode("cp1252")  # same encoding, same delimiter, same line ends
    lines = text.split("\r\n")
    assert lines[0] == PLAIN[0] + ";Dubletten_Gruppe;Golden_ID;Sicherheit"
    cells = [line.split(";") for line in lines[1:] if line]
    assert [row[:6] for row in cells] == [
        line.split(";") for line in PLAIN[1:]
    ]  # the user's lines, unchanged (quotes too) and in their order
    groups = [row[6] for row in cells]
    assert groups == ["1", "", "1", ""]  # Jürgen Weiß twice; numbered by first appearance
    assert cells[0][7] == cells[2][7] and cells[0][7].startswith("G")
    assert 90 <= int(cells[0][8]) <= 100 and cells[1][8] == ""
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    assert sorted(crosswalk["source_id"]) == ["1", "2", "3", "4"]  # row numbers as ids


def test_plain_list_quarantined_rows_carry_their_row_number_as_id(tmp_path: Path) -> None:
    """Without --id the row number is the id: a quarantined row carries the id it would have
    had, so the user finds it (the crosswalk's ids and quarantine's together are 1 to 7)."""
    lines = [
        PLAIN[0],
        PLAIN[1],
        'Eva;"Schröder;Lindenweg 3;80331;München;eva@example.de',  # a quote never closed
        "",  # an empty row
        PLAIN[3],
        "Stefan;Wolf;Bahnhofstr. 7;01067;Dresden;s.wolf@posteo.de;zu viel",  # a field too many
        "Anna;Lang;" + "Ringstraße 2 " * 100 + ";8010;Graz;anna@web.de",  # over 1,000 characters
        "Tim;Wolf;Am Markt 1;4020;Linz;tim@web.de",
    ]
    source = tmp_path / "kunden.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["dedupe", str(source), "--out", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    quarantine = pl.read_csv(tmp_path / "out" / "quarantine.csv", infer_schema=False)
    assert quarantine.select("source_id", "row_number").rows() == [
        ("2", "2"),
        ("3", "3"),
        ("5", "5"),
        ("6", "6"),
    ]
    assert [reason.split(" (")[0].split(":")[0] for reason in quarantine["reason"]] == [
        "expected 6 fields, found 2",
        "empty row",
        "expected 6 fields, found 7",
        "value too long",
    ]
    assert quarantine["raw"].to_list()[:3] == [lines[2], "", lines[5]]
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    assert sorted(crosswalk["source_id"]) == ["1", "4", "7"]


# -- the annotated CSV: each row's cells on the line(s) the pipeline read that row from ---------
BROKEN = [
    "Kundennr;Vorname;Nachname;Straße;PLZ;Ort;E-Mail",
    "K1;Max;Müller;Hauptstraße 1;01067;Dresden;max@web.de",
    'K2;Eva;"Roth;Lindenweg 3;80331;München;eva@roth.de',  # a quote that never closes
    "K3;Max;Müller;Hauptstraße 1;01067;Dresden;max@web.de",
    'K4;Anna;Lang";Ringstraße 2;8010;Graz;anna@web.de',  # a csv reader would close K2's here
    "K5;Tim;Wolf;Am Markt 1;4020;Linz;tim@web.de",
    "K6;Anna;Lang;Ringstraße 2;8010;Graz;anna@web.de",
]


def test_a_broken_quote_does_not_shift_the_group_columns(tmp_path: Path) -> None:
    """K2's open quote made a csv reader swallow K3 and half of K4: K3's group landed on
    Tim Wolf (K5), who was then a duplicate of Max Müller. Each line gets its own row's cells."""
    source = tmp_path / "kunden.csv"
    source.write_text("\n".join(BROKEN) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["dedupe", str(source), "--id", "Kundennr", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output

    lines = (tmp_path / "out" / "kunden_Dubletten.csv").read_text("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == len(BROKEN) + 1  # line for line, nothing swallowed
    assert lines[0] == BROKEN[0] + ";Dubletten_Gruppe;Golden_ID;Sicherheit"
    # Quarantined: its open quote closed at the line's end (a spreadsheet reads the next lines
    # as rows of their own), no group.
    assert lines[2] == BROKEN[2] + '";;;'
    labels = {}
    for source_line, line in zip(BROKEN[1:], lines[1:-1], strict=True):
        own = source_line + ('"' if line.startswith(source_line + '"') else "")
        assert line.startswith(own + ";")
        labels[source_line.split(";")[0]] = tuple(line[len(own) + 1 :].split(";"))
    # Read as a spreadsheet reads it: one row per line, every row's own labels.
    read_back = list(csv.reader(io.StringIO("\n".join(lines[:-1])), delimiter=";"))
    assert [row[0] for row in read_back[1:]] == [line.split(";")[0] for line in BROKEN[1:]]
    assert [row[-3] for row in read_back[1:]] == ["1", "", "1", "2", "", "2"]
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    golden = dict(crosswalk.select("source_id", "golden_id").iter_rows())
    assert sorted(golden) == ["K1", "K3", "K4", "K5", "K6"]
    for source_id, golden_id in golden.items():  # every row's own golden id on its own line
        assert labels[source_id][1] == golden_id, source_id
    assert [labels[key][0] for key in ("K1", "K2", "K3", "K4", "K5", "K6")] == [
        "1",
        "",
        "1",
        "2",
        "",
        "2",
    ]
    assert labels["K5"][2] == ""  # Tim Wolf is nobody's duplicate


# Row numbers as the pipeline counts records: a blank line is row 4 (quarantined as empty),
# K4's quoted note spans two lines and is one row.
SPECIAL = [
    "Kundennr;Name;Notiz",
    "K1;Max Müller;",
    'K2;"Eva Roth;offen',
    "K3;Max Müller;",
    "",
    'K4;Jörg Weiß;"Zeile eins',
    'Zeile zwei; mit ""Zitat"""',
    "K5;Tim Wolf;",
]
ROW_OF = {"K1": 1, "K2": 2, "K3": 3, "K4": 5, "K5": 6}
EXPECTED = [
    SPECIAL[0] + ";Dubletten_Gruppe;Golden_ID;Sicherheit",
    SPECIAL[1] + ";1;GK1;91",
    SPECIAL[2] + '";;;',  # quarantined: its open quote closed at the line's end, no group
    SPECIAL[3] + ";1;GK3;91",
    "",
    SPECIAL[5],
    SPECIAL[6] + ";;GK4;",
    SPECIAL[7] + ";;GK5;",
]


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom", "end"),
    [
        (";", "cp1252", b"", "\r\n"),
        (",", "utf-8", b"\xef\xbb\xbf", "\n"),
        (";", "utf-8", b"\xef\xbb\xbf", "\r\n"),
        ("\t", "utf-16-le", b"\xff\xfe", "\r\n"),
    ],
)
def test_annotated_csv_is_the_source_line_for_line(
    tmp_path: Path, delimiter: str, encoding: str, bom: bytes, end: str
) -> None:
    def file_text(lines: list[str]) -> str:
        return end.join(line.replace(";", delimiter) for line in lines) + end

    source = tmp_path / "kunden.csv"
    source.write_bytes(bom + file_text(SPECIAL).encode(encoding))
    read = parse_delimited(
        "file",
        file_text(SPECIAL),
        delimiter,
        max_record_lines=FILE_RECORD_LINES,
        id_column="Kundennr",
    )
    assert dict(read.frame.select("Kundennr", "_row_number").iter_rows()) == {
        key: row for key, row in ROW_OF.items() if key != "K2"
    }  # the pipeline's own numbering of these records
    assert read.quarantine["row_number"].to_list() == [ROW_OF["K2"], 4]
    groups = read.frame.select(
        pl.col("_row_number").alias("row_number"),
        pl.when(pl.col("Kundennr").is_in(["K1", "K3"])).then(1).alias("Dubletten_Gruppe"),
        ("G" + pl.col("Kundennr")).alias("Golden_ID"),
        pl.when(pl.col("Kundennr").is_in(["K1", "K3"])).then(91).alias("Sicherheit"),
    )
    target = tmp_path / "kunden_Dubletten.csv"
    write_annotated_csv(
        source,
        target,
        groups,
        encoding="auto",
        delimiter="auto",
        max_record_lines=FILE_RECORD_LINES,
    )
    assert target.read_bytes() == bom + file_text(EXPECTED).encode(encoding)


def test_annotated_csv_keeps_a_last_line_without_line_end_and_blank_lines_above(
    tmp_path: Path,
) -> None:
    source = tmp_path / "kunden.csv"
    source.write_bytes(b"\r\n\r\nid,Name\r\n1,Max\r\n2,Eva")
    groups = pl.DataFrame(
        {"row_number": [1, 2], "Dubletten_Gruppe": [None, None], "Golden_ID": ["G1", "G,2"]},
        schema_overrides={"Dubletten_Gruppe": pl.Int64},
    ).with_columns(Sicherheit=pl.lit(None, pl.Int64))
    target = tmp_path / "out.csv"
    write_annotated_csv(
        source, target, groups, encoding="auto", delimiter="auto", max_record_lines=3
    )
    assert target.read_bytes() == (
        b'\r\n\r\nid,Name,Dubletten_Gruppe,Golden_ID,Sicherheit\r\n1,Max,,G1,\r\n2,Eva,,"G,2",'
    )


def test_excel_in_excel_out(tmp_path: Path) -> None:
    import openpyxl

    source = tmp_path / "kunden.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in PLAIN:
        sheet.append(line.replace('"', "").split(";"))
    sheet["D2"].number_format = "@"
    workbook.save(source)
    outcome = dedupe_file(source, None, tmp_path / "out")
    assert outcome.annotated == tmp_path / "out" / "kunden_Dubletten.xlsx"
    rows = list(openpyxl.load_workbook(outcome.annotated).active.iter_rows(values_only=True))
    assert rows[0] == (*PLAIN[0].split(";"), "Dubletten_Gruppe", "Golden_ID", "Sicherheit")
    assert [row[6] for row in rows[1:]] == [1, None, 1, None]
    assert rows[1][:6] == tuple(PLAIN[1].split(";"))


def test_version_and_help_without_python_type_names() -> None:
    runner = CliRunner()
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("golden-records ")
    for command in ("dedupe", "export", "init", "review apply"):
        help_text = runner.invoke(app, [*command.split(), "--help"], terminal_width=120).output
        assert "Example: golden " in help_text, command
        for type_name in ("<str>", "<path>", "<bool>", "<int>", "TEXT", "PATH"):
            assert type_name not in help_text, (command, type_name)


def test_two_runs_write_byte_identical_pairs(tmp_path: Path) -> None:
    """pairs.parquet is the same file on every run of the same input: every score to the last
    bit (matching.scoring adds the weights in one fixed order)."""
    lines = [HEADER] + [f"{row_id};{row}" for row_id, row, _ in ROWS]
    source = tmp_path / "export.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for run in ("one", "two"):
        dedupe_file(source, "Kundennr", tmp_path / run, all_pairs=True)
    first = (tmp_path / "one" / "pairs.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "one" / "pairs.parquet").height > len(ROWS) // 2
    assert (tmp_path / "two" / "pairs.parquet").read_bytes() == first
