"""Thumbnails to write after the receipt: noted in the turn's own commit, gone once on disk."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database


async def note(db: Database, thumbs: Sequence[tuple[str, bytes]], at: str) -> None:
    await db.executemany(
        "INSERT INTO pending_thumbs (path, data, noted_at) VALUES (?, ?, ?) "
        "ON CONFLICT (path) DO UPDATE SET data = excluded.data, noted_at = excluded.noted_at",
        [(path, data, at) for path, data in thumbs],
    )


async def waiting(db: Database, limit: int = 500) -> list[tuple[str, bytes]]:
    rows = await db.fetchall("SELECT path, data FROM pending_thumbs ORDER BY noted_at LIMIT ?", (limit,))
    return [(r[0], bytes(r[1])) for r in rows]


async def written(db: Database, paths: Sequence[str]) -> None:
    await db.executemany("DELETE FROM pending_thumbs WHERE path = ?", [(p,) for p in paths])
