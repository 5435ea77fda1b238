"""The tree of administrative units. A subtree is a prefix range of `path`."""

from __future__ import annotations

from storage.db import Database, Row
from storage.models import Unit
from storage.textfold import fold

_COLS = "id, code, name, parent_id, quota, path, depth"


def _unit(row: Row) -> Unit:
    return Unit(row["id"], row["code"], row["name"], row["parent_id"], row["quota"], row["path"],
                row["depth"])


async def get(db: Database, unit_id: int) -> Unit | None:
    return await db.fetch_as(_unit, f"SELECT {_COLS} FROM units WHERE id = ?", (unit_id,))


async def by_code(db: Database, code: str) -> Unit | None:
    return await db.fetch_as(_unit, f"SELECT {_COLS} FROM units WHERE code = ?", (code.strip(),))


async def all_units(db: Database) -> list[Unit]:
    return [_unit(r) for r in await db.fetchall(f"SELECT {_COLS} FROM units ORDER BY path")]


async def children(db: Database, unit_id: int) -> list[Unit]:
    rows = await db.fetchall(f"SELECT {_COLS} FROM units WHERE parent_id = ? ORDER BY name", (unit_id,))
    return [_unit(r) for r in rows]


async def lineage(db: Database, unit: Unit) -> list[Unit]:
    """From the root down to the unit itself."""
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(f"SELECT {_COLS} FROM units WHERE id IN ({marks}) ORDER BY depth", ids)
    return [_unit(r) for r in rows]


async def path_names(db: Database, unit: Unit) -> str:
    return " › ".join(u.name for u in await lineage(db, unit))


def contains(ancestor: Unit, unit_path: str) -> bool:
    return unit_path.startswith(ancestor.path)


async def search(db: Database, within: Unit, query: str, limit: int = 10) -> list[Unit]:
    """Units of the subtree whose folded name contains the folded query, or whose code is it."""
    key = fold(query)
    rows = await db.fetchall(
        f"SELECT {_COLS} FROM units WHERE path >= ? AND path < ? "
        "AND (code = ? OR name_key LIKE ? ESCAPE '\\') ORDER BY depth, name LIMIT ?",
        (within.path, within.path + "\uffff", query.strip(), "%" + _like(key) + "%", limit),
    )
    return [_unit(r) for r in rows]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def import_order(db: Database, within: Unit) -> dict[int, int | None]:
    """Each unit of the subtree's place in the imported list (its line), None if never imported."""
    rows = await db.fetchall("SELECT id, sort_order FROM units WHERE path >= ? AND path < ?",
                             (within.path, within.path + "\uffff"))
    return {r[0]: r[1] for r in rows}


async def upsert(db: Database, code: str, name: str, parent_code: str | None, quota: int | None,
                 sort_order: int | None = None) -> int:
    """Insert or update by code; the caller orders parents before children. Returns the id.
    `sort_order`, the unit's place in an imported list, is kept when not given."""
    parent = await by_code(db, parent_code) if parent_code else None
    if parent_code and parent is None:
        raise LookupError(f"unknown parent unit {parent_code}")
    existing = await by_code(db, code)
    parent_id = parent.id if parent else None
    depth = parent.depth + 1 if parent else 0
    if existing is None:
        unit_id = await db.insert(
            "INSERT INTO units (code, name, name_key, parent_id, quota, path, depth, sort_order) "
            "VALUES (?, ?, ?, ?, ?, '', ?, ?)",
            (code, name, fold(name), parent_id, quota, depth, sort_order),
        )
        path = (parent.path if parent else "/") + f"{unit_id}/"
        await db.execute("UPDATE units SET path = ? WHERE id = ?", (path, unit_id))
        return unit_id
    new_path = (parent.path if parent else "/") + f"{existing.id}/"
    if new_path != existing.path and parent is not None and parent.path.startswith(existing.path):
        raise ValueError(f"unit {code} cannot move below its own descendant {parent_code}")
    await db.execute(
        "UPDATE units SET name = ?, name_key = ?, parent_id = ?, quota = ?, "
        "sort_order = coalesce(?, sort_order) WHERE id = ?",
        (name, fold(name), parent_id, quota, sort_order, existing.id),
    )
    if new_path != existing.path:
        # Moving a unit moves its whole subtree: rewrite every path below it.
        delta = depth - existing.depth
        await db.execute(
            "UPDATE units SET path = ? || substr(path, ?), depth = depth + ? "
            "WHERE path >= ? AND path < ?",
            (new_path, len(existing.path) + 1, delta, existing.path, existing.path + "\uffff"),
        )
    return existing.id
