"""Houses, each of one household in one unit, with the stage it has reached."""

from __future__ import annotations

from storage.db import Database, Row
from storage.models import House, Unit
from storage.textfold import fold

_COLS = ("h.id, h.code, h.unit_id, h.household_head, h.category, h.support_type, h.address, "
         "h.lat, h.lon, h.stage, h.stage_at, h.last_report_at, h.ref_lat, h.ref_lon, h.ref_report_id")


def _house(row: Row) -> House:
    return House(*(row[i] for i in range(15)))


async def get(db: Database, house_id: int) -> House | None:
    return await db.fetch_as(_house, f"SELECT {_COLS} FROM houses h WHERE h.id = ?", (house_id,))


async def by_code(db: Database, code: str) -> House | None:
    return await db.fetch_as(_house, f"SELECT {_COLS} FROM houses h WHERE h.code = ?", (code.strip(),))


async def unit_path(db: Database, house: House) -> str:
    return str(await db.scalar("SELECT path FROM units WHERE id = ?", (house.unit_id,)))


async def example_code(db: Database, within: Unit) -> str | None:
    """A real house code of the unit, or of the first unit below it that has houses, for the
    examples the bot gives; None when the subtree has no houses yet.

    The unit is found by walking the path index and the code among that one unit's houses, so a
    province of many thousand houses is not sorted to give one example.
    """
    code = await db.scalar(
        "SELECT min(h.code) FROM houses h WHERE h.unit_id = ("
        "SELECT u.id FROM units u WHERE u.path >= ? AND u.path < ? "
        "AND EXISTS (SELECT 1 FROM houses x WHERE x.unit_id = u.id) ORDER BY u.path LIMIT 1)",
        (within.path, within.path + "\uffff"),
    )
    return str(code) if code is not None else None


async def search(db: Database, within: Unit, query: str, limit: int) -> tuple[int, list[House]]:
    """Houses of the subtree by exact code, else by folded household-head name.

    Returns (how many match, the first `limit` of them) so a caller can ask for a narrower query.
    """
    exact = await db.fetchone(
        f"SELECT {_COLS} FROM houses h JOIN units u ON u.id = h.unit_id "
        "WHERE h.code = ? AND u.path >= ? AND u.path < ?",
        (query.strip(), within.path, within.path + "\uffff"),
    )
    if exact:
        return 1, [_house(exact)]
    key = fold(query)
    if not key:
        return 0, []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = ("FROM houses h JOIN units u ON u.id = h.unit_id WHERE u.path >= ? AND u.path < ? "
             "AND h.head_key LIKE ? ESCAPE '\\'")
    params = (within.path, within.path + "\uffff", pattern)
    count = int(await db.scalar(f"SELECT count(*) {where}", params) or 0)
    rows = await db.fetchall(f"SELECT {_COLS} {where} ORDER BY h.head_key, h.code LIMIT ?",
                             (*params, limit))
    return count, [_house(r) for r in rows]


async def upsert(db: Database, code: str, unit_id: int, head: str, category: str, support: str,
                 address: str | None, lat: float | None, lon: float | None) -> int:
    """Insert or update by code. The stage is never touched by an import: reports own it."""
    existing = await by_code(db, code)
    if existing is None:
        return await db.insert(
            "INSERT INTO houses (code, unit_id, household_head, head_key, category, support_type, "
            "address, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (code, unit_id, head, fold(head), category, support, address, lat, lon),
        )
    await db.execute(
        "UPDATE houses SET unit_id = ?, household_head = ?, head_key = ?, category = ?, "
        "support_type = ?, address = ?, lat = ?, lon = ? WHERE id = ?",
        (unit_id, head, fold(head), category, support, address, lat, lon, existing.id),
    )
    return existing.id


async def set_stage(db: Database, house_id: int, stage: int, at: str) -> None:
    await db.execute(
        "UPDATE houses SET stage = ?, stage_at = ? WHERE id = ? AND stage < ?",
        (stage, at, house_id, stage),
    )


async def correct_stage(db: Database, house_id: int, old: int, new: int, at: str) -> bool:
    """An officer's correction, either way; False when the house is no longer at `old`."""
    changed = await db.execute_rowcount(
        "UPDATE houses SET stage = ?, stage_at = ? WHERE id = ? AND stage = ?", (new, at, house_id, old))
    return changed == 1


async def touch_report(db: Database, house_id: int, at: str) -> None:
    await db.execute("UPDATE houses SET last_report_at = ? WHERE id = ?", (at, house_id))
