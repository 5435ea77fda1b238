"""Every report as a CSV or XLSX file, the form officers forward upward."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage import progress, xlsx
from storage.account_links import person_name
from storage.codes import CATEGORY_NAMES, STAGE_NAMES, SUPPORT_NAMES
from storage.db import Database, Row
from storage.models import Unit

# (header, column width in characters)
_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Số báo cáo", 11),
    ("Mã nhà", 14),
    ("Chủ hộ", 24),
    ("Đơn vị", 48),
    ("Mã đơn vị", 12),
    ("Bước", 24),
    ("Người báo cáo", 24),
    ("Thời gian nhận", 17),
    ("Thời gian chụp ảnh", 18),
    ("Vĩ độ", 11),
    ("Kinh độ", 11),
    ("Trạng thái duyệt", 16),
    ("Ghi chú", 40),
    ("Ảnh", 60),
)
EXPORT_COLUMNS: list[str] = [name for name, _ in _COLUMNS]

REVIEW_STATES: dict[str, str] = {
    "accepted": "Đã nhận",
    "pending": "Chờ duyệt",
    "approved": "Đã duyệt",
    "returned": "Trả lại",
}
TIME_FORMAT = "%d/%m/%Y %H:%M"
_XLSX_TIME_FORMAT = "dd/mm/yyyy hh:mm"
_PATH_SEPARATOR = " › "
_PHOTO_SEPARATOR = "; "
_BATCH = 500
# Excel runs a cell that starts with one of these as a formula; notes are typed by anyone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float | datetime | None


async def export_reports(db: Database, out: Path, fmt: str, tz: ZoneInfo, within: Unit | None = None) -> int:
    """Write every report (of `within`'s subtree, if given) ordered by id; returns how many.

    The file appears complete or not at all: it is written beside `out` and renamed at the end.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}: use csv or xlsx")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    sink: _Sink = _CsvSink(partial) if fmt == "csv" else _XlsxSink(partial)
    count = 0
    try:
        paths = await _UnitPaths.load(db)
        async for row in _rows(db, tz, within, paths):
            sink.write(row)
            count += 1
        sink.close()
        os.replace(partial, out)
    except BaseException:
        sink.abandon()
        partial.unlink(missing_ok=True)
        raise
    return count


# ---------------------------------------------------------------------------------------------
# Rows


class _UnitPaths:
    """'Tỉnh Sóc Trăng › Huyện Mỹ Tú › Xã Mỹ Hương', built once per unit."""

    def __init__(self, names: dict[int, str], paths: dict[int, str]) -> None:
        self._names = names
        self._paths = paths
        self._cache: dict[int, str] = {}

    @classmethod
    async def load(cls, db: Database) -> _UnitPaths:
        # A campaign has at most a few thousand units: one query beats one lineage query per row.
        rows = await db.fetchall("SELECT id, name, path FROM units")
        return cls({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})

    def __call__(self, unit_id: int) -> str:
        found = self._cache.get(unit_id)
        if found is None:
            ids = [int(x) for x in self._paths[unit_id].strip("/").split("/") if x]
            found = _PATH_SEPARATOR.join(self._names[i] for i in ids)
            self._cache[unit_id] = found
        return found


_REPORT_FIELDS = (
    f"SELECT r.id, h.code, h.household_head, h.unit_id, u.code, r.stage, {person_name('us')}, "
    "r.received_at, r.claimed_at, r.lat, r.lon, r.review_state, r.note "
    "FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
    "JOIN users us ON us.id = r.reporter_id"
)
_SELECT = _REPORT_FIELDS + " WHERE r.id > ?"


async def _rows(db: Database, tz: ZoneInfo, within: Unit | None,
                paths: _UnitPaths) -> AsyncIterator[list[Value]]:
    """Report rows in id order, fetched a batch at a time so memory stays bounded."""
    if within is not None:
        async for row in _rows_within(db, tz, within, paths):
            yield row
        return
    after = 0
    while True:
        batch = await db.fetchall(f"{_SELECT} ORDER BY r.id LIMIT ?", (after, _BATCH))
        if not batch:
            return
        photos = await _photo_names(db, [r[0] for r in batch])
        for r in batch:
            yield _report_row(r, photos, tz, paths)
        after = batch[-1][0]


