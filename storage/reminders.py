"""The reminder outbox: occasions planned once, one row per person, each sent at most once.

Times are stored as UTC text (bot.clock.to_db), so they compare as strings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.account_links import accounts_of
from storage.codes import Stage
from storage.db import Database, Row
from storage.models import HasRole

OPEN_STATES = ("pending", "held")
DONE_STATES = ("sent", "failed", "blocked", "skipped")


@dataclass(frozen=True)
class Recipient(HasRole):
    user_id: int
    channel: str
    external_id: str
    role: str
    unit_id: int
    unit_path: str
    lang: str
    status: str
    paused: bool
    person: int = 0  # the person the account belongs to (storage.account_links): its own id when unlinked
    last_seen: str = ""


@dataclass(frozen=True)
class NewRow:
    """An outbox row about to be planned."""

    key: str
    user_id: int
    topic: str
    local_day: str
    due_at: str
    expires_at: str
    valid_until: str
    payload: dict[str, Any]
    state: str = "pending"
    reason: str | None = None


@dataclass(frozen=True)
class Item:
    """An outbox row waiting to be sent."""

    key: str
    occasion: str
    kind: str
    user_id: int
    due_at: str
    expires_at: str
    valid_until: str
    payload: dict[str, Any]
    state: str


@dataclass(frozen=True)
class HouseLine:
    id: int
    code: str
    household_head: str
    stage: int
    last_report_at: str | None


@dataclass(frozen=True)
class StaleHouse:
    id: int
    code: str
    household_head: str
    unit_path: str
    last_report_at: str
    reporter_id: int


# --- people ---------------------------------------------------------------------------------------

_PEOPLE = ("SELECT u.id, u.channel, u.external_id, u.role, u.unit_id, un.path, u.lang, u.status, "
           "p.user_id IS NOT NULL, coalesce(u.person_id, u.id), coalesce(u.last_seen_at, u.joined_at) "
           "FROM users u JOIN units un ON un.id = u.unit_id "
           "LEFT JOIN reminder_prefs p ON p.user_id = u.id")


def _recipient(row: Row) -> Recipient:
    return Recipient(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], bool(row[8]),
                     row[9], row[10])


async def people(db: Database, roles: Sequence[str]) -> list[Recipient]:
    """Active people with these roles (paused or not: what pausing stops depends on the message)."""
    marks = ",".join("?" * len(roles))
    rows = await db.fetchall(f"{_PEOPLE} WHERE u.status = 'active' AND u.role IN ({marks}) ORDER BY u.id",
                             list(roles))
    return [_recipient(r) for r in rows]


async def person(db: Database, user_id: int) -> Recipient | None:
    row = await db.fetchone(f"{_PEOPLE} WHERE u.id = ?", (user_id,))
    return _recipient(row) if row else None


async def is_paused(db: Database, user_id: int) -> bool:
    return await db.scalar("SELECT 1 FROM reminder_prefs WHERE user_id = ?", (user_id,)) is not None


async def set_paused(db: Database, user_id: int, paused: bool, at: str) -> None:
    if paused:
        await db.execute("INSERT INTO reminder_prefs (user_id, paused_at) VALUES (?, ?) "
                         "ON CONFLICT DO NOTHING",
                         (user_id, at))
    else:
        await db.execute("DELETE FROM reminder_prefs WHERE user_id = ?", (user_id,))


# --- occasions and planning -----------------------------------------------------------------------

async def decided(db: Database, keys: Sequence[str]) -> set[str]:
    """The occasions among these already planned or recorded as missed."""
    if not keys:
        return set()
    marks = ",".join("?" * len(keys))
    rows = await db.fetchall(f"SELECT key FROM reminder_occasions WHERE key IN ({marks})", list(keys))
    return {r[0] for r in rows}


async def record_missed(db: Database, key: str, kind: str, due_at: str, at: str) -> None:
    await db.execute(
        "INSERT INTO reminder_occasions (key, kind, due_at, outcome, decided_at) "
        "VALUES (?, ?, ?, 'missed', ?) ON CONFLICT DO NOTHING",
        (key, kind, due_at, at),
    )


async def already_today(db: Database, topic: str, local_day: str) -> set[int]:
    """People who already have a row of this topic on this day (anything but a skipped one)."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM reminder_outbox WHERE topic = ? AND local_day = ? "
        "AND state != 'skipped'",
        (topic, local_day),
    )
    return {r[0] for r in rows}


