"""Loading units and houses from the spreadsheets officers already keep (CSV or XLSX).

A file is read and checked completely before anything is written: an officer fixes every
listed problem in one pass, and a rejected file leaves the database exactly as it was.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import functools
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from storage import audit, houses, units
from storage.codes import CATEGORY_NAMES as CATEGORIES
from storage.codes import SUPPORT_NAMES as SUPPORT
from storage.db import Database
from storage.textfold import fold

Cell = str | int | float | bool | date | datetime | time | None
_Fail = Callable[[str, str], None]  # (column key, problem) -> records a RowError for the row

# Title lines above the header ("DANH SÁCH HỘ ĐƯỢC HỖ TRỢ…") are common in officers' sheets.
_HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class RowError:
    line: int      # as the officer sees it: header is line 1; 0 means the file as a whole
    reason: str


class ImportRejected(Exception):
    """The file has problems; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [f"{len(self.errors)} problem(s), nothing was imported:"]
        lines += [f"  {'file' if e.line == 0 else f'line {e.line}'}: {e.reason}" for e in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class _Column:
    key: str
    label: str                     # the Vietnamese header officers use
    required: bool
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.label} ({self.key})"

    def names(self) -> set[str]:
        return {_header_key(n) for n in (self.key, self.label, *self.aliases)}


UNIT_COLUMNS: tuple[_Column, ...] = (
    _Column("code", "Mã", True, ("Mã đơn vị",)),
    _Column("name", "Tên đơn vị", True, ("Tên",)),
    _Column("parent_code", "Mã đơn vị cha", True, ("Mã cha",)),
    _Column("quota", "Chỉ tiêu", False),
)
HOUSE_COLUMNS: tuple[_Column, ...] = (
    _Column("code", "Mã nhà", True),
    _Column("unit_code", "Mã đơn vị", True),
    _Column("household_head", "Chủ hộ", True, ("Họ tên chủ hộ",)),
    _Column("category", "Đối tượng", True),
    _Column("support_type", "Loại hỗ trợ", True, ("Hình thức hỗ trợ",)),
    _Column("address", "Địa chỉ", False),
    _Column("lat", "Vĩ độ", False),
    _Column("lon", "Kinh độ", False),
)


def _header_key(text: str) -> str:
    # "Mã đơn vị cha (*)", "PARENT_CODE", "ma don vi cha:" all name the same column.
    text = text.replace("(*)", " ").replace("_", " ").strip(" *:")
    return fold(text)


def _title(columns: Sequence[_Column], key: str) -> str:
    return next(c.title for c in columns if c.key == key)


# ---------------------------------------------------------------------------------------------
# Reading the file into rows of cells


@dataclass(frozen=True)
class _Record:
    line: int
    values: dict[str, Cell]        # as read: numbers stay numbers for the numeric columns
    texts: dict[str, str]          # the same, as trimmed text

    def text(self, key: str) -> str:
        return self.texts.get(key, "")


def _read_cells(path: Path) -> list[list[Cell]]:
    """Every row of the file (empty ones too, so list index + 1 is the line number)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise ImportRejected([RowError(0, f"unsupported file type '{path.suffix or path.name}': "
                                      "use .csv (CSV UTF-8) or .xlsx")])


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportRejected([RowError(0, f"cannot read {path.name}: {exc.strerror or exc}")]) from exc


def _csv_rows(path: Path) -> list[list[Cell]]:
    data = _read_bytes(path)
    text = _decode(data)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))]
    except csv.Error as exc:
        raise ImportRejected([RowError(0, f"not a readable CSV file: {exc}")]) from exc


def _decode(data: bytes) -> str:
    # Excel's "Unicode Text" export is UTF-16 with a BOM; everything else must be UTF-8.
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRejected([RowError(line, (
            "the file is not UTF-8 text, so Vietnamese letters would be garbled; in Excel use "
            "File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)', or save as .xlsx"
        ))]) from exc


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
        raise ImportRejected([RowError(0, f"not a readable .xlsx workbook ({exc.__class__.__name__}); "
                                          "open it in Excel and save it again as .xlsx")]) from exc
    try:
        sheet = book.worksheets[0]
        # Files written by other tools often carry a wrong <dimension>; without this reset the
        # read-only reader would silently stop at it.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: Cell) -> str:
    """A cell as trimmed NFC text; 40.0 from a spreadsheet reads as '40'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Different Vietnamese keyboards compose letters differently; NFC makes them compare equal.
    return unicodedata.normalize("NFC", str(value)).strip()


def _is_blank(row: Sequence[Cell]) -> bool:
    return all(_text(v) == "" for v in row)


