"""What the HTML reports share: one escaping Jinja environment and the label files."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import jinja2

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def template_environment() -> jinja2.Environment:
    """The Jinja environment for reports/templates, escaping everything it renders."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_PACKAGE_DIR / "templates"),
        # default=True: also escape in included files whatever their extension.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def label_file(name: str) -> dict[str, dict[str, str]]:
    """All languages' labels of one label file in reports/ (e.g. "i18n.toml")."""
    with (_PACKAGE_DIR / name).open("rb") as file:
        return tomllib.load(file)


def labels_for(name: str, language: str, report: str) -> dict[str, str]:
    """The labels of ``language`` from label file ``name``, or ValueError naming the choices."""
    labels = label_file(name)
    if language not in labels:
        raise ValueError(
            f"{report}: no labels for language {language!r} — use one of "
            f"{', '.join(sorted(labels))} ([project] language in golden.toml)"
        )
    return dict(labels[language])
