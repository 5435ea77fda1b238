"""Reading the sheets officers keep (CSV in any of Excel's encodings and delimiters, or XLSX) into
rows of cells, empty rows included so a row's index + 1 is the line the officer sees."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

Cell = str | int | float | bool | date | datetime | time | None


class SheetUnreadable(Exception):
    """The file cannot be read as a sheet at all; `line` is 0 for the file as a whole."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def read_cells(path: Path) -> list[list[Cell]]:
    """Every row of the file (empty ones too, so list index + 1 is the line number)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise SheetUnreadable(0, f"unsupported file type '{path.suffix or path.name}': "
                             "use .csv (CSV UTF-8) or .xlsx")


def cell_text(value: Cell) -> str:
    """A cell as trimmed NFC text; 40.0 from a spreadsheet reads as '40'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Different Vietnamese keyboards compose letters differently; NFC makes them compare equal.
    return unicodedata.normalize("NFC", str(value)).strip()


def is_blank(row: Sequence[Cell]) -> bool:
    return all(cell_text(v) == "" for v in row)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SheetUnreadable(0, f"cannot read {path.name}: {exc.strerror or exc}") from exc


def _csv_rows(path: Path) -> list[list[Cell]]:
    data = _read_bytes(path)
    text = _decode(data)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))]
    except csv.Error as exc:
        raise SheetUnreadable(0, f"not a readable CSV file: {exc}") from exc


def _decode(data: bytes) -> str:
    # Excel's "Unicode Text" export is UTF-16 with a BOM; everything else must be UTF-8.
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SheetUnreadable(line, (
            "the file is not UTF-8 text, so Vietnamese letters would be garbled; in Excel use "
            "File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)', or save as .xlsx"
        )) from exc


def _sniff(text: str) -> str:
    """The delimiter most used in the header line (Vietnamese-locale Excel saves with ';')."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_rows(path: Path) -> list[list[Cell]]:
    _read_bytes(path)  # a missing or unreadable file gets the same message as for CSV
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetUnreadable(0, f"not a readable .xlsx workbook ({exc.__class__.__name__}); "
                                 "open it in Excel and save it again as .xlsx") from exc
    try:
        sheet = book.worksheets[0]
        # Files written by other tools often carry a wrong <dimension>; without this reset the
        # read-only reader would silently stop at it.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