async def plan(db: Database, key: str, kind: str, due_at: str, rows: Sequence[NewRow], at: str) -> None:
    """Record the occasion and its rows together; a second plan of the same occasion changes nothing."""
    await db.execute(
        "INSERT INTO reminder_occasions (key, kind, due_at, outcome, recipients, decided_at) "
        "VALUES (?, ?, ?, 'planned', ?, ?)",
        (key, kind, due_at, len(rows), at),
    )
    await db.executemany(
        "INSERT INTO reminder_outbox (key, occasion, user_id, kind, topic, local_day, due_at, "
        "expires_at, valid_until, payload, state, reason, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(r.key, key, r.user_id, kind, r.topic, r.local_day, r.due_at, r.expires_at, r.valid_until,
          json.dumps(r.payload, ensure_ascii=False), r.state, r.reason, at, at) for r in rows],
    )


# --- sending --------------------------------------------------------------------------------------

_ITEM = "key, occasion, kind, user_id, due_at, expires_at, valid_until, payload, state"


def _item(row: Row) -> Item:
    return Item(row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]), row[8])


async def ready(db: Database, now: str) -> list[Item]:
    """Rows to send now: pending ones, and held ones whose quiet hours are over; oldest first."""
    rows = await db.fetchall(
        f"SELECT {_ITEM} FROM reminder_outbox WHERE state = 'pending' "
        "OR (state = 'held' AND not_before <= ?) ORDER BY due_at, rowid",
        (now,),
    )
    return [_item(r) for r in rows]


async def next_release(db: Database) -> str | None:
    """When the earliest held row may go."""
    value = await db.scalar("SELECT min(not_before) FROM reminder_outbox WHERE state = 'held'")
    return str(value) if value else None


async def hold(db: Database, items: Iterable[tuple[str, str, str]], at: str) -> None:
    """(key, not_before, expires_at) of rows that wait for the end of quiet hours."""
    await db.executemany(
        "UPDATE reminder_outbox SET state = 'held', not_before = ?, expires_at = ?, updated_at = ? "
        "WHERE key = ? AND state IN ('pending', 'held')",
        [(not_before, expires, at, key) for key, not_before, expires in items],
    )


async def claim(db: Database, keys: Sequence[str], at: str) -> list[str]:
    """Mark rows as being sent; returns those that were still open (and are now claimed)."""
    claimed = []
    for key in keys:
        changed = await db.execute_rowcount(
            "UPDATE reminder_outbox SET state = 'sending', updated_at = ? "
            "WHERE key = ? AND state IN ('pending', 'held')",
            (at, key),
        )
        if changed:
            claimed.append(key)
    return claimed


async def finish(db: Database, keys: Sequence[str], state: str, reason: str | None, at: str) -> None:
    """The outcome of rows: sent, failed, blocked, skipped; or pending again (not sent, may retry)."""
    if state not in (*DONE_STATES, "pending"):
        raise ValueError(f"not an outcome: {state}")
    await db.executemany(
        "UPDATE reminder_outbox SET state = ?, reason = ?, updated_at = ? WHERE key = ?",
        [(state, reason, at, key) for key in keys],
    )


async def recover(db: Database, at: str) -> int:
    """Rows left 'sending' by a crash may or may not have arrived: never send them again."""
    return await db.execute_rowcount(
        "UPDATE reminder_outbox SET state = 'failed', reason = 'interrupted', updated_at = ? "
        "WHERE state = 'sending'",
        (at,),
    )


# --- what messages are about ----------------------------------------------------------------------

async def reported_houses(db: Database, user_id: int, unit_path: str, below_stage: int) -> list[HouseLine]:
    """Houses of the person's area they have reported on, from any of their linked accounts, that have
    not reached a stage."""
    rows = await db.fetchall(
        "SELECT h.id, h.code, h.household_head, h.stage, h.last_report_at FROM houses h "
        "JOIN units u ON u.id = h.unit_id "
        f"WHERE h.id IN (SELECT house_id FROM reports WHERE reporter_id IN ({accounts_of(1)})) "
        "AND u.path >= ?2 AND u.path < ?3 AND h.stage < ?4 ORDER BY h.code",
        (user_id, unit_path, unit_path + "\uffff", below_stage),
    )
    return [HouseLine(*(r[i] for i in range(5))) for r in rows]


