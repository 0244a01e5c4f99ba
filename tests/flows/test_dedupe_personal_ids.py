"""`golden dedupe` with defaults only on files with a personal id column (AHV-Nr., soc_sec_id).

A shared personal id is stronger evidence than a replaced given name or a mistyped birth date;
two ids that both pass their check digit and differ are two people, even with one name and
birth date. The role is inferred from the header; nothing is configured.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.dedupe import dedupe_file

SWISS_HEADER = "Nr;Vorname;Nachname;Strasse;PLZ;Ort;Land;Geburtsdatum;AHV-Nr."
SWISS_ROWS = [
    # one person, the given name replaced by another (Ursula / Brigitte), same AHV number
    ("1", "Ursula;Brunner;Bahnhofstrasse 7;8001;Zürich;CH;03.04.1971;756.9217.0769.85"),
    ("2", "Brigitte;Brunner;Bahnhofstrasse 7;8001;Zürich;CH;03.04.1971;7569217076985"),
    # two men of one name, born the same day in one town: different valid AHV numbers
    ("3", "Daniel;Keller;Seeweg 2;3011;Bern;CH;12.09.1985;756.3982.5979.11"),
    ("4", "Daniel;Keller;Seeweg 2;3011;Bern;CH;12.09.1985;756.9074.8337.83"),
    # one person, the AHV number mistyped in one record (check digit fails: kept, flagged)
    ("5", "Beat;Widmer;Rosenweg 4;6003;Luzern;CH;30.01.1962;756.8762.3286.00"),
    ("6", "Beat;Widmer;Rosenweg 4;6003;Luzern;CH;30.01.1962;756.8762.3286.09"),
    # one person, the birth date mistyped by a generation, same AHV number
    ("7", "Reto;Frei;Dorfstrasse 1;9000;St. Gallen;CH;14.02.1958;756.1234.5678.97"),
    ("8", "Reto;Frei;Dorfstrasse 1;9000;St. Gallen;CH;14.02.1988;756.1234.5678.97"),
]
FEBRL_HEADER = (
    "rec_id,given_name,surname,street_number,address_1,suburb,postcode,date_of_birth,soc_sec_id"
)
FEBRL_ROWS = [
    # the FEBRL case: a replaced given name, linked by the social security number only
    ("a-org", "lachlan,berry,69,giblin street,bittern,4814,19990219,7364009"),
    ("a-dup", "jack,berry,69,giblin street,bittern,4814,19990219,7364009"),
    # a digit of the SSN mistyped: the rest still says one person
    ("b-org", "emily,walsh,12,ryrie crescent,mawson,2607,19620815,4455123"),
    ("b-dup", "emily,walsh,12,ryrie crescent,mawson,2607,19620815,4455132"),
    # another person of a similar name elsewhere, own SSN
    ("c-org", "jack,barry,3,mcdonald street,toowoomba,4350,19740302,9021377"),
    # both names missing: the SSN (and address, birth date) still identify the person
    ("d-org", "sarah,lee,8,hay street,perth,6000,19801104,5566778"),
    ("d-dup", ",,8,hay street,perth,6000,19801104,5566778"),
    # the given name replaced AND two digits of the SSN swapped: the id typo outweighs the
    # replaced name (two people's numbers are one typo apart only by coincidence)
    ("f-org", "william,hughes,14,darling street,ballina,2478,19481017,3217546"),
    ("f-dup", "thomas,hughes,14,darling street,ballina,2478,19481017,3215746"),
    # twins at one address, born the same day, with consecutive SSNs: two people
    ("g-one", "olivia,marsh,27,kent road,dubbo,2830,20010612,8812340"),
    ("g-two", "sophie,marsh,27,kent road,dubbo,2830,20010612,8812341"),
    # nothing that identifies anybody: quarantined with its reason
    ("e-org", ",,,,,,,"),
]


def _run(tmp_path: Path, name: str, header: str, rows: list[tuple[str, str]], sep: str) -> Path:
    source = tmp_path / name
    source.write_text("\n".join([header] + [f"{i}{sep}{row}" for i, row in rows]) + "\n")
    result = dedupe_file(source, header.split(sep)[0], tmp_path / "out")
    (tmp_path / "roles.txt").write_text(str(result.roles.get("personal_id")))
    return tmp_path / "out"


@pytest.fixture(scope="module")
def swiss(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("ahv"), "kunden.csv", SWISS_HEADER, SWISS_ROWS, ";")


@pytest.fixture(scope="module")
def febrl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("ssn"), "persons.csv", FEBRL_HEADER, FEBRL_ROWS, ",")


def _golden(outputs: Path) -> dict[str, str]:
    crosswalk = pl.read_csv(outputs / "crosswalk.csv", infer_schema=False)
    return dict(crosswalk.select("source_id", "golden_id").iter_rows())


@pytest.mark.parametrize(
    ("left", "right", "together", "why"),
    [
        ("1", "2", True, "same AHV number, given name replaced"),
        ("3", "4", False, "namesakes born the same day with different valid AHV numbers"),
        ("5", "6", True, "AHV number with a wrong check digit in one record"),
        ("7", "8", True, "same AHV number, birth year a generation off"),
    ],
)
def test_ahv_number_decides(swiss: Path, left: str, right: str, together: bool, why: str) -> None:
    golden = _golden(swiss)
    assert (golden[left] == golden[right]) is together, why


@pytest.mark.parametrize(
    ("left", "right", "together", "why"),
    [
        ("a-org", "a-dup", True, "same SSN, given name replaced"),
        ("b-org", "b-dup", True, "SSN with two digits swapped"),
        ("a-dup", "c-org", False, "similar name, other SSN, other address and birth date"),
        ("g-one", "g-two", False, "twins: same address and birth date, consecutive SSNs"),
    ],
)
def test_social_security_number_weighs(
    febrl: Path, left: str, right: str, together: bool, why: str
) -> None:
    golden = _golden(febrl)
    assert (golden[left] == golden[right]) is together, why


def _queued(outputs: Path) -> set[frozenset[str]]:
    queue = pl.read_csv(outputs / "review_queue.csv", infer_schema=False)
    return {frozenset(pair) for pair in queue.select("left_source_id", "right_source_id").rows()}


def test_a_mistyped_ssn_lifts_the_first_name_veto_neighbouring_ssns_do_not(febrl: Path) -> None:
    # A replaced given name with the SSN one typo apart is no longer refused outright: the
    # weights decide (with the hand-set weights of a file this small: the review queue; the
    # EM of a larger file learns how strong an SSN typo is and merges it, benchmarks/README.md).
    golden = _golden(febrl)
    assert golden["f-org"] == golden["f-dup"] or frozenset({"f-org", "f-dup"}) in _queued(febrl)
    # Twins with consecutive numbers stay refused by the veto: apart, and not even queued.
    assert golden["g-one"] != golden["g-two"]
    assert frozenset({"g-one", "g-two"}) not in _queued(febrl)


def test_roles_are_inferred_from_the_headers(swiss: Path, febrl: Path) -> None:
    assert (swiss.parent / "roles.txt").read_text() == "AHV-Nr."
    assert (febrl.parent / "roles.txt").read_text() == "soc_sec_id"


def test_a_wrong_check_digit_is_flagged_not_dropped(swiss: Path) -> None:
    findings = pl.read_csv(swiss / "findings.csv", infer_schema=False)
    flagged = findings.filter(pl.col("field") == "personal_id")
    assert flagged["source_id"].to_list() == ["6"]
    assert flagged["status"].to_list() == ["invalid"]


def test_a_personal_id_identifies_a_record_without_a_name(febrl: Path) -> None:
    golden = _golden(febrl)
    assert golden["d-org"] == golden["d-dup"]
    quarantine = pl.read_csv(febrl / "quarantine.csv", infer_schema=False)
    assert quarantine.select("source_id", "reason").rows() == [
        ("e-org", "no name, organisation, e-mail, phone or personal id left after cleaning")
    ]
