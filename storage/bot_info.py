"""What the bot learns about itself when it starts (its Telegram username, or each bot's where there
are several), kept for the commands run beside it, such as `chungtay invite`, which never talk to
Telegram."""

from __future__ import annotations

from storage.db import Database

TELEGRAM_USERNAME = "telegram.username"


def telegram_username(bot_key: str) -> str:
    """The key of one bot's username where several run ([[telegram.bots]]), by the bot's user id."""
    return f"{TELEGRAM_USERNAME}.{bot_key}"


async def get(db: Database, key: str) -> str | None:
    value = await db.scalar("SELECT value FROM bot_info WHERE key = ?", (key,))
    return str(value) if value is not None else None


async def put(db: Database, key: str, value: str, at: str) -> None:
    await db.execute(
        "INSERT INTO bot_info (key, value, at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, at = excluded.at", (key, value, at))
