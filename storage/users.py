"""People who use the bot, keyed by channel and the id they have there."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Row
from storage.models import User

# The columns of a User, in its fields' order (storage.account_links reads accounts with them too).
COLUMNS = "id, channel, external_id, display_name, role, unit_id, status, lang"


def as_user(row: Row) -> User:
    return User(*(row[i] for i in range(8)))


async def find(db: Database, channel: str, external_id: str) -> User | None:
    return await db.fetch_as(as_user, f"SELECT {COLUMNS} FROM users WHERE channel = ? AND external_id = ?",
                             (channel, external_id))


async def get(db: Database, user_id: int) -> User | None:
    return await db.fetch_as(as_user, f"SELECT {COLUMNS} FROM users WHERE id = ?", (user_id,))


async def create(db: Database, channel: str, external_id: str, display_name: str, role: str,
                 unit_id: int, lang: str, at: str) -> User:
    user_id = await db.insert(
        "INSERT INTO users (channel, external_id, display_name, role, unit_id, lang, joined_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (channel, external_id, display_name, role, unit_id, lang, at),
    )
    user = await get(db, user_id)
    assert user is not None
    return user


async def officers_on(db: Database, channel: str) -> list[User]:
    """Active officers and admins of one channel (their command menu lists the officers' commands)."""
    rows = await db.fetchall(
        f"SELECT {COLUMNS} FROM users WHERE channel = ? AND role IN ('officer', 'admin') "
        "AND status = 'active' ORDER BY id", (channel,))
    return [as_user(r) for r in rows]


async def set_lang(db: Database, user_id: int, lang: str) -> None:
    await db.execute("UPDATE users SET lang = ? WHERE id = ?", (lang, user_id))


async def set_status(db: Database, user_id: int, status: str) -> None:
    await db.execute("UPDATE users SET status = ? WHERE id = ?", (status, user_id))


async def set_display_name(db: Database, user_id: int, name: str) -> None:
    await db.execute("UPDATE users SET display_name = ? WHERE id = ?", (name, user_id))


async def seen(db: Database, user_id: int, at: str) -> None:
    await db.execute("UPDATE users SET last_seen_at = ? WHERE id = ?", (at, user_id))


async def reinstate(db: Database, user_id: int, role: str, unit_id: int) -> None:
    await db.execute("UPDATE users SET status = 'active', role = ?, unit_id = ? WHERE id = ?",
                     (role, unit_id, user_id))


@dataclass(frozen=True)
class Listed:
    """An account as an admin sees it in `chungtay users`."""

    id: int
    channel: str
    role: str
    unit_code: str
    status: str
    last_seen: str | None
    display_name: str
    person: int


async def listing(db: Database, within_path: str | None) -> list[Listed]:
    """Accounts of a unit's subtree (or all), by unit then id."""
    scope = "WHERE u.path >= ? AND u.path < ? " if within_path else ""
    params = (within_path, within_path + "\uffff") if within_path else ()
    rows = await db.fetchall(
        "SELECT us.id, us.channel, us.role, u.code, us.status, us.last_seen_at, us.display_name, "
        f"coalesce(us.person_id, us.id) FROM users us JOIN units u ON u.id = us.unit_id {scope}"
        "ORDER BY u.path, us.id", params)
    return [Listed(*(r[i] for i in range(8))) for r in rows]
