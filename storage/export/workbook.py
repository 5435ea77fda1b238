"""The officers' workbook: a summary by unit, the houses and the reports of one unit's area."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import progress, units
from storage.codes import CATEGORY_NAMES, STAGE_NAMES, SUPPORT_NAMES
from storage.db import Database, Row
from storage.export import contributions as given
from storage.export.rows import (
    REPORT_COLUMNS,
    REPORT_FIELDS,
    UnitPaths,
    local_time,
    read_ahead,
    report_rows,
    unit_photo_names,
)
from storage.models import Unit
from storage.sheets import xlsx_stream as xlsx
from storage.sheets.writers import TIME_FORMAT, Value, written_aside

SUMMARY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Mã đơn vị", 12),
    ("Đơn vị", 44),
    ("Chỉ tiêu", 10),
    ("Số nhà đã lập danh sách", 13),
    ("Chưa khởi công", 11),
    ("Đã khởi công", 11),
    ("Hoàn thành", 11),
    ("Bàn giao", 10),
    ("Tỷ lệ hoàn thành", 12),
    ("Tỷ lệ bàn giao", 12),
)
HOUSE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Mã nhà", 14),
    ("Chủ hộ", 24),
    ("Đơn vị", 32),
    ("Mã đơn vị", 12),
    ("Đối tượng", 28),
    ("Loại hỗ trợ", 12),
    ("Địa chỉ", 30),
    ("Vĩ độ", 11),
    ("Kinh độ", 11),
    ("Bước hiện tại", 24),
    ("Đạt bước lúc", 17),
    ("Báo cáo gần nhất", 17),
)
SUMMARY_NOTE = ("Đã khởi công, Hoàn thành: lũy kế, gồm cả nhà đã qua bước sau. "
                "Tỷ lệ tính trên chỉ tiêu; đơn vị không có chỉ tiêu riêng lấy tổng chỉ tiêu cấp dưới.")


@dataclass(frozen=True)
class WorkbookCounts:
    units: int
    houses: int
    reports: int


# (house code, stored photo name) -> where the photo's link points: a signed URL, or a file path
# relative to the workbook.
PhotoLink = Callable[[str, str], str]
PHOTOS_FOLDER = "photos"
PHOTO_LINES = "\n"  # a photo a line: on paper each name is whole, not cut at the column's edge
# A cell holds one link (Excel's rule), so the photos after a report's first are linked from
# columns of their own after 'Ảnh', as many as the area's report with the most photos needs; they
# are narrow, since the names are already listed in 'Ảnh', and the page stays one page wide.
MORE_PHOTO_WIDTH = 8


def in_photos_folder(house_code: str, name: str) -> str:
    """The photo's place in a `photos/<house code>/` folder beside the workbook."""
    return f"{PHOTOS_FOLDER}/{_folder(house_code)}/{name.rpartition('/')[2]}"


@functools.lru_cache(maxsize=4096)  # a house's reports come together: each code is cleaned once
def _folder(house_code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in house_code).strip(".") or "nha"


