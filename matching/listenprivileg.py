"""Who may be on a postal marketing list without consent (Listenprivileg), and who never may.

The Listenprivileg (§ 28 Abs. 3 Satz 2 Nr. 1 BDSG a.F., still the practice German data-protection
authorities accept for postal advertising under Art. 6 Abs. 1 lit. f DSGVO, see DSK
Orientierungshilfe Direktwerbung 2022) allows a company to use, for advertising by post only,
a list of its own customers and prospects with name, title, academic degree, postal address,
birth year and one group attribute, even without consent, as long as the person has not objected.

A golden record is on the list when it is a person with a postal address, has no recorded
consent for post (a "yes" belongs on a consented list; a recorded "no" for post is an objection
to postal advertising), no objection on any channel (Art. 21: consent false from source
"Widerspruch", matching.objections), and is neither restricted (Art. 18) nor "gesperrt" (kept
only for a legal retention duty, matching.retention).

The list carries one group attribute at most, never more (group_attribute): the one
``[privacy] listenprivileg_group`` names, or with "auto" the segment when a silo maps one, else
the profession when a silo maps one, else none.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from matching.objections import OBJECTION_SOURCE
from rules.canonical import CONSENT_CHANNELS
from rules.errors import ConfigError
from rules.privacy import GROUP_ATTRIBUTES


def group_attribute(setting: str, mapped_fields: Collection[str]) -> str | None:
    """The one group attribute the list carries (None: none), from the setting and the mapping.

    ``mapped_fields`` are the canonical fields any silo maps (or fills by default). A named
    attribute no silo maps is a ConfigError: the list would carry an empty column.
    """
    if setting == "none":
        return None
    if setting == "auto":
        return next((name for name in GROUP_ATTRIBUTES if name in mapped_fields), None)
    if setting not in GROUP_ATTRIBUTES:
        raise ConfigError(
            f"[privacy] listenprivileg_group = {setting!r}: choose auto, none or one of "
            f"{', '.join(GROUP_ATTRIBUTES)}"
        )
    if setting not in mapped_fields:
        raise ConfigError(
            f"[privacy] listenprivileg_group = {setting!r}, but no silo maps {setting} — map a "
            f"column to it in [silos.<name>.mapping] of golden.toml, or choose auto or none"
        )
    return setting


def listenprivileg_persons(golden: pl.LazyFrame, excluded_golden_ids: list[str]) -> pl.LazyFrame:
    """The golden records (GOLDEN_COLUMNS) a Listenprivileg postal list may hold."""
    is_person = pl.col("record_type").fill_null("person") != "organisation"
    has_address = pl.all_horizontal(
        pl.col(name).is_not_null() for name in ("last_name", "postal_code", "city")
    ) & (pl.col("street").is_not_null())
    objected = pl.any_horizontal(
        (pl.col(f"consent_{channel}_source") == OBJECTION_SOURCE).fill_null(False)
        for channel in CONSENT_CHANNELS
    )
    return golden.filter(
        is_person
        & has_address
        & pl.col("consent_post").is_null()
        & ~objected
        & ~pl.col("golden_id").is_in(excluded_golden_ids)
    )
