"""golden.toml: the one typed configuration, validated by pydantic at load.

Sections: ``[project]`` (output, state store, language, default country), ``[silos.<name>]`` with
their ``mapping`` and ``defaults``, ``[matching]``, ``[survivorship]``, ``[staleness]``,
``[dq]``, ``[export]``.
Every section has defaults, so a file with only silos is valid. Credentials never live in the
file: URLs reference environment variables as ``${NAME}`` and are resolved when a connection is
opened (``resolve_env``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.canonical import LIST_FIELDS, MAPPABLE_FIELDS
from rules.dq_rules import (
    ConsistencyRules,
    FieldRules,
    SiloDQRules,
    check_field_names,
    check_field_rules,
)
from rules.errors import ConfigError
from rules.privacy import PrivacyConfig
from rules.retention import RetentionConfig

FILE_CONNECTORS = ("csv", "excel", "json", "jsonl", "parquet", "sqlite")
DATABASE_CONNECTORS = ("postgres", "mysql")
Connector = Literal["csv", "excel", "json", "jsonl", "parquet", "sqlite", "postgres", "mysql"]
SurvivorshipRule = Literal["trust", "recent", "complete", "frequent"]
#: Blocking rules that matching.blocking implements (a test keeps the two in step).
BLOCKING_RULE_NAMES = (
    "email",
    "phone",
    "name_birth_date",
    "first_name_birth_date",
    "name_address",
    "first_name_address",
    "full_name",
    "name_pair",
    "birth_date",
    "email_local_part",
    "email_typo",
    "name_city",
    "first_name_city",
    "vat_id",
    "personal_id",
    "organisation",
    "email_domain",
    "first_name_birth_day",
    "last_name_birth_day",
    "first_name_birth_month",
    "last_name_birth_month",
    "name_parts_birth_year",
)
#: Attribute groups survivorship rules can name (matching.survivorship.FIELD_GROUPS).
SURVIVORSHIP_GROUPS = (
    "record_type",
    "salutation",
    "title",
    "name",
    "organisation",
    "department",
    "address",
    "birth_date",
    "vat_id",
    "segment",
    "profession",
)

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _require_known(given: Iterable[str], known: Iterable[str], what: str) -> None:
    """Raise "<what> a, b; expected some of: ..." for the names of ``given`` not in ``known``."""
    expected = list(known)
    unknown = sorted(set(given) - set(expected))
    if unknown:
        raise ValueError(f"{what} {', '.join(unknown)}; expected some of: {', '.join(expected)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def resolve_env(text: str, where: str) -> str:
    """Replace every ``${NAME}`` in ``text`` by the environment variable, or raise ConfigError."""

    def _value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(
                f"{where}: environment variable {name} is not set — export it before the run "
                f"(credentials are read from the environment, never stored in golden.toml)"
            )
        return os.environ[name]

    return _ENV_REFERENCE.sub(_value, text)


class ProjectConfig(_Strict):
    """Where outputs and state go, and the defaults for every silo."""

    name: str = "golden-records"
    output_dir: str = "out"
    #: SQLAlchemy URL of the state store; empty means SQLite at <output_dir>/state.db.
    state_url: str = ""
    default_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "DE"
    language: Literal["de", "en"] = "de"
    #: Reports show e-mail addresses and phone numbers in full (reports.masking); default: masked.
    show_contact_data: bool = False
    #: Run folders kept under <output_dir>/runs after a successful publish (oldest removed).
    keep_runs: Annotated[int, Field(ge=1)] = 14
    #: Memory a run may use, e.g. "8GiB" or "512MiB"; unset: half of the machine's memory.
    #: Sets how many candidate pairs are compared and scored at a time.
    memory_limit: str | None = None
    #: pairs.parquet with every scored candidate pair; default: the pairs merged, reviewed or
    #: weighed by clustering, plus a 1 % sample of the others.
    write_all_pairs: bool = False
    #: "local": every stage in this process; "dask": extract, clean and compare run as
    #: partitions on a Dask cluster (pip install 'golden-records[dask]').
    executor: Literal["local", "dask"] = "local"
    #: Scheduler of an existing Dask cluster ("tcp://host:8786"); empty: a LocalCluster on
    #: this machine with ``dask_workers`` worker processes.
    dask_address: str = ""
    dask_workers: Annotated[int, Field(ge=1, le=256)] = 2
    #: Rows per clean partition and candidate pairs per compare partition: the units of work
    #: (and of progress); outputs do not depend on them.
    partition_rows: Annotated[int, Field(ge=1)] = 100_000
    partition_pairs: Annotated[int, Field(ge=1)] = 500_000

    @field_validator("dask_address")
    @classmethod
    def _scheduler_address(cls, value: str) -> str:
        if value and not re.match(r"^(tcp|tls|ucx|inproc)://\S+$", value):
            raise ValueError(
                f"dask_address {value!r} is not a scheduler address: write it as "
                f'"tcp://host:8786" (what `dask scheduler` prints), or leave it empty for a '
                f"local cluster"
            )
        return value

    @field_validator("state_url")
    @classmethod
    def _no_inline_password(cls, value: str) -> str:
        _reject_inline_password(value)
        return value

    @field_validator("memory_limit")
    @classmethod
    def _memory_size(cls, value: str | None) -> str | None:
        if value is not None:
            parse_memory_size(value)
        return value

    def memory_limit_bytes(self) -> int:
        """``memory_limit`` in bytes; unset: half of the machine's physical memory."""
        if self.memory_limit is not None:
            return parse_memory_size(self.memory_limit)
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            total = 8 * 1024**3  # no sysconf (Windows): assume a small 8 GiB machine
        return total // 2


