"""From rows of cells to records by column: the header found wherever officers put it, each
row's values under the column's key, and each row checked against its columns."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from storage.importer.outcome import ImportRejected, RowError
from storage.importer.values import code_key
from storage.sheets.readers import Cell, SheetLimits, SheetUnreadable, cell_text, is_blank, read_cells
from storage.textfold import fold

# Title lines above the header ("DANH SÁCH HỘ ĐƯỢC HỖ TRỢ…") are common in officers' sheets.
_HEADER_SEARCH_ROWS = 10

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Column:
    key: str
    label: str                     # the Vietnamese header officers use
    required: bool
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.label} ({self.key})"

    def names(self) -> set[str]:
        return {_header_key(n) for n in (self.key, self.label, *self.aliases)}


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã", True, ("Mã đơn vị",)),
    Column("name", "Tên đơn vị", True, ("Tên",)),
    Column("parent_code", "Mã đơn vị cha", True, ("Mã cha",)),
    Column("quota", "Chỉ tiêu", False),
)
HOUSE_COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã nhà", True),
    Column("unit_code", "Mã đơn vị", True),
    Column("household_head", "Chủ hộ", True, ("Họ tên chủ hộ",)),
    Column("category", "Đối tượng", True),
    Column("support_type", "Loại hỗ trợ", True, ("Hình thức hỗ trợ",)),
    Column("address", "Địa chỉ", False),
    Column("lat", "Vĩ độ", False),
    Column("lon", "Kinh độ", False),
)


def _header_key(text: str) -> str:
    # "Mã đơn vị cha (*)", "PARENT_CODE", "ma don vi cha:" all name the same column.
    text = text.replace("(*)", " ").replace("_", " ").strip(" *:")
    return fold(text)


def title(columns: Sequence[Column], key: str) -> str:
    return next(c.title for c in columns if c.key == key)


@dataclass(frozen=True)
class Record:
    line: int
    values: dict[str, Cell]        # as read: numbers stay numbers for the numeric columns
    texts: dict[str, str]          # the same, as trimmed text

    def text(self, key: str) -> str:
        return self.texts.get(key, "")


def check_file(path: Path, columns: Sequence[Column], limits: SheetLimits, errors: list[RowError],
               read: Callable[[RowCheck], _Row], *, keep_records: bool = False) -> Rows[_Row]:
    """The file read and checked row by row, as it streams: only the rows read are kept.

    Blocking (parsing a workbook takes a while): run it in a thread, off the bot's event loop.
    """
    try:
        with closing(read_cells(path, limits)) as cells:
            return rows_by_code(_records(cells, columns), columns, errors, read, keep_records)
    except SheetUnreadable as exc:
        # The whole file is refused: the row problems found before this one would only distract.
        raise ImportRejected([RowError(exc.line, exc.reason)]) from exc


def _records(cells: Iterator[list[Cell]], columns: Sequence[Column]) -> Iterator[Record]:
    # The header is looked for among the first non-blank rows, so only those are held back.
    head: list[list[Cell]] = []
    for row in cells:
        head.append(row)
        if sum(1 for r in head if not is_blank(r)) == _HEADER_SEARCH_ROWS:
            break
    header_at, index = _find_header(head, columns)
    found = 0
    for number, row in enumerate(itertools.chain(head[header_at + 1:], cells), header_at + 2):
        if is_blank(row):
            continue
        values = {key: row[i] if i < len(row) else None for key, i in index.items()}
        found += 1
        yield Record(number, values, {key: cell_text(v) for key, v in values.items()})
    if not found:
        raise ImportRejected([RowError(header_at + 2, "no data rows below the header")])


def _find_header(cells: list[list[Cell]], columns: Sequence[Column]) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and where each known column is; extra columns are ignored."""
    candidates = [i for i, row in enumerate(cells) if not is_blank(row)][:_HEADER_SEARCH_ROWS]
    if not candidates:
        raise ImportRejected([RowError(1, "the file is empty")])
    for i in candidates:
        index, problems = _map_header(cells[i], columns)
        if not problems:
            return i, index
        if any(c.required for c in columns if c.key in index):
            # A row naming real columns is the header even if incomplete: report against it.
            raise ImportRejected([RowError(i + 1, p) for p in problems])
    _, problems = _map_header(cells[candidates[0]], columns)
    raise ImportRejected([RowError(candidates[0] + 1, p) for p in problems])


def _map_header(row: Sequence[Cell], columns: Sequence[Column]) -> tuple[dict[str, int], list[str]]:
    index: dict[str, int] = {}
    problems = []
    for i, value in enumerate(row):
        name = _header_key(cell_text(value))
        column = next((c for c in columns if name and name in c.names()), None)
        if column is None:
            continue
        if column.key in index:
            problems.append(f"column {column.title} appears twice (columns {index[column.key] + 1} "
                            f"and {i + 1})")
        else:
            index[column.key] = i
    problems += [f"missing column {c.title}" for c in columns if c.required and c.key not in index]
    return index, problems


class RowCheck:
    """One record being read into a row: each problem is reported against its column."""

    def __init__(self, record: Record, columns: Sequence[Column], errors: list[RowError]) -> None:
        self.record = record
        self._columns = columns
        self._errors = errors
        self._before = len(errors)

    def fail(self, key: str, problem: str) -> None:
        self._errors.append(RowError(self.record.line, f"{title(self._columns, key)}: {problem}"))

    def require(self, *keys: str) -> None:
        for key in keys:
            if not self.record.text(key):
                self.fail(key, "missing value")

    @property
    def passed(self) -> bool:
        return len(self._errors) == self._before


@dataclass(frozen=True)
class Rows(Generic[_Row]):
    valid: dict[str, _Row]         # the rows that read without a problem, by code key
    unique: list[Record]           # every record but those repeating an earlier code, if kept
    codes: set[str]                # every code key the file names, valid row or not


def rows_by_code(records: Iterable[Record], columns: Sequence[Column], errors: list[RowError],
                 read: Callable[[RowCheck], _Row], keep_records: bool = False) -> Rows[_Row]:
    """Each record with a new code read into a row; a row with problems is left out, its
    problems added to `errors`, and so is each repeated code.

    Codes of rows that are wrong otherwise count too, so their children are not also
    reported as having an unknown parent. The records themselves are kept only if asked for.
    """
    first_line: dict[str, int] = {}
    unique: list[Record] = []
    valid: dict[str, _Row] = {}
    for record in records:
        code = record.text("code")
        key = code_key(code)
        if code and key in first_line:
            errors.append(RowError(record.line, f"{title(columns, 'code')}: duplicate code "
                                                f"'{code}' (already on line {first_line[key]})"))
            continue
        if code:
            first_line[key] = record.line
        if keep_records:
            unique.append(record)
        check = RowCheck(record, columns, errors)
        row = read(check)
        if check.passed:
            valid[key] = row
    return Rows(valid, unique, set(first_line))
