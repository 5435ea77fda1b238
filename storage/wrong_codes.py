"""Wrong invite and link codes, counted per account and per channel, so guessing does not pay."""

from __future__ import annotations

from storage.db import Database


async def note(db: Database, channel: str, external_id: str, at: str, forget_before: str) -> None:
    await db.execute("INSERT INTO wrong_codes (channel, external_id, at) VALUES (?, ?, ?)",
                     (channel, external_id, at))
    await db.execute("DELETE FROM wrong_codes WHERE at < ?", (forget_before,))


async def by_account(db: Database, channel: str, external_id: str, since: str) -> list[str]:
    """When this account sent wrong codes since `since`, oldest first."""
    rows = await db.fetchall("SELECT at FROM wrong_codes WHERE channel = ? AND external_id = ? "
                             "AND at >= ? ORDER BY at", (channel, external_id, since))
    return [r[0] for r in rows]


async def on_channel(db: Database, channel: str, since: str) -> int:
    return int(await db.scalar("SELECT count(*) FROM wrong_codes WHERE channel = ? AND at >= ?",
                               (channel, since)))