async def export_workbook(db: Database, out: Path, tz: ZoneInfo, within: Unit, campaign: str,
                          generated: datetime, photo_link: PhotoLink = in_photos_folder,
                          photos_used: list[tuple[str, str]] | None = None,
                          awards: given.AwardBasis | None = None) -> WorkbookCounts:
    """The .xlsx an officer forwards upward and prints: 'Tổng hợp' (one row per unit of the area,
    the unit itself first, units in the order of the imported list), 'Nhà', 'Báo cáo', 'Đóng góp' and
    'Khen thưởng' (judged by `awards`; storage/export/contributions.py), each
    under the campaign's name and the time it was made, landscape, one page wide, the header row
    on every page.

    Each report's 'Ảnh' cell names its photos as `photos/<house code>/<file>` and links the first
    to `photo_link`'s target; the columns 'Ảnh 2', 'Ảnh 3'… link the others. `photos_used` gets
    every (stored name, name in the cell) pair, for whoever packs the photos beside the workbook.
    Written aside and renamed, like export_reports.
    """
    out = Path(out)
    paths = await UnitPaths.load(db)
    made = generated.astimezone(tz).strftime(TIME_FORMAT)
    above = (campaign, f"Đơn vị: {paths(within.id)} ({within.code})", f"Lập lúc: {made}")
    printed = xlsx.PrintSetup(0, campaign, f"{within.name} · {made}")
    with written_aside(out) as partial:
        book = xlsx.Workbook(partial)
        # One read transaction: the three sheets describe the same moment even while reports arrive.
        snapshot = await db.begin_snapshot()
        try:
            lines = in_import_order(await progress.table(db, within), await units.import_order(db, within))
            sheet = _titled(book, "Tổng hợp", SUMMARY_COLUMNS, [*above, SUMMARY_NOTE], printed)
            for line in lines:
                sheet.append(_summary_row(line, within.depth))
            sheet.filter_from(sheet.rows - len(lines))
            unit_ids = [line.unit.id for line in lines]
            sheet = _titled(book, "Nhà", HOUSE_COLUMNS, above, printed)
            house_count = await _fill(sheet, _house_rows(db, tz, unit_ids, paths))
            photo_cell = _PhotoCells(photo_link, photos_used, await _most_photos(db, within))
            sheet = _titled(book, "Báo cáo", (*REPORT_COLUMNS, *photo_cell.more_columns), above, printed)
            report_count = await _fill(sheet, _unit_report_rows(db, tz, unit_ids, paths, photo_cell))
            sheet = _titled(book, "Đóng góp", given.CONTRIBUTION_COLUMNS, above, printed)
            await _fill(sheet, given.contribution_rows(db, unit_ids, paths))
            sheet = _titled(book, "Khen thưởng", given.AWARD_UNIT_COLUMNS, [*above, given.award_note(awards)],
                            printed)
            await given.fill_awards(sheet, db, lines, within, awards)
            if snapshot:
                await db.end_snapshot()
                snapshot = False
            book.close()
        except BaseException:
            if snapshot:
                await db.end_snapshot()
            with contextlib.suppress(Exception):
                book.abandon()
            raise
    return WorkbookCounts(len(lines), house_count, report_count)


def in_import_order(lines: Sequence[progress.Line], order: dict[int, int | None]) -> list[progress.Line]:
    """The tree's lines with each unit's children in the order of the imported list (the
    province's official order), units with no recorded place after them in their first order."""
    children: dict[int | None, list[progress.Line]] = {}
    for line in lines:
        children.setdefault(line.unit.parent_id, []).append(line)
    place = {line.unit.id: i for i, line in enumerate(lines)}

    def key(line: progress.Line) -> tuple[int, int, int]:
        at = order.get(line.unit.id)
        return (at is None, at or 0, place[line.unit.id])

    ordered: list[progress.Line] = []
    stack = [lines[0]] if lines else []
    while stack:
        line = stack.pop()
        ordered.append(line)
        stack.extend(sorted(children.get(line.unit.id, []), key=key, reverse=True))
    return ordered


def _titled(book: xlsx.Workbook, title: str, columns: Sequence[tuple[str, int]],
            above: Sequence[str], printed: xlsx.PrintSetup) -> xlsx.Sheet:
    """A sheet under title lines, with its bold header kept in view and printed on every page."""
    sheet = book.sheet(title, [width for _, width in columns])
    sheet.freeze_below(len(above) + 2)
    sheet.print_as(dataclasses.replace(printed, repeat_row=len(above) + 2))
    for i, line in enumerate(above):
        sheet.append([line], xlsx.TITLE if i == 0 else xlsx.PLAIN)
    sheet.append([])
    sheet.append([name for name, _ in columns], xlsx.HEADER)
    return sheet


async def _fill(sheet: xlsx.Sheet, rows: AsyncGenerator[Sequence[xlsx.Cell], None]) -> int:
    """Append the rows under the header and filter them; returns how many."""
    count = 0
    async with contextlib.aclosing(rows):  # on a failure, the read under way ends here too
        async for row in rows:
            sheet.append(row)
            count += 1
    sheet.filter_from(sheet.rows - count)
    return count