def _records(cells: list[list[Cell]], columns: Sequence[_Column]) -> list[_Record]:
    header_at, index = _find_header(cells, columns)
    records = []
    for number, row in enumerate(cells[header_at + 1:], header_at + 2):
        if _is_blank(row):
            continue
        values = {key: row[i] if i < len(row) else None for key, i in index.items()}
        records.append(_Record(number, values, {key: _text(v) for key, v in values.items()}))
    if not records:
        raise ImportRejected([RowError(header_at + 2, "no data rows below the header")])
    return records


def _find_header(cells: list[list[Cell]], columns: Sequence[_Column]) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and where each known column is; extra columns are ignored."""
    candidates = [i for i, row in enumerate(cells) if not _is_blank(row)][:_HEADER_SEARCH_ROWS]
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


def _map_header(row: Sequence[Cell], columns: Sequence[_Column]) -> tuple[dict[str, int], list[str]]:
    index: dict[str, int] = {}
    problems = []
    for i, value in enumerate(row):
        name = _header_key(_text(value))
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


async def _load(path: Path, columns: Sequence[_Column]) -> list[_Record]:
    # Parsing a large workbook takes a while: keep it off the event loop the bot runs on.
    cells = await asyncio.to_thread(_read_cells, path)
    return _records(cells, columns)


# ---------------------------------------------------------------------------------------------
# Values


def _code_key(code: str) -> str:
    """Codes compare like the database's COLLATE NOCASE, which folds ASCII letters only."""
    return code.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MAX_WHOLE = 10**9  # far above any quota; stops a typo from overflowing SQLite's integers
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[.,\s])\d{3}(?:(?P=sep)\d{3})*")


def parse_whole(value: Cell) -> int:
    """A non-negative whole number: 120, 120.0, '120', '1.200' or '1,200' (grouped thousands)."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        if not (isinstance(value, int) or value.is_integer()):
            raise ValueError("is not a whole number")
        number = int(value)
    else:
        text = _text(value)
        if re.fullmatch(r"-\s*[\d.,]+", text):
            raise ValueError("is negative")
        if _GROUPED.fullmatch(text):
            text = re.sub(r"\D", "", text)
        if not text.isascii() or not text.isdigit():
            raise ValueError("is not a whole number")
        number = int(text)
    if number < 0:
        raise ValueError("is negative")
    if number > _MAX_WHOLE:
        raise ValueError("is too large")
    return number


def parse_decimal(value: Cell) -> float:
    """A decimal as spreadsheets write it, a comma decimal ('9,60') included."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value)
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
    if not math.isfinite(number):
        raise ValueError("is not a number")
    return number


