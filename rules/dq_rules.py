"""Data-quality rules: what golden.toml declares per canonical field and per silo, and the checks.

Five dimensions, each scored 0-100 per silo (``reports.dq_scores``):

==============  ============================================================================
completeness    a required field holds a usable value (persons: names; organisations: name)
validity        the cleaner accepted the value (libphonenumber, email-validator, stdnum, date
                parsing) and the kept value has its canonical format (rules/data/dq_formats.toml)
uniqueness      a value occurs once per silo (e-mails; VAT ids of organisations)
consistency     postal code fits the country; city fits the postal code (the city most records
                give for it); a person has no legal form, an organisation no birth date
timeliness      updated_at / last_activity not older than ``max_age_months``
==============  ============================================================================

Declared in golden.toml as ``[dq]`` (global), ``[dq.fields.<field>]``, ``[dq.consistency]`` and
``[dq.silos.<silo>]`` (with its own ``fields`` and ``consistency``). Resolution: the defaults of
this module < ``[dq]`` < ``[dq.silos.<silo>]``; a key left out (None) inherits. Global rules apply
to the fields a silo maps; rules named under ``[dq.silos.<silo>]`` apply even to unmapped fields
(the steward asked for them).

``resolve_checks`` turns the declarations into ``Check`` values: engine-neutral descriptions
(frame, column, kind, argument, condition) that reports.dq_validation runs with great-expectations.
Nothing here imports great-expectations or reads data.

Check frames (built by reports.dq_frames, one row per record or per phone / e-mail item):
``dq_row`` (row id), ``record_key``, ``silo``, ``source_id``, ``record_type``, ``country``, each
checked field with its kept (cleaned) value, ``<field>__rejected`` (text a cleaner removed as
invalid) and ``<field>__reason`` (why), ``<list field>__first`` (first kept item),
``expected_city`` / ``expected_city_key`` (the city most records give for the postal code).
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Final

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from rules.canonical import LIST_FIELDS, SCALAR_FIELDS

if TYPE_CHECKING:
    from rules.config import DQConfig


class Dimension(StrEnum):
    """The data-quality dimensions, in report order."""

    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    UNIQUENESS = "uniqueness"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"


class CheckKind(StrEnum):
    """What a check expects of ``column`` (reports.dq_validation: one GX expectation each)."""

    NOT_NULL = "not_null"
    NULL = "null"
    MATCHES = "matches"  # argument: anchored regular expression
    UNIQUE_IN_SILO = "unique_in_silo"
    NOT_BEFORE = "not_before"  # argument: datetime
    NOT_AFTER = "not_after"  # argument: datetime
    EQUALS_COLUMN = "equals_column"  # argument: the other column's name


class Denominator(StrEnum):
    """Which rows of a check's domain count as checked values (the score's denominator)."""

    ROWS = "rows"  # every row the condition selects
    VALUES = "values"  # rows where ``column`` is not null
    DELIVERED = "delivered"  # rows where the kept ``field`` or ``column`` (rejected text) is set
    PAIRS = "pairs"  # rows where ``column`` and ``argument`` (a column) are both set


RECORDS: Final = "records"
#: Frame name per list field: list items are checked one per row.
LIST_FRAMES: Final = {field: field for field in LIST_FIELDS}

#: Scalar fields whose cleaner removes an invalid value (validity.accepted applies).
CLEANED_SCALARS: Final = (
    "vat_id",
    "birth_date",
    "created_at",
    "updated_at",
    "last_activity",
    "consent_email_date",
    "consent_post_date",
    "consent_phone_date",
)
#: Fields with a validity check (what `validity = true` may be set on).
VALIDITY_FIELDS: Final = ("phones", "emails", "postal_code", *CLEANED_SCALARS)
#: Fields whose invalid values are findings only and never stop a run (no blocking share): a
#: VAT id is a reference a silo copies by hand (typos, old or made-up ids, "CHE-... MWST" with a
#: wrong check digit). The value is removed from the cleaned record (kept as written in the
#: findings with silo, row and field); the record itself is a customer and is matched as usual.
FINDING_ONLY_FIELDS: Final = frozenset({"vat_id"})
#: A birth date further back is an implausible age: the cleaner keeps it (it still tells two
#: records apart or together), the DQ rule validity.plausible_age reports it.
PLAUSIBLE_AGE_YEARS: Final = 120
#: Timestamps that may carry ``max_age_months`` (timeliness) and must not lie in the future.
TIMESTAMP_FIELDS: Final = ("created_at", "updated_at", "last_activity")
#: Fields that only make sense for one record type: completeness and uniqueness apply there.
FIELD_RECORD_TYPES: Final = {
    "salutation": "person",
    "title": "person",
    "first_name": "person",
    "last_name": "person",
    "birth_date": "person",
    "organisation_name": "organisation",
    "legal_form": "organisation",
    "vat_id": "organisation",
    "personal_id": "person",
}
CHECKABLE_FIELDS: Final = (*SCALAR_FIELDS, *LIST_FIELDS)
_COMBINED_PARTS: Final = {
    "full_name": ("salutation", "title", "first_name", "last_name"),
    "address_line": ("street", "house_number", "postal_code", "city", "country", "address_extra"),
    "street_line": ("street", "house_number", "address_extra"),
    "postal_city": ("postal_code", "city"),
}

Percent = Annotated[float, Field(ge=0, le=100)]


def rejected_column(field: str) -> str:
    """Column of the text a cleaner removed from ``field`` as invalid."""
    return f"{field}__rejected"


def reason_column(field: str) -> str:
    """Column of the cleaner's reason for a rejected value of ``field``."""
    return f"{field}__reason"


