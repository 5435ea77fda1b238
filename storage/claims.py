"""The inbox shared by several processes: updates waiting for a worker, and the chats' claims.

A receiver (`chungtay run --role receive`) stores each update with its chat in `inbox_waiting`.
A worker (`--role work`) handles a chat's waiting updates only while it holds the chat's claim: a
row of `chat_claims` with a fresh token and an expiry the worker keeps renewing. So one chat is in
one worker's hands at a time and its updates go in arrival order; a worker that dies stops renewing,
and once its claims have expired another worker takes the chats and starts from their first update
not yet handled.

An expiry is a promise about time, which a stalled process can break: the fence makes that harmless.
The turn that handles an update commits its key to handled_updates (storage/updates.py, mark), and
that commit first checks that the claim it works under still exists; a worker whose claim was
taken over gets ClaimLost and its transaction rolls back, so an update is handled by one commit,
whoever held the chat before. Every step is a short writing transaction, which one writer at a
time runs on SQLite and PostgreSQL alike (storage/db.py).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.db import Database, many_rows

WAKE = "chungtay_inbox"  # the PostgreSQL notification a receiver sends when it stored updates
CUT = "\tcut"  # after the channel in it: the batch stored was cut, more follows at once


class ClaimLost(Exception):
    """The chat's claim was taken over: this worker must not commit for it."""


@dataclass(frozen=True)
class Claim:
    channel: str
    chat: str
    token: str


_FENCE: ContextVar[Claim | None] = ContextVar("chat_claim", default=None)


def stamp(when: datetime) -> str:
    """Claims expire within seconds: their times keep milliseconds (and compare as text)."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


@contextlib.contextmanager
def working_under(claim: Claim) -> Iterator[None]:
    """Every update marked handled inside this block is committed only while `claim` is held."""
    token = _FENCE.set(claim)
    try:
        yield
    finally:
        _FENCE.reset(token)


async def check_fence(db: Database) -> None:
    """Inside the turn's transaction: raise ClaimLost unless the claim worked under is still held.
    Outside any claim (one process doing everything) there is nothing to check."""
    claim = _FENCE.get()
    if claim is None:
        return
    if await db.scalar("SELECT 1 FROM chat_claims WHERE token = ?", (claim.token,)) is None:
        raise ClaimLost(claim.chat)


# --- the receiver's side ------------------------------------------------------------------------

async def enqueue(db: Database, channel: str, items: Sequence[tuple[str, str]], *, cut: bool = False) -> None:
    """Inside the transaction that stores the updates: (key, chat) for the workers. An update handled
    already (a redelivery) waits for nobody. On PostgreSQL the workers are woken at the commit.
    cut: the platform had more than this batch to give (getUpdates hands out 100 at most), so the
    rest of a group of photos in it may be in the receiver's next batch; the workers are told."""
    if not items:
        return
    await db.executemany(
        "INSERT INTO inbox_waiting (key, channel, chat) SELECT ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM handled_updates WHERE key = ?) ON CONFLICT DO NOTHING",
        [(key, channel, chat, key) for key, chat in items])
    if db.dialect == "postgresql":
        await db.execute("SELECT pg_notify(?, ?)", (WAKE, f"{channel}{CUT if cut else ''}"))


