"""The accounts of an area as its officers see them: who, where, when last seen, how busy."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    role: str
    status: str
    unit_code: str
    unit_path: str
    last_seen: str | None
    reports: int          # reports received since the date asked for


async def within(db: Database, path: str, since: str, limit: int) -> tuple[int, list[Person]]:
    """Accounts of a subtree, by unit then name, with their reports since `since`; and how many."""
    scope = "FROM users us JOIN units u ON u.id = us.unit_id WHERE u.path >= ? AND u.path < ?"
    bounds = (path, path + "\uffff")
    total = await db.scalar(f"SELECT count(*) {scope}", bounds)
    rows = await db.fetchall(
        "SELECT us.id, us.display_name, us.role, us.status, u.code, u.path, us.last_seen_at, "
        "(SELECT count(*) FROM reports r WHERE r.reporter_id = us.id AND r.received_at >= ?) "
        f"{scope} ORDER BY u.path, us.display_name, us.id LIMIT ?", (since, *bounds, limit))
    return int(total), [Person(*(r[i] for i in range(8))) for r in rows]


async def one(db: Database, user_id: int) -> Person | None:
    row = await db.fetchone(
        "SELECT us.id, us.display_name, us.role, us.status, u.code, u.path, us.last_seen_at, 0 "
        "FROM users us JOIN units u ON u.id = us.unit_id WHERE us.id = ?", (user_id,))
    return Person(*(row[i] for i in range(8))) if row else None