_MEMORY_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def parse_memory_size(text: str) -> int:
    """ "8GiB", "512 MiB", "2GB", "1000000" -> bytes; ValueError naming the accepted units."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = found.group(2).lower() if found else ""
    if found is None or unit not in _MEMORY_UNITS or float(found.group(1)) <= 0:
        raise ValueError(
            f'memory_limit {text!r}: write a positive size such as "8GiB", "512MiB" or '
            '"2GB" (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)'
        )
    return int(float(found.group(1)) * _MEMORY_UNITS[unit])


class SiloConfig(_Strict):
    """One source system: how to read it and how its columns map onto the canonical model."""

    name: str = ""
    connector: Connector
    path: str | None = None
    url: str | None = None
    table: str | None = None
    query: str | None = None
    #: "auto" detects UTF-8 (with or without BOM), falling back to Windows-1252.
    encoding: str = "auto"
    #: "auto" sniffs among ; , tab and |.
    delimiter: str = "auto"
    sheet: str | int | None = None
    #: Most physical lines one record may span (a quoted value with line breaks); 1 = the silo has
    #: no multi-line values. A quote left open longer is a broken quote: that line is quarantined
    #: and the lines after it are read as rows of their own.
    max_record_lines: Annotated[int, Field(ge=1, le=1000)] = 3
    #: A value longer than this many characters puts its row in quarantine (Excel cuts at 32,767).
    max_value_length: Annotated[int, Field(ge=1, le=32767)] = 1000
    #: 1 is the most trusted silo; survivorship "trust" prefers lower ranks.
    trust_rank: Annotated[int, Field(ge=1, le=1000)] = 10
    #: Country assumed for phones and addresses without one; defaults to [project].
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    #: strftime format of date columns when it is fixed (e.g. "%d.%m.%Y"); else detected per value.
    date_format: str | None = None
    owner: str | None = None
    #: Channels this silo sends marketing on (a newsletter tool: ["email"]): its records need
    #: recorded consent for them ([staleness] flags them otherwise).
    marketing_channels: list[Literal["email", "post", "phone"]] = Field(default_factory=list)
    enabled: bool = True
    #: canonical field -> source column (or list of columns for phones / emails).
    mapping: dict[str, str | list[str]]
    #: canonical field -> constant value for every row of this silo (e.g. country = "AT").
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url_without_password(cls, value: str | None) -> str | None:
        if value is not None:
            _reject_inline_password(value)
        return value

    @field_validator("mapping")
    @classmethod
    def _mapping_fields(cls, mapping: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        _require_known(mapping, MAPPABLE_FIELDS, "unknown canonical field(s)")
        if "source_id" not in mapping:
            raise ValueError("source_id is required: name the column that identifies a record")
        for field, columns in mapping.items():
            if isinstance(columns, list) and field not in LIST_FIELDS:
                raise ValueError(
                    f"{field} takes one column name, got a list (only {', '.join(LIST_FIELDS)} "
                    f"take several)"
                )
            names = columns if isinstance(columns, list) else [columns]
            if not names or any(not name.strip() for name in names):
                raise ValueError(f"{field}: empty column name")
        return mapping

    @field_validator("defaults")
    @classmethod
    def _default_fields(cls, defaults: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(defaults) - set(MAPPABLE_FIELDS) - {"source_id"})
        if unknown or "source_id" in defaults:
            raise ValueError(f"defaults for unknown or forbidden field(s): {', '.join(unknown)}")
        return defaults

    @property
    def id_column(self) -> str:
        """The silo's column mapped to source_id (ROW_NUMBER where the row number is the id)."""
        return str(self.mapping["source_id"])

    @model_validator(mode="after")
    def _location(self) -> SiloConfig:
        if self.connector in FILE_CONNECTORS and not self.path:
            raise ValueError(f"connector '{self.connector}' needs path = \"...\"")
        if self.connector in DATABASE_CONNECTORS and not self.url:
            raise ValueError(
                f"connector '{self.connector}' needs url = \"...\" "
                f"(passwords as ${{ENV_VAR}} references)"
            )
        if self.connector in ("sqlite", *DATABASE_CONNECTORS) and not (self.table or self.query):
            raise ValueError(f'connector \'{self.connector}\' needs table = "..." or query = "..."')
        if self.table and self.query:
            raise ValueError("give either table or query, not both")
        if len(self.delimiter) != 1 and self.delimiter not in ("auto", "\\t"):
            raise ValueError(f'delimiter must be one character or "auto", got {self.delimiter!r}')
        return self


