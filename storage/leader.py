"""One process at a time: a lock held for as long as a process leads a job (the reminders).

PostgreSQL: a session advisory lock on a connection of its own, outside the pool. The server
releases it the moment that connection ends, so a leader killed with SIGKILL, or a machine that
died (TCP keepalives below), frees it for another process without anyone cleaning up.

SQLite (one machine): an fcntl lock on a file beside the database. The kernel releases it when the
process ends, however it ends; two processes on the same file exclude each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from abc import ABC, abstractmethod
from pathlib import Path

import asyncpg

from storage.db import Database, is_postgres

# Beside storage.db_postgres.WRITE_LOCK (0x63687479) and MIGRATE_LOCK: keys of their own.
LOCK_KEYS = {"reminders": 0x63687479 + 2}
CHECK_TIMEOUT = 5.0  # seconds a leader's connection may take to answer before it counts as lost

# A leader on a machine that vanished holds the lock until the server notices its connection is
# dead: with these, within about 25 seconds instead of the system's default two hours.
_KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}


class Leadership(ABC):
    """Take the lock, check it is still held, let it go."""

    @abstractmethod
    async def take(self) -> bool:
        """True when this process now holds the lock (or already did)."""

    @abstractmethod
    async def holds(self) -> bool:
        """Whether the lock is still held; False once its connection is lost."""

    @abstractmethod
    async def release(self) -> None: ...


def leadership(db: Database, job: str) -> Leadership:
    """The lock for one job of the deployment behind `db`."""
    if is_postgres(db.path):
        return _AdvisoryLock(db.path, LOCK_KEYS[job])
    return _FileLock(db.path, job)


class _AdvisoryLock(Leadership):
    def __init__(self, dsn: str, key: int) -> None:
        self.dsn = dsn
        self.key = key
        self._conn: asyncpg.Connection | None = None

    async def take(self) -> bool:
        if await self.holds():
            return True
        conn = await asyncpg.connect(self.dsn, server_settings=_KEEPALIVES)
        try:
            taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key))
        except BaseException:
            await conn.close()
            raise
        if not taken:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def holds(self) -> bool:
        conn = self._conn
        if conn is None:
            return False
        try:
            # The lock lives exactly as long as the session: a session that answers still holds it.
            await asyncio.wait_for(conn.fetchval("SELECT 1"), CHECK_TIMEOUT)
            return True
        except Exception:  # closed, reset, timed out: whatever it was, the session is gone
            self._drop()
            return False

    async def release(self) -> None:
        conn = self._conn
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.execute("SELECT pg_advisory_unlock($1)", self.key), CHECK_TIMEOUT)
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()  # ends the session, and with it the lock if the unlock did not get through


class _FileLock(Leadership):
    def __init__(self, database: str, job: str) -> None:
        # An in-memory database belongs to one process: it leads alone, with a lock of its own.
        self.path = None if database == ":memory:" else Path(f"{database}.{job}.lock")
        self._fd: int | None = None

    async def take(self) -> bool:
        if self._fd is not None:
            return True
        if self.path is None:
            self._fd = -1
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    async def holds(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None and fd >= 0:
            os.close(fd)  # closing the only descriptor of the open file releases its flock
