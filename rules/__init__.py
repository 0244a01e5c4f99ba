"""The typed configuration (golden.toml), the canonical model and the error hierarchy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rules.errors import ConfigError, GoldenError, SiloError, StageError, StateError

if TYPE_CHECKING:
    from rules.config import GoldenConfig, SiloConfig, load_config, parse_config

_FROM_CONFIG = frozenset({"GoldenConfig", "SiloConfig", "load_config", "parse_config"})


def __getattr__(name: str) -> Any:
    # rules.config pulls in pydantic and polars (~0.3 s): only on first use, so that
    # `golden --help` (which needs only rules.errors) starts fast.
    if name in _FROM_CONFIG:
        from rules import config

        return getattr(config, name)
    raise AttributeError(f"module 'rules' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "GoldenConfig",
    "GoldenError",
    "SiloConfig",
    "SiloError",
    "StageError",
    "StateError",
    "load_config",
    "parse_config",
]