#: "<comparison>:<level>" or "<comparison>:<level>|<level>|...".
_CONDITION = r"^[a-z_]+:[a-z_0-9.]+(\|[a-z_0-9.]+)*$"


class HardRule(_Strict):
    """A rule that decides a pair outright when all its conditions hold.

    Conditions name a comparison level, ``"<comparison>:<level>"`` (e.g. "first_name:different",
    "vat_id:exact"), or several levels of one comparison, any of which counts
    (``"first_name:similar|unlike"``); levels are listed in matching.comparisons.COMPARISONS.
    """

    when: Annotated[list[Annotated[str, Field(pattern=_CONDITION)]], Field(min_length=1)]
    then: Literal["match", "no_match"]
    #: Conditions that stop the rule: it does not fire on a pair where any of them holds (a
    #: shared personal id outweighs a different first name: the weights decide instead).
    unless: list[Annotated[str, Field(pattern=_CONDITION)]] = Field(default_factory=list)
    #: Which pairs the rule applies to (both records of this type), or "any".
    record_type: Literal["person", "organisation", "any"] = "any"


#: A shared personal id (AHV-Nr., Steuer-ID, SSN) is stronger evidence than a replaced given
#: name or a mistyped birth date: the vetoes on those leave such pairs to the weights.
_SAME_PERSONAL_ID = ["personal_id:exact_checked", "personal_id:exact"]
#: So is an id one typo apart (a digit wrong, missing or two swapped): two people's numbers are
#: that close only by coincidence. Not "neighbour" numbers (4321567 / 4321568), which twins
#: registered together may hold: those keep the vetoes.
_SAME_OR_MISTYPED_PERSONAL_ID = [*_SAME_PERSONAL_ID, "personal_id:typo"]
#: What one person has and takes along when moving: a personal e-mail (or one typo apart) or a
#: mobile number (a household's shared mailbox or landline counts too: the records then agree on
#: more than the name).
_ONE_PERSONS_CONTACT = ["email:shared|similar|shared_household", "phone:shared|shared_landline"]
#: A birth date equal or a typo of it (a year one digit off included: namesakes' random dates
#: are rarely that close), or an unchecked personal id two digits off: more than the name in
#: common (FEBRL and Splink's fake data mistype both).
_CLOSE_BIRTH_DATE_OR_ID = [
    "birth_date:exact|swap_or_typo|within_one_year|year_typo",
    "personal_id:unlike",
]
#: First names that differ, yet close enough that the first-name veto leaves them to the weights:
#: a masculine/feminine form (Simon / Simone), two established given names (Lena / Lea, Mia /
#: Mila), one letter apart (Jan / Jana), or a difference a typo could explain.
_CLOSE_OTHER_FIRST_NAME = "first_name:opposite_sex|other_given_name|jaro_winkler_0.9|similar|unlike"


#: Both records name an organisation (any level but "only_one"): between persons, two contacts.
_BOTH_NAME_A_FIRM = (
    "organisation:exact|jaro_winkler_0.9|contained|most_words|one_word|sister|different"
)


#: Both records name one organisation, the same or one typo apart: between persons, contacts of
#: one firm.
_SAME_FIRM = "organisation:exact|jaro_winkler_0.9"


