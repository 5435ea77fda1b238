"""Importing houses: each under a unit already in the database, its category and support type
read from the words officers use, its position given whole or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.importer.outcome import ImportRejected, ImportResult, RowError
from storage.importer.records import HOUSE_COLUMNS, RowCheck, check_file
from storage.importer.staging import write_houses
from storage.importer.values import (
    CATEGORY,
    CATEGORY_HINT,
    SUPPORT_HINT,
    SUPPORT_TYPE,
    code_key,
    parse_decimal,
    value_key,
)
from storage.sheets.readers import SheetLimits
from storage.textfold import fold


@dataclass(frozen=True, slots=True)  # up to [import] max_rows of them at once
class _HouseRow:
    line: int
    code: str
    unit_code: str
    head: str
    category: str
    support: str
    address: str | None
    lat: float | None
    lon: float | None


def _house_reader(unit_ids: dict[str, int]) -> Callable[[RowCheck], _HouseRow]:
    def read(check: RowCheck) -> _HouseRow:
        record = check.record
        check.require("code", "unit_code", "household_head", "category", "support_type")
        unit_code = record.text("unit_code")
        if unit_code and code_key(unit_code) not in unit_ids:
            check.fail("unit_code", f"unknown unit '{unit_code}' (import the units first)")
        category = _lookup(check, "category", CATEGORY, CATEGORY_HINT)
        support = _lookup(check, "support_type", SUPPORT_TYPE, SUPPORT_HINT)
        lat, lon = _coordinates(check)
        return _HouseRow(record.line, record.text("code"), unit_code, record.text("household_head"),
                         category, support, record.text("address") or None, lat, lon)
    return read


def _lookup(check: RowCheck, key: str, synonyms: dict[str, str], hint: str) -> str:
    text = check.record.text(key)
    if not text:
        return ""
    value = synonyms.get(value_key(text))
    if value is None:
        check.fail(key, f"unknown value '{text}'; use {hint}")
        return ""
    return value


def _coordinates(check: RowCheck) -> tuple[float | None, float | None]:
    record = check.record
    given = {k: record.text(k) for k in ("lat", "lon")}
    if bool(given["lat"]) != bool(given["lon"]):
        missing = "lat" if not given["lat"] else "lon"
        check.fail(missing, "missing value (give both Vĩ độ and Kinh độ, or neither)")
        return None, None
    if not given["lat"]:
        return None, None
    found: dict[str, float | None] = {}
    for key, limit in (("lat", 90.0), ("lon", 180.0)):
        try:
            number = parse_decimal(record.values[key])
        except ValueError:
            check.fail(key, f"'{given[key]}' is not a number")
            found[key] = None
            continue
        if not -limit <= number <= limit:
            check.fail(key, f"'{given[key]}' is outside -{limit:g}..{limit:g}")
        found[key] = number
    return found["lat"], found["lon"]


async def import_houses(db: Database, path: Path, *, actor: str = "cli", at: str,
                        limits: SheetLimits | None = None) -> ImportResult:
    """Create or update (by code) every house of the file, or nothing if any row is wrong.

    Houses may only name units already in the database: import the units file first. The file is
    checked completely before anything is written; writing then holds the write lock only briefly
    (staging.py), so the bot keeps answering during a large import.
    """
    path = Path(path)
    # Read outside any transaction (WAL: a snapshot, no lock). Units are never deleted, and the
    # houses' foreign key would refuse the final write if one were.
    unit_ids = {code_key(r[0]): r[1] for r in await db.fetchall("SELECT code, id FROM units")}
    errors: list[RowError] = []
    file = await asyncio.to_thread(check_file, path, HOUSE_COLUMNS, limits or SheetLimits(), errors,
                                   _house_reader(unit_ids))
    if errors:
        raise ImportRejected(errors)
    rows = ((r.code, unit_ids[code_key(r.unit_code)], r.head, fold(r.head), r.category, r.support,
             r.address, r.lat, r.lon) for r in file.valid.values())
    return await write_houses(db, path, rows, actor=actor, at=at)
