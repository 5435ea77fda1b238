"""Reading the sheets officers keep (CSV in any of Excel's encodings and delimiters, or XLSX) into
rows of cells, empty rows included so a row's number is the line the officer sees.

Rows are streamed, never read whole: a file is refused at its first row past the limits, so the
memory and time an import takes are bounded by the limits, not by what the file claims to hold.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, BinaryIO

from defusedxml import DefusedXmlException
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser

Cell = str | int | float | bool | date | datetime | time | None

DEFAULT_MAX_ROWS = 200_000
# Far beyond the 8 columns a house needs and the notes officers add beside them.
MAX_COLUMNS = 64
# A name or an address is a line; anything longer is not a cell the import could use.
MAX_CELL_CHARS = 5_000
# An XLSX is a zip of XML: what it declares uncompressed, all parts together. 200,000 houses take
# about 60 MB; Python's zipfile never inflates a part past its declared size (the CRC check fails).
MAX_XLSX_BYTES = 256 * 1024 * 1024
_XLSX_HINT = "open it in Excel and save it again as .xlsx"


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int = DEFAULT_MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cell_chars: int = MAX_CELL_CHARS

    @property
    def max_line_bytes(self) -> int:
        # A CSV line holding every column at its longest, in UTF-8's widest letters, with quotes.
        return self.max_columns * (self.max_cell_chars + 3) * 4


class SheetUnreadable(Exception):
    """The file cannot be read as a sheet at all; `line` is 0 for the file as a whole."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def read_cells(path: Path, limits: SheetLimits | None = None) -> Iterator[list[Cell]]:
    """Every row of the file in order, empty ones too (the n-th row is line n).

    A generator: SheetUnreadable comes while iterating, at the first row past a limit.
    """
    limits = limits or SheetLimits()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows: Iterable[Sequence[Cell]] = _csv_rows(path, limits)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path, limits)
    else:
        raise SheetUnreadable(0, f"unsupported file type '{path.suffix or path.name}': "
                                 "use .csv (CSV UTF-8) or .xlsx")
    for line, row in enumerate(rows, 1):
        if line > limits.max_rows:
            raise SheetUnreadable(0, f"more than {limits.max_rows:,} rows (empty rows below the data "
                                     "count too); split the file or raise [import] max_rows")
        yield _checked(line, row, limits)


def _checked(line: int, row: Sequence[Cell], limits: SheetLimits) -> list[Cell]:
    for column, value in enumerate(row, 1):
        if column > limits.max_columns and cell_text(value):
            raise _too_wide(line, column, limits)
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise SheetUnreadable(line, f"column {column} holds {len(value):,} characters; a cell may "
                                        f"hold at most {limits.max_cell_chars:,}")
    return list(row[:limits.max_columns])


def _too_wide(line: int, column: int, limits: SheetLimits) -> SheetUnreadable:
    return SheetUnreadable(line, f"a value in column {column}: the import reads at most "
                                 f"{limits.max_columns} columns; delete the columns past them")


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


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise SheetUnreadable(0, f"cannot read {path.name}: {exc.strerror or exc}") from exc


def _csv_rows(path: Path, limits: SheetLimits) -> Iterator[list[str]]:
    with _open(path) as file:
        # Excel's "Unicode Text" export is UTF-16 with a BOM; everything else must be UTF-8.
        utf16 = file.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        file.seek(0)
        lines = _utf16_lines(file, limits) if utf16 else _utf8_lines(file, limits)
        # The delimiter is read from the first line with anything on it: keep the lines before it.
        before: list[str] = []
        for text in lines:
            before.append(text)
            if text.strip():
                break
        reader = csv.reader(itertools.chain(before, lines), delimiter=_sniff(before[-1] if before else ""))
        try:
            yield from reader
        except csv.Error as exc:
            raise SheetUnreadable(reader.line_num, f"not a readable CSV file: {exc}") from exc


def _not_utf8(line: int) -> SheetUnreadable:
    return SheetUnreadable(line, (
        "the file is not UTF-8 text, so Vietnamese letters would be garbled; in Excel use "
        "File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)', or save as .xlsx"))


def _too_long(line: int, limits: SheetLimits) -> SheetUnreadable:
    return SheetUnreadable(line, f"the line is longer than {limits.max_line_bytes:,} bytes "
                                 f"({limits.max_columns} columns of {limits.max_cell_chars:,} characters)")