def _default_hard_rules() -> list[HardRule]:
    return [
        # Twins and family members share name, address and phone but never the first name.
        HardRule(
            when=["first_name:different"],
            then="no_match",
            record_type="person",
            unless=_SAME_OR_MISTYPED_PERSONAL_ID,
        ),
        # Twins and siblings with similar names: Herr next to Frau and the first names differ.
        # One person whose salutation was mistyped keeps a personal e-mail or id of both.
        HardRule(
            when=["gender:different", _CLOSE_OTHER_FIRST_NAME],
            then="no_match",
            record_type="person",
            unless=[*_SAME_PERSONAL_ID, "email:shared"],
        ),
        # Brother and sister (Stefan / Stefanie, Jan / Jana, Daniel / Danielle), also without a
        # salutation column: a masculine and a feminine form are two people unless something
        # only one person has says otherwise (the same personal e-mail, mobile or id), or the
        # salutations agree (Herr Jan / Herr Jana: a typo in the name).
        HardRule(
            when=["first_name:opposite_sex"],
            then="no_match",
            record_type="person",
            unless=[
                *_SAME_OR_MISTYPED_PERSONAL_ID,
                "email:shared|similar",
                "phone:shared",
                "gender:same",
            ],
        ),
        # Twins of one sex (Lena / Lea): household evidence agrees (name, address, birth date,
        # landline), each has a mobile and a personal e-mail of their own and none is shared,
        # and the first names differ. One person with a typo in the first name who changed
        # both mobile and e-mail is far rarer than twins. A shared household mailbox
        # (familie.bauer@, bauer@) is no personal e-mail in common: twins carry it too.
        HardRule(
            when=[
                _CLOSE_OTHER_FIRST_NAME,
                "phone:different",
                "email:shared_household|own_names|different",
            ],
            then="no_match",
            record_type="person",
            unless=_SAME_PERSONAL_ID,
        ),
        # Twins without mobiles (Lina / Lisa): the personal e-mail of each names its own first
        # name (lina.gerber@ / lisa.gerber@), so the different first name is no typo.
        HardRule(
            when=[_CLOSE_OTHER_FIRST_NAME, "email:own_names"],
            then="no_match",
            record_type="person",
            unless=_SAME_PERSONAL_ID,
        ),
        # Two established given names close in spelling (Lara / Laura, Tim / Tom, Lina /
        # Linda) in one house: siblings or twins, who share last name, address, landline and,
        # as twins, the birth date, so none of that can say "one person with a typo". A typo
        # that lands on another listed name is rarer than parents giving a second child a name
        # like the first. Only what one person has decides: a personal e-mail (or one typo
        # apart), a mobile or a personal id. Data without a house (a town only, as in Splink's
        # fake data) says nothing about a household and keeps the weights.
        HardRule(
            when=["first_name:other_given_name", "address:house"],
            then="no_match",
            record_type="person",
            unless=[*_SAME_OR_MISTYPED_PERSONAL_ID, "email:shared|similar", "phone:shared"],
        ),
        # A household's record ("Familie Volz", no first name) is no one member's: it shares
        # name, address and landline with each of them, and none of it says which one it is
        # (README: what becomes one golden record). Two records of the household still match.
        HardRule(when=["gender:household"], then="no_match", record_type="person"),
        # Father and son with the same name: birth dates more than a year apart.
        HardRule(
            when=["birth_date:different"],
            then="no_match",
            record_type="person",
            unless=_SAME_OR_MISTYPED_PERSONAL_ID,
        ),
        # One house (or one street with the house numbers a typo apart or one unknown: Rosenweg
        # 24 / 26 are neighbours, numbered one digit apart), born years apart (under a
        # generation), a year one digit off with day or month differing too (08.09.1974 /
        # 05.09.1979), or months apart no typo explains (29.12.1957 / 30.05.1958: day and month
        # both off): spouses and siblings of one household or neighbours of one name
        # share the name or its initial ("E. Arslan"), the address and the landline, which
        # outweigh the date's weight. Only what one person has can say the date was mistyped
        # that badly: the same personal e-mail (or one typo apart), mobile or personal id, or
        # an unchecked id two digits off (as for namesakes: FEBRL mistypes ids and dates).
        # Accepted pairs so (in one house, nothing personal shared) over the accuracy suite:
        # 5 true (FEBRL; 4 of them with such an id), none false; on devset12 31 false, 1 true.
        # Months apart added: devset17's namesakes of one street 14 -> 5 false pairs, no true
        # pair lost there; FEBRL 3 loses a few true pairs (recall 0.9855 -> 0.9849).
        # Data without a house (a town only: Splink's fake_20000, hundreds of true pairs with
        # replaced dates) says nothing about a household and keeps the weights.
        HardRule(
            when=["birth_date:within_one_year|year_typo|years_apart", "address:house|street"],
            then="no_match",
            record_type="person",
            unless=[
                *_SAME_OR_MISTYPED_PERSONAL_ID,
                "email:shared|similar",
                "phone:shared",
                "personal_id:unlike",
            ],
        ),
        # Two personal ids that both pass their check digit and differ: two people, whatever
        # else they share (a typo would have broken the check digit).
        HardRule(when=["personal_id:different"], then="no_match", record_type="person"),
        # "jun." and "sen.": father and son, even without birth dates.
        HardRule(when=["name_suffix:different"], then="no_match", record_type="person"),
        # "jun." beside the same name without a suffix: the household holds a father and a son
        # of that name, so name, address and landline no longer say which one a record is. Only
        # what one person has decides: a personal e-mail, a mobile, a birth date or an id.
        HardRule(
            when=["name_suffix:one_missing"],
            then="no_match",
            record_type="person",
            unless=[
                *_SAME_OR_MISTYPED_PERSONAL_ID,
                "email:shared|similar",
                "phone:shared",
                "birth_date:exact|swap_or_typo|within_one_year",
            ],
        ),
        # Namesakes: one name (often a common one) at another street of the town or in another
        # town, and nothing one person has in common: no personal e-mail, phone, birth date or
        # id. A move keeps the e-mail or the mobile (same person, new street, same e-mail or
        # mobile); the name alone does not make two records at two addresses one person, nor
        # may it chain them through records without address (matching.clustering: a hard
        # "no match" is a conflict between group members).
        HardRule(
            when=["address:other_street|different"],
            then="no_match",
            record_type="person",
            unless=[
                *_SAME_OR_MISTYPED_PERSONAL_ID,
                *_ONE_PERSONS_CONTACT,
                *_CLOSE_BIRTH_DATE_OR_ID,
                # Two contacts of one firm (its name the same, or one typo apart): the address
                # is the firm's, which moves or has several sites, and the firm is what the
                # contact has of their own (Mehmet Neumann of Morgenrot Software in Basel
                # and in Bregenz).
                _SAME_FIRM,
            ],
        ),
        # Two addresses, and each record has a mobile and a personal e-mail of its own with none
        # in common: two people of one name (even born on one day), not one who moved. A move
        # keeps the e-mail or the mobile (that is what follows a person to the new address);
        # changing both with it is far rarer than namesakes.
        HardRule(
            when=["address:other_street|different", "phone:different", "email:different"],
            then="no_match",
            record_type="person",
            unless=_SAME_OR_MISTYPED_PERSONAL_ID,
        ),
        # Namesakes of one street: the same name at another house of it (Zürichstrasse 21 and
        # 102), both house numbers known and further apart than a typo (a house number one
        # typo off, 12 / 21 or 102 / 12, is "street" and weighs). The street, which the
        # weights count for one person, is what neighbours of one name share, so only what one
        # person has decides, as between two streets: a personal e-mail or phone in common, a
        # personal id, or the birth date, equal or one typo off. A date close by chance (a
        # year apart with day and month differing too, 14.12.1955 / 02.11.1956) beside another
        # house number is two people, not two typos in one person's record. A record holding
        # the old house and the new record's e-mail bridges a move (matching.clustering).
        # Base rates (benchmarks.accuracy sets, before the rule): 852 person pairs at two house
        # numbers of one street more than a typo apart, 764 true (FEBRL 1-4, which replaces
        # house numbers; all carry the personal id or the birth date) and 88 false (demo,
        # dach_multisilo), of which the rule refuses 0 true and all 88 false.
        HardRule(
            when=["address:other_house"],
            then="no_match",
            record_type="person",
            unless=[
                *_SAME_OR_MISTYPED_PERSONAL_ID,
                *_ONE_PERSONS_CONTACT,
                "birth_date:exact|swap_or_typo",
                "personal_id:unlike",
                _SAME_FIRM,
            ],
        ),
        # Two contacts named on organisation records (both name a firm) whose last names differ
        # beyond a typo: two colleagues ("Frau Wagner" and "Inh. Sabine Schneider" of one
        # driving school). What they share, the firm's name, address and switchboard, is the
        # firm's and says nothing about which person a record is; only a personal e-mail (or
        # one typo apart) or id does (a contact whose name changed with a marriage).
        HardRule(
            when=[_BOTH_NAME_A_FIRM, "last_name:different"],
            then="no_match",
            record_type="person",
            unless=[*_SAME_OR_MISTYPED_PERSONAL_ID, "email:shared|similar"],
        ),
        # The same personal e-mail (role addresses such as info@ are excluded) is the same
        # person, unless a no_match rule above says otherwise (a family sharing an address).
        HardRule(when=["email:shared"], then="match", record_type="person"),
        # A row whose own address at a firm's domain spells the name of that firm's contact
        # (s.huber@ or sabine.huber@voigt-heizungsbau.com beside "z. Hd. S. Huber" of Voigt
        # Heizungsbau, a newsletter row that is only that address) is the contact's: the
        # firm's mail system names its people so, and a colleague's address would spell
        # another name (in a family firm only the whole first name counts, see
        # matching.comparisons._email_domain). A no_match rule above still wins (a first name
        # or birth date that says "another person").
        HardRule(
            when=["email_domain:names_contact", "organisation:only_one"],
            then="match",
            record_type="person",
        ),
        # The same checked personal id is one person.
        HardRule(when=["personal_id:exact_checked"], then="match", record_type="person"),
        # One VAT id is one legal entity, whose branches in other towns share it: where a
        # record names its branch ("Filiale Wien", wien@ in Wien) the site in another town is
        # "different" (matching.comparisons._site) and the two are that entity's two branches,
        # each a customer of its own; without a branch named the other town is no evidence
        # (one firm's offices) and the VAT id matches.
        HardRule(
            when=["vat_id:exact", "site:different"],
            then="no_match",
            record_type="organisation",
        ),
        HardRule(
            when=["vat_id:exact"],
            then="match",
            record_type="organisation",
            unless=["site:different"],
        ),
        HardRule(when=["vat_id:different"], then="no_match", record_type="organisation"),
    ]


