"""SQLite behind storage.db.Database: one connection, pragmas, migrations, transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage import private
from storage.db import Database, Row, migrations

_T = TypeVar("_T")


CACHE_KB = 64 * 1024
# The most rows an executemany of a short transaction runs on the event loop's thread (_quick).
SHORT_BATCH = 64
# The most chat turns that share one short transaction and its COMMIT (_short).
GROUP_MAX = 32


class SqliteDatabase(Database):
    """One writer connection shared by the whole process.

    SQLite allows one writer at a time anyway; funnelling every transaction through one
    connection and one lock keeps transactions short and never lets two handlers interleave
    half-written state.
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        # The task inside a short write transaction, whose statements run inline (_quick).
        self._writer: asyncio.Task[Any] | None = None
        self._group: _Group | None = None  # short turns sharing the open transaction (_short)
        self._queued = 0  # short turns waiting for the lock

    @classmethod
    async def open(cls, target: str | Path) -> SqliteDatabase:
        path = str(target)
        if path != ":memory:":
            file = Path(path)
            private.make_dirs(file.parent)
            # SQLite gives the -wal and -shm files the database's own mode: set it before it opens.
            if file.exists():
                private.restrict(file, Path(path + "-wal"), Path(path + "-shm"))
            else:
                private.create_file(file)
        # Shared with the event loop's thread for a short write transaction's statements (_quick);
        # SQLite is built serialized (sqlite3.threadsafety 3), so that is allowed.
        conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a report acknowledged to a volunteer must survive a power cut, not only a crash.
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA busy_timeout=5000")
        # 64 MB of pages instead of SQLite's 2 MB: a national campaign's photo lookups (evidence
        # checks) and progress reads then stay in memory instead of going to the file each time.
        await conn.execute(f"PRAGMA cache_size=-{CACHE_KB}")
        db = cls(conn, path)
        await db._migrate()
        return db

    async def close(self) -> None:
        async with self._exclusive():
            await self.conn.close()

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, sql in migrations():
            if version <= current:
                continue
            # executescript commits on its own, so the version bump rides inside the script.
            await self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[Database]:
        if short:
            async with self._short() as db:
                yield db
            return
        async with self._exclusive():
            await self._run(lambda c: c.execute("BEGIN IMMEDIATE"))
            try:
                yield self
                await self._run(lambda c: c.execute("COMMIT"))
            except BaseException:
                # Also when COMMIT itself failed (a full disk, a deferred constraint): SQLite then
                # leaves the transaction open, and every later BEGIN would fail with it.
                await self._run(_roll_back)
                raise

    @asynccontextmanager
    async def _short(self) -> AsyncIterator[Database]:
        """A chat turn's transaction, committed together with the turns queued behind it.

        In a burst of albums each turn's BEGIN and COMMIT were a trip to the connection's thread
        while holding the one write lock, each trip a turn of a busy event loop (8-15 ms): the
        turns waited for each other's trips, not for SQLite. Now the turns waiting for the lock
        when one gets it share one transaction, each inside a savepoint of its own (a failing turn
        undoes only its own statements), and the last of them commits for all: one BEGIN and one
        COMMIT for up to GROUP_MAX turns. No turn returns before the COMMIT that holds it, so a
        receipt still follows its report onto the disk."""
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        try:
            if self._group is None:
                await self._run(lambda c: c.execute("BEGIN IMMEDIATE"))
                self._group = _Group(asyncio.get_running_loop().create_future())
            group = self._group
            raw = self.conn._conn
            try:
                raw.execute("SAVEPOINT turn")
            except BaseException:
                if not group.turns:  # not left open behind the lock
                    await self._commit_group()
                raise
            self._writer = asyncio.current_task()
            try:
                yield self
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK TO turn")
                    raw.execute("RELEASE turn")
                else:  # SQLite rolled the whole transaction back (a full disk): the group's too
                    self._group = None
                    _fail(group, sqlite3.OperationalError("the shared transaction was rolled back"))
                raise
            else:
                raw.execute("RELEASE turn")
                group.turns += 1
            finally:
                self._writer = None
                if self._group is group:
                    if not self._queued or group.turns >= GROUP_MAX:
                        await self._commit_group()
                    elif group.closer is None:  # in case every turn now waiting goes away
                        group.closer = asyncio.create_task(self._close_group())
        finally:
            self._lock.release()
        await asyncio.shield(group.committed)

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """The connection alone: the lock, and no group of short turns left open in it."""
        async with self._lock:
            await self._commit_group()
            yield

    async def _close_group(self) -> None:
        async with self._exclusive():
            pass

    async def _commit_group(self) -> None:
        """Commits the open group of short turns, if any; the lock is held. Its turns learn the
        outcome (a failed COMMIT is rolled back and raised in each of them)."""
        group, self._group = self._group, None
        if group is None:
            return
        # COMMIT even when every turn of it failed (each undid its own part): a statement another
        # task ran meanwhile outside any transaction joined this one, and is kept, as it would be.
        commit = asyncio.ensure_future(self._run(lambda c: c.execute("COMMIT")))
        cancelled = False
        while not commit.done():  # the lock stays held until SQLite has answered
            try:
                await asyncio.shield(commit)
            except asyncio.CancelledError:
                cancelled = True
            except Exception:
                break
        if (failed := commit.exception()) is not None:
            await self._run(_roll_back)
            _fail(group, failed)
        else:
            group.committed.set_result(None)
        if cancelled:
            raise asyncio.CancelledError

    async def begin_snapshot(self) -> bool:
        if self.conn.in_transaction:
            return False
        await self.execute("BEGIN")
        return True

    async def end_snapshot(self) -> None:
        # COMMIT, not ROLLBACK, even after a failed read: on the one shared connection another
        # task's write may have joined this transaction, and it must not be undone with it.
        await self._run(lambda c: c.execute("COMMIT") if c.in_transaction else None)

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        # One trip to the connection's thread per statement. aiosqlite's cursor API costs a trip
        # for the statement, one for the fetch and one for the close, and each trip waits for a
        # turn of the event loop: under a burst that tripled how long the one write lock was held.
        # Connection._execute is the primitive every aiosqlite call is built on.
        raw = self.conn._conn
        return await self.conn._execute(work, raw)

    async def _quick(self, work: Callable[[sqlite3.Connection], _T], rows: int = 1) -> _T:
        """A statement of a short write transaction (transaction(short=True)) runs here, on the
        event loop's thread, when the task holding the write lock asks. A trip to the connection's
        thread takes two turns of the event loop, and in a burst of albums each turn is a few
        milliseconds of other chats' downloads: a report's ~28 statements held the one write lock
        for ~300 ms while every other report waited behind it (bench/ingest.py). A chat turn's
        statements take microseconds each; the COMMIT (its fsync), any statement of a transaction
        not marked short and a batch of more than SHORT_BATCH rows still go to the thread."""
        if self._writer is not None and rows <= SHORT_BATCH and asyncio.current_task() is self._writer:
            return work(self.conn._conn)
        return await self._run(work)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._quick(lambda c: c.execute(sql, params).lastrowid or 0)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.execute(sql, params)

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._quick(lambda c: c.execute(sql, params).rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)  # made here, not in the connection's thread
        await self._quick(lambda c: c.executemany(sql, batch), rows=len(batch))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self._quick(lambda c: c.execute(sql, params).fetchone())
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._quick(lambda c: c.execute(sql, params).fetchall())


@dataclass
class _Group:
    committed: asyncio.Future[None]
    turns: int = 0  # turns whose savepoint was released into it
    closer: asyncio.Task[None] | None = None


def _fail(group: _Group, exc: BaseException) -> None:
    if not group.committed.done():
        group.committed.set_exception(exc)
        group.committed.exception()  # read here: a group whose turns all went need not warn


def _roll_back(conn: sqlite3.Connection) -> None:
    # Some failures (SQLITE_FULL among them) have rolled the transaction back already.
    if conn.in_transaction:
        conn.execute("ROLLBACK")


async def backup(db: SqliteDatabase, dest: Path) -> None:
    """A consistent copy of the live database, taken without stopping the bot."""
    private.make_dirs(dest.parent)
    # VACUUM INTO writes into an empty file as it finds it: made here, private, and only if new.
    private.create_file(dest)
    try:
        async with db._exclusive():
            await db.conn.execute("VACUUM INTO ?", (str(dest),))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
