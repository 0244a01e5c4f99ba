"""Shared fixtures of the flows tests: a throw-away schema on the real local PostgreSQL, a
throw-away database on the real local MariaDB, and Debian's chromium for the browser tests
(``pytestmark = BROWSER_MARKS`` in their modules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"


@contextmanager
def _scratch(admin_url: str, create: str, drop: str) -> Iterator[None]:
    """Run ``create`` on the server, and ``drop`` afterwards whatever happened in between."""
    admin = create_engine(admin_url)
    with admin.begin() as connection:
        connection.execute(text(create))
    try:
        yield
    finally:
        with admin.begin() as connection:
            connection.execute(text(drop))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A state-store URL whose search_path is a new schema, dropped after the test."""
    schema = f"golden_test_{uuid.uuid4().hex[:10]}"
    with _scratch(PG_ADMIN, f'CREATE SCHEMA "{schema}"', f'DROP SCHEMA "{schema}" CASCADE'):
        yield f"{PG_ADMIN}?options=-csearch_path%3D{schema}"


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A state-store URL (plain mysql://, as users write it) of a new database, dropped after."""
    database = f"golden_test_{uuid.uuid4().hex[:10]}"
    create = f"CREATE DATABASE {database} CHARACTER SET utf8mb4"
    with _scratch(MARIADB_ADMIN, create, f"DROP DATABASE {database}"):
        yield f"mysql://root@127.0.0.1:3306/{database}"


#: Debian's chromium: Playwright's own browser download needs the internet, this does not.
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (/usr/bin/chromium missing); "
        ".ci/run installs it with `apt-get install -y chromium`",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()