def unique_column(field: str) -> str:
    """Column of a list field's items that count for uniqueness (reports.dq_frames.list_frame).

    A contact split off an organisation row repeats that row's e-mails, and a role mailbox on
    a company's contact (info@firma.de on Anna Huber of Huber Bau) is the company's, shared by
    all its contacts: neither is a second customer with the same address.
    """
    return f"{field}__unique"


def first_item_column(field: str) -> str:
    """Column of the first kept item of a list field (completeness of phones / e-mails)."""
    return f"{field}__first"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldRules(_Strict):
    """``[dq.fields.<field>]``: the rules of one canonical field; left out = inherited."""

    #: completeness: the field must hold a usable value
    required: bool | None = None
    #: validity: cleaner verdict and canonical format (only fields in VALIDITY_FIELDS)
    validity: bool | None = None
    #: uniqueness: a value occurs once per silo
    unique: bool | None = None
    #: timeliness: not older than this many months (only created_at, updated_at, last_activity)
    max_age_months: Annotated[int, Field(ge=1)] | None = None
    #: blocking: more invalid values than this share (0-100) in a silo fails the run
    max_invalid_percent: Percent | None = None


class ConsistencyRules(_Strict):
    """``[dq.consistency]``: cross-field rules; left out = inherited (all on by default)."""

    postal_code_country: bool | None = None
    postal_code_city: bool | None = None
    record_type_fields: bool | None = None


class SiloDQRules(_Strict):
    """``[dq.silos.<silo>]``: overrides for one silo."""

    required_fields: list[str] | None = None
    max_invalid_percent: Percent | None = None
    max_invalid_records_percent: Percent | None = None
    fields: dict[str, FieldRules] = Field(default_factory=dict)
    consistency: ConsistencyRules = Field(default_factory=ConsistencyRules)


#: Defaults of every field rule (what `golden init` documents).
DEFAULT_FIELD_RULES: Final[Mapping[str, FieldRules]] = {
    "phones": FieldRules(validity=True),
    "emails": FieldRules(validity=True, unique=True),
    "postal_code": FieldRules(validity=True),
    "vat_id": FieldRules(validity=True, unique=True),
    "birth_date": FieldRules(validity=True),
    "created_at": FieldRules(validity=True),
    "updated_at": FieldRules(validity=True, max_age_months=12),
    "last_activity": FieldRules(validity=True, max_age_months=24),
    "consent_email_date": FieldRules(validity=True),
    "consent_post_date": FieldRules(validity=True),
    "consent_phone_date": FieldRules(validity=True),
}
DEFAULT_CONSISTENCY: Final = ConsistencyRules(
    postal_code_country=True, postal_code_city=True, record_type_fields=True
)


