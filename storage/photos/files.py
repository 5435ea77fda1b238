"""Photos received but perhaps never part of a report: noted when handled, swept when unused."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import Database


async def note(db: Database, shas: Sequence[str], at: str) -> None:
    """A photo sent again is noted again: the sweep counts from its latest arrival."""
    await db.executemany(
        "INSERT INTO photo_files (sha256, stored_at) VALUES (?, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at",
        [(sha, at) for sha in shas],
    )


async def older_than(db: Database, before: str, limit: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT sha256 FROM photo_files WHERE stored_at < ? ORDER BY stored_at LIMIT ?", (before, limit))
    return [r[0] for r in rows]


async def in_reports(db: Database, shas: Sequence[str]) -> set[str]:
    """The photos a report, or a contribution as its receipt or handover photo, keeps."""
    marks = ",".join("?" * len(shas))
    rows = await db.fetchall(
        f"SELECT sha256 FROM photos WHERE sha256 IN ({marks}) "
        f"UNION SELECT photo FROM contributions WHERE photo IN ({marks})", [*shas, *shas])
    return {r[0] for r in rows}


async def forget(db: Database, shas: Sequence[str]) -> None:
    await db.executemany("DELETE FROM photo_files WHERE sha256 = ?", [(sha,) for sha in shas])
