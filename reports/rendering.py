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


def format_number(value: float, digits: int, language: str, *, signed: bool = False) -> str:
    """``value`` with ``digits`` decimals in the report language: 1.234,5 (de) or 1,234.5 (en).

    No locale module (the machine's locale must not change a report); ``signed`` writes + and
    the minus sign − (U+2212), as typeset tables do.
    """
    text = f"{abs(value):,.{digits}f}"
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if value < 0 and text.strip("0.,"):
        return f"−{text}"
    return f"+{text}" if signed and text.strip("0.,") else text