def _summary_row(line: progress.Line, top_depth: int) -> list[xlsx.Cell]:
    tally, quota = line.tally, line.quota
    # Indented by level so the tree reads in a sheet; the code column keeps it sortable.
    name = "    " * (line.unit.depth - top_depth) + line.unit.name
    return [
        line.unit.code, name, quota, tally.registered, tally.at_stage[0], tally.reached(1),
        tally.reached(2), tally.reached(3),
        xlsx.Percent(tally.reached(2) / quota) if quota else None,
        xlsx.Percent(tally.reached(3) / quota) if quota else None,
    ]


# The workbook goes unit by unit, in the summary's order: each read is an indexed lookup of one
# unit's houses, where a subtree filter on an id-ordered scan would sort the whole area per batch.
_HOUSES = (
    "SELECT h.code, h.household_head, h.unit_id, u.code, h.category, h.support_type, h.address, "
    "h.lat, h.lon, h.stage, h.stage_at, h.last_report_at "
    "FROM houses h JOIN units u ON u.id = h.unit_id WHERE h.unit_id = ? ORDER BY h.code"
)


async def _house_rows(db: Database, tz: ZoneInfo, unit_ids: Sequence[int],
                      paths: UnitPaths) -> AsyncGenerator[list[Value], None]:
    async with contextlib.aclosing(read_ahead(unit_ids, lambda u: db.fetchall(_HOUSES, (u,)))) as reads:
        async for _, rows in reads:
            for r in rows:
                yield [
                    r[0], r[1], paths(r[2]), r[3], CATEGORY_NAMES[r[4]][0], SUPPORT_NAMES[r[5]][0],
                    r[6], r[7], r[8], STAGE_NAMES[r[9]][0], local_time(r[10], tz), local_time(r[11], tz),
                ]


async def _unit_report_rows(db: Database, tz: ZoneInfo, unit_ids: Sequence[int], paths: UnitPaths,
                            photo_cell: _PhotoCells) -> AsyncGenerator[list[xlsx.Cell], None]:
    """Report rows unit by unit, each unit's in id order."""
    async def read(unit_id: int) -> tuple[list[Row], dict[int, list[str]]]:
        rows = await db.fetchall(f"{REPORT_FIELDS} WHERE h.unit_id = ? ORDER BY r.id", (unit_id,))
        return rows, (await unit_photo_names(db, unit_id) if rows else {})

    async with contextlib.aclosing(read_ahead(unit_ids, read)) as reads:
        async for _, (rows, photos) in reads:
            for row in await report_rows(db, rows, tz, paths, photo_cell, photos):
                row[-1:] = row[-1]  # the photo cells, 'Ảnh' and the columns after it
                yield row


async def _most_photos(db: Database, within: Unit) -> int:
    """The most photos any one report of the area has: how many photo columns the sheet needs."""
    found = await db.fetchone(
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM photos p JOIN reports r ON r.id = p.report_id "
        "JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
        "WHERE u.path >= ? AND u.path < ? GROUP BY p.report_id) AS per_report",
        (within.path, within.path + "\uffff"))
    return int(found[0] or 0) if found else 0


class _PhotoCells:
    """The photo cells of a report: 'Ảnh' names every photo in the photos/ folder and links the
    first; 'Ảnh 2', 'Ảnh 3'… link the others, one each."""

    def __init__(self, link: PhotoLink, used: list[tuple[str, str]] | None, most: int) -> None:
        self._link, self._used = link, used
        self.more_columns = tuple((f"Ảnh {n}", MORE_PHOTO_WIDTH) for n in range(2, most + 1))

    def __call__(self, house_code: str, names: list[str]) -> list[xlsx.Cell]:
        cells: list[xlsx.Cell] = [None] * (1 + len(self.more_columns))
        if not names:
            return cells
        shown = [in_photos_folder(house_code, name) for name in names]
        if self._used is not None:
            self._used.extend(zip(names, shown, strict=True))
        # Where the links point into the folder, they are the names just made.
        targets = shown if self._link is in_photos_folder else [self._link(house_code, n) for n in names]
        cells[0] = xlsx.Link(PHOTO_LINES.join(shown), targets[0])
        for n, target in enumerate(targets[1:len(cells)], start=2):
            cells[n - 1] = xlsx.Link(f"Ảnh {n}", target)
        return cells
