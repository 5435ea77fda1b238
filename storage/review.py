"""Reports waiting for an officer, the decision on them, and a house's reports as officers see them."""

from __future__ import annotations

from dataclasses import dataclass

from storage.account_links import accounts_of, person_name
from storage.codes import ReviewState
from storage.db import Database
from storage.models import Unit

_SCOPE = "u.path >= ? AND u.path < ?"


def _range(unit: Unit) -> tuple[str, str]:
    return unit.path, unit.path + "\uffff"


@dataclass(frozen=True)
class Pending:
    id: int
    house_id: int
    house_code: str
    head: str
    house_stage: int
    unit_id: int
    stage: int
    note: str | None
    lat: float | None
    lon: float | None
    received_at: str
    flag: str | None
    reporter_id: int
    reporter_name: str
    evidence_notes: str | None = None


_PENDING = (
    "SELECT r.id, h.id, h.code, h.household_head, h.stage, h.unit_id, r.stage, r.note, r.lat, r.lon, "
    f"r.received_at, r.flag, r.reporter_id, {person_name('us')}, r.evidence_notes "
    "FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
    "JOIN users us ON us.id = r.reporter_id "
)


async def waiting(db: Database, within: Unit, after: int = 0,
                  not_by: int | None = None) -> tuple[int, Pending | None]:
    """How many reports of the subtree wait (leaving out those filed by `not_by`, from any of
    their linked accounts), and the oldest of them with an id above `after`."""
    count = int(await db.scalar(
        "SELECT count(*) FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
        f"WHERE r.review_state = 'pending' AND r.reporter_id NOT IN ({accounts_of(1)}) AND {_SCOPE}",
        (not_by, *_range(within))) or 0)
    row = await db.fetchone(
        f"{_PENDING} WHERE r.review_state = 'pending' AND r.reporter_id NOT IN ({accounts_of(1)}) "
        f"AND r.id > ? AND {_SCOPE} "
        "ORDER BY r.id LIMIT 1",
        (not_by, after, *_range(within)),
    )
    return count, Pending(*row) if row else None


async def pending(db: Database, within: Unit, report_id: int) -> Pending | None:
    """The report if it still waits and lies in the subtree."""
    row = await db.fetchone(
        f"{_PENDING} WHERE r.id = ? AND r.review_state = 'pending' AND {_SCOPE}",
        (report_id, *_range(within)),
    )
    return Pending(*row) if row else None


async def decide(db: Database, report_id: int, state: str, by: int, at: str, reason: str | None) -> bool:
    """Record an officer's decision; False when someone else decided first."""
    if state not in (ReviewState.APPROVED, ReviewState.RETURNED):
        raise ValueError(f"not a review decision: {state}")
    changed = await db.execute_rowcount(
        "UPDATE reports SET review_state = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? "
        "WHERE id = ? AND review_state = 'pending'",
        (state, reason, by, at, report_id),
    )
    return changed == 1


async def photo_files(db: Database, report_ids: list[int], limit: int) -> list[str]:
    """Normalized photo files of these reports, in the order of the ids given, at most `limit`."""
    found: list[str] = []
    for report_id in report_ids:
        rows = await db.fetchall(
            "SELECT normalized FROM photos WHERE report_id = ? ORDER BY position LIMIT ?",
            (report_id, limit - len(found)),
        )
        found.extend(r[0] for r in rows)
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class Entry:
    id: int
    received_at: str
    stage: int
    review_state: str
    reporter_name: str
    flag: str | None
    reason: str | None
    photos: int
    note: str | None = None
    lat: float | None = None
    lon: float | None = None


async def history(db: Database, house_id: int) -> list[Entry]:
    rows = await db.fetchall(
        f"SELECT r.id, r.received_at, r.stage, r.review_state, {person_name('us')}, r.flag, r.review_reason, "
        "(SELECT count(*) FROM photos p WHERE p.report_id = r.id), r.note, r.lat, r.lon "
        "FROM reports r JOIN users us ON us.id = r.reporter_id WHERE r.house_id = ? "
        "ORDER BY r.received_at, r.id",
        (house_id,),
    )
    return [Entry(*r) for r in rows]
