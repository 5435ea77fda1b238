"""Every report as a CSV or XLSX file, the form officers forward upward."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.catalog import STAGES, label
from storage.db import Database
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


_SELECT = (
    "SELECT r.id, h.code, h.household_head, h.unit_id, u.code, r.stage, us.display_name, "
    "r.received_at, r.claimed_at, r.lat, r.lon, r.review_state, r.note "
    "FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
    "JOIN users us ON us.id = r.reporter_id WHERE r.id > ?"
)


async def _rows(db: Database, tz: ZoneInfo, within: Unit | None,
                paths: _UnitPaths) -> AsyncIterator[list[Value]]:
    """Report rows in id order, fetched a batch at a time so memory stays bounded."""
    scope = " AND u.path >= ? AND u.path < ?" if within else ""
    scope_params = (within.path, within.path + "\uffff") if within else ()
    after = 0
    while True:
        batch = await db.fetchall(f"{_SELECT}{scope} ORDER BY r.id LIMIT ?",
                                  (after, *scope_params, _BATCH))
        if not batch:
            return
        photos = await _photo_names(db, [r[0] for r in batch])
        for r in batch:
            yield [
                r[0], r[1], r[2], paths(r[3]), r[4], label(STAGES, r[5], "vi"), r[6],
                _received(r[7], tz), _claimed(r[8], tz), r[9], r[10],
                REVIEW_STATES.get(r[11], r[11]), r[12], _PHOTO_SEPARATOR.join(photos.get(r[0], [])),
            ]
        after = batch[-1][0]


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
