"""IMPORT.md: the set-up and import steps for one export folder, in the export's language.

Written next to the import files so a CRM admin finds them where the files are: which file goes
into which CRM object in which order, the external id, the fields to create first, how dates and
yes/no values are written, what happens to unknown consent, and which records were left out
(rejected_<profile>.csv) and why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources

from reports.exports.profile import ExportProfile, german_labels


@cache
def _texts() -> dict[str, dict[str, str]]:
    """The texts of IMPORT.md per language (data/import_notes.toml)."""
    path = resources.files("reports.exports").joinpath("data/import_notes.toml")
    return tomllib.loads(path.read_text("utf-8"))


def _fill(text: str, **values: object) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def import_notes(
    profile: ExportProfile,
    *,
    export_id: str,
    run_id: str,
    rows: Mapping[str, int],
    rejected: int,
    rejected_file: str,
    encoding: str,
    delimiter: str,
) -> str:
    """IMPORT.md for one export folder (Markdown, in ``profile.labels``)."""
    texts = _texts()
    language = profile.labels if profile.labels in texts else "en"
    text = texts[language]
    objects = sorted(profile.objects, key=lambda item: item.record_type != "organisation")
    lines = [
        f"# {_fill(text['title'], title=profile.title)}",
        "",
        _fill(
            text["run"],
            export_id=export_id,
            run_id=run_id,
            encoding=encoding,
            delimiter="\\t" if delimiter == "\t" else delimiter,
            date_format=profile.date_format,
        ),
        "",
        f"## {text['files']}",
        "",
    ]
    for number, item in enumerate(objects, start=1):
        lines.append(
            f"{number}. "
            + _fill(
                text["file_line"],
                file=item.file,
                crm_object=item.crm_object,
                rows=f"{rows.get(item.file, 0):,}".replace(",", "." if language == "de" else ","),
                external_id=item.external_id,
            )
        )
        if item.custom_fields:
            fields = ", ".join(f"`{name}`" for name in item.custom_fields)
            lines.append(f"   - {_fill(text['custom'], fields=fields)}")
    lines += [
        "",
        text["consent_opt_out" if profile.unknown_consent == "opt_out" else "consent_empty"],
        "",
        _fill(text["rejected" if rejected else "no_rejected"], count=rejected, file=rejected_file),
        "",
        f"## {text['notes']}",
        "",
        (profile.notes_de if language == "de" and profile.notes_de else profile.notes),
        "",
    ]
    for item in objects:
        lines += [f"## {text['columns']}: `{item.file}`", "", text["column_table"]]
        for column in item.columns:
            # an API name as label says little: then the value's own name ("last name")
            meaning = column.label if column.label != column.header else column.value
            meaning = meaning.replace("_", " ")
            if language == "de":
                meaning = column.label_de or german_labels().get(column.value, column.label)
            lines.append(f"| `{column.header}` | {meaning} |")
        lines.append("")
    lines += [text["more"], ""]
    return "\n".join(lines)