#: ``[matching] organisations = "per_site"``: another address of one legal entity is another
#: customer (matching.comparisons._site's "same_firm").
PER_SITE_RULE = HardRule(when=["site:same_firm"], then="no_match", record_type="organisation")


class MatchingConfig(_Strict):
    """How candidate pairs are found and when they merge; deepened by the matching issue."""

    #: Pairs at or above this match probability are merged automatically.
    match_threshold: Annotated[float, Field(gt=0, le=1)] = 0.9
    #: Pairs between review_threshold and match_threshold go to the review queue.
    review_threshold: Annotated[float, Field(ge=0, le=1)] = 0.6
    #: review.html shows at most this many uncertain pairs (largest records, weakest links
    #: first; all are in review_queue.csv). 0 shows all.
    review_page_max_pairs: Annotated[int, Field(ge=0)] = 1000
    #: Blocks larger than this are skipped and reported with their key.
    max_block_size: Annotated[int, Field(ge=2)] = 200
    #: A blocking rule whose blocks would make more pairs than this many per record (counted
    #: before any pair is built) has its blocks above split_block_size split by extra keys
    #: (initials, birth year, postal region) and what stays larger capped; 0 switches it off.
    #: Keeps candidate pairs linear in the records (a birth date alone at a million records).
    #: 2, not 5: the split keeps nearly every true pair (blocking recall 0.8185 -> 0.8181 on
    #: 100,000 generated records, benchmarks.blocking_recall) for a fifth fewer pairs.
    rule_pairs_per_record: Annotated[float, Field(ge=0)] = 2.0
    #: Blocks above this size are split (and sub-blocks above it capped) in a rule over budget.
    split_block_size: Annotated[int, Field(ge=2)] = 20
    #: Decide pairs outright regardless of their score (first matching rule wins; no_match
    #: rules are checked before match rules).
    hard_rules: list[HardRule] = Field(default_factory=_default_hard_rules)
    #: What one organisation is. "per_firm": one legal entity, its records at several addresses
    #: one customer where a VAT id, or the same name beside the same business domain, says one
    #: firm and neither record names a branch. "per_site": every address its own customer (a
    #: company that keeps one account per branch): another address of one firm (``site:
    #: same_firm``) never matches, a hard rule put first.
    organisations: Literal["per_firm", "per_site"] = "per_firm"
    #: Estimate match weights from each run's data (EM); false keeps the hand-set defaults.
    estimate_weights: bool = True
    #: Never chain two records into one entity when a hard rule says they differ (twins
    #: linked through a shared e-mail); false gives plain connected components.
    split_weak_links: bool = True
    #: Scored pairs below this probability also count as "different" when clustering.
    cannot_link_below: Annotated[float, Field(ge=0, le=1)] = 0.0
    #: Two groups of records merge only when the mean match probability of all their cross
    #: pairs reaches this (average linkage): one strong bridge between unlike groups is not
    #: enough. 0 merges along every accepted pair that no conflict forbids.
    group_linkage: Annotated[float, Field(ge=0, le=1)] = 0.5
    #: Adjust exact name agreements by how common the name is (Müller weighs less).
    term_frequency: bool = True
    #: Random record pairs sampled to estimate how often non-matches agree (u probabilities).
    em_sample_size: Annotated[int, Field(ge=1000)] = 50_000
    #: Candidate pairs the EM learns the match weights and the share of matches from: a seeded
    #: random sample of this many (the same pairs on every run), or all pairs when there are
    #: fewer. Their level patterns stand for all pairs (counts scaled up); 2.5 million pairs
    #: hold a few hundred thousand matches, plenty for 13 comparisons' few levels, and spare
    #: comparing every level of every pair before the weights are known (matching.cascade).
    em_candidate_pairs: Annotated[int, Field(ge=1000)] = 2_500_000
    #: Compare the cheap, decisive fields of a pair first and skip the rest where even their
    #: best levels could not lift the pair to the review threshold (matching.cascade): the
    #: kept pairs, scores and clusters are the same; false compares every field of every pair.
    prune_pairs: bool = True
    #: Compare only new and changed records against the rest when the last run's match cache
    #: fits (same [matching] settings and version); false recomputes every run in full.
    incremental: bool = True
    #: Above this share of new and changed records (percent of all records) a run recomputes
    #: in full, with fresh weights (EM).
    incremental_max_changed_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    #: Weights older than this many days (estimated by the last full run) make the next run a
    #: full one, so the weights follow the data; 0: only the other reasons start a full run.
    full_run_every_days: Annotated[int, Field(ge=0)] = 30
    #: Names of the blocking rules used (see matching.blocking.BLOCKING_RULES).
    blocking_rules: list[str] = Field(
        default_factory=lambda: [
            "email",
            "email_local_part",
            "email_typo",
            "phone",
            "name_birth_date",
            "first_name_birth_date",
            "full_name",
            "name_pair",
            "name_address",
            "first_name_address",
            "name_city",
            "first_name_city",
            "birth_date",
            "vat_id",
            "personal_id",
            "organisation",
            "email_domain",
            "first_name_birth_day",
            "last_name_birth_day",
            "name_parts_birth_year",
            # first_name_birth_month and last_name_birth_month (a day slipped) are not default:
            # at 1,000,000 generated records 6.5 million pairs for 15,000 true pairs no other
            # rule finds (benchmarks.blocking_recall).
        ]
    )

    @field_validator("blocking_rules")
    @classmethod
    def _known_rules(cls, names: list[str]) -> list[str]:
        _require_known(names, BLOCKING_RULE_NAMES, "unknown blocking rule(s)")
        if not names:
            raise ValueError("name at least one blocking rule")
        return names

    @model_validator(mode="after")
    def _band(self) -> MatchingConfig:
        if self.review_threshold > self.match_threshold:
            raise ValueError("review_threshold must not be above match_threshold")
        return self

    @model_validator(mode="before")
    @classmethod
    def _per_site(cls, data: object) -> object:
        # The per-site rule first, once (a config dumped and loaded again keeps one).
        if not isinstance(data, dict) or data.get("organisations") != "per_site":
            return data
        rules = data.get("hard_rules")
        rules = _default_hard_rules() if rules is None else list(rules)
        known = [HardRule.model_validate(rule) for rule in rules]
        if PER_SITE_RULE not in known:
            rules = [PER_SITE_RULE, *rules]
        return {**data, "hard_rules": rules}


