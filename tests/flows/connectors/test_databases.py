"""SQL silos: SQLite files, and the real local PostgreSQL and MariaDB servers (marked db)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from rules.errors import SiloError

from .helpers import SiloFactory, read_checked, rows

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql://root@127.0.0.1:3306/test"

CUSTOMERS = [
    (2, "Jürgen Weiß", "01067", "1980-05-17", "12.50"),
    (1, "Eva Größ", "80331", None, None),
    (3, "Ömer Çelik", "8010", "1975-12-31", "0.10"),
]
#: Read in primary-key order, every value as text.
EXPECTED = [
    ("1", "Eva Größ", "80331", None, None),
    ("2", "Jürgen Weiß", "01067", "1980-05-17", "12.50"),
    ("3", "Ömer Çelik", "8010", "1975-12-31", "0.10"),
]


# --- SQLite ---------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            'CREATE TABLE "Kunden Stamm" (id INTEGER PRIMARY KEY, name TEXT, plz TEXT, '
            "geburt TEXT, umsatz TEXT)"
        )
        connection.executemany('INSERT INTO "Kunden Stamm" VALUES (?, ?, ?, ?, ?)', CUSTOMERS)
        connection.execute("CREATE TABLE orders (id INTEGER)")
    connection.close()
    return path


def test_sqlite_table(sqlite_file: Path, make_silo: SiloFactory) -> None:
    extract = read_checked(*make_silo("sqlite", path=sqlite_file.name, table="Kunden Stamm"))

    assert extract.columns == ["id", "name", "plz", "geburt", "umsatz"]
    assert rows(extract) == EXPECTED
    assert extract.frame["_row_number"].to_list() == [1, 2, 3]


def test_sqlite_query_runs_as_written(sqlite_file: Path, make_silo: SiloFactory) -> None:
    query = (
        "SELECT id, name, plz || ':' || '10:30' AS plz_zeit, 1.0 * id AS zahl "
        "FROM \"Kunden Stamm\" WHERE name LIKE '%ö%' OR name LIKE '%Ö%' ORDER BY id DESC;"
    )

    extract = read_checked(*make_silo("sqlite", path=sqlite_file.name, query=query))

    assert extract.columns == ["id", "name", "plz_zeit", "zahl"]
    assert rows(extract) == [
        ("3", "Ömer Çelik", "8010:10:30", "3"),
        ("1", "Eva Größ", "80331:10:30", "1"),
    ]


def test_sqlite_mixed_types_in_one_column(tmp_path: Path, make_silo: SiloFactory) -> None:
    # SQLite stores whatever it gets: a postal code column may hold ints and texts.
    with sqlite3.connect(tmp_path / "m.db") as connection:
        connection.execute("CREATE TABLE k (id INTEGER PRIMARY KEY, plz)")
        connection.executemany("INSERT INTO k VALUES (?, ?)", [(1, 1067), (2, "01067"), (3, None)])
    connection.close()

    extract = read_checked(*make_silo("sqlite", path="m.db", table="k"))

    assert rows(extract) == [("1", "1067"), ("2", "01067"), ("3", None)]


def test_sqlite_wrong_table_lists_tables(sqlite_file: Path, make_silo: SiloFactory) -> None:
    silo, config = make_silo("sqlite", path=sqlite_file.name, table="kunden")

    with pytest.raises(SiloError) as caught:
        read_checked(silo, config)

    assert str(caught.value) == (
        f"silo 'crm': table 'kunden' not found at {sqlite_file}; existing tables: "
        "Kunden Stamm, orders — check `table` in golden.toml [silos.crm]"
    )


def test_sqlite_bad_query(sqlite_file: Path, make_silo: SiloFactory) -> None:
    silo, config = make_silo("sqlite", path=sqlite_file.name, query="SELECT nix FROM orders")

    with pytest.raises(SiloError, match=r"failed \(no such column: nix\) — check `query`"):
        read_checked(silo, config)


def test_sqlite_missing_file_is_not_created(tmp_path: Path, make_silo: SiloFactory) -> None:
    silo, config = make_silo("sqlite", path="fehlt.db", table="k")

    with pytest.raises(SiloError, match="file not found"):
        read_checked(silo, config)
    assert not (tmp_path / "fehlt.db").exists()


def test_sqlite_not_a_database(tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.db").write_text("id;Name\n" * 200)
    silo, config = make_silo("sqlite", path="k.db", table="k")

    with pytest.raises(SiloError, match="file is not a database"):
        read_checked(silo, config)


# --- unreachable servers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector", "url"),
    [
        ("postgres", "postgresql://postgres:${GOLDEN_TEST_PASSWORD}@127.0.0.1:1/test"),
        ("mysql", "mysql://root:${GOLDEN_TEST_PASSWORD}@127.0.0.1:1/test"),
    ],
)
def test_unreachable_server_fails_fast(
    connector: str, url: str, make_silo: SiloFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLDEN_TEST_PASSWORD", "s3cr3t-pw")
    silo, config = make_silo(connector, url=url, table="kunden")
    started = time.monotonic()

    with pytest.raises(SiloError) as caught:
        read_checked(silo, config)

    assert time.monotonic() - started < 6
    message = str(caught.value)
    assert message.startswith("silo 'crm': cannot connect to 127.0.0.1:1/test")
    assert "check `url`" in message and "server runs" in message
    assert "s3cr3t-pw" not in message


@pytest.mark.parametrize(
    ("connector", "url", "message"),
    [
        ("postgres", "mysql://root@127.0.0.1/test", "url scheme 'mysql' does not fit"),
        ("mysql", "postgres://root@127.0.0.1/test", "url scheme 'postgres' does not fit"),
        ("postgres", "${GOLDEN_TEST_UNSET_URL}", "GOLDEN_TEST_UNSET_URL is not set"),
        ("postgres", "not a url", "url is not a database URL"),
    ],
)
def test_unusable_urls(connector: str, url: str, message: str, make_silo: SiloFactory) -> None:
    silo, config = make_silo(connector, url=url, table="kunden")

    with pytest.raises(SiloError, match=message):
        read_checked(silo, config)


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh schema with a customer table, dropped afterwards."""
    schema = f"golden_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
            connection.exec_driver_sql(
                f'CREATE TABLE {schema}."Kunden" (id integer PRIMARY KEY, name text, '
                "plz varchar(5), geburt date, umsatz numeric(10, 2), telefone text[], "
                "geaendert timestamp, aktiv boolean)"
            )
            connection.execute(
                sa.text(
                    f'INSERT INTO {schema}."Kunden" VALUES (:id, :name, :plz, '
                    "CAST(:geburt AS date), CAST(:umsatz AS numeric), :telefone, "
                    "TIMESTAMP '2024-01-02 13:45:00', true)"
                ),
                [
                    {
                        "id": id_,
                        "name": name,
                        "plz": plz,
                        "geburt": geburt,
                        "umsatz": umsatz,
                        "telefone": ["0351 1", "0171 2"],
                    }
                    for id_, name, plz, geburt, umsatz in CUSTOMERS
                ],
            )
        yield schema
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


