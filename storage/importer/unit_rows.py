"""Importing units: codes, names and quotas, and a tree that must hold together with the units
already in the database (every parent known, no cycles), written parents first."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from storage import units
from storage.db import Database
from storage.importer.outcome import ImportResult, RowError, Upsert
from storage.importer.records import UNIT_COLUMNS, RowCheck, Rows, check_file, title
from storage.importer.values import code_key, parse_whole
from storage.sheets.readers import SheetLimits


@dataclass(frozen=True)
class _UnitRow:
    line: int
    code: str
    name: str
    parent_code: str | None
    quota: int | None


def _unit_row(check: RowCheck) -> _UnitRow:
    record = check.record
    check.require("code", "name")
    quota = None
    if record.text("quota"):
        try:
            quota = parse_whole(record.values["quota"])
        except ValueError as exc:
            check.fail("quota", f"'{record.text('quota')}' {exc}")
    return _UnitRow(record.line, record.text("code"), record.text("name"),
                    record.text("parent_code") or None, quota)


def _check_parents(file: Rows[_UnitRow], in_db: dict[str, str | None],
                   errors: list[RowError]) -> dict[str, str | None]:
    """The parent of every unit once the file is applied (file over database), unknowns reported."""
    for record in file.unique:
        parent = record.text("parent_code")
        if parent and code_key(parent) not in file.codes and code_key(parent) not in in_db:
            errors.append(RowError(record.line, f"{title(UNIT_COLUMNS, 'parent_code')}: "
                                                f"unknown unit '{parent}'"))
    parent_of = dict(in_db)
    for key, row in file.valid.items():
        parent_of[key] = code_key(row.parent_code) if row.parent_code else None
    return parent_of


def _cycles(parent_of: dict[str, str | None], starts: Iterable[str]) -> set[str]:
    """Units whose parent chain comes back to themselves."""
    done: set[str] = set()
    looped: set[str] = set()
    for start in starts:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in done and node not in walk:
            walk.append(node)
            node = parent_of[node]
        if node is not None and node in walk:
            looped.update(walk[walk.index(node):])
        done.update(walk)
    return looped


def _report_cycles(rows: dict[str, _UnitRow], parent_of: dict[str, str | None],
                   shown: dict[str, str], errors: list[RowError]) -> None:
    for key in sorted(_cycles(parent_of, rows), key=lambda k: rows[k].line if k in rows else 0):
        if key not in rows:
            continue
        chain = [key]
        node = parent_of[key]
        while node is not None and node != key:
            chain.append(node)
            node = parent_of[node]
        loop = " → ".join(shown[k] for k in [*chain, key])
        errors.append(RowError(rows[key].line, f"{title(UNIT_COLUMNS, 'parent_code')}: the units "
                                               f"form a cycle {loop}"))


def _depth(key: str, parent_of: dict[str, str | None], memo: dict[str, int]) -> int:
    chain: list[str] = []
    node: str | None = key
    while node is not None and node not in memo:
        chain.append(node)
        node = parent_of.get(node)
    depth = -1 if node is None else memo[node]
    for k in reversed(chain):
        depth += 1
        memo[k] = depth
    return memo[key]


async def _units_in_db(db: Database) -> tuple[dict[str, str | None], dict[str, str]]:
    rows = await db.fetchall("SELECT u.code, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id")
    parent_of = {code_key(r[0]): (code_key(r[1]) if r[1] is not None else None) for r in rows}
    return parent_of, {code_key(r[0]): r[0] for r in rows}


def _plan_units(file: Rows[_UnitRow], in_db: dict[str, str | None], shown: dict[str, str],
                errors: list[RowError]) -> list[_UnitRow]:
    """The file's units, parents before children, or [] with the problems added to `errors`."""
    rows = file.valid
    parent_of = _check_parents(file, in_db, errors)
    _report_cycles(rows, parent_of, {**shown, **{k: r.code for k, r in rows.items()}}, errors)
    if errors:
        return []
    memo: dict[str, int] = {}
    return sorted(rows.values(), key=lambda r: (_depth(code_key(r.code), parent_of, memo), r.line))


async def import_units(db: Database, path: Path, *, actor: str = "cli", at: str,
                       limits: SheetLimits | None = None) -> ImportResult:
    """Create or update (by code) every unit of the file, or nothing if any row is wrong."""
    path = Path(path)
    errors: list[RowError] = []
    file = await asyncio.to_thread(check_file, path, UNIT_COLUMNS, limits or SheetLimits(), errors,
                                   _unit_row, keep_records=True)
    # Checked inside the transaction so the database cannot change between check and write.
    async with db.transaction():
        in_db, shown = await _units_in_db(db)
        ordered = _plan_units(file, in_db, shown, errors)

        async def write(row: _UnitRow) -> None:
            await units.upsert(db, row.code, row.name, row.parent_code, row.quota, row.line)

        return await Upsert(db, path, "units", actor, at).all(ordered, in_db, errors, write)