class SurvivorshipConfig(_Strict):
    """Which source value wins per golden-record attribute."""

    default: SurvivorshipRule = "trust"
    fields: dict[str, SurvivorshipRule] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_groups(cls, fields: dict[str, SurvivorshipRule]) -> dict[str, SurvivorshipRule]:
        _require_known(fields, SURVIVORSHIP_GROUPS, "unknown attribute group(s)")
        return fields


class StalenessConfig(_Strict):
    """When a golden record needs a steward's action (matching.staleness lists the reasons)."""

    #: Flag golden records no silo changed for this many months; unset (default): off, since
    #: most CRM records go unedited for months and a flag on them is not a task.
    months_without_update: Annotated[int, Field(ge=1)] | None = None
    #: No activity in any silo for this many months: review for deletion. Default 10 years, the
    #: longest German retention period (§ 147 AO, § 257 HGB): after it, keeping the data of an
    #: inactive customer needs a reason of its own (DSGVO Art. 5(1)(e), Art. 17).
    months_without_activity: Annotated[int, Field(ge=1)] = 120
    review_interval_months: Annotated[int, Field(ge=1)] = 6
    #: Flag e-mail consent older than this and unused since (no activity); unset (default):
    #: off, since consent does not expire by age in law, only when left unused (case law varies).
    max_consent_age_months: Annotated[int, Field(ge=1)] | None = None
    flag_missing_consent: bool = True
    flag_invalid_contact: bool = True
    #: Flag records without any activity on or after this date (e.g. a CRM migration day).
    no_activity_since: date | None = None
    #: Flag consent given without a recorded date or source (DSGVO Art. 7(1): it must be provable).
    flag_consent_without_proof: bool = True