def check_field_names(names: Iterable[str], where: str) -> None:
    """Raise ValueError naming ``where`` when a name is not a checkable canonical field."""
    unknown = sorted(set(names) - set(CHECKABLE_FIELDS))
    if unknown:
        raise ValueError(
            f"{where}: unknown canonical field(s) {', '.join(unknown)}; "
            f"expected some of: {', '.join(CHECKABLE_FIELDS)}"
        )


def check_field_rules(fields: Mapping[str, FieldRules], where: str) -> None:
    """Raise ValueError when a field rule is set on a field it cannot apply to."""
    check_field_names(fields, where)
    for name, rules in fields.items():
        if rules.validity and name not in VALIDITY_FIELDS:
            raise ValueError(
                f"{where}.{name}: validity checks exist for {', '.join(VALIDITY_FIELDS)} only"
            )
        if rules.max_invalid_percent is not None and name in FINDING_ONLY_FIELDS:
            raise ValueError(
                f"{where}.{name}: max_invalid_percent does not apply — an invalid {name} is a "
                f"finding (the value is set aside, the record kept) and never stops the run; "
                f"remove the key"
            )
        if rules.max_age_months is not None and name not in TIMESTAMP_FIELDS:
            raise ValueError(
                f"{where}.{name}: max_age_months applies to {', '.join(TIMESTAMP_FIELDS)} only"
            )


@dataclass(frozen=True)
class Check:
    """One resolved rule on one column, for the silos in ``silos``."""

    #: rule id, "<dimension>.<rule>", e.g. "validity.format" (also the report's label key)
    rule: str
    dimension: Dimension
    field: str
    #: "records" or a list field's name (one row per item)
    frame: str
    kind: CheckKind
    column: str
    argument: str | datetime | None = None
    record_type: str | None = None
    country: str | None = None
    denominator: Denominator = Denominator.VALUES
    #: column whose value is reported for a failing row (default: ``column``)
    value_column: str | None = None
    #: column with an explanation for a failing row (cleaner reason, expected city)
    detail_column: str | None = None
    #: months for timeliness (shown in the rule's label)
    months: int | None = None
    silos: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Unique id of the check within a run: rule, field and country."""
        return ":".join(part for part in (self.rule, self.field, self.country or "") if part)

    @property
    def reported_column(self) -> str:
        """The column whose value a failure reports."""
        return self.value_column or self.column

    def columns(self) -> tuple[str, ...]:
        """The frame columns the check reads (besides the condition columns)."""
        if self.kind is CheckKind.EQUALS_COLUMN:
            return (self.column, str(self.argument))
        return (self.column,)

    def condition(self) -> pl.Expr:
        """The rows the check applies to, as a polars expression (silos, record type, country)."""
        expression = pl.col("silo").is_in(list(self.silos))
        if self.record_type:
            expression &= pl.col("record_type") == self.record_type
        if self.country:
            expression &= pl.col("country") == self.country
        return expression


@cache
def canonical_formats() -> dict[str, str]:
    """Field -> anchored regex of its cleaned form (rules/data/dq_formats.toml)."""
    text = resources.files("rules").joinpath("data/dq_formats.toml").read_text("utf-8")
    return {field: table["pattern"] for field, table in tomllib.loads(text).items()}


def mapped_fields(mapping: Iterable[str], defaults: Iterable[str] = ()) -> frozenset[str]:
    """Canonical fields a silo fills: mapped, defaulted or split from a combined field."""
    fields: set[str] = set()
    for name in (*mapping, *defaults):
        fields.update(_COMBINED_PARTS.get(name, (name,)))
    return frozenset(fields & set(CHECKABLE_FIELDS))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def field_rules(dq: DQConfig, silo: str, field: str, mapped: bool) -> FieldRules:
    """The rules of ``field`` in ``silo`` after defaults, [dq] and [dq.silos.<silo>]."""
    silo_rules = dq.silos.get(silo, SiloDQRules())
    required_fields = (
        silo_rules.required_fields if silo_rules.required_fields is not None else dq.required_fields
    )
    layers: list[FieldRules] = []
    if mapped:
        layers = [
            DEFAULT_FIELD_RULES.get(field, FieldRules()),
            FieldRules(required=field in required_fields),
            dq.fields.get(field, FieldRules()),
        ]
    elif silo_rules.required_fields is not None and field in silo_rules.required_fields:
        layers = [FieldRules(required=True)]
    layers.append(silo_rules.fields.get(field, FieldRules()))
    merged: dict[str, object] = {}
    for layer in layers:
        merged.update(layer.model_dump(exclude_none=True))
    return FieldRules(**merged)  # type: ignore[arg-type]


def consistency_rules(dq: DQConfig, silo: str) -> ConsistencyRules:
    """The consistency switches of ``silo`` after defaults, [dq] and [dq.silos.<silo>]."""
    silo_rules = dq.silos.get(silo, SiloDQRules())
    merged: dict[str, object] = {}
    for layer in (DEFAULT_CONSISTENCY, dq.consistency, silo_rules.consistency):
        merged.update(layer.model_dump(exclude_none=True))
    return ConsistencyRules(**merged)  # type: ignore[arg-type]


def invalid_limit(dq: DQConfig, silo: str, field: str) -> float:
    """Blocking share (0-100) of invalid values of ``field`` in ``silo``."""
    silo_rules = dq.silos.get(silo, SiloDQRules())
    for value in (
        silo_rules.fields.get(field, FieldRules()).max_invalid_percent,
        silo_rules.max_invalid_percent,
        dq.fields.get(field, FieldRules()).max_invalid_percent,
    ):
        if value is not None:
            return value
    return dq.max_invalid_percent


def invalid_records_limit(dq: DQConfig, silo: str) -> float:
    """Blocking share (0-100) of a silo's records with at least one invalid value."""
    own = dq.silos.get(silo, SiloDQRules()).max_invalid_records_percent
    return dq.max_invalid_records_percent if own is None else own


