"""SQL silos: SQLite files, PostgreSQL and MySQL/MariaDB servers, through SQLAlchemy.

A silo names a ``table`` (validated against the database, "schema.table" allowed, read in
primary-key order so the same data gives the same row numbers) or a ``query`` (run as written).
Rows are streamed in chunks and turned into text column by column, so memory stays near one
chunk of Python objects. Messages never contain the password nor row values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from flows.connectors.cast import column_to_text
from flows.connectors.locate import database_url, source_path, where_to_fix
from flows.connectors.result import SiloExtract, table_extract, text_frame, unique_column_names
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError

CHUNK_ROWS = 50_000
CONNECT_TIMEOUT_SECONDS = 5
_TABLES_LISTED = 10
#: MySQL errors about the statement itself (access, unknown database/table/column, syntax).
_MYSQL_STATEMENT_ERRORS = frozenset({1044, 1046, 1049, 1054, 1064, 1142, 1146})
#: MySQL errors at connect: access denied (password, or socket authentication) / no database.
_MYSQL_LOGIN_ERRORS = frozenset({1044, 1045, 1698})
_MYSQL_UNKNOWN_DATABASE = 1049


@dataclass(frozen=True)
class _Server:
    """How to reach one database and how to name it in messages (never with the password)."""

    kind: str
    url: URL | str
    place: str
    connect_args: dict[str, Any]


# Driver, accepted URL schemes and default port per connector; only these drivers are installed.
_DIALECTS = {
    "postgres": ("postgresql+psycopg", ("postgres", "postgresql"), 5432),
    "mysql": ("mysql+pymysql", ("mysql", "mariadb"), 3306),
}


def with_installed_driver(url: URL) -> URL | None:
    """``url`` with the installed driver for its kind of database, whatever driver it names
    ("mysql://" -> "mysql+pymysql://", with utf8mb4); None for a kind not supported here."""
    scheme = url.drivername.split("+", 1)[0]
    for driver, schemes, _port in _DIALECTS.values():
        if scheme in schemes:
            url = url.set(drivername=driver)
            if driver.startswith("mysql") and "charset" not in url.query:
                url = url.update_query_dict({"charset": "utf8mb4"})
            return url
    return None


def read_database(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a table or query result of a SQLite, PostgreSQL or MySQL/MariaDB silo."""
    server = _sqlite_server(silo, config) if silo.connector == "sqlite" else _remote_server(silo)
    engine = _engine(server)
    try:
        connection = _connect(silo, server, engine)
        with connection:
            statement = _statement(silo, server, connection)
            return _read_rows(silo, server, connection, statement)
    finally:
        engine.dispose()


# --- where the database is ---------------------------------------------------------------------


def _sqlite_server(silo: SiloConfig, config: GoldenConfig) -> _Server:
    path = source_path(silo, config)
    # Read-only URI: a mistyped path must not leave an empty new database behind.
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return _Server("sqlite", uri, str(path), {})


