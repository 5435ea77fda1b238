"""The database behind every storage function: SQLite (a file, the default) or PostgreSQL (a server).

Every module in storage/ talks to a `Database` and writes its SQL once, in the forms both dialects
accept: `?` placeholders (PostgreSQL's implementation turns them into `$n`), ON CONFLICT ... DO
NOTHING / DO UPDATE, `insert` for a new row's id. Where the dialects truly differ (the schema, its
triggers, backups) each implementation has its own: storage/db_sqlite.py, storage/db_postgres.py,
and storage/migrations/ beside storage/migrations/postgresql/.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Rows are read by index and by name: sqlite3.Row and asyncpg's Record both do.
Row = sqlite3.Row
_T = TypeVar("_T")

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def many_rows(rows: Sequence[Sequence[Any]], row: str | None = None) -> tuple[str, list[Any]]:
    """The VALUES list of a multi-row INSERT and its parameters: one statement, one round trip,
    for rows a loop would insert one by one. row: each row's form when it is not all `?`."""
    form = row or f"({', '.join('?' * len(rows[0]))})"
    return ", ".join([form] * len(rows)), [value for one in rows for value in one]


def is_postgres(target: str | Path) -> bool:
    """A DSN selects PostgreSQL; anything else is a SQLite file's path."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def where(target: str | Path) -> str:
    """The database for a log line: a file's path, or the DSN without its password."""
    if not is_postgres(target):
        return str(target)
    parts = urlsplit(str(target))
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"], safe="/")
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host, query=query))


def unreachable(exc: BaseException) -> bool:
    """Whether an error means the database cannot be reached now (a server down, restarting,
    refusing, a wrong address or password), as opposed to a fault of the program."""
    if isinstance(exc, OSError | TimeoutError):
        return True
    if from_database(exc):
        from storage.db_postgres import unreachable as pg_unreachable
        return pg_unreachable(exc)
    return False


def from_database(exc: BaseException) -> bool:
    """Whether the database's driver raised it (a row the server refused, the connection lost), as
    opposed to a fault of the program: its first line says why, in the server's words."""
    return type(exc).__module__.startswith("asyncpg")


def migrations(folder: str = "") -> list[tuple[int, str]]:
    """Numbered migrations ("NNN_name.sql"), in order; folder "postgresql" holds that dialect's."""
    files = resources.files("storage").joinpath("migrations")
    if folder:
        files = files.joinpath(folder)
    found = []
    for entry in files.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database(ABC):
    """What storage/ needs of a database; `Database.open` picks the implementation."""

    dialect: str  # "sqlite" or "postgresql"
    path: str     # the file, or the DSN: what `Database.open` takes to open it again

    @classmethod
    async def open(cls, target: str | Path) -> Database:
        if is_postgres(target):
            from storage.db_postgres import PostgresDatabase
            return await PostgresDatabase.open(str(target))
        from storage.db_sqlite import SqliteDatabase
        return await SqliteDatabase.open(target)

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def transaction(self, *, short: bool = False) -> AbstractAsyncContextManager[Database]:
        """All or nothing, and one writing transaction at a time across every process.
        short: a chat turn's few small statements (or a batch of arrivals), which SQLite runs
        without a trip to its thread each and commits together with the short transactions queued
        behind it, each in a savepoint of its own (storage/db_sqlite.py): the one write lock is
        held for less time. Either way the block returns only once its work is committed."""

    @abstractmethod
    async def begin_snapshot(self) -> bool:
        """Start a read of one consistent moment; False when already inside a transaction."""

    @abstractmethod
    async def end_snapshot(self) -> None: ...

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement. SQLite returns lastrowid, PostgreSQL 0: use `insert` for an id."""

    @abstractmethod
    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an `id` column; returns the new row's id."""

    @abstractmethod
    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetch_as(self, make: Callable[[Row], _T], sql: str, params: Sequence[Any] = ()) -> _T | None:
        """The first row, made into a value; None when there is none."""
        row = await self.fetchone(sql, params)
        return None if row is None else make(row)

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


async def backup(db: Database, dest: Path) -> str:
    """A consistent copy of the live database, taken without stopping the bot; says what it made."""
    if db.dialect == "postgresql":
        from storage.db_postgres import backup as pg_backup
        return await pg_backup(db, dest)  # type: ignore[arg-type]
    from storage.db_sqlite import backup as sqlite_backup
    await sqlite_backup(db, dest)  # type: ignore[arg-type]
    return "sqlite"
