"""Where each person is in a dialog, with the unfinished draft."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database


async def load(db: Database, user_id: int) -> tuple[str, dict[str, Any]]:
    row = await db.fetchone("SELECT state, draft FROM dialogs WHERE user_id = ?", (user_id,))
    if row is None:
        return "idle", {}
    return row["state"], json.loads(row["draft"])


async def save(db: Database, user_id: int, state: str, draft: dict[str, Any], at: str) -> None:
    if state == "idle":
        await db.execute("DELETE FROM dialogs WHERE user_id = ?", (user_id,))
        return
    await db.execute(
        "INSERT INTO dialogs (user_id, state, draft, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, draft = excluded.draft, "
        "updated_at = excluded.updated_at",
        (user_id, state, json.dumps(draft, ensure_ascii=False), at),
    )


async def photo_shas(db: Database) -> set[str]:
    """Every photo an unfinished draft holds (drafts are few: one per person at most)."""
    found: set[str] = set()
    for (draft,) in await db.fetchall("SELECT draft FROM dialogs"):
        for photo in json.loads(draft).get("photos") or []:
            if isinstance(photo, dict) and isinstance(photo.get("sha256"), str):
                found.add(photo["sha256"])
    return found
