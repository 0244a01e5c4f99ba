"""The accuracy runner scores config cases with the matching defaults, or without hard rules."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from benchmarks.accuracy import defaults_config
from rules.config import MatchingConfig

CASE_TOML = """[project]
name = "case"

[matching]
match_threshold = 0.8
hard_rules = [{ when = ["vat_id:exact"], then = "match" }]

[matching.weights]
x = 1

[silos.crm]
path = "crm.csv"
"""

CASES: list[dict[str, Any]] = [
    {
        "description": "defaults: the case's own [matching] settings are dropped",
        "hard_rules": True,
        "rules": len(MatchingConfig().hard_rules),
    },
    {
        "description": "--no-hard-rules: defaults with an empty list of hard rules",
        "hard_rules": False,
        "rules": 0,
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_defaults_config(case: dict[str, Any]) -> None:
    parsed = tomllib.loads(defaults_config(CASE_TOML, case["hard_rules"]))
    matching = MatchingConfig(**parsed.get("matching", {}))
    assert len(matching.hard_rules) == case["rules"]
    assert matching.match_threshold == MatchingConfig().match_threshold
    assert parsed["silos"] == {"crm": {"path": "crm.csv"}}
    assert parsed["project"] == {"name": "case"}