async def has_reported(db: Database, user_id: int, unit_path: str) -> bool:
    """Whether the person (any of their linked accounts) has reported on a house of the area."""
    row = await db.fetchone(
        "SELECT 1 FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
        f"WHERE r.reporter_id IN ({accounts_of(1)}) AND u.path >= ?2 AND u.path < ?3 LIMIT 1",
        (user_id, unit_path, unit_path + "\uffff"),
    )
    return row is not None


async def stale_houses(db: Database, reported_before: str) -> list[StaleHouse]:
    """Houses under construction whose last report is older than the given time, with its reporter."""
    rows = await db.fetchall(
        "SELECT h.id, h.code, h.household_head, u.path, h.last_report_at, "
        "(SELECT r.reporter_id FROM reports r WHERE r.house_id = h.id "
        " ORDER BY r.received_at DESC, r.id DESC LIMIT 1) "
        "FROM houses h JOIN units u ON u.id = h.unit_id "
        "WHERE h.stage = ? AND h.last_report_at IS NOT NULL AND h.last_report_at <= ? ORDER BY h.code",
        (Stage.STARTED, reported_before),
    )
    return [StaleHouse(*(r[i] for i in range(6))) for r in rows if r[5] is not None]


async def houses(db: Database, ids: Sequence[int], within_path: str) -> list[HouseLine]:
    """These houses, as far as they lie in the area (a person who moved sees none of the old one)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        "SELECT h.id, h.code, h.household_head, h.stage, h.last_report_at FROM houses h "
        f"JOIN units u ON u.id = h.unit_id WHERE h.id IN ({marks}) AND u.path >= ? AND u.path < ? "
        "ORDER BY h.code",
        [*ids, within_path, within_path + "\uffff"],
    )
    return [HouseLine(*(r[i] for i in range(5))) for r in rows]


async def new_reports(db: Database, unit_path: str, since: str, until: str) -> Counter[int]:
    """Reports received in the area in [since, until), by the stage they report."""
    rows = await db.fetchall(
        "SELECT r.stage, count(*) FROM reports r JOIN houses h ON h.id = r.house_id "
        "JOIN units u ON u.id = h.unit_id WHERE u.path >= ? AND u.path < ? "
        "AND r.received_at >= ? AND r.received_at < ? GROUP BY r.stage",
        (unit_path, unit_path + "\uffff", since, until),
    )
    return Counter({r[0]: r[1] for r in rows})


async def waiting_review(db: Database, unit_path: str) -> int:
    return int(await db.scalar(
        "SELECT count(*) FROM reports r JOIN houses h ON h.id = r.house_id "
        "JOIN units u ON u.id = h.unit_id WHERE u.path >= ? AND u.path < ? AND r.review_state = 'pending'",
        (unit_path, unit_path + "\uffff"),
    ) or 0)


# --- looking back -------------------------------------------------------------------------------

async def states(db: Database, occasion_prefix: str = "") -> Counter[str]:
    """How many rows are in each state, for occasions whose key starts with the prefix."""
    rows = await db.fetchall(
        "SELECT state, count(*) FROM reminder_outbox WHERE occasion >= ? AND occasion < ? GROUP BY state",
        (occasion_prefix, occasion_prefix + "\uffff"),
    )
    return Counter({r[0]: r[1] for r in rows})


async def rows_of(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT key, kind, state, reason, due_at, updated_at FROM reminder_outbox WHERE user_id = ? "
        "ORDER BY due_at, rowid",
        (user_id,),
    )
    return [dict(zip(("key", "kind", "state", "reason", "due_at", "updated_at"), r, strict=True))
            for r in rows]


async def occasion(db: Database, key: str) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT key, kind, due_at, outcome, recipients FROM reminder_occasions WHERE key = ?", (key,))
    return dict(zip(("key", "kind", "due_at", "outcome", "recipients"), row, strict=True)) if row else None
