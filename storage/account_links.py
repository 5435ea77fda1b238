"""Accounts of one person on several channels, and the one-time codes that link them."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.invites import unused_code
from storage.models import User
from storage.users import COLUMNS, as_user, create


# SQL: the ids of every account of the person whose account is the parameter `?{n}` (itself
# included). Both halves are index lookups (users' key, users_person).
def accounts_of(n: int) -> str:
    return (f"SELECT coalesce(person_id, id) FROM users WHERE id = ?{n} UNION SELECT id FROM users "
            f"WHERE person_id = (SELECT coalesce(person_id, id) FROM users WHERE id = ?{n})")


# SQL: the name a person goes by, for the account aliased `alias`: the first linked account's.
def person_name(alias: str) -> str:
    return (f"coalesce((SELECT p.display_name FROM users p WHERE p.id = {alias}.person_id), "
            f"{alias}.display_name)")


@dataclass(frozen=True)
class LinkCode:
    code: str
    user_id: int
    expires_at: str
    used_by: int | None


async def create_code(db: Database, user_id: int, at: str, expires_at: str) -> str:
    """A fresh code for this account; its older unused codes stop working."""
    await db.execute("DELETE FROM link_codes WHERE user_id = ? AND used_by IS NULL", (user_id,))
    code = await unused_code(db, "link_codes")
    await db.execute(
        "INSERT INTO link_codes (code, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (code, user_id, at, expires_at),
    )
    return code


async def find_usable(db: Database, code: str, now: str) -> LinkCode | None:
    row = await db.fetchone(
        "SELECT code, user_id, expires_at, used_by FROM link_codes "
        "WHERE code = ? AND used_by IS NULL AND expires_at > ?",
        (code.strip(), now),
    )
    return LinkCode(row[0], row[1], row[2], row[3]) if row else None


async def mark_used(db: Database, code: str, user_id: int, at: str) -> None:
    await db.execute("UPDATE link_codes SET used_by = ?, used_at = ? WHERE code = ?", (user_id, at, code))


async def person_of(db: Database, user_id: int) -> int:
    """The person an account belongs to: its group's id, or its own when it is linked to nothing."""
    value = await db.scalar("SELECT coalesce(person_id, id) FROM users WHERE id = ?", (user_id,))
    if value is None:
        raise LookupError(f"no user {user_id}")
    return int(value)


async def link(db: Database, a: int, b: int) -> int:
    """Put the accounts a and b (and whatever each was already linked to) under one person."""
    pa, pb = await person_of(db, a), await person_of(db, b)
    person = min(pa, pb)
    await db.execute(
        "UPDATE users SET person_id = ? WHERE id IN (?, ?) OR person_id IN (?, ?)",
        (person, pa, pb, pa, pb),
    )
    return person


async def unlink(db: Database, user_id: int) -> list[User]:
    """Take every account of this account's person apart; returns the others, as they were."""
    others = [a for a in await accounts(db, user_id) if a.id != user_id]
    person = await person_of(db, user_id)
    await db.execute("UPDATE users SET person_id = NULL WHERE id = ? OR person_id = ?", (person, person))
    return others


async def joined_by_link(db: Database, user_id: int) -> bool:
    """Whether the account's only way in was a link code (no invite of its own)."""
    own_invite = await db.scalar("SELECT 1 FROM invites WHERE used_by = ?", (user_id,))
    by_code = await db.scalar("SELECT 1 FROM link_codes WHERE used_by = ?", (user_id,))
    return own_invite is None and by_code is not None


async def accounts(db: Database, user_id: int) -> list[User]:
    """Every account of the person this account belongs to, itself included, oldest first."""
    person = await person_of(db, user_id)
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM users WHERE id = ? OR person_id = ? ORDER BY id", (person, person)
    )
    return [as_user(r) for r in rows]


async def create_linked(db: Database, source: User, channel: str, external_id: str, display_name: str,
                        lang: str, at: str) -> User:
    """A new account on another channel for the person of `source`, with the same role and unit."""
    user = await create(db, channel, external_id, display_name, source.role, source.unit_id, lang, at)
    await link(db, source.id, user.id)
    return user
