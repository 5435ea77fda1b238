"""Updates already handled, so a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from storage import claims
from storage.db import Database, many_rows


async def unseen(db: Database, keys: Sequence[str]) -> list[str]:
    """The keys not handled yet."""
    marks = ",".join("?" * len(keys))
    rows = await db.fetchall(f"SELECT key FROM handled_updates WHERE key IN ({marks})", list(keys))
    done = {r[0] for r in rows}
    return [k for k in keys if k not in done]


async def mark(db: Database, keys: Sequence[str], at: str) -> None:
    """take(), for updates whose handling does not depend on whether they were handled before."""
    await take(db, keys, at)


async def take(db: Database, keys: Sequence[str], at: str) -> list[str]:
    """The keys not handled yet, now marked handled, in their order, in one statement (none: the
    update was handled already, and this turn is a redelivery). In the transaction of what handling
    them wrote. A worker among several commits it only while it still holds the chat's claim
    (storage/claims.py): the same update is never committed twice."""
    await claims.check_fence(db)
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    values, params = many_rows([(k, at) for k in wanted])
    rows = await db.fetchall(
        f"INSERT INTO handled_updates (key, handled_at) VALUES {values} ON CONFLICT DO NOTHING RETURNING key",
        params)
    taken = {r[0] for r in rows}
    return [k for k in wanted if k in taken]
