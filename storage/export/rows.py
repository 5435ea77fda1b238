"""A report as a row of the export, shared by the flat export and the officers' workbook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from storage.account_links import person_name
from storage.codes import STAGE_NAMES
from storage.db import Database, Row
from storage.export.reasons import flag_text
from storage.sheets.writers import Value

# (header, column width in characters)
REPORT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Số báo cáo", 11),
    ("Mã nhà", 14),
    ("Chủ hộ", 24),
    ("Đơn vị", 32),
    ("Mã đơn vị", 12),
    ("Bước", 24),
    ("Người báo cáo", 24),
    ("Thời gian nhận", 17),
    ("Thời gian chụp ảnh", 18),
    ("Vĩ độ", 11),
    ("Kinh độ", 11),
    ("Trạng thái duyệt", 16),
    ("Lý do trả lại", 22),
    ("Cảnh báo", 22),
    ("Ghi chú", 30),
    ("Ảnh", 34),
)
EXPORT_COLUMNS: list[str] = [name for name, _ in REPORT_COLUMNS]

REVIEW_STATES: dict[str, str] = {
    "accepted": "Đã nhận",
    "pending": "Chờ duyệt",
    "approved": "Đã duyệt",
    "returned": "Trả lại",
}
_PATH_SEPARATOR = " › "
PHOTO_SEPARATOR = "; "
BATCH = 500
_K = TypeVar("_K")
_T = TypeVar("_T")

REPORT_FIELDS = (
    f"SELECT r.id, h.code, h.household_head, h.unit_id, u.code, r.stage, {person_name('us')}, "
    "r.received_at, r.claimed_at, r.lat, r.lon, r.review_state, r.review_reason, r.flag, r.note, "
    "r.evidence_notes "
    "FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
    "JOIN users us ON us.id = r.reporter_id"
)


class UnitPaths:
    """'Tỉnh Sóc Trăng › Huyện Mỹ Tú › Xã Mỹ Hương', built once per unit."""

    def __init__(self, names: dict[int, str], paths: dict[int, str]) -> None:
        self._names = names
        self._paths = paths
        self._cache: dict[int, str] = {}

    @classmethod
    async def load(cls, db: Database) -> UnitPaths:
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


async def read_ahead(keys: Sequence[_K],
                     read: Callable[[_K], Awaitable[_T]]) -> AsyncGenerator[tuple[_K, _T], None]:
    """(key, read(key)) for each key in order, the next key's read already under way while the
    caller writes this one's rows. SQLite reads in its connection's thread and lets go of the GIL
    while it steps, PostgreSQL in its server: the reads overlap the sheet's XML instead of adding
    to it. One read at a time is in flight, on the caller's connection (and its snapshot)."""
    pending: asyncio.Future[_T] | None = None
    try:
        for i, key in enumerate(keys):
            if pending is None:
                pending = asyncio.ensure_future(read(key))
            found = await pending
            pending = None
            if i + 1 < len(keys):
                pending = asyncio.ensure_future(read(keys[i + 1]))
                await asyncio.sleep(0)  # the read reaches its connection before the rows are written
            yield key, found
    finally:
        if pending is not None:  # the caller stopped early: the read is not left running
            pending.cancel()
            await asyncio.wait([pending])  # its end, not its error: the caller's is the one to show
            if not pending.cancelled():
                pending.exception()  # retrieved, so asyncio does not log it as lost


def joined_names(house_code: str, names: list[str]) -> Value:
    """The stored photo names of a report, as the flat export lists them."""
    return PHOTO_SEPARATOR.join(names)


async def report_rows(db: Database, batch: Sequence[Row], tz: ZoneInfo, paths: UnitPaths,
                      photo_cell: Callable[[str, list[str]], Any] = joined_names,
                      photos: dict[int, list[str]] | None = None) -> list[list[Any]]:
    """Export rows of REPORT_FIELDS rows, their photos fetched for the batch at once unless given
    (unit_photo_names); the last cell is what `photo_cell` makes of the house code and the report's
    stored photo names."""
    if photos is None:
        photos = await _photo_names(db, [r[0] for r in batch])
    return [[
        r[0], r[1], r[2], paths(r[3]), r[4], STAGE_NAMES[r[5]][0], r[6],
        local_time(r[7], tz), _camera_time(r[8], tz), r[9], r[10],
        REVIEW_STATES.get(r[11], r[11]), r[12] if r[11] == "returned" else None, flag_text(r[13], r[15]),
        r[14], photo_cell(r[1], photos.get(r[0], [])),
    ] for r in batch]


async def _photo_names(db: Database, report_ids: Sequence[int]) -> dict[int, list[str]]:
    marks = ",".join("?" * len(report_ids))
    rows = await db.fetchall(
        f"SELECT report_id, normalized FROM photos WHERE report_id IN ({marks}) ORDER BY report_id, position",
        list(report_ids),
    )
    return _by_report(rows)


async def unit_photo_names(db: Database, unit_id: int) -> dict[int, list[str]]:
    """The stored photo names of every report of one unit's own houses, each report's in order: one
    read for the unit, where batches of report ids took a read and 500 parameters each."""
    return _by_report(await db.fetchall(
        "SELECT p.report_id, p.normalized FROM houses h JOIN reports r ON r.house_id = h.id "
        "JOIN photos p ON p.report_id = r.id WHERE h.unit_id = ? ORDER BY p.report_id, p.position",
        (unit_id,)))


def _by_report(rows: Sequence[Row]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for report_id, name in rows:
        found.setdefault(report_id, []).append(name)
    return found


def local_time(stamp: str | None, tz: ZoneInfo) -> datetime | str | None:
    """Stored as UTC ISO; shown in the campaign's time zone, since that is the officers' clock."""
    moment = _parse(stamp)
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None)


def _camera_time(stamp: str | None, tz: ZoneInfo) -> datetime | str | None:
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
