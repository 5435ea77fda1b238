"""Writing one sheet a row at a time, as CSV or as XLSX, the way officers' Excel reads it back:
dates in their format, Vietnamese intact, and no cell ever run as a formula.

A file is written beside its name and renamed when complete (written_aside), so whoever opens
it sees the whole file or none.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage import private

TIME_FORMAT = "%d/%m/%Y %H:%M"
_XLSX_TIME_FORMAT = "dd/mm/yyyy hh:mm"
# Excel runs a cell that starts with one of these as a formula; notes are typed by anyone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float | datetime | None


# What neither XML 1.0 nor UTF-8 can carry: control characters a note pasted from elsewhere brings,
# and halves of surrogate pairs. One bad note must not stop the campaign's whole export.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def cleaned(text: str) -> str:
    """Text every export can hold: each unwritable character becomes a space, nothing else changes."""
    return _UNWRITABLE.sub(" ", text)


def is_clean(text: str) -> bool:
    """cleaned(text) would be text itself."""
    return _UNWRITABLE.search(text) is None


def defused(text: str) -> str:
    """Text that a spreadsheet shows as typed, never evaluates."""
    text = cleaned(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


@contextlib.contextmanager
def written_aside(out: Path) -> Iterator[Path]:
    """The path to write instead of `out`; it becomes `out` when the block ends, or goes away
    if the block fails."""
    partial = out.with_name(out.name + ".part")
    try:
        yield partial
        os.chmod(partial, private.FILE_MODE)  # names, places and notes of households
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class RowSink(Protocol):
    def write(self, row: list[Value]) -> None: ...
    def close(self) -> None: ...
    def abandon(self) -> None: ...


def open_sink(path: Path, fmt: str, title: str, columns: Sequence[tuple[str, int]]) -> RowSink:
    """A sheet named `title` under a header of `columns` (name, width in characters)."""
    if fmt == "csv":
        return CsvSink(path, [name for name, _ in columns])
    return XlsxSink(path, title, columns)


class CsvSink:
    def __init__(self, path: Path, header: Sequence[str]) -> None:
        # utf-8-sig writes the BOM without which Excel reads the file as ANSI and garbles diacritics.
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(header)

    def write(self, row: list[Value]) -> None:
        self._writer.writerow([self._cell(v) for v in row])

    @staticmethod
    def _cell(value: Value) -> str | int | float:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime(TIME_FORMAT)
        if isinstance(value, str):
            return defused(value)
        return value

    def close(self) -> None:
        self._file.close()

    def abandon(self) -> None:
        self._file.close()


class XlsxSink:
    def __init__(self, path: Path, title: str, columns: Sequence[tuple[str, int]]) -> None:
        self._path = path
        self._width = len(columns)
        # write_only streams rows to disk, so a large export stays in bounded memory.
        self._book = Workbook(write_only=True)
        self._sheet: WriteOnlyWorksheet = self._book.create_sheet(title)
        for i, (_, width) in enumerate(columns, 1):
            self._sheet.column_dimensions[get_column_letter(i)].width = width
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        wrap = Alignment(vertical="top", wrap_text=True)
        self._sheet.append([self._styled(name, bold, wrap) for name, _ in columns])
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
        if isinstance(value, str):
            value = cleaned(value)
            if value.startswith("="):
                # openpyxl would store this as a formula; a note is text, whatever it starts with.
                cell = WriteOnlyCell(self._sheet, value=value)
                cell.data_type = "s"
                return cell
        return value

    def close(self) -> None:
        self._sheet.auto_filter.ref = f"A1:{get_column_letter(self._width)}{self._rows}"
        self._book.save(self._path)

    def abandon(self) -> None:
        with contextlib.suppress(Exception):  # already failing: the first error is the one to show
            self._book.close()
