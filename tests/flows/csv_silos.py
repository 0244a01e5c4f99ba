"""End-to-end test projects from CSV silos written inline: one place builds their golden.toml.

The end-to-end tests (organisations, branches, firm mailboxes, business e-mails, contact
sign-ups) each hold their silos as CSV text and differ only in mappings and project options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from rules.config import GoldenConfig

#: The columns every German CRM export of these tests has (Kundennr;Firma;Straße;PLZ;Ort;Land;
#: Telefon;E-Mail); each adds its own.
CRM_COLUMNS: Mapping[str, str | list[str]] = {
    "source_id": "Kundennr",
    "organisation_name": "Firma",
    "street_line": "Straße",
    "postal_code": "PLZ",
    "city": "Ort",
    "country": "Land",
    "phones": ["Telefon"],
    "emails": ["E-Mail"],
}
#: A CRM export of persons and firms with birth dates (Anrede, Vorname, Nachname, Geburtsdatum
#: too): the business e-mail and contact sign-up tests.
CRM_MAPPING: Mapping[str, str | list[str]] = {
    **CRM_COLUMNS,
    "salutation": "Anrede",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "birth_date": "Geburtsdatum",
}
CRM_OPTIONS = {"delimiter": ";", "date_format": "%d.%m.%Y"}
#: A CRM export of firms with their VAT id (USt-IdNr).
FIRM_CRM_MAPPING: Mapping[str, str | list[str]] = {**CRM_COLUMNS, "vat_id": "USt-IdNr"}
#: The contact columns beside a firm in a CRM export (Anrede, Ansprechpartner, Vorname, Nachname).
CONTACT_COLUMNS: Mapping[str, str | list[str]] = {
    "salutation": "Anrede",
    "contact_name": "Ansprechpartner",
    "first_name": "Vorname",
    "last_name": "Nachname",
}
#: An ERP export of firms (kundennr,firmenname,strasse,plz,ort,land,telefon,email,ustid).
ERP_MAPPING: Mapping[str, str | list[str]] = {
    "source_id": "kundennr",
    "organisation_name": "firmenname",
    "street_line": "strasse",
    "postal_code": "plz",
    "city": "ort",
    "country": "land",
    "phones": ["telefon"],
    "emails": ["email"],
    "vat_id": "ustid",
}
#: A web shop's orders (order_id,name,company,street,postal_code,city,country,phone,email).
SHOP_MAPPING: Mapping[str, str | list[str]] = {
    "source_id": "order_id",
    "full_name": "name",
    "organisation_name": "company",
    "street_line": "street",
    "postal_code": "postal_code",
    "city": "city",
    "country": "country",
    "phones": ["phone"],
    "emails": ["email"],
}
#: A newsletter with the subscriber's name beside the address (id,email,first_name,last_name).
NEWSLETTER_MAPPING: Mapping[str, str | list[str]] = {
    "source_id": "id",
    "emails": ["email"],
    "first_name": "first_name",
    "last_name": "last_name",
}


@dataclass(frozen=True)
class CsvSilo:
    """One silo: the file's text, its mapping and connector options (delimiter, date_format)."""

    text: str
    mapping: Mapping[str, str | list[str]]
    options: Mapping[str, str] = field(default_factory=dict)


def csv_project(
    folder: Path,
    name: str,
    silos: Mapping[str, CsvSilo],
    *,
    run_checks: bool = False,
    privacy: Mapping[str, bool] | None = None,
    **project: str,
) -> GoldenConfig:
    """Write each silo to ``folder/<silo>.csv`` (in its ``encoding`` option, else UTF-8); output
    and state stay in ``folder`` too."""
    for silo, csv in silos.items():
        encoding = csv.options.get("encoding", "utf-8")
        (folder / f"{silo}.csv").write_text(csv.text, encoding=encoding)
    return GoldenConfig.model_validate(
        {
            "project": {
                "name": name,
                "output_dir": str(folder / "out"),
                "state_url": f"sqlite:///{folder / 'state.db'}",
                **project,
            },
            "silos": {
                silo: {
                    "connector": "csv",
                    "path": str(folder / f"{silo}.csv"),
                    "mapping": dict(csv.mapping),
                    **csv.options,
                }
                for silo, csv in silos.items()
            },
            "dq": {"run_checks": run_checks},
            "privacy": dict(privacy or {}),
        }
    )


def golden_ids_of(folder: Path) -> dict[str, str]:
    """source_id -> golden_id from a run folder's crosswalk.csv."""
    crosswalk = pl.read_csv(folder / "crosswalk.csv", infer_schema=False)
    return {row["source_id"]: row["golden_id"] for row in crosswalk.iter_rows(named=True)}