@pytest.mark.db
def test_postgres_table(postgres_schema: str, make_silo: SiloFactory) -> None:
    extract = read_checked(
        *make_silo("postgres", url=POSTGRES_URL, table=f"{postgres_schema}.Kunden")
    )

    assert extract.columns == [
        "id",
        "name",
        "plz",
        "geburt",
        "umsatz",
        "telefone",
        "geaendert",
        "aktiv",
    ]
    assert rows(extract) == [
        (*row, "0351 1; 0171 2", "2024-01-02T13:45:00", "true") for row in EXPECTED
    ]


@pytest.mark.db
def test_postgres_query_with_percent_and_colon(
    postgres_schema: str, make_silo: SiloFactory
) -> None:
    query = (
        f"SELECT name, plz || ':' || '10:30' AS plz_zeit FROM {postgres_schema}.\"Kunden\" "
        "WHERE name LIKE '%ö%' ORDER BY id;"
    )

    extract = read_checked(
        *make_silo("postgres", url="postgres://postgres@127.0.0.1/test", query=query)
    )

    assert rows(extract) == [("Eva Größ", "80331:10:30")]  # LIKE is case-sensitive here


@pytest.mark.db
@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "{schema}.kundn",
            r"table '{schema}.kundn' not found at 127.0.0.1:5432/test; "
            r"existing tables: Kunden — check `table`",
        ),
        ("nix_{schema}.Kunden", r"schema of table 'nix_{schema}.Kunden' not found"),
    ],
)
def test_postgres_wrong_table(
    table: str, message: str, postgres_schema: str, make_silo: SiloFactory
) -> None:
    silo, config = make_silo(
        "postgres", url=POSTGRES_URL, table=table.format(schema=postgres_schema)
    )

    with pytest.raises(SiloError, match=message.format(schema=postgres_schema)):
        read_checked(silo, config)