def field_checks(
    field: str,
    rules: FieldRules,
    today: date,
    formats: Mapping[str, str],
) -> list[Check]:
    """The checks one field's resolved rules ask for (silos filled in by ``resolve_checks``)."""
    frame = LIST_FRAMES.get(field, RECORDS)
    record_type = FIELD_RECORD_TYPES.get(field)
    checks: list[Check] = []
    if rules.required:
        column = first_item_column(field) if field in LIST_FIELDS else field
        checks.append(
            Check(
                "completeness.required",
                Dimension.COMPLETENESS,
                field,
                RECORDS,
                CheckKind.NOT_NULL,
                column,
                record_type=record_type,
                denominator=Denominator.ROWS,
            )
        )
    if rules.validity and field in VALIDITY_FIELDS:
        if field != "postal_code":  # the postal-code cleaner keeps what it cannot verify
            checks.append(
                Check(
                    "validity.accepted",
                    Dimension.VALIDITY,
                    field,
                    frame,
                    CheckKind.NULL,
                    rejected_column(field),
                    denominator=Denominator.DELIVERED,
                    detail_column=reason_column(field),
                )
            )
        if field in formats:
            checks.append(
                Check(
                    "validity.format",
                    Dimension.VALIDITY,
                    field,
                    frame,
                    CheckKind.MATCHES,
                    field,
                    argument=formats[field],
                )
            )
        if field == "birth_date":
            # An old but possible birth date is kept by the cleaner (cleaners.dates): a finding
            # here, not a removed value.
            checks.append(
                Check(
                    "validity.plausible_age",
                    Dimension.VALIDITY,
                    field,
                    frame,
                    CheckKind.NOT_BEFORE,
                    field,
                    argument=datetime.combine(
                        months_before(today, 12 * PLAUSIBLE_AGE_YEARS), time.min
                    ),
                    record_type=record_type,
                )
            )
        if field in TIMESTAMP_FIELDS or field == "birth_date":
            checks.append(
                Check(
                    "validity.not_in_future",
                    Dimension.VALIDITY,
                    field,
                    frame,
                    CheckKind.NOT_AFTER,
                    field,
                    argument=datetime.combine(today, time.max),
                )
            )
    if rules.unique:
        checks.append(
            Check(
                "uniqueness.unique_in_silo",
                Dimension.UNIQUENESS,
                field,
                frame,
                CheckKind.UNIQUE_IN_SILO,
                unique_column(field) if field in LIST_FIELDS else field,
                record_type=record_type,
                value_column=field if field in LIST_FIELDS else None,
            )
        )
    if rules.max_age_months is not None and field in TIMESTAMP_FIELDS:
        cutoff = months_before(today, rules.max_age_months)
        checks.append(
            Check(
                "timeliness.max_age",
                Dimension.TIMELINESS,
                field,
                frame,
                CheckKind.NOT_BEFORE,
                field,
                argument=datetime.combine(cutoff, time.min),
                months=rules.max_age_months,
            )
        )
    return checks