async def _rows_within(db: Database, tz: ZoneInfo, within: Unit,
                       paths: _UnitPaths) -> AsyncIterator[list[Value]]:
    # Walking all reports in id order and dropping those outside the subtree reads the whole
    # country's for one province (7.8 s for 97k of 1.5M rows). The subtree's report ids, found
    # through its houses, are a few bytes each even for the largest province.
    ids = sorted(r[0] for r in await db.fetchall(
        "SELECT r.id FROM units u JOIN houses h ON h.unit_id = u.id JOIN reports r ON r.house_id = h.id "
        "WHERE u.path >= ? AND u.path < ?", (within.path, within.path + "\uffff")))
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        marks = ",".join("?" * len(chunk))
        batch = await db.fetchall(f"{_REPORT_FIELDS} WHERE r.id IN ({marks}) ORDER BY r.id", chunk)
        photos = await _photo_names(db, chunk)
        for r in batch:
            yield _report_row(r, photos, tz, paths)


def _report_row(r: Row, photos: dict[int, list[str]], tz: ZoneInfo, paths: _UnitPaths) -> list[Value]:
    return [
        r[0], r[1], r[2], paths(r[3]), r[4], STAGE_NAMES[r[5]][0], r[6],
        _received(r[7], tz), _claimed(r[8], tz), r[9], r[10],
        REVIEW_STATES.get(r[11], r[11]), r[12], _PHOTO_SEPARATOR.join(photos.get(r[0], [])),
    ]


async def _photo_names(db: Database, report_ids: Sequence[int]) -> dict[int, list[str]]:
    marks = ",".join("?" * len(report_ids))
    rows = await db.fetchall(
        f"SELECT report_id, normalized FROM photos WHERE report_id IN ({marks}) ORDER BY report_id, position",
        list(report_ids),
    )
    found: dict[int, list[str]] = {}
    for report_id, name in rows:
        found.setdefault(report_id, []).append(name)
    return found


def _received(stamp: str | None, tz: ZoneInfo) -> datetime | str | None:
    """Stored as UTC ISO; shown in the campaign's time zone, since that is the officers' clock."""
    moment = _parse(stamp)
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None)


def _claimed(stamp: str | None, tz: ZoneInfo) -> datetime | str | None:
    """The camera's own clock, with no zone: shown as the camera wrote it."""
    moment = _parse(stamp)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(tz).replace(tzinfo=None)
    return moment


def _parse(stamp: str | None) -> datetime | str | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # shown as stored rather than lost


def _defused(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------------------------------------
# Files


class _Sink(Protocol):
    def write(self, row: list[Value]) -> None: ...
    def close(self) -> None: ...
    def abandon(self) -> None: ...


class _CsvSink:
    def __init__(self, path: Path) -> None:
        # utf-8-sig writes the BOM without which Excel reads the file as ANSI and garbles diacritics.
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(EXPORT_COLUMNS)

    def write(self, row: list[Value]) -> None:
        self._writer.writerow([self._cell(v) for v in row])

    @staticmethod
    def _cell(value: Value) -> str | int | float:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime(TIME_FORMAT)
        if isinstance(value, str):
            return _defused(value)
        return value

    def close(self) -> None:
        self._file.close()

    def abandon(self) -> None:
        self._file.close()


class _XlsxSink:
    def __init__(self, path: Path) -> None:
        self._path = path
        # write_only streams rows to disk, so a large export stays in bounded memory.
        self._book = Workbook(write_only=True)
        self._sheet: WriteOnlyWorksheet = self._book.create_sheet("Báo cáo")
        for i, (_, width) in enumerate(_COLUMNS, 1):
            self._sheet.column_dimensions[get_column_letter(i)].width = width
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        wrap = Alignment(vertical="top", wrap_text=True)
        self._sheet.append([self._styled(name, bold, wrap) for name in EXPORT_COLUMNS])
        self._rows = 1

    def _styled(self, value: str, font: Font, alignment: Alignment) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value=value)
        cell.font = font
        cell.alignment = alignment
        return cell

    def write(self, row: list[Value]) -> None:
        self._sheet.append([self._cell(v) for v in row])
        self._rows += 1

    def _cell(self, value: Value) -> WriteOnlyCell | Value:
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.number_format = _XLSX_TIME_FORMAT
            return cell
        if isinstance(value, str) and value.startswith("="):
            # openpyxl would store this as a formula; a note is text, whatever it starts with.
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def close(self) -> None:
        self._sheet.auto_filter.ref = f"A1:{get_column_letter(len(_COLUMNS))}{self._rows}"
        self._book.save(self._path)

    def abandon(self) -> None:
        with contextlib.suppress(Exception):  # already failing: the first error is the one to show
            self._book.close()


# ---------------------------------------------------------------------------------------------
# The officers' workbook: a summary by unit, the houses and the reports of one unit's area


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
    ("Đơn vị", 48),
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


