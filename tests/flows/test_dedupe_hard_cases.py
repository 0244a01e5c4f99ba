"""`golden dedupe` with defaults only, on a file without salutation column: hard cases by hand.

Family members who look alike must stay apart (twins with similar names, Stefan and Stefanie,
parent and child of one name at one address); true duplicates with the typos real data has
must still merge (Meier / Maier, a day-month swap, Hans / Johannes, first and last name
swapped). Written record by record, not generated; no flags, no golden.toml.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flows.dedupe import dedupe_file

HEADER = "Nr;Vorname;Nachname;Straße;PLZ;Ort;Mobil;E-Mail;Geburtsdatum"
ROWS = [
    # Stefan and Stefanie Weber at one address, own e-mails, no salutation column -> apart
    ("1", "Stefan;Weber;Kastanienallee 3;10435;Berlin;;stefan.weber@gmx.de;"),
    ("2", "Stefanie;Weber;Kastanienallee 3;10435;Berlin;;steffi.w@web.de;"),
    # twins Lena and Lea: same birth date and address, own mobiles and e-mails -> apart
    ("3", "Lena;Hoffmann;Birkenweg 12;90402;Nürnberg;0171 2345678;lena.h@gmx.de;05.06.2001"),
    ("4", "Lea;Hoffmann;Birkenweg 12;90402;Nürnberg;0172 9876543;lea.h@web.de;05.06.2001"),
    # Christian and Christiane Braun, a couple at one address -> apart
    ("5", "Christian;Braun;Lerchenstraße 8;70176;Stuttgart;;c.braun@t-online.de;"),
    ("6", "Christiane;Braun;Lerchenstraße 8;70176;Stuttgart;;christiane.braun@gmx.de;"),
    # father and son of one name at one address, own mobiles -> apart
    ("7", "Klaus;Fischer;Mühlweg 1;93047;Regensburg;0160 1112223;;"),
    ("8", "Klaus;Fischer;Mühlweg 1;93047;Regensburg;0151 44455566;;"),
    # Meier / Maier: one person, surname typo, same birth date and address -> merge
    ("9", "Jürgen;Meier;Talstraße 4;79098;Freiburg;;;17.08.1966"),
    ("10", "Jürgen;Maier;Talstraße 4;79098;Freiburg;;;17.08.1966"),
    # 12.03.1980 / 03.12.1980: day and month swapped -> merge
    ("11", "Sabine;Krüger;Ahornweg 9;24103;Kiel;0176 5550001;;12.03.1980"),
    ("12", "Sabine;Krüger;Ahornweg 9;24103;Kiel;0176 5550001;;03.12.1980"),
    # Hans / Johannes: nickname, same birth date and address -> merge
    ("13", "Hans;Zimmermann;Eichenstraße 2;86150;Augsburg;;;21.01.1949"),
    ("14", "Johannes;Zimmermann;Eichenstraße 2;86150;Augsburg;;;21.01.1949"),
    # first and last name swapped -> merge
    ("15", "Markus;Vogel;Seestraße 14;88045;Friedrichshafen;0152 33344455;;02.11.1977"),
    ("16", "Vogel;Markus;Seestraße 14;88045;Friedrichshafen;0152 33344455;;02.11.1977"),
    # mother and daughter Anna Schmidt at one address, born 1960 and 1985; a record with no
    # birth date shares the mother's e-mail and the daughter's mobile: it may join one of them,
    # never both, and the refused bridge goes to the review queue
    ("17", "Anna;Schmidt;Lindenstraße 5;04109;Leipzig;;anna.schmidt@web.de;01.01.1960"),
    ("18", "Anna;Schmidt;;;;0171 1111111;anna.schmidt@web.de;"),
    ("19", "Anna;Schmidt;Lindenstraße 5;04109;Leipzig;0171 1111111;;14.07.1985"),
]
APART = [
    ("1", "2", "Stefan and Stefanie without salutation"),
    ("3", "4", "twins Lena and Lea"),
    ("5", "6", "Christian and Christiane"),
    ("7", "8", "father and son of one name and address"),
    ("17", "19", "mother and daughter joined only through a record without birth date"),
]
TOGETHER = [
    ("9", "10", "Meier / Maier"),
    ("11", "12", "12.03.1980 / 03.12.1980"),
    ("13", "14", "Hans / Johannes"),
    ("15", "16", "first and last name swapped"),
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hard-cases")
    source = folder / "kunden.csv"
    lines = [HEADER] + [f"{row_id};{row}" for row_id, row in ROWS]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dedupe_file(source, "Nr", folder / "out")
    return folder / "out"


def _golden(outputs: Path) -> dict[str, str]:
    crosswalk = pl.read_csv(outputs / "crosswalk.csv", infer_schema=False)
    return dict(crosswalk.select("source_id", "golden_id").iter_rows())


@pytest.mark.parametrize(("left", "right", "description"), APART)
def test_family_members_stay_apart(outputs: Path, left: str, right: str, description: str) -> None:
    golden = _golden(outputs)
    assert golden[left] != golden[right], description


@pytest.mark.parametrize(("left", "right", "description"), TOGETHER)
def test_typos_still_merge(outputs: Path, left: str, right: str, description: str) -> None:
    golden = _golden(outputs)
    assert golden[left] == golden[right], description


def test_refused_bridge_is_counted_and_queued_for_review(outputs: Path) -> None:
    golden = _golden(outputs)
    assert golden["18"] == golden["17"]  # the shared e-mail decides first (a hard match)
    summary = json.loads((outputs / "summary.json").read_text("utf-8"))
    assert summary["merges_refused"] == {
        "total": 1,
        "by_reason": {"conflict: birth_date:different": 1},
    }
    queue = pl.read_csv(outputs / "review_queue.csv", infer_schema=False)
    refused = queue.filter(pl.col("refused_merge").is_not_null())
    assert refused.select("left_source_id", "right_source_id", "refused_merge").rows() == [
        ("18", "19", "conflict: birth_date:different")
    ]
