"""Fixtures for connector tests: build a silo from golden.toml keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.config import GoldenConfig, SiloConfig, parse_config

from .helpers import SiloFactory

SILO = "crm"


def _toml_value(value: object) -> str:
    # JSON strings and integers are valid TOML values too.
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def make_silo(tmp_path: Path) -> SiloFactory:
    """Build one silo named "crm" from golden.toml keys, relative paths against tmp_path."""

    def build(connector: str, **keys: object) -> tuple[SiloConfig, GoldenConfig]:
        lines = [f"[silos.{SILO}]", f"connector = {_toml_value(connector)}"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in keys.items()]
        lines.append('mapping = { source_id = "id" }')
        config = parse_config("\n".join(lines) + "\n", tmp_path / "golden.toml")
        return config.silos[SILO], config

    return build
