"""``[retention]`` of golden.toml: how long each silo's records may be kept, and why.

Each silo with personal data names its field group: ``billing`` (invoices: kept for the
statutory period after the end of the year of the last invoice, by country), ``marketing``
(kept while consent lasts, plus a grace period after it ends) or ``prospect`` (kept while there
is activity). The periods and their legal sources ship in ``rules/data/retention_defaults.toml``
so a steward can check them; golden.toml may override every number.

    [retention.silos.erp]
    group = "billing"
    date_field = "last_activity"     # the date of the last invoice
    [retention.silos.newsletter]
    group = "marketing"
    [retention]
    billing_years = { DE = 8, AT = 7, CH = 10 }
    prospect_months = 24
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "retention_defaults.toml"


class SiloRetention(BaseModel):
    """The field group of one silo and the date its period is counted from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: Literal["billing", "marketing", "prospect"]
    #: canonical date field the period counts from (billing: the last invoice)
    date_field: Literal["last_activity", "updated_at", "created_at"] = "last_activity"


class RetentionConfig(BaseModel):
    """[retention]: per silo its group; overrides of the shipped periods."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    silos: dict[str, SiloRetention] = Field(default_factory=dict)
    billing_years: dict[str, Annotated[int, Field(ge=1, le=30)]] = Field(default_factory=dict)
    marketing_grace_days: Annotated[int, Field(ge=0)] | None = None
    prospect_months: Annotated[int, Field(ge=1)] | None = None


@dataclass(frozen=True)
class Period:
    """One retention period with the law or practice it comes from."""

    amount: int
    source: str
    as_of: date


@dataclass(frozen=True)
class RetentionPeriods:
    """The periods in force: shipped defaults with golden.toml's overrides."""

    billing: dict[str, Period]
    marketing_grace_days: Period
    prospect_months: Period


@cache
def _defaults() -> dict[str, object]:
    with DEFAULTS_FILE.open("rb") as file:
        return tomllib.load(file)


def retention_periods(config: RetentionConfig) -> RetentionPeriods:
    """The shipped periods, overridden where golden.toml says so (source: "golden.toml")."""
    data = _defaults()
    billing = {
        country: Period(int(rule["years"]), str(rule["source"]), rule["as_of"])
        for country, rule in data["billing"].items()  # type: ignore[attr-defined]
    }
    for country, years in config.billing_years.items():
        billing[country] = Period(years, "golden.toml [retention] billing_years", date.today())
    marketing, prospect = data["marketing"], data["prospect"]
    grace = Period(int(marketing["grace_days"]), str(marketing["source"]), marketing["as_of"])  # type: ignore[index]
    months = Period(int(prospect["months"]), str(prospect["source"]), prospect["as_of"])  # type: ignore[index]
    if config.marketing_grace_days is not None:
        grace = Period(config.marketing_grace_days, "golden.toml [retention]", date.today())
    if config.prospect_months is not None:
        months = Period(config.prospect_months, "golden.toml [retention]", date.today())
    return RetentionPeriods(billing, grace, months)
