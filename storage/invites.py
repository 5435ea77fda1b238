"""One-time invite codes that bind a person to a unit and a role."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from storage.db import Database
from storage.models import Invite
from storage.times import to_db

# No 0/O or 1/I/L: codes are read aloud over the phone and typed on small keyboards.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


async def unused_code(db: Database, table: str) -> str:
    """A new code that no row of `table` (invites, link_codes: both keyed by code) has yet."""
    while True:
        code = new_code()
        if await db.scalar(f"SELECT 1 FROM {table} WHERE code = ?", (code,)) is None:
            return code


async def create(db: Database, unit_id: int, role: str, at: str, days: int) -> str:
    """A new code, usable once within `days` of `at`."""
    code = await unused_code(db, "invites")
    expires = to_db(datetime.fromisoformat(at) + timedelta(days=days))
    await db.execute(
        "INSERT INTO invites (code, unit_id, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (code, unit_id, role, at, expires),
    )
    return code


async def find_unused(db: Database, code: str) -> Invite | None:
    """The unused invite of that code, expired or not (the caller says which)."""
    row = await db.fetchone(
        "SELECT code, unit_id, role, used_by, expires_at FROM invites WHERE code = ? AND used_by IS NULL",
        (code.strip(),),
    )
    return Invite(row[0], row[1], row[2], row[3], row[4]) if row else None


async def mark_used(db: Database, code: str, user_id: int, at: str) -> None:
    await db.execute("UPDATE invites SET used_by = ?, used_at = ? WHERE code = ?", (user_id, at, code))