async def export_workbook(db: Database, out: Path, tz: ZoneInfo, within: Unit, campaign: str,
                          generated: datetime, photo_root: Path | None = None) -> WorkbookCounts:
    """The .xlsx an officer forwards upward: 'Tổng hợp' (one row per unit of the area, the unit
    itself first), 'Nhà' and 'Báo cáo', each under the campaign's name and the time it was made.

    With `photo_root` (the media folder), each report's photo names link to the first photo's
    file, relative to where the workbook is written. Written aside and renamed, like export_reports.
    """
    out = Path(out)
    partial = out.with_name(out.name + ".part")
    paths = await _UnitPaths.load(db)
    above = (campaign, f"Đơn vị: {paths(within.id)} ({within.code})",
             f"Lập lúc: {generated.astimezone(tz).strftime(TIME_FORMAT)}")
    book = xlsx.Workbook(partial)
    # One read transaction: the three sheets describe the same moment even while reports arrive.
    snapshot = not db.conn.in_transaction
    if snapshot:
        await db.execute("BEGIN")
    try:
        lines = await progress.table(db, within)
        sheet = _titled(book, "Tổng hợp", SUMMARY_COLUMNS, [*above, SUMMARY_NOTE])
        for line in lines:
            sheet.append(_summary_row(line, within.depth))
        sheet.filter_from(sheet.rows - len(lines))
        unit_ids = [line.unit.id for line in lines]
        sheet = _titled(book, "Nhà", HOUSE_COLUMNS, above)
        house_count = 0
        async for row in _house_rows(db, tz, unit_ids, paths):
            sheet.append(row)
            house_count += 1
        sheet.filter_from(sheet.rows - house_count)
        sheet = _titled(book, "Báo cáo", _COLUMNS, above)
        report_count = 0
        links = _PhotoLinks(photo_root, out.parent) if photo_root else None
        async for row in _unit_report_rows(db, tz, unit_ids, paths):
            if links is not None:
                row[-1] = links.cell(row[-1])
            sheet.append(row)
            report_count += 1
        sheet.filter_from(sheet.rows - report_count)
        if snapshot:
            await db.execute("COMMIT")
            snapshot = False
        book.close()
        os.replace(partial, out)
    except BaseException:
        if snapshot:
            await db.execute("ROLLBACK")
        with contextlib.suppress(Exception):
            book.abandon()
        partial.unlink(missing_ok=True)
        raise
    return WorkbookCounts(len(lines), house_count, report_count)


def _titled(book: xlsx.Workbook, title: str, columns: Sequence[tuple[str, int]],
            above: Sequence[str]) -> xlsx.Sheet:
    """A sheet under title lines, with its bold header kept in view."""
    sheet = book.sheet(title, [width for _, width in columns])
    sheet.freeze_below(len(above) + 2)
    for i, line in enumerate(above):
        sheet.append([line], xlsx.TITLE if i == 0 else None)
    sheet.append([])
    sheet.append([name for name, _ in columns], xlsx.HEADER)
    return sheet


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
                      paths: _UnitPaths) -> AsyncIterator[list[Value]]:
    for unit_id in unit_ids:
        for r in await db.fetchall(_HOUSES, (unit_id,)):
            yield [
                r[0], r[1], paths(r[2]), r[3], CATEGORY_NAMES[r[4]][0], SUPPORT_NAMES[r[5]][0],
                r[6], r[7], r[8], STAGE_NAMES[r[9]][0], _received(r[10], tz), _received(r[11], tz),
            ]


async def _unit_report_rows(db: Database, tz: ZoneInfo, unit_ids: Sequence[int],
                            paths: _UnitPaths) -> AsyncIterator[list[Value]]:
    """Report rows unit by unit, each unit's in id order."""
    for unit_id in unit_ids:
        rows = await db.fetchall(f"{_REPORT_FIELDS} WHERE h.unit_id = ? ORDER BY r.id", (unit_id,))
        for start in range(0, len(rows), _BATCH):
            batch = rows[start:start + _BATCH]
            photos = await _photo_names(db, [r[0] for r in batch])
            for r in batch:
                yield _report_row(r, photos, tz, paths)


class _PhotoLinks:
    """The 'Ảnh' cell as a link to the first photo's file, for whoever opens the workbook beside
    the media folder (an admin on the server); the names stay readable for everyone else."""

    def __init__(self, root: Path, base: Path) -> None:
        self._prefix = Path(os.path.relpath(root.resolve(), base.resolve()))

    def cell(self, names: Value) -> xlsx.Cell:
        if not isinstance(names, str) or not names:
            return names
        first = names.split(_PHOTO_SEPARATOR, 1)[0]
        return xlsx.Link(names, (self._prefix / first).as_posix())
