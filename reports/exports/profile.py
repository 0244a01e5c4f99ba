"""Export profiles: how golden records become one CRM's import files, read from data files.

Each CRM is one TOML file in ``reports/exports/profiles`` that states where its column names come
from (``source``), the date format and true/false words its importer accepts, and one
``[objects.<name>]`` table per CRM object (persons go to contacts/people, organisations to
accounts/companies). A column names its header as the CRM's import documentation spells it and
the value it shows (reports.exports.values); ``custom = true`` marks a field the admin creates in
the CRM before the first import (the external id ``Golden ID``, the consent fields ...).

Headers: ``api`` is the CRM's language-independent name of the field (Salesforce API name,
HubSpot internal name, Dynamics logical name); it maps in an org of any language and is used
whenever it exists. Otherwise the header is the field's label in the export's language
(``header`` in English; German from ``de`` or data/labels_de.csv by value).

``marketing = true`` marks the column that says whether the record may get marketing e-mail:
with ``unknown_consent = "opt_out"`` (the default, [export] in golden.toml) a record whose consent
is unknown is written as opted out there (§ 7 UWG: advertising e-mail needs prior consent).
``required`` lists what the CRM refuses a record without: groups of values of which at least one
must be filled (reports.exports.checks puts such records into rejected_<profile>.csv instead).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Literal

from reports.csv_safe import FORMULA_PREFIXES
from reports.exports.values import VALUES, Kind
from rules.errors import ConfigError
from rules.privacy import GROUP_ATTRIBUTES

#: Files every export folder holds besides the objects' files.
RESERVED_FILES = ("changes.csv", "merge_map.csv", "export.json")

RecordType = Literal["person", "organisation"]
#: Header languages of an export (``--labels``); API names win where they exist.
LABEL_LANGUAGES = ("de", "en")
#: What an unknown consent becomes in a marketing column: opted out (lawful), or left empty.
UNKNOWN_CONSENT = ("opt_out", "empty")

#: Which golden records a profile's files hold: ``all`` (CRM imports: every record not
#: restricted) or ``listenprivileg`` (a postal list of persons without post consent who did
#: not object, matching.listenprivileg; persons only, no consent columns).
Selection = Literal["all", "listenprivileg"]
SELECTIONS: tuple[Selection, ...] = ("all", "listenprivileg")


@dataclass(frozen=True)
class ExportColumn:
    """One column of an import file: its header, the value it shows, how booleans read."""

    header: str
    value: str
    custom: bool = False
    #: Words for true / false of a boolean value; the profile's when not given.
    true_text: str | None = None
    false_text: str | None = None
    #: the CRM's language-independent field name, if it has one; the German label
    api: str | None = None
    label_de: str | None = None
    #: this column says whether marketing e-mail is allowed (unknown consent: see module doc)
    marketing: bool = False
    #: text for an unknown value of a marketing column (Pipedrive's "No consent"); else per policy
    unknown_text: str | None = None
    #: the English label (``header`` before with_labels chose the header to write)
    label: str = ""

    @property
    def kind(self) -> Kind:
        """How the value is written (text, date, boolean, phone ...)."""
        return VALUES[self.value].kind


@dataclass(frozen=True)
class ExportObject:
    """One CRM object (Contact, Account ...) and the file that feeds it."""

    name: str
    crm_object: str
    record_type: RecordType
    file: str
    source: str
    columns: tuple[ExportColumn, ...]
    #: groups of value names: a record needs at least one value of each group, or it is rejected
    required: tuple[tuple[str, ...], ...] = ()
    #: columns of which with_group_attribute adds at most one (a Listenprivileg list's group)
    group_columns: tuple[ExportColumn, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        """The header row, in file order."""
        return tuple(column.header for column in self.columns)

    @property
    def external_id(self) -> str:
        """Header of the column holding golden_id, the key for upserts."""
        return next(column.header for column in self.columns if column.value == "golden_id")

    @property
    def custom_fields(self) -> tuple[str, ...]:
        """Headers of fields the admin creates in the CRM before the first import."""
        return tuple(column.header for column in self.columns if column.custom)


@dataclass(frozen=True)
class ExportProfile:
    """A CRM's import format: objects, date formats, true/false words, notes for the admin."""

    name: str
    title: str
    notes: str
    date_format: str
    datetime_format: str
    true_text: str
    false_text: str
    objects: tuple[ExportObject, ...]
    notes_de: str = ""
    #: header language ("en", "de") and the unknown-consent policy (UNKNOWN_CONSENT)
    labels: str = "en"
    unknown_consent: str = "opt_out"
    selection: Selection = "all"

    def object_for(self, record_type: RecordType) -> ExportObject:
        """The object persons or organisations go to."""
        return next(item for item in self.objects if item.record_type == record_type)

    def with_date_format(self, date_format: str | None) -> ExportProfile:
        """The same profile writing dates in ``date_format`` (golden.toml [export])."""
        return replace(self, date_format=date_format) if date_format else self

    def with_labels(self, language: str) -> ExportProfile:
        """The same profile with headers in ``language``: API names where they exist."""
        if language not in LABEL_LANGUAGES:
            raise ConfigError(
                f"--labels {language!r}: choose one of {', '.join(LABEL_LANGUAGES)} "
                "([export] labels in golden.toml)"
            )
        german = german_labels()

        def header(column: ExportColumn) -> str:
            if column.api:
                return column.api
            if language == "de":
                return column.label_de or german.get(column.value, column.label)
            return column.label

        objects = tuple(
            replace(item, columns=tuple(replace(c, header=header(c)) for c in item.columns))
            for item in self.objects
        )
        for item in objects:
            if len(set(item.headers)) != len(item.headers):
                raise ConfigError(f"export profile '{self.name}': a {language} header repeats")
        return replace(self, objects=objects, labels=language)

    def with_group_attribute(self, attribute: str | None) -> ExportProfile:
        """The same profile with the one group column showing ``attribute`` (None: no group).

        Call before with_labels. The other declared group columns are dropped, so the files
        never carry more than the one group attribute chosen.
        """
        objects = []
        for item in self.objects:
            chosen = tuple(c for c in item.group_columns if c.value == attribute)
            if attribute is not None and item.group_columns and not chosen:
                raise ConfigError(
                    f"export profile '{self.name}': no group column shows {attribute!r}"
                )
            objects.append(replace(item, columns=item.columns + chosen, group_columns=()))
        return replace(self, objects=tuple(objects))

    def with_unknown_consent(self, policy: str) -> ExportProfile:
        """The same profile writing unknown consent as ``policy`` in marketing columns."""
        if policy not in UNKNOWN_CONSENT:
            raise ConfigError(
                f"[export] unknown_consent = {policy!r}: choose one of {', '.join(UNKNOWN_CONSENT)}"
            )
        return replace(self, unknown_consent=policy)


