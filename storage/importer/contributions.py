"""Importing contributions from the lists the Fatherland Front keeps (CSV or XLSX), with English
keys or Vietnamese headers; the workbook's "Đóng góp" sheet reads back as it is.

As every import: the file is checked whole first, and one bad row refuses it all, every bad row
named; the rows then go in with one audit entry in a single transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from storage import audit, contributions
from storage.contributions import CONFIRM_ABOVE, KIND_NAMES, MAX_WORKDAYS, SOURCE_NAMES, Kind, New
from storage.db import Database
from storage.importer.outcome import ImportRejected, ImportResult, RowError
from storage.importer.records import Column, Record, _records
from storage.importer.values import code_key, value_key
from storage.money import parse_money, parse_workdays
from storage.sheets.readers import Cell, SheetLimits, SheetUnreadable, read_cells

CONTRIBUTION_COLUMNS: tuple[Column, ...] = (
    Column("house_code", "Mã nhà", False),
    Column("unit_code", "Mã đơn vị", False),
    Column("kind", "Loại", True, ("Loại đóng góp",)),
    Column("quantity", "Số lượng", False),
    Column("measure", "Đơn vị tính", False, ("unit_of_measure",)),
    Column("value", "Giá trị (đồng)", False, ("Giá trị", "Số tiền", "amount")),
    Column("source", "Nguồn", False, ("Người đóng góp", "Đơn vị đóng góp")),
    Column("source_type", "Loại nguồn", True),
    Column("date", "Ngày", True, ("day",)),
    Column("note", "Ghi chú", False),
    Column("private", "Cá nhân", False),
)
_KINDS = {value_key(w): k for k, names in KIND_NAMES.items() for w in (k, *names)}
_SOURCES = {value_key(w): k for k, names in SOURCE_NAMES.items() for w in (k, *names)}
_SOURCES.update({"ngan sach": "state", "nsnn": "state", "xhh": "social", "ho gia dinh": "household"})
_YES = {"x", "co", "1", "yes", "true"}


@dataclass(frozen=True)
class Limits:
    start: date      # the campaign's first day
    today: date


def _day(value: Cell, today: date) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split("/")
    if len(parts) == 3 and all(p.isascii() and p.isdigit() for p in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return None
    return None


class _Check:
    def __init__(self, record: Record, errors: list[RowError]) -> None:
        self.record, self.errors, self.ok = record, errors, True

    def fail(self, label: str, problem: str) -> None:
        self.errors.append(RowError(self.record.line, f"{label}: {problem}"))
        self.ok = False

    def text(self, key: str) -> str:
        return self.record.text(key)


def _amount(check: _Check, key: str, label: str) -> int | None:
    value = check.record.values.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0:
            check.fail(label, f"'{check.text(key)}' must be more than 0")
            return None
        if not float(value).is_integer():
            check.fail(label, f"'{check.text(key)}' is not whole đồng")
            return None
        number: int | None = int(value)
    else:
        parsed = parse_money(check.text(key))
        if parsed.value is None:
            check.fail(label, f"'{check.text(key)}' {_MONEY_PROBLEMS[parsed.problem or 'not_money']}")
            return None
        number = parsed.value
    if number is not None and number > CONFIRM_ABOVE:
        check.fail(label, f"'{check.text(key)}' is over 10 billion VND in one entry: check the zeros, "
                          "or record it through the bot, which asks to confirm")
        return None
    return number


_MONEY_PROBLEMS = {
    "empty": "is missing", "not_money": "is not an amount (write 5000000, 5.000.000 or 5 triệu)",
    "ambiguous": "could mean more than one amount (write 5.500.000 or 5,5 triệu)",
    "negative": "must be more than 0", "zero": "must be more than 0",
}


def _row(record: Record, errors: list[RowError], houses: dict[str, tuple[int, int, str]],
         units: dict[str, int], limits: Limits) -> New | None:
    c = _Check(record, errors)
    kind = _KINDS.get(value_key(c.text("kind")))
    if kind is None:
        c.fail("Loại (kind)", f"unknown value '{c.text('kind')}'; use Tiền, Ngày công or Vật liệu")
    source_type = _SOURCES.get(value_key(c.text("source_type")))
    if source_type is None:
        c.fail("Loại nguồn (source_type)", f"unknown value '{c.text('source_type')}'; use Ngân sách nhà "
                                           "nước, Xã hội hóa, Cộng đồng or Hộ gia đình tự làm")
    house_id, unit_id = _target(c, houses, units)
    day = _day(record.values.get("date"), limits.today)
    if day is None:
        c.fail("Ngày (date)", f"'{c.text('date')}' is not a date (write 25/08/2026)")
    elif day > limits.today:
        c.fail("Ngày (date)", f"{day:%d/%m/%Y} has not come yet")
    elif day < limits.start:
        c.fail("Ngày (date)", f"{day:%d/%m/%Y} is before the campaign began ({limits.start:%d/%m/%Y})")
    value = workdays = None
    quantity = None
    if kind == Kind.WORKDAYS:
        days = parse_workdays(c.text("quantity"))
        if days.value is None:
            c.fail("Số lượng (quantity)", f"'{c.text('quantity')}' is not a whole number of workdays above 0")
        elif days.value > MAX_WORKDAYS:
            c.fail("Số lượng (quantity)", f"{days.value} workdays in one entry is more than {MAX_WORKDAYS}")
        workdays = days.value
    elif kind is not None:
        value = _amount(c, "value", "Giá trị (đồng) (value)")
        if kind == Kind.MATERIALS:
            quantity = " ".join(x for x in (c.text("quantity"), c.text("measure")) if x) or None
    if not c.ok or kind is None or source_type is None or unit_id is None or day is None:
        return None
    source = c.text("source") or None
    note = c.text("note") or None
    return New(kind=kind, unit_id=unit_id, house_id=house_id, source_type=source_type, day=day.isoformat(),
               value=value, workdays=workdays, source_name=source,
               private=value_key(c.text("private")) in _YES, quantity=quantity,
               description=note if kind == Kind.MATERIALS else None,
               note=None if kind == Kind.MATERIALS else note)


def _target(c: _Check, houses: dict[str, tuple[int, int, str]],
            units: dict[str, int]) -> tuple[int | None, int | None]:
    house_code, unit_code = c.text("house_code"), c.text("unit_code")
    if not house_code and not unit_code:
        c.fail("Mã nhà (house_code)", "missing value (give Mã nhà or Mã đơn vị)")
        return None, None
    if house_code:
        found = houses.get(code_key(house_code))
        if found is None:
            c.fail("Mã nhà (house_code)", f"unknown house '{house_code}' (import the houses first)")
            return None, None
        if unit_code and code_key(unit_code) != code_key(found[2]):
            c.fail("Mã đơn vị (unit_code)",
                   f"house '{house_code}' is in unit '{found[2]}', not '{unit_code}'")
            return None, None
        return found[0], found[1]
    unit_id = units.get(code_key(unit_code))
    if unit_id is None:
        c.fail("Mã đơn vị (unit_code)", f"unknown unit '{unit_code}' (import the units first)")
    return None, unit_id


def _check(path: Path, limits: SheetLimits, errors: list[RowError], read: Limits,
           houses: dict[str, tuple[int, int, str]], units: dict[str, int]) -> list[New]:
    rows: list[New] = []
    try:
        with closing(read_cells(path, limits)) as cells:
            records: Iterator[Record] = _records(cells, CONTRIBUTION_COLUMNS)
            for record in records:
                row = _row(record, errors, houses, units, read)
                if row is not None:
                    rows.append(row)
    except SheetUnreadable as exc:
        raise ImportRejected([RowError(exc.line, exc.reason)]) from exc
    return rows


async def import_contributions(db: Database, path: Path, *, actor: str = "cli", at: str, start: date,
                               today: date, limits: SheetLimits | None = None) -> ImportResult:
    """Add every contribution of the file, or none if any row is wrong. Contributions have no code
    of their own: importing a file twice records it twice, as giving twice would."""
    path = Path(path)
    houses = {code_key(r[0]): (r[1], r[2], r[3]) for r in await db.fetchall(
        "SELECT h.code, h.id, h.unit_id, u.code FROM houses h JOIN units u ON u.id = h.unit_id")}
    units = {code_key(r[0]): r[1] for r in await db.fetchall("SELECT code, id FROM units")}
    errors: list[RowError] = []
    rows = await asyncio.to_thread(_check, path, limits or SheetLimits(), errors, Limits(start, today),
                                   houses, units)
    if errors:
        raise ImportRejected(errors)
    async with db.transaction():
        await contributions.add_many(db, rows, at, origin=path.name)
        await audit.log(db, at, None, "import", "contributions", path.name,
                        {"created": len(rows), "actor": actor})
    return ImportResult(len(rows), 0)