def _synonyms(table: dict[str, tuple[str, str]], extra: Iterable[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, (vi, en) in table.items():
        for word in (key, vi, en):
            found[_value_key(word)] = key
    for word, key in extra:
        found[_value_key(word)] = key
    return found


@functools.lru_cache(maxsize=256)  # a column of thousands of rows repeats a handful of words
def _value_key(text: str) -> str:
    return fold(text.replace("_", " "))


# storage/codes.py holds the full official wording; officers also type these short forms.
_SHORT_CATEGORY = {"disaster": "Thiên tai", "merit": "Người có công"}
_CATEGORY = _synonyms(CATEGORIES, [(word, key) for key, word in _SHORT_CATEGORY.items()])
_SUPPORT = _synonyms(SUPPORT, [])


def _hint(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1]


_CATEGORY_HINT = _hint([_SHORT_CATEGORY.get(key, vi) for key, (vi, _) in CATEGORIES.items()])
_SUPPORT_HINT = _hint([vi for vi, _ in SUPPORT.values()])


# ---------------------------------------------------------------------------------------------
# Units


@dataclass(frozen=True)
class _UnitRow:
    line: int
    code: str
    name: str
    parent_code: str | None
    quota: int | None


def _unit_row(record: _Record, errors: list[RowError]) -> _UnitRow | None:
    line = record.line
    found = len(errors)
    code, name, parent = record.text("code"), record.text("name"), record.text("parent_code")
    for key, value in (("code", code), ("name", name)):
        if not value:
            errors.append(RowError(line, f"{_title(UNIT_COLUMNS, key)}: missing value"))
    quota = None
    if record.text("quota"):
        try:
            quota = parse_whole(record.values["quota"])
        except ValueError as exc:
            errors.append(RowError(line, f"{_title(UNIT_COLUMNS, 'quota')}: "
                                         f"'{record.text('quota')}' {exc}"))
    if len(errors) > found:
        return None
    return _UnitRow(line, code, name, parent or None, quota)


def _first_seen(records: list[_Record], columns: Sequence[_Column],
                 errors: list[RowError]) -> tuple[list[_Record], dict[str, int]]:
    """Records without a repeated code, and the line of every code in the file.

    Codes of rows that are wrong otherwise count too, so their children are not also
    reported as having an unknown parent.
    """
    first_line: dict[str, int] = {}
    unique = []
    for record in records:
        code = record.text("code")
        key = _code_key(code)
        if code and key in first_line:
            errors.append(RowError(record.line, f"{_title(columns, 'code')}: duplicate code "
                                                f"'{code}' (already on line {first_line[key]})"))
            continue
        if code:
            first_line[key] = record.line
        unique.append(record)
    return unique, first_line


@dataclass(frozen=True)
class _UnitFile:
    rows: dict[str, _UnitRow]          # the valid rows, by code key
    codes: set[str]                    # every code key the file names, valid row or not
    parents: list[tuple[int, str]]     # (line, parent code) of every row that names one


def _parse_units(records: list[_Record], errors: list[RowError]) -> _UnitFile:
    unique, first_line = _first_seen(records, UNIT_COLUMNS, errors)
    rows: dict[str, _UnitRow] = {}
    for record in unique:
        row = _unit_row(record, errors)
        if row is not None:
            rows[_code_key(row.code)] = row
    parents = [(r.line, r.text("parent_code")) for r in unique if r.text("parent_code")]
    return _UnitFile(rows, set(first_line), parents)


def _check_parents(file: _UnitFile, in_db: dict[str, str | None],
                   errors: list[RowError]) -> dict[str, str | None]:
    """The parent of every unit once the file is applied (file over database), unknowns reported."""
    for line, parent in file.parents:
        if _code_key(parent) not in file.codes and _code_key(parent) not in in_db:
            errors.append(RowError(line, f"{_title(UNIT_COLUMNS, 'parent_code')}: unknown unit '{parent}'"))
    parent_of = dict(in_db)
    for key, row in file.rows.items():
        parent_of[key] = _code_key(row.parent_code) if row.parent_code else None
    return parent_of


def _cycles(parent_of: dict[str, str | None], starts: Iterable[str]) -> set[str]:
    """Units whose parent chain comes back to themselves."""
    done: set[str] = set()
    looped: set[str] = set()
    for start in starts:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in done and node not in walk:
            walk.append(node)
            node = parent_of[node]
        if node is not None and node in walk:
            looped.update(walk[walk.index(node):])
        done.update(walk)
    return looped


def _report_cycles(rows: dict[str, _UnitRow], parent_of: dict[str, str | None],
                   shown: dict[str, str], errors: list[RowError]) -> None:
    for key in sorted(_cycles(parent_of, rows), key=lambda k: rows[k].line if k in rows else 0):
        if key not in rows:
            continue
        chain = [key]
        node = parent_of[key]
        while node is not None and node != key:
            chain.append(node)
            node = parent_of[node]
        loop = " → ".join(shown[k] for k in [*chain, key])
        errors.append(RowError(rows[key].line, f"{_title(UNIT_COLUMNS, 'parent_code')}: the units "
                                               f"form a cycle {loop}"))


def _depth(key: str, parent_of: dict[str, str | None], memo: dict[str, int]) -> int:
    chain: list[str] = []
    node: str | None = key
    while node is not None and node not in memo:
        chain.append(node)
        node = parent_of.get(node)
    depth = -1 if node is None else memo[node]
    for k in reversed(chain):
        depth += 1
        memo[k] = depth
    return memo[key]


async def _units_in_db(db: Database) -> tuple[dict[str, str | None], dict[str, str]]:
    rows = await db.fetchall("SELECT u.code, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id")
    parent_of = {_code_key(r[0]): (_code_key(r[1]) if r[1] is not None else None) for r in rows}
    return parent_of, {_code_key(r[0]): r[0] for r in rows}


def _plan_units(file: _UnitFile, in_db: dict[str, str | None], shown: dict[str, str],
                errors: list[RowError]) -> list[_UnitRow]:
    """The file's units, parents before children, or [] with the problems added to `errors`."""
    rows = file.rows
    parent_of = _check_parents(file, in_db, errors)
    _report_cycles(rows, parent_of, {**shown, **{k: r.code for k, r in rows.items()}}, errors)
    if errors:
        return []
    memo: dict[str, int] = {}
    return sorted(rows.values(), key=lambda r: (_depth(_code_key(r.code), parent_of, memo), r.line))


async def import_units(db: Database, path: Path, *, actor: str = "cli", at: str) -> ImportResult:
    """Create or update (by code) every unit of the file, or nothing if any row is wrong."""
    path = Path(path)
    records = await _load(path, UNIT_COLUMNS)
    errors: list[RowError] = []
    file = _parse_units(records, errors)
    # Checked inside the transaction so the database cannot change between check and write.
    async with db.transaction():
        in_db, shown = await _units_in_db(db)
        ordered = _plan_units(file, in_db, shown, errors)
        if errors:
            raise ImportRejected(errors)
        for row in ordered:
            await units.upsert(db, row.code, row.name, row.parent_code, row.quota)
        result = _count(file.rows, in_db)
        await _audit(db, at, "units", path, result, actor)
    return result


def _count(keys: Iterable[str], existing: Container[str]) -> ImportResult:
    created = updated = 0
    for key in keys:
        if key in existing:
            updated += 1
        else:
            created += 1
    return ImportResult(created, updated)


async def _audit(db: Database, at: str, entity: str, path: Path, result: ImportResult, actor: str) -> None:
    await audit.log(db, at, None, "import", entity, path.name,
                    {"created": result.created, "updated": result.updated, "actor": actor})


# ---------------------------------------------------------------------------------------------
# Houses


@dataclass(frozen=True)
class _HouseRow:
    line: int
    code: str
    unit_code: str
    head: str
    category: str
    support: str
    address: str | None
    lat: float | None
    lon: float | None


def _house_row(record: _Record, unit_ids: dict[str, int], errors: list[RowError]) -> _HouseRow | None:
    line = record.line
    found = len(errors)

    def fail(key: str, problem: str) -> None:
        errors.append(RowError(line, f"{_title(HOUSE_COLUMNS, key)}: {problem}"))

    for key in ("code", "unit_code", "household_head", "category", "support_type"):
        if not record.text(key):
            fail(key, "missing value")
    unit_code = record.text("unit_code")
    if unit_code and _code_key(unit_code) not in unit_ids:
        fail("unit_code", f"unknown unit '{unit_code}' (import the units first)")
    category = _lookup(record, "category", _CATEGORY, _CATEGORY_HINT, fail)
    support = _lookup(record, "support_type", _SUPPORT, _SUPPORT_HINT, fail)
    lat, lon = _coordinates(record, fail)
    if len(errors) > found:
        return None
    return _HouseRow(line, record.text("code"), unit_code, record.text("household_head"), category,
                     support, record.text("address") or None, lat, lon)


def _lookup(record: _Record, key: str, synonyms: dict[str, str], hint: str, fail: _Fail) -> str:
    text = record.text(key)
    if not text:
        return ""
    value = synonyms.get(_value_key(text))
    if value is None:
        fail(key, f"unknown value '{text}'; use {hint}")
        return ""
    return value


def _coordinates(record: _Record, fail: _Fail) -> tuple[float | None, float | None]:
    given = {k: record.text(k) for k in ("lat", "lon")}
    if bool(given["lat"]) != bool(given["lon"]):
        missing = "lat" if not given["lat"] else "lon"
        fail(missing, "missing value (give both Vĩ độ and Kinh độ, or neither)")
        return None, None
    if not given["lat"]:
        return None, None
    found: dict[str, float | None] = {}
    for key, limit in (("lat", 90.0), ("lon", 180.0)):
        try:
            number = parse_decimal(record.values[key])
        except ValueError:
            fail(key, f"'{given[key]}' is not a number")
            found[key] = None
            continue
        if not -limit <= number <= limit:
            fail(key, f"'{given[key]}' is outside -{limit:g}..{limit:g}")
        found[key] = number
    return found["lat"], found["lon"]


def _parse_houses(records: list[_Record], unit_ids: dict[str, int],
                  errors: list[RowError]) -> dict[str, _HouseRow]:
    unique, _ = _first_seen(records, HOUSE_COLUMNS, errors)
    rows: dict[str, _HouseRow] = {}
    for record in unique:
        row = _house_row(record, unit_ids, errors)
        if row is not None:
            rows[_code_key(row.code)] = row
    return rows


async def import_houses(db: Database, path: Path, *, actor: str = "cli", at: str) -> ImportResult:
    """Create or update (by code) every house of the file, or nothing if any row is wrong.

    Houses may only name units already in the database: import the units file first.
    """
    path = Path(path)
    records = await _load(path, HOUSE_COLUMNS)
    async with db.transaction():
        # Looked up once for the whole file, not once per row.
        unit_ids = {_code_key(r[0]): r[1] for r in await db.fetchall("SELECT code, id FROM units")}
        existing = {_code_key(r[0]) for r in await db.fetchall("SELECT code FROM houses")}
        errors: list[RowError] = []
        rows = _parse_houses(records, unit_ids, errors)
        if errors:
            raise ImportRejected(errors)
        for row in rows.values():
            await houses.upsert(db, row.code, unit_ids[_code_key(row.unit_code)], row.head, row.category,
                                row.support, row.address, row.lat, row.lon)
        result = _count(rows, existing)
        await _audit(db, at, "houses", path, result, actor)
    return result
