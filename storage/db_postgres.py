"""PostgreSQL behind storage.db.Database: a pool of connections, shared by any number of processes.

asyncpg, not psycopg 3: its Record is read by index and by name as sqlite3.Row is, so no storage
function changes how it reads a row, and a round trip costs less event-loop time (bench/pg_driver.py
measures both drivers on the same server; BENCHMARKS.md has the figures).

The guarantees SQLite gives by having one writer are kept the same way: every transaction first
takes one advisory lock (`WRITE_LOCK`), so two writing transactions, from two processes or two
machines, never interleave, exactly as two BEGIN IMMEDIATE never do on SQLite. Single statements
outside a transaction are atomic on their own and run on any free connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import re
import shutil
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from storage import private
from storage.db import Database, Row, migrations

log = logging.getLogger(__name__)

# Any fixed number: the key of the one lock every writing transaction takes.
WRITE_LOCK = 0x63687479  # "chty"
MIGRATE_LOCK = WRITE_LOCK + 1
POOL_MAX = 10

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?(\d*)")


@functools.lru_cache(maxsize=4096)
def placeholders(sql: str) -> str:
    """SQLite's `?` and `?N` as PostgreSQL's `$n`; quoted text and comments are left as they are.
    As in SQLite, a bare `?` takes the number after the largest one so far."""
    largest = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal largest
        if not m.group(0).startswith("?"):
            return m.group(0)
        number = int(m.group(1)) if m.group(1) else largest + 1
        largest = max(largest, number)
        return f"${number}"

    return _TOKENS.sub(swap, sql)


def _clean(params: Sequence[Any]) -> Sequence[Any]:
    """PostgreSQL's text cannot hold NUL, which SQLite stores; a person's text may carry one. It
    becomes a space, as the exports print every control character."""
    if any(isinstance(v, str) and "\x00" in v for v in params):
        return [v.replace("\x00", " ") if isinstance(v, str) else v for v in params]
    return params


# What the server answers when it cannot serve a connection now: gone, shutting down or starting,
# refusing the name or password, no such database, too many connections. InternalClientError is
# what asyncpg raises for a query on a connection the server closed while it was being sent.
_UNREACHABLE = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                asyncpg.exceptions.InternalClientError,
                asyncpg.exceptions.OperatorInterventionError,
                asyncpg.exceptions.InvalidAuthorizationSpecificationError,
                asyncpg.exceptions.InvalidCatalogNameError,
                asyncpg.exceptions.InsufficientResourcesError)


def unreachable(exc: BaseException) -> bool:
    return isinstance(exc, _UNREACHABLE)


def _rowcount(status: str) -> int:
    # "UPDATE 3", "DELETE 0", "INSERT 0 1": the count is the last word.
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self.path = dsn
        # The connection of the transaction the running task is in, if any.
        self._current: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar(
            "pg_transaction", default=None)
        self._snapshot: contextvars.ContextVar[contextvars.Token[Any] | None] = contextvars.ContextVar(
            "pg_snapshot", default=None)
        # This process's writers queue here, not each on a pooled connection inside the server's
        # advisory lock: there a burst of turns held every connection while it waited, and the
        # single statements between (a receipt's send pace, the inbox, claims) waited for one.
        self._writer = asyncio.Lock()

    @classmethod
    async def open(cls, target: str | Path, max_size: int = POOL_MAX) -> PostgresDatabase:
        dsn = str(target)
        # min_size 0: connections are made when needed and kept while used. With a floor, a server
        # that went away would have asyncpg reconnect in the background and log a traceback a try.
        pool = await asyncpg.create_pool(dsn, min_size=0, max_size=max_size, init=_init_connection)
        db = cls(pool, dsn)
        try:
            await db._migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self.pool.close()

    async def _migrate(self) -> None:
        async with self.pool.acquire() as conn:
            # Two processes starting at once: the second waits, then finds nothing left to apply.
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATE_LOCK)
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                                   "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
                for version, sql in migrations("postgresql"):
                    if version <= current:
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
                    # citext and friends made by a migration get their codecs on new connections.
                    await conn.reload_schema_state()
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATE_LOCK)
        await self.pool.expire_connections()

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[Database]:
        # short changes nothing here: each statement is a round trip to the server either way.
        if self._current.get() is not None:
            yield self  # already inside one: the inner block is part of it, as on SQLite's one lock
            return
        async with self._writer, self.pool.acquire() as conn:
            token = self._current.set(conn)
            try:
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                    yield self
            finally:
                self._current.reset(token)

    async def begin_snapshot(self) -> bool:
        if self._current.get() is not None:
            return False
        conn = await self.pool.acquire()
        try:
            await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except BaseException:
            await self.pool.release(conn)
            raise
        self._snapshot.set(self._current.set(conn))
        return True

    async def end_snapshot(self) -> None:
        conn, token = self._current.get(), self._snapshot.get()
        if conn is None or token is None:
            return
        self._current.reset(token)
        self._snapshot.set(None)
        try:
            await conn.execute("ROLLBACK")
        finally:
            await self.pool.release(conn)

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self.pool.acquire() as conn:
            yield conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn() as conn:
            await conn.execute(placeholders(sql), *_clean(params))
        return 0

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn() as conn:
            return int(await conn.fetchval(placeholders(sql) + " RETURNING id", *_clean(params)))

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn() as conn:
            return _rowcount(await conn.execute(placeholders(sql), *_clean(params)))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(_clean(r)) for r in rows]
        if not batch:
            return
        async with self._conn() as conn:
            await conn.executemany(placeholders(sql), batch)

    async def copy_rows(self, table: str, columns: Sequence[str],
                        batches: AsyncIterable[Sequence[Sequence[Any]]]) -> int:
        """COPY the rows of `batches` into `table`, streamed as they come (binary, one statement):
        what `chungtay migrate` loads a campaign with. Returns how many rows went in."""
        async def records() -> AsyncIterator[Sequence[Any]]:
            async for batch in batches:
                # A NUL shows in the batch's repr as \x00, found in C; looking at every value of
                # millions of rows in Python was most of the copy's own CPU time. (A backslash
                # followed by "x00" in a text shows so too: then every row is looked at.)
                if "\\x00" in repr(batch):
                    batch = [_clean(row) for row in batch]
                for row in batch:
                    yield row

        async with self._conn() as conn:
            status = await conn.copy_records_to_table(table, columns=list(columns), records=records())
        return _rowcount(status)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._conn() as conn:
            return await conn.fetchrow(placeholders(sql), *_clean(params))  # type: ignore[no-any-return]

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._conn() as conn:
            return await conn.fetch(placeholders(sql), *_clean(params))  # type: ignore[no-any-return]


async def _init_connection(conn: asyncpg.Connection) -> None:
    # citext (codes compared without case, as SQLite's COLLATE NOCASE) travels as text, in the text
    # and the binary format alike (COPY, which `chungtay migrate` loads with, takes only binary).
    # Before the first migration made it, there is none yet; the pool's connections are renewed after.
    with contextlib.suppress(ValueError):
        await conn.set_builtin_type_codec("citext", schema="public", codec_name="text")


async def backup(db: PostgresDatabase, dest: Path) -> str:
    """pg_dump in its custom format (restore with `chungtay restore` or pg_restore)."""
    dump = shutil.which("pg_dump")
    if dump is None:
        raise FileNotFoundError("pg_dump")
    private.make_dirs(dest.parent)
    private.create_file(dest)
    proc = await asyncio.create_subprocess_exec(dump, "-Fc", "-f", str(dest), "--dbname", db.path,
                                                stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        dest.unlink(missing_ok=True)
        raise RuntimeError(err.decode(errors="replace").strip()[:500])
    return "pg_dump"