class DQConfig(_Strict):
    """Data-quality rules: which failures stop the run, which are only reported."""

    fail_if_silo_empty: bool = True
    #: Run the DQ rules with great-expectations (about 2-6 s a run); false skips them
    #: (`golden dedupe` does unless --dq), the cleaners' findings are still reported.
    run_checks: bool = True
    #: A silo with more than this share of quarantined rows fails the run (0-100).
    max_quarantine_percent: Annotated[float, Field(ge=0, le=100)] = 50.0
    #: Fields whose absence is reported as a completeness problem.
    required_fields: list[str] = Field(default_factory=lambda: ["last_name", "postal_code", "city"])
    #: A field of a silo with more invalid values than this share stops the run (0-100).
    max_invalid_percent: Annotated[float, Field(ge=0, le=100)] = 50.0
    #: A silo with more records holding an invalid value than this share stops the run (0-100).
    max_invalid_records_percent: Annotated[float, Field(ge=0, le=100)] = 50.0
    #: The two shares above only block from this many checked values (records) on.
    min_values_for_blocking: Annotated[int, Field(ge=1)] = 20
    #: Records needed before the most frequent city of a postal code counts as the expected one.
    postal_code_city_min_records: Annotated[int, Field(ge=2)] = 3
    #: Rules per canonical field, [dq.fields.<field>] (see rules.dq_rules for the defaults).
    fields: dict[str, FieldRules] = Field(default_factory=dict)
    consistency: ConsistencyRules = Field(default_factory=ConsistencyRules)
    #: Overrides per silo, [dq.silos.<silo>].
    silos: dict[str, SiloDQRules] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_fields(self) -> DQConfig:
        check_field_names(self.required_fields, "dq.required_fields")
        check_field_rules(self.fields, "dq.fields")
        for silo, rules in self.silos.items():
            check_field_names(rules.required_fields or (), f"dq.silos.{silo}.required_fields")
            check_field_rules(rules.fields, f"dq.silos.{silo}.fields")
        return self


#: CRM export profiles in reports/exports/profiles (a test keeps the two in step).
EXPORT_PROFILES = (
    "dynamics",
    "generic",
    "hubspot",
    "listenprivileg",
    "pipedrive",
    "salesforce",
    "salesforce-person-accounts",
    "zoho",
)