@cache
def german_labels() -> dict[str, str]:
    """value name -> German field label (data/labels_de.csv)."""
    text = resources.files("reports.exports").joinpath("data/labels_de.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["value"]: row["label"] for row in rows}


def profile_names() -> tuple[str, ...]:
    """Names of the profiles shipped in reports/exports/profiles, sorted."""
    folder = resources.files("reports.exports").joinpath("profiles")
    return tuple(
        sorted(
            entry.name.removesuffix(".toml")
            for entry in folder.iterdir()
            if entry.name.endswith(".toml")
        )
    )


@cache
def load_profile(name: str) -> ExportProfile:
    """Read and check one profile; ConfigError names the profile and the problem."""
    names = profile_names()
    if name not in names:
        raise ConfigError(f"export profile '{name}' is unknown — choose one of: {', '.join(names)}")
    path = resources.files("reports.exports").joinpath(f"profiles/{name}.toml")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        profile = _build(name, data)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"export profile '{name}' ({path}): {exc}") from None
    return profile.with_labels("en")


def _build(name: str, data: dict[str, object]) -> ExportProfile:
    objects_data = data["objects"]
    if not isinstance(objects_data, dict) or not objects_data:
        raise ValueError("declare at least one [objects.<name>] table")
    objects = tuple(_build_object(key, body) for key, body in objects_data.items())
    profile = ExportProfile(
        name=name,
        title=str(data["title"]),
        notes=" ".join(str(data.get("notes", "")).split()),
        notes_de=" ".join(str(data.get("notes_de", "")).split()),
        date_format=str(data["date_format"]),
        datetime_format=str(data["datetime_format"]),
        true_text=str(data["true"]),
        false_text=str(data["false"]),
        objects=objects,
        selection=_selection(data.get("selection", "all")),
    )
    record_types = sorted(item.record_type for item in objects)
    if profile.selection == "listenprivileg":
        if record_types != ["person"]:
            raise ValueError("a listenprivileg profile has exactly one object, for persons")
    elif record_types != ["organisation", "person"]:
        raise ValueError("needs exactly one object for persons and one for organisations")
    files = [item.file for item in objects]
    if len(set(files)) != len(files) or set(files) & set(RESERVED_FILES):
        raise ValueError(f"object files must be distinct and not one of {RESERVED_FILES}")
    return profile