@pytest.mark.db
def test_postgres_bad_query_does_not_quote_values(
    postgres_schema: str, make_silo: SiloFactory
) -> None:
    query = f'SELECT CAST(name AS integer) FROM {postgres_schema}."Kunden"'
    silo, config = make_silo("postgres", url=POSTGRES_URL, query=query)

    with pytest.raises(SiloError, match=r"InvalidTextRepresentation, SQLSTATE 22P02\)") as caught:
        read_checked(silo, config)
    assert "Eva" not in str(caught.value) and "Jürgen" not in str(caught.value)


@pytest.mark.db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://nobody_golden@127.0.0.1:5432/test",
            "authentication failed for user 'nobody_golden'",
        ),
        (
            "postgresql://postgres@127.0.0.1:5432/no_such_db_golden",
            "database not found at 127.0.0.1:5432/no_such_db_golden",
        ),
    ],
)
def test_postgres_login_problems(url: str, message: str, make_silo: SiloFactory) -> None:
    silo, config = make_silo("postgres", url=url, table="kunden")

    with pytest.raises(SiloError, match=message):
        read_checked(silo, config)


# --- MariaDB / MySQL ------------------------------------------------------------------------------


@pytest.fixture
def mariadb_database() -> Iterator[str]:
    """A fresh database with a customer table, dropped afterwards."""
    database = f"golden_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(
        MARIADB_URL.replace("mysql://", "mysql+pymysql://") + "?charset=utf8mb4"
    )
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
            connection.exec_driver_sql(
                f"CREATE TABLE {database}.kunden (id int PRIMARY KEY, name varchar(50), "
                "plz varchar(5), geburt date, umsatz decimal(10, 2), geaendert datetime, "
                "aktiv tinyint(1))"
            )
            connection.execute(
                sa.text(
                    f"INSERT INTO {database}.kunden VALUES (:id, :name, :plz, :geburt, :umsatz, "
                    "'2024-01-02 13:45:00', 1)"
                ),
                [
                    {"id": id_, "name": name, "plz": plz, "geburt": geburt, "umsatz": umsatz}
                    for id_, name, plz, geburt, umsatz in CUSTOMERS
                ],
            )
        yield database
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        engine.dispose()


@pytest.mark.db
def test_mariadb_table(mariadb_database: str, make_silo: SiloFactory) -> None:
    url = MARIADB_URL.replace("/test", f"/{mariadb_database}")

    extract = read_checked(*make_silo("mysql", url=url, table="kunden"))

    assert extract.columns == ["id", "name", "plz", "geburt", "umsatz", "geaendert", "aktiv"]
    assert rows(extract) == [(*row, "2024-01-02T13:45:00", "1") for row in EXPECTED]


@pytest.mark.db
def test_mariadb_schema_table_and_query(mariadb_database: str, make_silo: SiloFactory) -> None:
    by_table = read_checked(
        *make_silo("mysql", url=MARIADB_URL, table=f"{mariadb_database}.KUNDEN")
    )
    query = f"SELECT name FROM {mariadb_database}.kunden WHERE name LIKE '%ö%' ORDER BY id"
    by_query = read_checked(*make_silo("mysql", url="mariadb://root@127.0.0.1/test", query=query))

    assert by_table.rows_read == 3
    # MariaDB's default collation compares case- and accent-insensitively.
    assert rows(by_query) == [("Eva Größ",), ("Ömer Çelik",)]


@pytest.mark.db
def test_mariadb_wrong_table_and_bad_query(mariadb_database: str, make_silo: SiloFactory) -> None:
    url = MARIADB_URL.replace("/test", f"/{mariadb_database}")
    wrong_table = make_silo("mysql", url=url, table="kundn")
    bad_query = make_silo("mysql", url=url, query="SELECT nix FROM kunden")

    with pytest.raises(SiloError, match="table 'kundn' not found .*existing tables: kunden"):
        read_checked(*wrong_table)
    with pytest.raises(SiloError, match=r"error 1054: Unknown column 'nix'"):
        read_checked(*bad_query)


@pytest.mark.db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://nobody_golden@127.0.0.1:3306/test",
            "authentication failed for user 'nobody_golden'",
        ),
        (
            "mysql://root@127.0.0.1:3306/no_such_db_golden",
            "database not found at 127.0.0.1:3306/no_such_db_golden",
        ),
    ],
)
def test_mariadb_login_problems(url: str, message: str, make_silo: SiloFactory) -> None:
    silo, config = make_silo("mysql", url=url, table="kunden")

    with pytest.raises(SiloError, match=message):
        read_checked(silo, config)