def _remote_server(silo: SiloConfig) -> _Server:
    driver, schemes, default_port = _DIALECTS[silo.connector]
    try:
        url = make_url(database_url(silo))
    except sa_exc.ArgumentError:
        raise SiloError(
            silo.name,
            f"url is not a database URL — expected e.g. {schemes[-1]}://user@host:{default_port}"
            f"/database (password as ${{ENV_VAR}}); {where_to_fix(silo, 'url')}",
        ) from None
    scheme = url.drivername.split("+", 1)[0]
    if scheme not in schemes:
        raise SiloError(
            silo.name,
            f"url scheme '{scheme}' does not fit connector '{silo.connector}' (expected "
            f"{' or '.join(schemes)}) — {where_to_fix(silo, 'url')}",
        )
    url = with_installed_driver(url) or url
    place = f"{url.host or 'localhost'}:{url.port or default_port}"
    if url.database:
        place += f"/{url.database}"
    return _Server(silo.connector, url, place, {"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def _engine(server: _Server) -> Engine:
    if server.kind == "sqlite":
        uri = str(server.url)
        return sa.create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool
        )
    return sa.create_engine(server.url, connect_args=server.connect_args, poolclass=NullPool)


def _connect(silo: SiloConfig, server: _Server, engine: Engine) -> Connection:
    try:
        return engine.connect()
    except (sa_exc.SQLAlchemyError, sqlite3.Error) as exc:
        problem, text = _connect_problem(exc)
        transient = (
            server.kind != "sqlite"
            and problem == "network"
            and _connect_reason(text) in _TRANSIENT_REASONS
        )
        raise SiloError(
            silo.name, _connect_failure(silo, server, exc), transient=transient
        ) from None


#: Connect failures that waiting may heal (a server restarting, a busy network); an unknown host,
#: a wrong password or a missing database do not heal by themselves and are never retried.
_TRANSIENT_REASONS = frozenset({"connection refused", "timed out", "network unreachable"})


def _connect_failure(silo: SiloConfig, server: _Server, exc: Exception) -> str:
    url = server.url if isinstance(server.url, URL) else None
    user = url.username if url is not None and url.username else "(none)"
    problem, text = _connect_problem(exc)
    if problem == "login":
        return (
            f"authentication failed for user '{user}' at {server.place} — check the user in "
            f"`url` and the password environment variable ([silos.{silo.name}])"
        )
    if problem == "database":
        return (
            f"database not found at {server.place} — check the database name in `url` in "
            f"golden.toml [silos.{silo.name}]"
        )
    return (
        f"cannot connect to {server.place} ({_connect_reason(text)}) — check `url` in "
        f"golden.toml [silos.{silo.name}] and that the server runs"
    )


def _connect_problem(exc: Exception) -> tuple[str, str]:
    """("login" | "database" | "network", lower-case driver text) of a failed connect."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    args: tuple[Any, ...] = getattr(orig, "args", ())
    if args and isinstance(args[0], int):  # pymysql error codes
        if args[0] in _MYSQL_LOGIN_ERRORS:
            return "login", text
        return ("database" if args[0] == _MYSQL_UNKNOWN_DATABASE else "network"), text
    # libpq gives no SQLSTATE before a session exists; the server's words are English by
    # default, German with lc_messages = de_DE.
    if any(word in text for word in ("authentication", "authentifizierung", "role", "rolle")):
        return "login", text
    if any(word in text for word in ('database "', 'datenbank "')):
        return "database", text
    return "network", text


def _connect_reason(text: str) -> str:
    for needle, reason in (
        ("refused", "connection refused"),
        ("timeout", "timed out"),
        ("timed out", "timed out"),
        ("translate host", "unknown host"),
        ("unreachable", "network unreachable"),
        ("name or service not known", "unknown host"),
        ("unable to open", "cannot open the file"),
    ):
        if needle in text:
            return reason
    return "connection failed"


# --- what to read ------------------------------------------------------------------------------


def _statement(silo: SiloConfig, server: _Server, connection: Connection) -> sa.Executable | str:
    if silo.query:
        # Run as written by the driver (no SQLAlchemy bind-parameter parsing of ":" in text);
        # a trailing ";" breaks PostgreSQL's server-side cursor.
        return silo.query.strip().rstrip(";").strip()
    try:
        schema, name = _table_name(silo, server, connection)
        primary_key = sa.inspect(connection).get_pk_constraint(name, schema=schema)
    except (sa_exc.SQLAlchemyError, sqlite3.Error) as exc:
        raise SiloError(silo.name, _query_failure(silo, server, exc)) from None
    key_columns = primary_key.get("constrained_columns") or []
    table = sa.table(name, *(sa.column(column) for column in key_columns), schema=schema)
    select = sa.select(sa.text("*")).select_from(table)
    return select.order_by(*(table.c[column] for column in key_columns))


def _table_name(
    silo: SiloConfig, server: _Server, connection: Connection
) -> tuple[str | None, str]:
    """(schema, table) as the database spells them; raises SiloError listing existing tables."""
    assert silo.table is not None
    written_schema, _, name = silo.table.strip().rpartition(".")
    inspector = sa.inspect(connection)
    schema = None
    if written_schema:
        schema = _match(written_schema, inspector.get_schema_names())
        if schema is None:
            raise SiloError(
                silo.name,
                f"schema of table '{silo.table}' not found at {server.place} — "
                f"{where_to_fix(silo, 'table')}",
            )
    existing = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
    found = _match(name, existing)
    if found is None:
        raise SiloError(
            silo.name,
            f"table '{silo.table}' not found at {server.place}; {_listing(existing)} — "
            f"{where_to_fix(silo, 'table')}",
        )
    return schema, found


def _match(name: str, names: Sequence[str]) -> str | None:
    """The name as the database spells it: exact, else the one case-insensitive match."""
    if name in names:
        return name
    folded = [candidate for candidate in names if candidate.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _listing(names: Sequence[str]) -> str:
    if not names:
        return "the database has no tables there"
    shown = sorted(names)[:_TABLES_LISTED]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return f"existing tables: {', '.join(shown)}{more}"


# --- reading -------------------------------------------------------------------------------------


def _read_rows(
    silo: SiloConfig, server: _Server, connection: Connection, statement: sa.Executable | str
) -> SiloExtract:
    # no_parameters: the driver gets the query as written, so "%" in LIKE needs no escaping.
    streaming = connection.execution_options(
        stream_results=True, yield_per=CHUNK_ROWS, no_parameters=True
    )
    try:
        if isinstance(statement, str):
            result = streaming.exec_driver_sql(statement)
        else:
            result = streaming.execute(statement)
        columns = unique_column_names(silo.name, list(result.keys()))
        frames = [
            text_frame(columns, [column_to_text(values) for values in _transpose(rows, columns)])
            for rows in result.partitions(CHUNK_ROWS)
        ]
    except (sa_exc.SQLAlchemyError, sqlite3.Error) as exc:
        raise SiloError(silo.name, _query_failure(silo, server, exc)) from None
    frame = pl.concat(frames) if frames else text_frame(columns, [[] for _ in columns])
    return table_extract(silo.name, frame, silo.max_value_length, silo.id_column)


def _transpose(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> list[Sequence[Any]]:
    return list(zip(*rows, strict=True)) if rows else [() for _ in columns]


def _query_failure(silo: SiloConfig, server: _Server, exc: Exception) -> str:
    key = "query" if silo.query else "table"
    return (
        f"reading from {server.place} failed ({_driver_reason(exc)}) — check `{key}` in "
        f"golden.toml [silos.{silo.name}]"
    )


def _driver_reason(exc: Exception) -> str:
    """A short reason from the driver error, without row values.

    Only messages about the statement itself (syntax, unknown table or column) are quoted: data
    errors (a bad cast, say) may quote a customer's value.
    """
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        return str(orig)
    args: tuple[Any, ...] = getattr(orig, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):  # pymysql: (error code, message)
        code, message = args[0], args[1]
        return f"error {code}: {message}" if code in _MYSQL_STATEMENT_ERRORS else f"error {code}"
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        primary = getattr(getattr(orig, "diag", None), "message_primary", None)
        # SQLSTATE class 42: syntax error or unknown table/column, about the query only.
        detail = f": {primary}" if primary and str(sqlstate).startswith("42") else ""
        return f"{type(orig).__name__}, SQLSTATE {sqlstate}{detail}"
    return type(orig).__name__


# --- reachability (golden check-config, golden doctor) -----------------------------------------


def check_reachable(silo: SiloConfig) -> str:
    """Connect to a database silo and disconnect; return where it is, or raise SiloError."""
    server = _remote_server(silo)
    engine = _engine(server)
    try:
        _connect(silo, server, engine).close()
    finally:
        engine.dispose()
    return server.place


def check_state_reachable(url: str) -> str:
    """Connect to a state-store server and disconnect; return where it is, or raise StateError."""
    from rules.errors import StateError

    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        raise StateError("[project] state_url is not a database URL") from None
    installed = with_installed_driver(parsed)
    if installed is None:
        raise StateError(f"[project] state_url: database kind '{parsed.drivername}' not supported")
    place = installed.render_as_string(hide_password=True)
    engine = sa.create_engine(
        installed, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, poolclass=NullPool
    )
    try:
        engine.connect().close()
    except sa_exc.SQLAlchemyError as exc:
        _problem, text = _connect_problem(exc)
        raise StateError(
            f"state store {place}: cannot connect ({_connect_reason(text)}) — check "
            f"[project] state_url in golden.toml and that the database server runs"
        ) from None
    finally:
        engine.dispose()
    return place
