"""Branches of one chain in two towns: one legal entity (one VAT id, one domain), two customers.

The records are cleaned by the real cleaners, compared, scored with the default weights and hard
rules and clustered as a run does (tests.matching.test_bridged_vetoes._cluster).
"""

from __future__ import annotations

from typing import Any

from tests.matching.cleaned_records import cleaned
from tests.matching.test_bridged_vetoes import _cluster, _rule

CHAIN = {"record_type": "organisation", "vat_id": "DE223449778", "country": "DE"}
MEISSEN = {"street": "Jahnallee", "house_number": "103", "postal_code": "01662", "city": "Meißen"}
LEIPZIG = {"street": "Jahnallee", "house_number": "124", "postal_code": "04109", "city": "Leipzig"}


def _branch(silo: str, name: str, site: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"silo": silo, "source_id": "1", **CHAIN, "organisation_name": name, **site, **more}


def test_a_named_branch_in_another_town_is_another_customer() -> None:
    # The Meißen branch in the CRM with its branch in the name and in the ERP without it; the
    # Leipzig branch in the shop with "Filiale Leipzig" in its name addition. All three carry
    # the chain's VAT id and info@ at its domain.
    records = cleaned(
        _branch("crm", "Brillenmacher AG - Filiale Meißen", MEISSEN),
        _branch("erp", "Brillenmacher Aktiengesellschaft", MEISSEN),
        _branch(
            "shop",
            "Brillenmacher AG",
            LEIPZIG,
            contact_name="Filiale Leipzig",
            emails=["info@brillenmacher.de"],
        ),
    )
    groups, scored = _cluster(records)
    assert groups == {frozenset({"crm:1", "erp:1"}), frozenset({"shop:1"})}
    assert (_rule(scored, "crm:1", "shop:1") or "").startswith("no_match")
    assert _rule(scored, "crm:1", "erp:1") == "match: vat_id:exact"


def test_one_vat_id_in_two_towns_without_a_branch_named_is_one_firm() -> None:
    # Nothing says "branch": one firm's two offices (or a move), the VAT id still matches.
    records = cleaned(
        _branch("crm", "Brillenmacher AG", MEISSEN),
        _branch("erp", "Brillenmacher Aktiengesellschaft", LEIPZIG),
    )
    groups, scored = _cluster(records)
    assert groups == {frozenset({"crm:1", "erp:1"})}
    assert _rule(scored, "crm:1", "erp:1") == "match: vat_id:exact"


def test_branches_named_only_in_the_name_addition_are_two_customers() -> None:
    # An ERP's "zusatz" mapped to contact_name: the cleaners keep "Filiale ..." as the
    # organisation's department (no contact person), and matching still reads the branch there.
    records = cleaned(
        _branch("crm", "Brillenmacher AG", MEISSEN, contact_name="Filiale Meißen"),
        _branch("erp", "Brillenmacher AG", LEIPZIG, contact_name="Filiale Leipzig"),
    )
    assert set(records["department"].to_list()) == {"Filiale Meißen", "Filiale Leipzig"}
    groups, _ = _cluster(records)
    assert groups == {frozenset({"crm:1"}), frozenset({"erp:1"})}


def test_branches_named_after_the_contact_are_two_customers_with_their_contacts() -> None:
    # A CRM's "Ansprechpartner" with the branch in brackets: the person becomes the contact,
    # the branch stays with the organisation (department), where matching reads it.
    records = cleaned(
        _branch("crm", "Brillenmacher AG", MEISSEN, contact_name="Frau Meyer (Filiale Meißen)"),
        _branch("erp", "Brillenmacher AG", LEIPZIG, contact_name="Herrn Pohl (Filiale Leipzig"),
    )
    organisations = records.filter(records["record_type"] == "organisation")
    assert set(organisations["department"].to_list()) == {"Filiale Meißen", "Filiale Leipzig"}
    contacts = records.filter(records["record_type"] == "person")
    assert sorted(contacts["last_name"].to_list()) == ["Meyer", "Pohl"]
    groups, _ = _cluster(records)
    assert frozenset({"crm:1"}) in groups and frozenset({"erp:1"}) in groups
