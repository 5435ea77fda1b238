"""The append-only record of who changed what (the table refuses updates and deletes)."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database


async def log(db: Database, at: str, actor_id: int | None, action: str, entity: str,
              entity_id: object, detail: dict[str, Any] | None = None) -> None:
    await db.execute(
        "INSERT INTO audit (at, actor_id, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (at, actor_id, action, entity, None if entity_id is None else str(entity_id),
         json.dumps(detail, ensure_ascii=False) if detail else None),
    )


async def entries(db: Database, entity: str, entity_id: object) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT at, actor_id, action, detail FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id",
        (entity, str(entity_id)),
    )
    return [
        {"at": r[0], "actor_id": r[1], "action": r[2], "detail": json.loads(r[3]) if r[3] else None}
        for r in rows
    ]
