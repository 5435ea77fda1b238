"""`chungtay run` waits for its database instead of dying: a service manager restarting a process
that fails at once only turns one clear line into a screenful a second (and gives up after five)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from storage.db import Database, unreachable, where

log = logging.getLogger(__name__)

DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # then every minute, until it answers or SIGTERM


def reason(exc: BaseException) -> str:
    """The error in one short line. Never the DSN: asyncpg's messages name the user and the
    database at most, and the DSN is printed through storage.db.where."""
    first = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


async def open_when_reachable(target: str | Path, *, delays: tuple[float, ...] = DELAYS,
                              sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Database:
    attempt = 0
    while True:
        try:
            db = await Database.open(target)
        except Exception as exc:
            if not unreachable(exc):
                raise
            delay = delays[min(attempt, len(delays) - 1)]
            log.error("database %s unreachable (%s); trying again in %g s", where(target), reason(exc), delay)
            await sleep(delay)
            attempt += 1
            continue
        if attempt:
            log.info("database %s reached", where(target))
        return db