class Listening:
    """A PostgreSQL connection that waits for the receivers' notifications."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def alive(self) -> bool:
        return not self._conn.is_closed()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.close()


async def listen(db: Database, notice: Callable[[str, bool], None]) -> Listening | None:
    """Call `notice(channel, cut)` whenever a receiver stored updates of `channel` (cut: see
    enqueue). None on SQLite, which has no notifications: its workers poll, which costs a read of a
    small table."""
    if db.dialect != "postgresql":
        return None
    import asyncpg

    def heard(_conn: object, _pid: int, _name: str, payload: str) -> None:
        notice(payload.removesuffix(CUT), payload.endswith(CUT))

    conn = await asyncpg.connect(db.path)
    await conn.add_listener(WAKE, heard)
    return Listening(conn)


# --- the worker's side --------------------------------------------------------------------------

async def free_chats(db: Database, channel: str, now: datetime, limit: int) -> list[str]:
    """Chats with updates waiting and no live claim, those waiting longest first."""
    rows = await db.fetchall(
        "SELECT w.chat FROM inbox_waiting w "
        "LEFT JOIN chat_claims c ON c.channel = w.channel AND c.chat = w.chat "
        "WHERE w.channel = ? AND (c.chat IS NULL OR c.until < ?) "
        "AND NOT EXISTS (SELECT 1 FROM handled_updates h WHERE h.key = w.key) "
        "GROUP BY w.chat ORDER BY min(w.rowid) LIMIT ?",
        (channel, stamp(now), limit))
    return [r[0] for r in rows]


async def claim(db: Database, channel: str, chats: Sequence[str], worker: str, now: datetime,
                until: datetime) -> list[Claim]:
    """Claim each chat that nobody holds (or whose claim expired); returns the claims made. One
    statement for all of them: a burst's first look claims dozens of chats, and a statement a chat
    held the one write lock for as many round trips."""
    if not chats:
        return []
    tokens = {chat: f"{worker}/{uuid.uuid4().hex[:12]}" for chat in dict.fromkeys(chats)}
    expiry = stamp(until)
    values, params = many_rows([(channel, chat, worker, token, expiry) for chat, token in tokens.items()])
    async with db.transaction():
        taken = await db.fetchall(
            f"INSERT INTO chat_claims (channel, chat, worker, token, until) VALUES {values} "
            "ON CONFLICT (channel, chat) DO UPDATE SET worker = excluded.worker, "
            "token = excluded.token, until = excluded.until WHERE chat_claims.until < ? "
            "RETURNING chat, token",
            [*params, stamp(now)])
    made = {r[0]: r[1] for r in taken}
    return [Claim(channel, chat, made[chat]) for chat in tokens if chat in made]


async def renew(db: Database, channel: str, worker: str, until: datetime) -> set[str]:
    """Push back the expiry of every claim the worker still holds; returns their tokens (a claim
    missing from them was taken over while this worker was too slow to renew it)."""
    async with db.transaction():
        await db.execute("UPDATE chat_claims SET until = ? WHERE worker = ? AND channel = ?",
                         (stamp(until), worker, channel))
        rows = await db.fetchall("SELECT token FROM chat_claims WHERE worker = ? AND channel = ?",
                                 (worker, channel))
    return {r[0] for r in rows}


async def waiting(db: Database, channel: str, worker: str) -> list[tuple[str, str]]:
    """(chat, key) of every update not handled yet in the chats the worker holds, in arrival order."""
    rows = await db.fetchall(
        "SELECT w.chat, w.key FROM inbox_waiting w "
        "JOIN chat_claims c ON c.channel = w.channel AND c.chat = w.chat "
        "WHERE c.worker = ? AND w.channel = ? "
        "AND NOT EXISTS (SELECT 1 FROM handled_updates h WHERE h.key = w.key) ORDER BY w.rowid",
        (worker, channel))
    return [(r[0], r[1]) for r in rows]


async def payloads(db: Database, keys: Sequence[str]) -> dict[str, str]:
    marks = ",".join("?" * len(keys))
    rows = await db.fetchall(f"SELECT key, payload FROM inbox WHERE key IN ({marks})", list(keys))
    return {r[0]: r[1] for r in rows}


async def release(db: Database, claim: Claim) -> int:
    """Give the chat back once its updates are handled; returns how many arrived meanwhile (then
    the claim is kept, and they are the worker's to handle next)."""
    async with db.transaction():
        await db.execute(
            "DELETE FROM inbox_waiting WHERE channel = ? AND chat = ? "
            "AND EXISTS (SELECT 1 FROM handled_updates h WHERE h.key = inbox_waiting.key)",
            (claim.channel, claim.chat))
        # Given back unless updates wait: the usual case in two statements under the write lock.
        if await db.execute_rowcount(
                "DELETE FROM chat_claims WHERE token = ? AND NOT EXISTS "
                "(SELECT 1 FROM inbox_waiting WHERE channel = ? AND chat = ?)",
                (claim.token, claim.channel, claim.chat)):
            return 0
        # Updates wait: they are this worker's while its claim stands (taken over, nobody's here).
        return int(await db.scalar(
            "SELECT count(*) FROM inbox_waiting WHERE channel = ? AND chat = ? "
            "AND EXISTS (SELECT 1 FROM chat_claims WHERE token = ?)",
            (claim.channel, claim.chat, claim.token)) or 0)


async def release_all(db: Database, channel: str, worker: str) -> None:
    """A worker stopping gives back every chat it holds: another takes them without waiting."""
    async with db.transaction():
        await db.execute("DELETE FROM chat_claims WHERE worker = ? AND channel = ?", (worker, channel))


async def unqueued(db: Database, channel: str) -> list[tuple[str, str]]:
    """(key, payload) of updates stored but not handled that wait for no worker: stored by a single
    process (`--role all`) that stopped before handling them. The worker's replay queues them."""
    rows = await db.fetchall(
        "SELECT i.key, i.payload FROM inbox i "
        "WHERE i.channel = ? AND NOT EXISTS (SELECT 1 FROM handled_updates h WHERE h.key = i.key) "
        "AND NOT EXISTS (SELECT 1 FROM inbox_waiting w WHERE w.key = i.key) "
        "ORDER BY i.received_at, i.rowid",
        (channel,))
    return [(r[0], r[1]) for r in rows]


async def tidy(db: Database) -> int:
    """Forget waiting rows of updates handled already (a worker died before giving its chat back)."""
    async with db.transaction():
        return await db.execute_rowcount(
            "DELETE FROM inbox_waiting "
            "WHERE EXISTS (SELECT 1 FROM handled_updates h WHERE h.key = inbox_waiting.key)")
