"""CRM import files from golden records: profiles (data files), rendering, deltas, merge map.

Pure functions over frames: flows.export reads the published run and the state store, calls
these, and writes the files. Profiles live in ``profiles/<name>.toml`` with the source of each
CRM's column names; reference data (country names, freemail domains) in ``data/``.
"""

from __future__ import annotations

from reports.exports.delta import (
    CHANGE_KINDS,
    CHANGES_SCHEMA,
    HASHES_SCHEMA,
    MERGE_MAP_SCHEMA,
    change_counts,
    classify_changes,
    content_hashes,
    mark_erased,
    merge_map,
    resolve_redirects,
    retired_changes,
    rows_to_write,
)
from reports.exports.profile import (
    ExportColumn,
    ExportObject,
    ExportProfile,
    load_profile,
    profile_names,
)
from reports.exports.render import ROW_KEY, content_text, render_object, sink_csv
from reports.exports.values import with_phone_types

__all__ = [
    "CHANGES_SCHEMA",
    "CHANGE_KINDS",
    "ExportColumn",
    "ExportObject",
    "ExportProfile",
    "HASHES_SCHEMA",
    "MERGE_MAP_SCHEMA",
    "ROW_KEY",
    "change_counts",
    "classify_changes",
    "content_hashes",
    "content_text",
    "load_profile",
    "mark_erased",
    "merge_map",
    "profile_names",
    "render_object",
    "resolve_redirects",
    "retired_changes",
    "rows_to_write",
    "sink_csv",
    "with_phone_types",
]
