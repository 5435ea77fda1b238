"""Sends a platform refused or never answered: the code and description of each, by person and day."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class Failure:
    code: int
    description: str
    at: str
    day: str


async def record(db: Database, channel: str, external_id: str, code: int, description: str,
                 at: str, day: str) -> None:
    await db.execute(
        "INSERT INTO send_failures (channel, external_id, code, description, at, day) "
        "VALUES (?, ?, ?, ?, ?, ?)", (channel, external_id, code, description, at, day))


async def of(db: Database, channel: str, external_id: str) -> list[Failure]:
    """Every failure recorded for one person, oldest first."""
    rows = await db.fetchall(
        "SELECT code, description, at, day FROM send_failures WHERE channel = ? AND external_id = ? "
        "ORDER BY at, id", (channel, external_id))
    return [Failure(*(r[i] for i in range(4))) for r in rows]


async def since_last_message(db: Database, channel: str, external_id: str,
                             codes: Collection[int]) -> tuple[int, int]:
    """(failures, distinct days) with one of `codes` since the person last wrote (or joined).

    A message from them is the proof they still read the bot, so only what came after it counts.
    """
    if not codes:
        return 0, 0
    marks = ",".join("?" * len(codes))
    row = await db.fetchone(
        "SELECT count(*), count(DISTINCT f.day) FROM send_failures f "
        "JOIN users u ON u.channel = f.channel AND u.external_id = f.external_id "
        f"WHERE f.channel = ? AND f.external_id = ? AND f.code IN ({marks}) "
        "AND f.at > coalesce(u.last_seen_at, u.joined_at)",
        (channel, external_id, *codes))
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def prune(db: Database, before: str) -> int:
    return await db.execute_rowcount("DELETE FROM send_failures WHERE at < ?", (before,))
