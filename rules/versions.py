"""Fingerprints of the code a cache was made with: a cache from other code is not reused."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata, resources
from pathlib import Path

#: Files whose change can change what the code computes: source and reference data.
SOURCE_SUFFIXES = frozenset({".py", ".toml", ".csv", ".json", ".txt"})


def source_digest(package: str) -> str:
    """SHA-256 over the package's source and data files, in path order."""
    digest = hashlib.sha256()
    try:
        root = Path(str(resources.files(package)))
        for path in sorted(root.rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                digest.update(path.read_bytes())
    except (OSError, TypeError, ValueError):
        return "unavailable"
    return digest.hexdigest()


def distribution_version(distribution: str) -> str:
    """The installed version of a distribution ("golden-records", "polars"), or "unknown"."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def json_digest(value: object) -> str:
    """SHA-256 of ``value`` as canonical JSON (sorted keys): equal settings, equal digest."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
