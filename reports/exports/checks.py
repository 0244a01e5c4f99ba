"""Records a CRM would refuse on import, and why: they go to rejected_<profile>.csv instead.

Two checks per object, both from the CRM's import documentation as the profile records it:
a required field is empty (``required`` in the profile: at least one value of each group must be
filled, e.g. Salesforce's LastName), or an e-mail column holds something that is not an e-mail
address (CRMs validate e-mail fields on import and refuse the row). A refused row in an import
file fails silently or stops the whole batch, depending on the CRM; listed here it can be fixed
at the source.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from reports.exports.profile import ExportObject
from reports.exports.render import object_filter
from reports.exports.values import VALUES, with_phone_types

#: rejected_<profile>.csv
REJECTED_SCHEMA: Final = {
    "golden_id": pl.String(),
    "object": pl.String(),
    "field": pl.String(),
    "reason": pl.String(),
}

#: Values written into e-mail fields.
EMAIL_VALUES: Final = ("email", "email_2", "email_3")
#: An address as CRMs accept it: one @, no spaces, a dot in the domain, no dot at either end.
_EMAIL: Final = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s.]+$"

_REASONS: Final = {
    "de": {
        "required": "Pflichtfeld leer ({fields}): der CRM-Import lehnt den Datensatz ab",
        "email": "keine gültige E-Mail-Adresse im E-Mail-Feld",
    },
    "en": {
        "required": "required field empty ({fields}): the CRM import refuses the record",
        "email": "not a valid e-mail address in an e-mail field",
    },
}


def rejected_rows(
    golden: pl.LazyFrame, export_object: ExportObject, language: str = "en"
) -> pl.DataFrame:
    """golden_id, object, field, reason (REJECTED_SCHEMA) of the records the CRM would refuse.

    One row per problem; reasons in ``language`` (de or en).
    """
    texts = _REASONS.get(language, _REASONS["en"])
    header_of = {column.value: column.header for column in export_object.columns}
    checks: list[pl.Expr] = []
    for group in export_object.required:
        fields = " / ".join(header_of.get(value, value) for value in group)
        filled = pl.any_horizontal(
            VALUES[value].expression().cast(pl.String).str.strip_chars().fill_null("") != ""
            for value in group
        )
        checks.append(
            pl.when(~filled).then(
                pl.struct(
                    field=pl.lit(fields),
                    reason=pl.lit(texts["required"].replace("{fields}", fields)),
                )
            )
        )
    for column in export_object.columns:
        if column.value in EMAIL_VALUES:
            value = VALUES[column.value].expression()
            checks.append(
                pl.when(value.is_not_null() & ~value.str.contains(_EMAIL)).then(
                    pl.struct(field=pl.lit(column.header), reason=pl.lit(texts["email"]))
                )
            )
    if not checks:
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    found = (
        with_phone_types(golden)
        .filter(object_filter(export_object))
        .select("golden_id", pl.concat_list(checks).list.drop_nulls().alias("problem"))
        .explode("problem")
        .drop_nulls("problem")
        .unnest("problem")
        .select("golden_id", pl.lit(export_object.name).alias("object"), "field", "reason")
        .collect()
    )
    return found.cast(REJECTED_SCHEMA).sort("golden_id", "field")  # type: ignore[arg-type]