def consistency_checks(
    rules: ConsistencyRules,
    fields: frozenset[str],
    postal_patterns: Mapping[str, str],
    countries: Iterable[str],
) -> list[Check]:
    """Cross-field checks for a silo filling ``fields``."""
    checks: list[Check] = []
    if rules.postal_code_country and "postal_code" in fields:
        for country in sorted(set(countries) & set(postal_patterns)):
            checks.append(
                Check(
                    "consistency.postal_code_country",
                    Dimension.CONSISTENCY,
                    "postal_code",
                    RECORDS,
                    CheckKind.MATCHES,
                    "postal_code",
                    argument=f"^(?:{postal_patterns[country]})$",
                    country=country,
                )
            )
    if rules.postal_code_city and {"postal_code", "city"} <= fields:
        checks.append(
            Check(
                "consistency.postal_code_city",
                Dimension.CONSISTENCY,
                "city",
                RECORDS,
                CheckKind.EQUALS_COLUMN,
                "city_key",
                argument="expected_city_key",
                denominator=Denominator.PAIRS,
                value_column="city",
                detail_column="expected_city",
            )
        )
    if rules.record_type_fields:
        if "legal_form" in fields:
            checks.append(
                Check(
                    "consistency.person_without_legal_form",
                    Dimension.CONSISTENCY,
                    "legal_form",
                    RECORDS,
                    CheckKind.NULL,
                    "legal_form",
                    record_type="person",
                    denominator=Denominator.ROWS,
                )
            )
        if "birth_date" in fields:
            checks.append(
                Check(
                    "consistency.organisation_without_birth_date",
                    Dimension.CONSISTENCY,
                    "birth_date",
                    RECORDS,
                    CheckKind.NULL,
                    "birth_date",
                    record_type="organisation",
                    denominator=Denominator.ROWS,
                )
            )
    return checks


def resolve_checks(
    dq: DQConfig,
    silo_fields: Mapping[str, frozenset[str]],
    today: date,
    *,
    postal_patterns: Mapping[str, str],
    countries: Iterable[str] = (),
) -> tuple[Check, ...]:
    """Every check of the run: one per rule and column, shared by the silos that declare it alike.

    ``silo_fields`` maps each silo to the canonical fields it fills (``mapped_fields``);
    ``postal_patterns`` maps ISO country -> postal-code regex (the cleaners' reference data);
    ``countries`` are the countries present in the data (one postal-code check each).
    """
    formats = canonical_formats()
    present = tuple(countries)
    per_check: dict[Check, list[str]] = {}
    for silo in sorted(silo_fields):
        fields = silo_fields[silo]
        explicit = set(dq.silos.get(silo, SiloDQRules()).fields) | set(
            dq.silos.get(silo, SiloDQRules()).required_fields or ()
        )
        for field in CHECKABLE_FIELDS:
            if field not in fields and field not in explicit:
                continue
            rules = field_rules(dq, silo, field, mapped=field in fields)
            for check in field_checks(field, rules, today, formats):
                per_check.setdefault(check, []).append(silo)
        consistency = consistency_rules(dq, silo)
        for check in consistency_checks(consistency, fields, postal_patterns, present):
            per_check.setdefault(check, []).append(silo)
    resolved = [replace(check, silos=tuple(silos)) for check, silos in per_check.items()]
    return tuple(sorted(resolved, key=lambda check: (check.key, check.silos)))


#: Columns of dq_failures.csv: every failing value of every check, full values (steward only).
FAILURES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "record_key": pl.String(),
    "field": pl.String(),
    "dimension": pl.String(),
    "rule": pl.String(),
    "check": pl.String(),
    "value": pl.String(),
    "detail": pl.String(),
}

#: Columns of the per-silo result of each check: how many values were checked and failed.
CHECK_RESULTS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "check": pl.String(),
    "rule": pl.String(),
    "dimension": pl.String(),
    "field": pl.String(),
    "checked": pl.Int64(),
    "failed": pl.Int64(),
}
