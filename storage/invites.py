"""Invite codes that bind a person to a unit and a role: personal ones, used once, and group ones
for a meeting or a commune's chat group, used by up to max_uses people until they expire or are
revoked (revoking stops new joins; who joined stays)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, Row
from storage.models import Invite
from storage.times import to_db

# No 0/O or 1/I/L: codes are read aloud over the phone and typed on small keyboards.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PERSONAL = "personal"
GROUP = "group"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


async def unused_code(db: Database, table: str) -> str:
    """A new code that no row of `table` (invites, link_codes: both keyed by code) has yet."""
    while True:
        code = new_code()
        if await db.scalar(f"SELECT 1 FROM {table} WHERE code = ?", (code,)) is None:
            return code


async def create(db: Database, unit_id: int, role: str, at: str, days: int,
                 created_by: int | None = None) -> str:
    """A new personal code, usable once within `days` of `at`."""
    expires = to_db(datetime.fromisoformat(at) + timedelta(days=days))
    return await create_until(db, unit_id, role, at, expires, PERSONAL, 1, created_by)


async def create_until(db: Database, unit_id: int, role: str, at: str, expires_at: str, kind: str,
                       max_uses: int, created_by: int | None = None) -> str:
    code = await unused_code(db, "invites")
    await db.execute(
        "INSERT INTO invites (code, unit_id, role, created_at, expires_at, kind, max_uses, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (code, unit_id, role, at, expires_at, kind, max_uses, created_by),
    )
    return code


@dataclass(frozen=True)
class Code:
    """An invite as it stands: whether it can still be used is the caller's to judge with `now`."""

    code: str
    unit_id: int
    role: str
    kind: str
    max_uses: int
    uses: int
    expires_at: str
    revoked_at: str | None
    created_at: str

    @property
    def used_up(self) -> bool:
        return self.uses >= self.max_uses

    def invite(self) -> Invite:
        return Invite(self.code, self.unit_id, self.role, None, self.expires_at)


_COLS = "code, unit_id, role, kind, max_uses, use_count, expires_at, revoked_at, created_at"


def _code(row: Row) -> Code:
    return Code(*(row[i] for i in range(9)))


async def find(db: Database, code: str) -> Code | None:
    """The invite of that code, whatever its state."""
    return await db.fetch_as(_code, f"SELECT {_COLS} FROM invites WHERE code = ?", (code.strip(),))


async def find_unused(db: Database, code: str) -> Invite | None:
    """The unused personal invite of that code, expired or not (the caller says which)."""
    row = await db.fetchone(
        "SELECT code, unit_id, role, used_by, expires_at FROM invites WHERE code = ? AND used_by IS NULL "
        "AND use_count < max_uses AND revoked_at IS NULL",
        (code.strip(),),
    )
    return Invite(row[0], row[1], row[2], row[3], row[4]) if row else None


async def mark_used(db: Database, code: str, user_id: int, at: str) -> bool:
    """Count one use; False when the code was used up or revoked meanwhile. A group code keeps no
    single user: who joined with it is in the audit log."""
    return await db.execute_rowcount(
        "UPDATE invites SET use_count = use_count + 1, "
        "used_by = CASE WHEN kind = 'personal' THEN ? ELSE used_by END, "
        "used_at = ? WHERE code = ? AND use_count < max_uses AND revoked_at IS NULL",
        (user_id, at, code)) == 1


async def open_within(db: Database, path: str, now: str, limit: int) -> list[Code]:
    """Codes of a unit's subtree that can still be used, the newest first."""
    rows = await db.fetchall(
        f"SELECT {', '.join('i.' + c.strip() for c in _COLS.split(','))} FROM invites i "
        "JOIN units u ON u.id = i.unit_id WHERE u.path >= ? AND u.path < ? AND i.revoked_at IS NULL "
        "AND i.use_count < i.max_uses AND i.expires_at > ? ORDER BY i.created_at DESC, i.code LIMIT ?",
        (path, path + "\uffff", now, limit))
    return [_code(r) for r in rows]


async def revoke(db: Database, code: str, at: str) -> None:
    await db.execute("UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL", (at, code))
