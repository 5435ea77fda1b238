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