def _utf8_lines(file: BinaryIO, limits: SheetLimits) -> Iterator[str]:
    # Decoded a line at a time, so a wrong byte is reported on the line where the officer sees it.
    for line in itertools.count(1):
        data = file.readline(limits.max_line_bytes + 1)
        if not data:
            return
        if len(data) > limits.max_line_bytes:
            raise _too_long(line, limits)
        try:
            yield data.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(line) from exc


def _utf16_lines(file: BinaryIO, limits: SheetLimits) -> Iterator[str]:
    text = io.TextIOWrapper(file, encoding="utf-16", newline="")
    for line in itertools.count(1):
        try:
            data = text.readline(limits.max_line_bytes // 2 + 1)
        except UnicodeDecodeError as exc:
            raise _not_utf8(line) from exc
        if not data:
            return
        if len(data) > limits.max_line_bytes // 2:
            raise _too_long(line, limits)
        yield data


def _sniff(header: str) -> str:
    """The delimiter most used in the header line (Vietnamese-locale Excel saves with ';')."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_zip(path: Path) -> None:
    """Refused before any XML is parsed: a zip that would inflate past MAX_XLSX_BYTES (a zip bomb)."""
    with _open(path) as file:
        try:
            with zipfile.ZipFile(file) as archive:
                declared = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SheetUnreadable(0, f"not a readable .xlsx workbook ({exc.__class__.__name__}); "
                                     f"{_XLSX_HINT}") from exc
    if declared > MAX_XLSX_BYTES:
        raise SheetUnreadable(0, f"the workbook unpacks to {declared // 2**20:,} MB, more than the "
                                 f"{MAX_XLSX_BYTES // 2**20} MB the import reads; split the file")


def _xlsx_unreadable(exc: Exception) -> SheetUnreadable:
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 10:  # openpyxl wraps what the parser raised
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, DefusedXmlException) for c in causes):
        # openpyxl parses with defusedxml when it is installed: entity and DTD declarations (XXE,
        # "billion laughs") are refused instead of expanded or fetched.
        return SheetUnreadable(0, f"the workbook declares XML entities, refused as unsafe; {_XLSX_HINT}")
    return SheetUnreadable(0, f"not a readable .xlsx workbook ({exc.__class__.__name__}); {_XLSX_HINT}")


def _xlsx_rows(path: Path, limits: SheetLimits) -> Iterator[Sequence[Cell]]:
    _check_zip(path)
    # Anything openpyxl raises on a file it cannot parse is that file's fault, not the program's:
    # a broken or hostile workbook gets one line, never a traceback.
    try:
        reader = ExcelReader(str(path), read_only=True, data_only=True)
    except Exception as exc:
        raise _xlsx_unreadable(exc) from exc
    try:
        try:
            source = _first_sheet(reader)
        except SheetUnreadable:
            raise
        except Exception as exc:
            raise _xlsx_unreadable(exc) from exc
        with source:
            yield from _sheet_rows(source, reader, limits)
    finally:
        reader.archive.close()


def _first_sheet(reader: ExcelReader) -> IO[bytes]:
    """The first worksheet's XML, opened after the parts it needs (strings, dates, styles).

    openpyxl's own load_workbook(read_only=True) is not used: where a sheet has no <dimension>,
    it parses every sheet to its end just to size it, however many rows the sheet claims.
    """
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return reader.archive.open(rel.target)
    raise SheetUnreadable(0, f"the workbook has no worksheet; {_XLSX_HINT}")


def _sheet_rows(source: IO[bytes], reader: ExcelReader, limits: SheetLimits) -> Iterator[list[Cell]]:
    wb = reader.wb
    parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    rows = parser.parse()
    line = 0
    while True:
        try:
            number, cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise _xlsx_unreadable(exc) from exc
        # Rows the sheet leaves out are empty lines; read_cells stops these at the row cap too.
        while line + 1 < number:
            line += 1
            yield []
        if line < number:  # as openpyxl does: a row numbered before the one read last is dropped
            line += 1
            yield _xlsx_row(line, cells, limits)


def _xlsx_row(line: int, cells: list[dict[str, Any]], limits: SheetLimits) -> list[Cell]:
    row: list[Cell] = []
    for cell in cells:
        column, value = cell["column"], cell["value"]
        if column > limits.max_columns:
            if cell_text(value):
                raise _too_wide(line, column, limits)
            continue
        row.extend([None] * (column - len(row)))
        row[column - 1] = value
    return row
