"""The workbook writer's quick paths write exactly what its general one does, and the export's
read-ahead hands rows over in order and leaves no read behind."""

from __future__ import annotations

import asyncio
import enum
import errno
import threading
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from storage.export.rows import read_ahead
from storage.sheets import xlsx_stream as xlsx
from storage.sheets.writers import cleaned

TRICKY = [
    "plain", "Nguyễn Văn Hộ", " lead", "trail ", "\tlead tab", "trail\n", "\u00a0nbsp", "nbsp\u00a0",
    "a & b", "<b>", "x > y", "two\nlines", "bell\x07", "nul\x00", "\ufffe", "half \ud800", "quote \"",
    "apostrophe '", "", "photos/N0000001/ab.jpg\nphotos/N0000001/cd.jpg", "a" * 200,
    "Cả nước › Tỉnh Số 1 › Xã Đông Hưng 1-1",
]


class Code(enum.StrEnum):
    A = "a & b"


class Number(enum.IntEnum):
    ONE = 1


def general(sheet: xlsx.Sheet, n: int, values: list[xlsx.Cell]) -> tuple[str, int]:
    """A data row as the writer wrote every cell before its quick paths: _cell, then _lines."""
    parts, lines = [], 1
    for col, width, value in zip(sheet._cols, sheet._fits, values, strict=False):
        if value is not None:
            parts.append(sheet._cell(col, n, value, None))
            lines = xlsx._lines(lines, value, width)
    return "".join(parts), lines


def test_quick_cells_are_written_as_the_general_ones(tmp_path: Path) -> None:
    book = xlsx.Workbook(tmp_path / "book.xlsx")
    sheet = book.sheet("Sheet", [11, 14, 24, 8])
    moment = datetime(2025, 3, 4, 5, 6, 7)
    values: list[xlsx.Cell] = [
        *TRICKY, 0, -5, 10**15, True, False, 1.5, float("nan"), moment, xlsx.Percent(0.25), None,
        Code.A, Number.ONE,
        *(xlsx.Link(text, target) for text in TRICKY[:8] for target in ("photos/a.jpg", "a\"b&c'd")),
    ]
    try:
        for n, start in enumerate(range(0, len(values), 4), start=10):
            row = values[start:start + 4]
            assert sheet._data_cells(n, row) == general(sheet, n, row), row
    finally:
        book.abandon()


def test_links_past_the_sheet_limit_are_quoted_as_before(tmp_path: Path) -> None:
    for text in TRICKY:
        assert xlsx._quoted(text) == '"' + cleaned(text).replace('"', '""') + '"', text
        assert xlsx._attr(text) == quoteattr(text), text


def test_read_ahead_yields_every_read_in_order_and_cancels_the_one_ahead_when_stopped() -> None:
    started: list[int] = []
    finished: list[int] = []

    async def read(key: int) -> str:
        started.append(key)
        await asyncio.sleep(0.01)
        finished.append(key)
        return f"rows of {key}"

    async def run() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        whole = [pair async for pair in read_ahead([1, 2, 3], read)]
        started.clear()
        finished.clear()
        first: list[tuple[int, str]] = []
        reads = read_ahead([4, 5, 6], read)
        async for pair in reads:
            first.append(pair)
            assert started == [4, 5]  # the next read is under way while this one's rows are written
            break
        await reads.aclose()
        return whole, first

    whole, first = asyncio.run(run())
    assert whole == [(1, "rows of 1"), (2, "rows of 2"), (3, "rows of 3")]
    assert first == [(4, "rows of 4")]
    assert started == [4, 5] and finished == [4]  # 5 was cancelled, 6 never started


def test_text_keeps_its_edge_spaces_and_escapes_markup() -> None:
    assert xlsx._text("plain") == "<t>plain</t>"
    assert xlsx._text(" lead") == '<t xml:space="preserve"> lead</t>'
    assert xlsx._text("trail\u00a0") == '<t xml:space="preserve">trail\u00a0</t>'
    assert xlsx._text("two\nlines") == '<t xml:space="preserve">two\nlines</t>'
    assert xlsx._text("a & <b>") == "<t>a &amp; &lt;b&gt;</t>"
    assert xlsx._text("bell\x07") == '<t xml:space="preserve">bell </t>'


def test_a_failed_read_reaches_the_caller_after_the_rows_before_it() -> None:
    started: list[int] = []

    async def read(key: int) -> int:
        started.append(key)
        await asyncio.sleep(0)
        if key == 2:
            raise ValueError("unit 2 unreadable")
        return key

    async def run() -> list[tuple[int, int]]:
        got: list[tuple[int, int]] = []
        try:
            async for pair in read_ahead([1, 2, 3], read):
                got.append(pair)
        except ValueError as exc:
            assert str(exc) == "unit 2 unreadable"
            return got
        raise AssertionError("the failed read was not raised")

    assert asyncio.run(run()) == [(1, 1)]
    assert started == [1, 2]


def test_a_full_disk_is_raised_in_the_writer_and_no_packing_thread_is_left(tmp_path: Path) -> None:
    full = Path("/dev/full")
    if not full.exists():
        return  # Linux's always-full device; nowhere else to run out of space on purpose
    book = xlsx.Workbook(full)
    sheet = book.sheet("Sheet", [10, 10])
    try:
        for i in range(100_000):
            sheet.append([f"row {i} {'x' * 50}", i])
        book.close()
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    else:
        raise AssertionError("a full disk went unnoticed")
    book.abandon()  # closing writes to the full disk again: ignored, the first failure was raised
    assert not [t for t in threading.enumerate() if t.name == "xlsx-deflate"]
