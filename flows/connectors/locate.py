"""Where a silo lives: its file path or database URL, resolved, with errors a person can act on."""

from __future__ import annotations

from pathlib import Path

from rules.config import GoldenConfig, SiloConfig, resolve_env
from rules.errors import ConfigError, SiloError


def where_to_fix(silo: SiloConfig, key: str) -> str:
    """The golden.toml key to check, as used at the end of every message."""
    return f"check `{key}` in golden.toml [silos.{silo.name}]"


def source_path(silo: SiloConfig, config: GoldenConfig) -> Path:
    """The silo's file, resolved against golden.toml's folder; raises SiloError if it is missing."""
    if not silo.path or not silo.path.strip():
        raise SiloError(silo.name, f"empty path — {where_to_fix(silo, 'path')}")
    try:
        path = config.resolve_path(silo.path.strip())
    except ConfigError as exc:
        raise SiloError(silo.name, f"path: {exc}") from None
    if not path.exists():
        raise SiloError(silo.name, f"file not found: {path} — {where_to_fix(silo, 'path')}")
    if not path.is_file():
        raise SiloError(
            silo.name, f"not a file: {path} — {where_to_fix(silo, 'path')} (name the file itself)"
        )
    return path


def read_bytes(silo: SiloConfig, path: Path) -> bytes:
    """The file's content; raises SiloError when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SiloError(
            silo.name,
            f"cannot read {path}: {reason} — check the file's permissions and that it is not "
            f"locked by another program",
        ) from None


def database_url(silo: SiloConfig) -> str:
    """The silo's URL with ${ENV} references resolved; raises SiloError if one is not set."""
    if not silo.url or not silo.url.strip():
        raise SiloError(silo.name, f"empty url — {where_to_fix(silo, 'url')}")
    try:
        return resolve_env(silo.url.strip(), f"silo '{silo.name}' url")
    except ConfigError as exc:
        # The message already names the silo and the variable; keep the SiloError contract.
        raise SiloError(silo.name, str(exc).removeprefix(f"silo '{silo.name}' ")) from None
