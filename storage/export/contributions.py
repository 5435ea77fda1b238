"""The workbook's sheets "Đóng góp" (every contribution of the area, in the columns an import
reads back) and "Khen thưởng" (per unit and per person, the figures of an achievement report)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from storage import contributions, progress
from storage.account_links import person_name
from storage.contributions import KIND_NAMES, SOURCE_NAMES, Kind, Sums
from storage.db import Database
from storage.export.rows import UnitPaths, read_ahead
from storage.models import Unit
from storage.sheets import xlsx_stream as xlsx

# The first ten are what `chungtay import contributions` reads: a sheet can be corrected and loaded
# into another campaign's bot as it is.
CONTRIBUTION_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Mã nhà", 14),
    ("Mã đơn vị", 12),
    ("Loại", 11),
    ("Số lượng", 10),
    ("Đơn vị tính", 11),
    ("Giá trị (đồng)", 15),
    ("Nguồn", 28),
    ("Loại nguồn", 18),
    ("Ngày", 11),
    ("Ghi chú", 26),
    ("Số phiếu", 9),
    ("Chủ hộ", 22),
    ("Đơn vị", 32),
    ("Cá nhân", 8),
)
AWARD_UNIT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Mã đơn vị", 12),
    ("Đơn vị", 40),
    ("Chỉ tiêu", 10),
    ("Tập thể được đề nghị", 12),
    ("Cá nhân được đề nghị", 12),
    ("Hoàn thành đúng hạn", 12),
    ("Tỷ lệ đúng hạn", 11),
    ("Tiền huy động (đồng)", 17),
    ("Vật liệu (đồng)", 15),
    ("Ngày công", 10),
)
PERSON_HEADER = ("Người", "Đơn vị", "Ngày công", "Báo cáo được nhận", "Ghi chú")
SUGGESTION = "Gợi ý; Hội đồng thi đua – khen thưởng quyết định"
AWARDS_NOTE = ("Số liệu cho Báo cáo thành tích (Mẫu số 08, Nghị định 98/2023/NĐ-CP). Số được đề nghị "
               "theo chỉ tiêu và cấu hình [awards]; danh sách cá nhân chỉ là gợi ý.")


_T = TypeVar("_T")


@dataclass(frozen=True)
class AwardBasis:
    """What the commendation sheet is judged by; the rules live in the settings, above storage."""

    allowed: Callable[[str, int], int]   # ("collective" | "individual", quota) -> how many
    stage: int                           # the stage houses had to reach
    until: str | None                    # stored UTC end of the deadline's day; None: no deadline
    deadline: str                        # the deadline's name and date, for the title lines


# One unit's own contributions (its houses' and its own), in order, only the columns the sheet
# shows, as plain rows: a province has tens of thousands, and a frozen dataclass of 19 fields each
# cost more than its row's read.
# The source's user is looked up by its key, not joined: PostgreSQL hashed the whole users table
# for each unit's few rows (3 times the time at --scale 0.1, bench/export.py).
_IN_UNIT = (
    "SELECT h.code, u.code, c.kind, c.workdays, c.quantity, c.value, "
    f"coalesce(c.source_name, (SELECT {person_name('su')} FROM users su WHERE su.id = c.source_user)), "
    "c.source_type, c.day, c.description, c.note, c.id, h.household_head, c.source_private "
    "FROM contributions c JOIN units u ON u.id = c.unit_id LEFT JOIN houses h ON h.id = c.house_id "
    "WHERE c.unit_id = ? ORDER BY c.day, c.id"
)


async def contribution_rows(db: Database, unit_ids: Sequence[int],
                            paths: UnitPaths) -> AsyncGenerator[list[xlsx.Cell], None]:
    """Unit by unit, in the summary's order, as the other sheets go; each unit's by date."""
    kinds = {kind: names[0] for kind, names in KIND_NAMES.items()}
    sources = {source: names[0] for source, names in SOURCE_NAMES.items()}
    days: dict[str, str] = {}  # a few hundred days for tens of thousands of rows
    async with contextlib.aclosing(read_ahead(unit_ids, lambda u: db.fetchall(_IN_UNIT, (u,)))) as reads:
        async for unit_id, rows in reads:
            unit_path = paths(unit_id)
            for (house_code, unit_code, kind, workdays, quantity, value, source_name, source_type,
                 stored_day, description, note, number, house_head, private) in rows:
                if kind == Kind.WORKDAYS:
                    amount, measure = workdays, "ngày công"
                elif kind == Kind.MONEY:
                    amount, measure = None, "đồng"
                else:
                    amount, measure = quantity, None
                day = days.get(stored_day)
                if day is None:
                    day = days[stored_day] = date.fromisoformat(stored_day).strftime("%d/%m/%Y")
                yield [house_code, unit_code, kinds[kind], amount, measure, value, source_name,
                       sources[source_type], day, description if kind == Kind.MATERIALS else note, number,
                       house_head, unit_path, "x" if private else None]


def award_note(basis: AwardBasis | None) -> str:
    if basis is None or basis.until is None:
        return AWARDS_NOTE
    return f"{AWARDS_NOTE} Đúng hạn: {basis.deadline}."


async def fill_awards(sheet: xlsx.Sheet, db: Database, lines: Sequence[progress.Line], within: Unit,
                      basis: AwardBasis | None) -> None:
    """The units' table, then the people's under a header of its own."""
    for row in await award_rows(db, lines, within, basis):
        sheet.append(row)
    sheet.append([])
    sheet.append(list(PERSON_HEADER), xlsx.HEADER)
    for row in await person_rows(db, within):
        sheet.append(row)


async def award_rows(db: Database, lines: Sequence[progress.Line], within: Unit,
                     basis: AwardBasis | None) -> list[list[xlsx.Cell]]:
    """One row per unit of the summary, its figures over its whole subtree."""
    by_unit = await _subtree_sums(db, lines, within)
    reached = await _reached_by(db, lines, within, basis) if basis and basis.until else {}
    rows: list[list[xlsx.Cell]] = []
    for line in lines:
        quota, sums = line.quota, by_unit.get(line.unit.id, Sums())
        on_time = reached.get(line.unit.id, 0) if basis and basis.until else None
        rows.append([
            line.unit.code, "    " * (line.unit.depth - within.depth) + line.unit.name, quota,
            basis.allowed("collective", quota) if basis and quota is not None else None,
            basis.allowed("individual", quota) if basis and quota is not None else None,
            on_time, xlsx.Percent(on_time / quota) if on_time is not None and quota else None,
            sums.money, sums.materials, sums.workdays,
        ])
    return rows


async def person_rows(db: Database, within: Unit) -> list[list[xlsx.Cell]]:
    """Everyone with workdays logged or reports accepted in the area, most workdays first."""
    people: dict[int, list[xlsx.Cell]] = {}
    for p in await contributions.top_workers(db, within, 100_000):
        people[p.user_id] = [p.name, p.unit_name, p.count, 0, SUGGESTION]
    for p in await contributions.top_reporters(db, within, 100_000):
        people.setdefault(p.user_id, [p.name, p.unit_name, 0, 0, SUGGESTION])[3] = p.count
    return sorted(people.values(), key=lambda r: (-int(r[2] or 0), -int(r[3] or 0), str(r[0])))


async def _subtree_sums(db: Database, lines: Sequence[progress.Line], within: Unit) -> dict[int, Sums]:
    own = await contributions.unit_sums(db, within)
    return _rolled_up(lines, own, Sums(), lambda a, b: a + b)


async def _reached_by(db: Database, lines: Sequence[progress.Line], within: Unit,
                      basis: AwardBasis) -> dict[int, int]:
    rows = await db.fetchall(
        "SELECT h.unit_id, count(*) FROM units u JOIN houses h ON h.unit_id = u.id "
        "JOIN house_stages s ON s.house_id = h.id AND s.stage = ? AND s.at <= ? "
        "WHERE u.path >= ? AND u.path < ? GROUP BY h.unit_id",
        (basis.stage, basis.until, within.path, within.path + "\uffff"))
    return _rolled_up(lines, {r[0]: r[1] for r in rows}, 0, lambda a, b: a + b)


def _rolled_up(lines: Sequence[progress.Line], own: dict[int, _T], zero: _T,
               add: Callable[[_T, _T], _T]) -> dict[int, _T]:
    """Each unit's own figure plus its descendants', deepest first."""
    totals = dict(own)
    ids = {line.unit.id for line in lines}
    for line in sorted(lines, key=lambda x: -x.unit.depth):
        parent = line.unit.parent_id
        if parent in ids and line.unit.id in totals:
            totals[parent] = add(totals.get(parent, zero), totals[line.unit.id])
    return totals
