"""A bot's send budget shared by every process on one PostgreSQL database.

Each send reserves its moment with one statement: the generic cell rate algorithm on a row for the
bot and one per chat. A row holds the theoretical time of the next send; a reservation moves it on
by the spacing and answers how long to wait (the bot may send `burst` messages at once, as one
process's limiter lets them out; a chat may run `burst` seconds ahead). The server's
clock decides, so the machines' clocks need not agree. SQL in PostgreSQL's dialect only: a SQLite
deployment is one sending process and paces itself in memory.
"""

from __future__ import annotations

from storage.db import Database

WHOLE_BOT = ""

_NOW = "extract(epoch FROM statement_timestamp())::float8"


async def reserve(db: Database, bot: str, spacing: float, burst: int = 1) -> float:
    """Take the bot's next moment to send; the seconds to wait for it (0: now). The first `burst`
    of a quiet bot go at once, then one every `spacing`."""
    wait = await db.scalar(
        f"INSERT INTO send_pace AS p (bot, chat, next_at) VALUES (?1, '', {_NOW} + ?2::float8) "
        f"ON CONFLICT (bot, chat) DO UPDATE SET next_at = greatest(p.next_at, {_NOW}) + ?2::float8 "
        # The new next_at less one spacing is the old one as seen now: the wait is how far it lies
        # ahead, less the credit of the burst.
        f"RETURNING greatest(0, p.next_at - ?2::float8 * ?3::int - {_NOW})",
        (bot, spacing, burst),
    )
    return float(wait or 0.0)


async def reserve_in_chat(db: Database, bot: str, chat: str, spacing: float, chat_spacing: float,
                          burst: float, bot_burst: int = 1) -> tuple[float, float]:
    """Take the bot's next moment (as reserve() with `bot_burst`), then the chat's turn at or after
    it (`burst`: seconds of credit the chat may run ahead); the seconds to wait for each: (bot's,
    chat's beyond the bot's).
    One statement, one round trip: the chat's turn counts from when the message will really go,
    not from when it was asked for, or a chat whose messages waited in a long queue would get
    more than its burst at once when the queue reached them."""
    row = await db.fetchone(
        "WITH whole AS ("
        f" INSERT INTO send_pace AS p (bot, chat, next_at) VALUES (?1, '', {_NOW} + ?3::float8)"
        f" ON CONFLICT (bot, chat) DO UPDATE SET next_at = greatest(p.next_at, {_NOW}) + ?3::float8"
        f" RETURNING greatest(0, p.next_at - ?3::float8 * ?6::int - {_NOW}) AS wait),"
        " one AS ("
        f" INSERT INTO send_pace AS p (bot, chat, next_at) SELECT ?1, ?2, {_NOW} + whole.wait + ?4::float8"
        " FROM whole ON CONFLICT (bot, chat) DO UPDATE"
        " SET next_at = greatest(p.next_at, excluded.next_at - ?4::float8) + ?4::float8"
        f" RETURNING greatest(0, p.next_at - ?4::float8 - ?5::float8 - {_NOW}"
        " - (SELECT wait FROM whole)) AS wait)"
        " SELECT whole.wait, one.wait FROM whole, one",
        (bot, chat, spacing, chat_spacing, burst, bot_burst),
    )
    assert row is not None
    return float(row[0]), float(row[1])


async def delay_chat(db: Database, bot: str, chat: str, seconds: float) -> None:
    """A chat's message went `seconds` later than its turn: its next turn moves as far."""
    await db.execute("UPDATE send_pace SET next_at = next_at + ?3::float8 WHERE bot = ?1 AND chat = ?2",
                     (bot, chat, seconds))


async def pause(db: Database, bot: str, seconds: float, burst: int = 1, spacing: float = 0.0) -> None:
    """Telegram said to wait (429): no process of this bot sends before then, and then without the
    credit of a burst (the next_at lies that much further, as a bot that just sent a burst)."""
    await db.execute(
        f"INSERT INTO send_pace AS p (bot, chat, next_at) VALUES (?1, '', {_NOW} + ?2::float8) "
        f"ON CONFLICT (bot, chat) DO UPDATE SET next_at = greatest(p.next_at, {_NOW} + ?2::float8)",
        (bot, seconds + spacing * (burst - 1)),
    )


async def prune(db: Database, idle: float = 60.0) -> int:
    """Forget chats not written to for `idle` seconds: a missing row means the same."""
    return await db.execute_rowcount(
        f"DELETE FROM send_pace WHERE chat <> '' AND next_at < {_NOW} - ?1::float8", (idle,))