def _selection(value: object) -> Selection:
    for name in SELECTIONS:
        if value == name:
            return name
    raise ValueError(f"selection must be one of {', '.join(SELECTIONS)} — got {value!r}")


def _build_object(name: str, body: object) -> ExportObject:
    if not isinstance(body, dict):
        raise ValueError(f"objects.{name} must be a table")
    columns = tuple(_build_column(name, column) for column in body["columns"])
    headers = [column.header for column in columns]
    if len(set(headers)) != len(headers):
        raise ValueError(f"objects.{name}: a header appears twice")
    if sum(column.value == "golden_id" for column in columns) != 1:
        raise ValueError(f"objects.{name}: exactly one column must show golden_id (external id)")
    record_type = body["record_type"]
    if record_type not in ("person", "organisation"):
        raise ValueError(f"objects.{name}: record_type must be person or organisation")
    required = tuple(tuple(str(value) for value in group) for group in body.get("required", []))
    for group in required:
        unknown = [value for value in group if value not in VALUES]
        if not group or unknown:
            raise ValueError(f"objects.{name}: required names unknown values {unknown}")
    file = str(body["file"])
    if not file.endswith(".csv") or "/" in file:
        raise ValueError(f"objects.{name}: file must be a plain name ending in .csv")
    group_columns = tuple(_build_column(name, column) for column in body.get("group_columns", []))
    if {column.value for column in group_columns} - set(GROUP_ATTRIBUTES) or set(headers) & {
        column.header for column in group_columns
    }:
        raise ValueError(
            f"objects.{name}: group_columns show only {', '.join(GROUP_ATTRIBUTES)}, under "
            "headers of their own"
        )
    return ExportObject(
        name=name,
        crm_object=str(body["crm_object"]),
        record_type=record_type,
        file=file,
        source=str(body["source"]),
        columns=columns,
        required=required,
        group_columns=group_columns,
    )


def _build_column(object_name: str, column: object) -> ExportColumn:
    if not isinstance(column, dict):
        raise ValueError(f"objects.{object_name}: columns are inline tables")
    header, value = str(column["header"]), str(column["value"])
    where = f"objects.{object_name} column {header!r}"
    if value not in VALUES:
        raise ValueError(f"{where}: unknown value {value!r}")
    if not header or header.startswith(FORMULA_PREFIXES):
        raise ValueError(f"{where}: a header must not be empty or start with = + - @")
    true_text, false_text = column.get("true"), column.get("false")
    if (true_text is not None or false_text is not None) and VALUES[value].kind != Kind.BOOLEAN:
        raise ValueError(f"{where}: true/false words only apply to boolean values")
    marketing = bool(column.get("marketing", False))
    if marketing and VALUES[value].kind != Kind.BOOLEAN:
        raise ValueError(f"{where}: marketing applies to a consent or opt-out value only")
    api = column.get("api")
    return ExportColumn(
        header=header,
        value=value,
        custom=bool(column.get("custom", False)),
        true_text=None if true_text is None else str(true_text),
        false_text=None if false_text is None else str(false_text),
        api=None if api is None else str(api),
        label_de=None if column.get("de") is None else str(column["de"]),
        marketing=marketing,
        unknown_text=None if column.get("unknown") is None else str(column["unknown"]),
        label=header,
    )
