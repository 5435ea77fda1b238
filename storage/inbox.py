"""Updates stored on arrival, before the channel confirms them; replayed if never handled."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database


async def store(db: Database, channel: str, items: Sequence[tuple[str, str]], at: str) -> None:
    """items: (key, JSON payload). A redelivered update is already there and stays as it was."""
    if not items:
        return
    async with db.transaction():
        await db.executemany(
            "INSERT OR IGNORE INTO inbox (key, channel, payload, received_at) VALUES (?, ?, ?, ?)",
            [(key, channel, payload, at) for key, payload in items],
        )


async def unhandled(db: Database, channel: str) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT i.key, i.payload FROM inbox i LEFT JOIN handled_updates h ON h.key = i.key "
        "WHERE i.channel = ? AND h.key IS NULL ORDER BY i.received_at, i.rowid",
        (channel,),
    )
    return [(r[0], r[1]) for r in rows]


async def prune(db: Database, before: str) -> int:
    """Forget handled updates older than `before`; the reports they made stay."""
    async with db.transaction():
        removed = await db.execute_rowcount(
            "DELETE FROM inbox WHERE received_at < ? AND key IN (SELECT key FROM handled_updates)",
            (before,),
        )
    return removed


async def store_new(db: Database, channel: str, items: Sequence[tuple[str, str]], at: str) -> set[str]:
    """Like store, and says which keys were new: neither in the inbox nor handled already.

    For channels that may deliver one message twice (Zalo's webhook), so a duplicate is dropped at
    the door instead of being fetched and handled again.
    """
    if not items:
        return set()
    keys = list(dict.fromkeys(key for key, _ in items))
    marks = ",".join("?" * len(keys))
    async with db.transaction():
        rows = await db.fetchall(
            f"SELECT key FROM inbox WHERE key IN ({marks}) "
            f"UNION SELECT key FROM handled_updates WHERE key IN ({marks})",
            [*keys, *keys],
        )
        known = {r[0] for r in rows}
        fresh = [(key, payload) for key, payload in dict(items).items() if key not in known]
        await db.executemany(
            "INSERT OR IGNORE INTO inbox (key, channel, payload, received_at) VALUES (?, ?, ?, ?)",
            [(key, channel, payload, at) for key, payload in fresh],
        )
    return {key for key, _ in fresh}
