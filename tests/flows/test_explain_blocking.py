"""`golden dedupe --explain-blocking`: the estimate per rule, before and without matching."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.dedupe import dedupe_file, explain_blocking

HEADER = "id,first_name,surname,dob,city,email"
# Common names, shared birth dates and cities: every default person rule finds pairs here.
# One e-mail per record, so no pair shares two keys of a one-key rule and the estimate is exact.
ROWS = [
    "1,Anna,Schmidt,1980-01-01,Berlin,anna.schmidt@web.de",
    "2,Anna,Schmidt,1980-01-01,Berlin,anna.schmidt@gmx.de",
    "3,Anna,Schmit,1980-01-01,Berlin,",
    "4,Schmidt,Anna,1980-01-01,Berlin,anna.schmidt@web.de",
    "5,Max,Meier,1975-06-30,Berlin,max.meier@posteo.de",
    "6,Max,Mayer,1975-06-30,Hamburg,max.meier@posteo.de",
    "7,Moritz,Meier,1975-06-30,Hamburg,",
    "8,Max,Meier,1990-02-02,Hamburg,mm@t-online.de",
    "9,Lena,Wolf,1980-01-01,Köln,lena@wolf.de",
]


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "persons.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_estimate_equals_the_pairs_the_run_builds(source: Path, tmp_path: Path) -> None:
    estimate = explain_blocking(source, "id")
    run = dedupe_file(source, "id", tmp_path / "out").result

    built = run.outputs.matched.blocking.pairs_per_rule
    estimated = {rule.rule: rule.pairs for rule in estimate.rules}
    # Rules with two keys per record (the start and the end of a name or of an e-mail's local
    # part) count a pair sharing both twice: for them the estimate is an upper bound, for the
    # others exact.
    several_keys = {
        "first_name_birth_month",
        "last_name_birth_month",
        "name_parts_birth_year",
        "email_typo",
    }
    assert {rule: estimated[rule] for rule in built if rule not in several_keys} == {
        rule: pairs for rule, pairs in built.items() if rule not in several_keys
    }
    assert all(
        built[rule] <= estimated[rule] < 2 * built[rule] + 1 for rule in several_keys & set(built)
    )
    assert sum(built.values()) > 0 and estimate.records == len(ROWS)


def test_cli_prints_the_table_and_writes_nothing(source: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["dedupe", str(source), "--id", "id", "--explain-blocking"],
        env={"COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    estimate = explain_blocking(source, "id")
    for rule in estimate.rules:
        line = next(line for line in result.output.splitlines() if f" {rule.rule} " in line)
        assert f" {rule.pairs:,} " in line
    assert "Schmidt" not in result.output and "anna" not in result.output.lower()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["persons.csv"]


def test_a_rule_over_budget_is_reported_by_the_estimate_and_the_run(tmp_path: Path) -> None:
    # 30 people born on one day: 435 birth-date pairs, more than 2 per record (the default
    # [matching] rule_pairs_per_record), in a block above split_block_size (20).
    first = ("Anna", "Bernd", "Clara", "Dieter", "Erik", "Frieda")
    last = ("Huber", "Keller", "Wagner", "Becker", "Zander")
    rows = [
        f"{index},{first[index % 6]},{last[index // 6]},1980-01-01,,"
        f"{first[index % 6].lower()}{index}@example.org"
        for index in range(30)
    ]
    path = tmp_path / "born_one_day.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    result = CliRunner().invoke(
        app, ["dedupe", str(path), "--id", "id", "--explain-blocking"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("birth_date:"))
    assert "435 pairs, over the budget of 60" in line
    assert "1 blocks split by initials" in line

    run = dedupe_file(path, "id", tmp_path / "out").result
    summary = run.outputs.summary_dict()
    (adjustment,) = [a for a in summary["blocking_adjustments"] if a["rule"] == "birth_date"]
    assert adjustment["pairs_before"] == 435
    # Pairs with an initial in common (first name, surname; the e-mails start as the first name).
    initials = [{first[index % 6][0], last[index // 6][0]} for index in range(30)]
    sharing = sum(bool(a & b) for a, b in combinations(initials, 2))
    assert run.outputs.matched.blocking.pairs_per_rule["birth_date"] == sharing < 435
    assert adjustment["pairs_avoided"] == 435 - adjustment["pairs_after"] > 0
