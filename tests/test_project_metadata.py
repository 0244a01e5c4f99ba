"""pyproject.toml's package metadata: the licence as setuptools reads it from 2027 on.

setuptools warns that ``license = { text = ... }`` stops working on 2027-02-18 (PEP 639): the
licence must be an SPDX expression string, which setuptools reads from version 77 on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _pyproject() -> dict[str, object]:
    return tomllib.loads(PYPROJECT.read_text("utf-8"))


def test_license_is_a_canonical_spdx_expression() -> None:
    license_value = _pyproject()["project"]["license"]  # type: ignore[index]
    assert isinstance(license_value, str), "use the SPDX string form, not a table"
    assert canonicalize_license_expression(license_value) == license_value == "Apache-2.0"


def test_the_build_backend_reads_spdx_licences() -> None:
    requires = _pyproject()["build-system"]["requires"]  # type: ignore[index]
    (setuptools,) = [Requirement(item) for item in requires if item.startswith("setuptools")]
    lowest = re.search(r">=\s*([\d.]+)", str(setuptools.specifier))
    assert lowest is not None and Version(lowest.group(1)) >= Version("77")