class ExportConfig(_Strict):
    """CRM import files written after each run (``golden export`` writes them on demand)."""

    #: Profiles the nightly flow exports after publishing; empty: no export step.
    profiles: list[str] = Field(default_factory=list)
    #: true: only what changed since the profile's last export; false: every golden record.
    delta: bool = True
    #: Field separator; ";" for German, Austrian and Swiss Excel.
    delimiter: str = ","
    #: UTF-8 with byte-order mark, so Excel recognises the encoding.
    bom: bool = True
    #: profile -> strftime date format, replacing the format the profile's CRM accepts.
    date_formats: dict[str, str] = Field(default_factory=dict)
    #: Folder for export folders; empty: <output_dir>/exports.
    output_dir: str = ""
    #: Header language where a CRM has no language-independent API name: "en" or "de"
    #: (`golden export --labels`); IMPORT.md is written in it too.
    labels: Literal["en", "de"] = "en"
    #: Unknown e-mail consent in the marketing opt-out column: "opt_out" (no marketing e-mail
    #: without consent, § 7 UWG) or "empty" (leave the CRM's value alone).
    unknown_consent: Literal["opt_out", "empty"] = "opt_out"

    @field_validator("profiles")
    @classmethod
    def _known_profiles(cls, names: list[str]) -> list[str]:
        _require_known(names, EXPORT_PROFILES, "unknown export profile(s)")
        return names

    @field_validator("date_formats")
    @classmethod
    def _known_date_profiles(cls, formats: dict[str, str]) -> dict[str, str]:
        _require_known(formats, EXPORT_PROFILES, "date_formats for unknown profile(s)")
        if any("%" not in text for text in formats.values()):
            raise ValueError('date formats are strftime patterns such as "%d.%m.%Y"')
        return formats

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if value == "\\t":
            return "\t"
        if len(value) != 1 or value in ('"', "\n", "\r"):
            raise ValueError(f'delimiter must be one character such as "," or ";", got {value!r}')
        return value


class GoldenConfig(_Strict):
    """The whole golden.toml."""

    project: ProjectConfig = Field(default_factory=ProjectConfig)
    silos: dict[str, SiloConfig]
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    survivorship: SurvivorshipConfig = Field(default_factory=SurvivorshipConfig)
    staleness: StalenessConfig = Field(default_factory=StalenessConfig)
    dq: DQConfig = Field(default_factory=DQConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    #: Directory of the config file; relative paths in it are resolved against this.
    base_dir: Path = Path(".")

    @field_validator("silos", mode="before")
    @classmethod
    def _name_silos(cls, silos: object) -> object:
        if isinstance(silos, dict):
            return {
                name: ({**body, "name": name} if isinstance(body, dict) else body)
                for name, body in silos.items()
            }
        return silos

    @field_validator("silos")
    @classmethod
    def _some_silos(cls, silos: dict[str, SiloConfig]) -> dict[str, SiloConfig]:
        if not silos:
            raise ValueError("declare at least one silo as [silos.<name>]")
        for name in silos:
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise ValueError(f"silo name {name!r}: use letters, digits, - and _ only")
        return silos

    @model_validator(mode="after")
    def _dq_silos_declared(self) -> GoldenConfig:
        unknown = sorted(set(self.dq.silos) - set(self.silos))
        if unknown:
            raise ValueError(
                f"[dq.silos] names undeclared silo(s) {', '.join(unknown)}; "
                f"declared: {', '.join(sorted(self.silos))}"
            )
        return self

    def resolve_path(self, path: str) -> Path:
        """Resolve a path from the config (env references expanded) against the file's folder."""
        expanded = Path(resolve_env(path, "golden.toml path")).expanduser()
        return expanded if expanded.is_absolute() else (self.base_dir / expanded)

    @property
    def output_dir(self) -> Path:
        """The output folder, absolute."""
        return self.resolve_path(self.project.output_dir).resolve()

    @property
    def state_url(self) -> str:
        """SQLAlchemy URL of the state store, env references resolved."""
        if self.project.state_url:
            return resolve_env(self.project.state_url, "project.state_url")
        return f"sqlite:///{self.output_dir / 'state.db'}"

    def enabled_silos(self) -> list[SiloConfig]:
        """The silos to read, in name order."""
        return [self.silos[name] for name in sorted(self.silos) if self.silos[name].enabled]


def _reject_inline_password(url: str) -> None:
    if not url:
        return
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password and not _ENV_REFERENCE.fullmatch(password):
        raise ValueError(
            "the URL contains a password; write it as ${ENV_VAR} and export the variable "
            "(credentials are never stored in golden.toml)"
        )


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s) in the configuration:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; `golden init` writes every known key)"
        elif "input" in item and item["type"] not in ("value_error",):
            message = f"{message} (got {item['input']!r})"
        lines.append(f"  - {key}: {message}")
    return "\n".join(lines)


def parse_config(text: str, path: Path) -> GoldenConfig:
    """Parse and validate golden.toml text; ``path`` is used for messages and relative paths."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    data["base_dir"] = str(path.parent.resolve())
    try:
        return GoldenConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from None


def starter_text() -> str:
    """The commented starter golden.toml that `golden init` writes."""
    from importlib import resources

    return resources.files("rules").joinpath("data/starter.toml").read_text("utf-8")


def load_config(path: str | Path) -> GoldenConfig:
    """Read and validate a golden.toml file, raising ConfigError with file, key and expectation."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"{path}: configuration file not found — create one with `golden init {path}`"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file as UTF-8: {exc}") from None
    return parse_config(text, path)
