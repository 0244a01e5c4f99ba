"""The typed configuration (golden.toml), the canonical model and the error hierarchy."""

from __future__ import annotations

from rules.config import GoldenConfig, SiloConfig, load_config, parse_config
from rules.errors import ConfigError, GoldenError, SiloError, StageError, StateError

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
