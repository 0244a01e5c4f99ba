"""`golden dedupe` on organisation lists: roles from organisation headers and from legal forms in a
"Name" column, and a US-style site list (site name, one-line address, phone)."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import polars as pl
import pytest

from flows.dedupe import dedupe_file, infer_roles, organisation_name_column

US_SITES = Path(__file__).parent.parent / "data" / "us_sites.csv"


@pytest.mark.parametrize(
    "header",
    [
        "Firma",
        "Firmenname",
        "Unternehmen",
        "Company",
        "Company Name",
        "Account Name",
        "Organisation",
        "Organization",
        "Site name",
        "Site Name",
        "Betrieb",
        "Organization_Name",
    ],
)
def test_organisation_headers(header: str) -> None:
    mapping, unused = infer_roles(["id", header, "PLZ"], "id", {})
    assert mapping["organisation_name"] == header
    assert unused == []


@pytest.mark.parametrize("header", ["Ansprechpartner", "Kontaktperson", "Contact Person", "z.Hd."])
def test_contact_person_headers(header: str) -> None:
    mapping, _ = infer_roles(["id", "Firma", header], "id", {})
    assert mapping["contact_name"] == header


def _name_column(values: list[str | None]) -> dict[str, str | list[str]]:
    raw = pl.DataFrame({"id": [str(i) for i in range(len(values))], "Name": values})
    mapping, _ = infer_roles(raw.columns, "id", {})
    return organisation_name_column(mapping, raw, {})


def test_a_name_column_of_companies_is_an_organisation_column() -> None:
    values = ["Huber Bau GmbH", "Gruber Holz GesmbH", "Bäckerei Groß A.G.", "Alpine Tours Ltd."]
    values += ["Schreinerei Vogt", None]  # one without legal form: still a company
    assert _name_column(values) == {"source_id": "id", "organisation_name": "Name"}


def test_a_mixed_name_column_stays_a_name_column() -> None:
    values = ["Huber Bau GmbH", "Anna Huber", "Dr. Max Mustermann", "Gruber Holz GesmbH"]
    assert _name_column(values) == {"source_id": "id", "full_name": "Name"}


def test_an_explicit_role_wins_over_the_values() -> None:
    raw = pl.DataFrame({"id": ["1"], "Name": ["Huber Bau GmbH"]})
    mapping, _ = infer_roles(raw.columns, "id", {"Name": "full_name"})
    assert organisation_name_column(mapping, raw, {"Name": "full_name"})["full_name"] == "Name"


def test_mixed_name_column_end_to_end(tmp_path: Path) -> None:
    # Records whose value carries a legal form become organisations, the others persons.
    source = tmp_path / "kunden.csv"
    source.write_text(
        "Nr;Name;PLZ;Ort;Telefon\n"
        "1;Huber Bau GmbH;80331;München;089 4455660\n"
        "2;Huber Bau G.m.b.H.;80331;München;+49 89 4455660\n"
        "3;Anna Huber;80331;München;089 4455660\n"
        "4;Max Mustermann;10115;Berlin;030 1234567\n"
        "5;Mustermann, Max;10115;Berlin;030 1234567\n",
        encoding="utf-8",
    )
    dedupe_file(source, "Nr", tmp_path / "out")
    golden = pl.read_csv(tmp_path / "out" / "golden.csv", infer_schema=False)
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    ids = dict(zip(crosswalk["source_id"], crosswalk["golden_id"], strict=True))
    types = dict(zip(golden["golden_id"], golden["record_type"], strict=True))
    assert types[ids["1"]] == "organisation" and ids["1"] == ids["2"]
    assert types[ids["3"]] == "person" and ids["3"] != ids["1"]
    assert types[ids["4"]] == "person" and ids["4"] == ids["5"]


@pytest.fixture(scope="module")
def us_sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("us_sites") / "out"
    dedupe_file(US_SITES, "site_id", out)
    return out


def test_us_site_list_loses_no_row(us_sites: Path) -> None:
    quarantine = pl.read_csv(us_sites / "quarantine.csv", infer_schema=False)
    assert quarantine.height == 0
    crosswalk = pl.read_csv(us_sites / "crosswalk.csv", infer_schema=False)
    assert crosswalk.height == pl.read_csv(US_SITES, infer_schema=False).height


def _entities() -> dict[str, list[str]]:
    source = pl.read_csv(US_SITES, infer_schema=False)
    groups: dict[str, list[str]] = {}
    for site, entity in source.select("site_id", "entity").iter_rows():
        groups.setdefault(entity, []).append(site)
    return groups


def test_us_site_duplicates_merge_and_namesakes_stay_apart(us_sites: Path) -> None:
    crosswalk = pl.read_csv(us_sites / "crosswalk.csv", infer_schema=False)
    ids = dict(zip(crosswalk["source_id"], crosswalk["golden_id"], strict=True))
    groups = _entities()
    for sites in groups.values():  # "Acme Corp." / "ACME Corporation", "St." / "Saint" ...
        assert len({ids[site] for site in sites}) == 1, sites
    # Namesakes in other towns (St. Luke's Hospital, Mountain View Pediatrics) stay apart.
    for left, right in combinations(sorted(groups), 2):
        assert ids[groups[left][0]] != ids[groups[right][0]], (left, right)


def test_us_one_line_addresses_are_split(us_sites: Path) -> None:
    golden = pl.read_csv(us_sites / "golden.csv", infer_schema=False)
    acme = golden.filter(pl.col("organisation_name").str.to_lowercase().str.contains("acme"))
    row = acme.row(0, named=True)
    assert (row["postal_code"], row["city"], row["country"]) == ("62701", "Springfield", "US")
    # The suite rides in the house number (one building holds many organisations), as written
    # by whichever record gave the address.
    assert row["house_number"] in ("100 Suite 200", "100 Ste 200")


def test_contact_in_the_address_and_in_an_ansprechpartner_column(tmp_path: Path) -> None:
    source = tmp_path / "firmen.csv"
    source.write_text(
        "Nr;Firma;Ansprechpartner;Adresse;Telefon\n"
        '1;Huber Bau GmbH;;"Werkstraße 3, z. Hd. Frau Anna Huber, 80331 München";089 4455660\n'
        "2;Huber Bau G.m.b.H.;Herr Max Huber;Werkstr. 3, 80331 München;+49 89 4455660\n",
        encoding="utf-8",
    )
    dedupe_file(source, "Nr", tmp_path / "out")
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    ids = dict(zip(crosswalk["source_id"], crosswalk["golden_id"], strict=True))
    assert ids["1"] == ids["2"]
    golden = pl.read_csv(tmp_path / "out" / "golden.csv", infer_schema=False)
    contacts = golden.filter(pl.col("account_golden_id") == ids["1"])
    assert sorted(contacts["first_name"].to_list()) == ["Anna", "Max"]


def test_site_list_without_city_with_local_phones_and_long_multi_line_values(
    tmp_path: Path,
) -> None:
    # As public US site lists are stacked: the name over several lines, addresses without city
    # or state, phones without area code; two branches of one agency share its phone.
    source = tmp_path / "sites.csv"
    source.write_text(
        "Id,Site name,Address,Zip,Phone\n"
        '1,"Chicago Commons\nAssociation\n-\nPaulo\nFreire\nCenter",'
        '"1653 W. 43rd St",60609,8266260\n'
        "2, Chicago Commons Association - Paulo Freire,1653 West 43rd Street ,,826-6260\n"
        "3,CHICAGO COMMONS PAULO FREIRE,1653 W 43RD ST,60609,(773) 826-6260\n"
        "4,Erie Neighborhood House - Lucia Rubio Site,2201 W Newport Ave ,,4322213\n"
        "5,Erie Neighborhood House - Maria Mahecha Site,4151 W Lawrence ,,4322213\n"
        "6,Abraham Lincoln Centre - Donoghue,707 E 37th St ,,\n"
        "7, Abraham Lincoln Center Donoghue,707 E. 37th St. ,,7295325\n",
        encoding="utf-8",
    )
    result = dedupe_file(source, "Id", tmp_path / "out")
    assert result.result.summary.quarantined == 0
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    ids = dict(zip(crosswalk["source_id"], crosswalk["golden_id"], strict=True))
    assert ids["1"] == ids["2"] == ids["3"]
    assert ids["6"] == ids["7"]
    assert ids["4"] != ids["5"]  # one agency's phone, two addresses: two sites
    golden = pl.read_csv(tmp_path / "out" / "golden.csv", infer_schema=False)
    assert set(golden["country"]) == {"US"}
    assert set(golden["record_type"]) == {"organisation"}
    freire = golden.filter(pl.col("golden_id") == ids["1"]).row(0, named=True)
    assert "+17738266260" in freire["phones"]  # the full number of record 3 survives


def test_company_line_and_department_in_the_address_stay_with_the_organisation(
    tmp_path: Path,
) -> None:
    source = tmp_path / "firmen.csv"
    source.write_text(
        "Nr;Name;Adresse;Telefon\n"
        '1;;"Huber Bau GmbH\nz. Hd. Buchhaltung\nWerkstr. 3\n80331 München";089 4455660\n'
        "2;Huber Bau G.m.b.H.;Werkstraße 3, 80331 München;+49 89 4455660\n"
        "3;Anna Huber;Lindenstraße 9, 80333 München;0171 2345678\n",
        encoding="utf-8",
    )
    dedupe_file(source, "Nr", tmp_path / "out")
    crosswalk = pl.read_csv(tmp_path / "out" / "crosswalk.csv", infer_schema=False)
    ids = dict(zip(crosswalk["source_id"], crosswalk["golden_id"], strict=True))
    assert set(ids) == {"1", "2", "3"}  # no contact record for "Buchhaltung"
    assert ids["1"] == ids["2"] != ids["3"]
    golden = pl.read_csv(tmp_path / "out" / "golden.csv", infer_schema=False)
    company = golden.filter(pl.col("golden_id") == ids["1"]).row(0, named=True)
    assert (company["record_type"], company["street"], company["house_number"]) == (
        "organisation",
        "Werkstraße",
        "3",
    )
    assert golden.filter(pl.col("account_golden_id") == ids["1"]).height == 0
