"""Contributions: money, workdays and materials given for the houses, recorded, corrected, summed.

Sums over an area come from contribution_sums (014_contributions.sql), kept by triggers, so
/tiendo reads one row per unit and source type of the subtree, never one per contribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.account_links import person_name
from storage.db import Database, Row
from storage.models import Unit


class Kind(StrEnum):
    MONEY = "money"
    WORKDAYS = "workdays"
    MATERIALS = "materials"


class Source(StrEnum):
    STATE = "state"            # ngân sách nhà nước
    SOCIAL = "social"          # xã hội hóa: businesses, agencies, donors
    COMMUNITY = "community"    # cộng đồng: neighbours, unions, volunteers
    HOUSEHOLD = "household"    # hộ gia đình tự làm


# The words the plans and the Fatherland Front's lists use, which files (import, workbook) use too.
KIND_NAMES: dict[str, tuple[str, str]] = {
    Kind.MONEY: ("Tiền", "Money"),
    Kind.WORKDAYS: ("Ngày công", "Workdays"),
    Kind.MATERIALS: ("Vật liệu", "Materials"),
}
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    Source.STATE: ("Ngân sách nhà nước", "State budget"),
    Source.SOCIAL: ("Xã hội hóa", "Social mobilisation"),
    Source.COMMUNITY: ("Cộng đồng", "Community"),
    Source.HOUSEHOLD: ("Hộ gia đình tự làm", "The household itself"),
}
# Amounts in VND above which one entry is asked about twice (three zeros too many is the usual slip).
CONFIRM_ABOVE = 10_000_000_000
MAX_WORKDAYS = 10_000      # person-days in one entry; more is a typing slip, not a gift


@dataclass(frozen=True)
class Contribution:
    id: int
    kind: str
    unit_id: int
    house_id: int | None
    source_type: str
    source_user: int | None
    source_name: str | None     # the named source, or the bot user's name
    private: bool
    value: int | None
    workdays: int | None
    quantity: str | None
    description: str | None
    day: str
    note: str | None
    unit_path: str
    house_code: str | None
    unit_name: str
    house_head: str | None
    unit_code: str


@dataclass(frozen=True)
class New:
    """What a contribution is made of, before it has a number."""

    kind: str
    unit_id: int
    house_id: int | None
    source_type: str
    day: str
    value: int | None = None
    workdays: int | None = None
    source_user: int | None = None
    source_name: str | None = None
    private: bool = False
    quantity: str | None = None
    description: str | None = None
    note: str | None = None
    photo: str | None = None


_FIELDS = ("kind, unit_id, house_id, source_type, source_user, source_name, source_private, value, "
           "workdays, quantity, description, day, note, photo, entered_by, entered_at, origin")


def _row(new: New, entered_by: int | None, at: str, origin: str) -> tuple[object, ...]:
    return (new.kind, new.unit_id, new.house_id, new.source_type, new.source_user, new.source_name,
            int(new.private), new.value, new.workdays, new.quantity, new.description, new.day,
            new.note, new.photo, entered_by, at, origin)


async def add(db: Database, new: New, entered_by: int | None, at: str, origin: str = "bot") -> int:
    """Record one contribution; its id is the receipt number."""
    marks = ", ".join("?" * 17)
    return await db.insert(f"INSERT INTO contributions ({_FIELDS}) VALUES ({marks})",
                           _row(new, entered_by, at, origin))


async def add_many(db: Database, rows: list[New], at: str, origin: str) -> None:
    marks = ", ".join("?" * 17)
    await db.executemany(f"INSERT INTO contributions ({_FIELDS}) VALUES ({marks})",
                         [_row(r, None, at, origin) for r in rows])


_SELECT = (
    "SELECT c.id, c.kind, c.unit_id, c.house_id, c.source_type, c.source_user, "
    f"coalesce(c.source_name, {person_name('su')}), c.source_private, c.value, c.workdays, c.quantity, "
    "c.description, c.day, c.note, u.path, h.code, u.name, h.household_head, u.code "
    "FROM contributions c JOIN units u ON u.id = c.unit_id LEFT JOIN houses h ON h.id = c.house_id "
    "LEFT JOIN users su ON su.id = c.source_user"
)


def _contribution(r: Row) -> Contribution:
    return Contribution(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], r[10], r[11],
                        r[12], r[13], r[14], r[15], r[16], r[17], r[18])


async def get(db: Database, number: int, within: Unit) -> Contribution | None:
    """A contribution of the area; one outside it is not found, as if it did not exist."""
    return await db.fetch_as(_contribution, f"{_SELECT} WHERE c.id = ? AND u.path >= ? AND u.path < ?",
                             (number, within.path, within.path + "\uffff"))


async def correct(db: Database, number: int, value: int | None, workdays: int | None) -> None:
    """The new amount; the caller writes the old one to the audit log in the same transaction."""
    await db.execute("UPDATE contributions SET value = ?, workdays = ? WHERE id = ?",
                     (value, workdays, number))


async def for_house(db: Database, house_id: int) -> list[Contribution]:
    rows = await db.fetchall(f"{_SELECT} WHERE c.house_id = ? ORDER BY c.day, c.id", (house_id,))
    return [_contribution(r) for r in rows]


@dataclass(frozen=True)
class Sums:
    money: int = 0
    materials: int = 0
    workdays: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.money + other.money, self.materials + other.materials,
                    self.workdays + other.workdays)

    @property
    def value(self) -> int:
        """Money and materials' estimated value: what counts against a house's standard support."""
        return self.money + self.materials


def total(parts: dict[str, Sums]) -> Sums:
    out = Sums()
    for part in parts.values():
        out = out + part
    return out


def _sums(r: Row) -> Sums:
    # PostgreSQL's sum() of BIGINT money is numeric (a Decimal); SQLite's an int.
    return Sums(int(r[1]), int(r[2]), int(r[3]))


_TYPES = "source_type IN ('state', 'social', 'community', 'household')"


async def area_sums(db: Database, unit: Unit) -> dict[str, Sums]:
    """By source type, over the unit and everything below it: four range reads of the rollup."""
    # The whole tree (the country) when no other unit is a root: every row of the rollup, read
    # without comparing each one's path with the range, which was half of PostgreSQL's time for the
    # country's 13,000 rows (the test is made once per statement, not once per row). Below the
    # root: a range read per source type.
    bounds: tuple[object, ...] = (unit.path, unit.path + "\uffff")
    where = f"{_TYPES} AND path >= ?1 AND path < ?2"
    if unit.parent_id is None:
        where = ("NOT EXISTS (SELECT 1 FROM units WHERE parent_id IS NULL AND id <> ?3) "
                 "OR (path >= ?1 AND path < ?2)")
        bounds = (*bounds, unit.id)
    rows = await db.fetchall(
        f"SELECT source_type, sum(money), sum(materials), sum(workdays) FROM contribution_sums WHERE {where} "
        "GROUP BY source_type", bounds)
    return {r[0]: _sums(r) for r in rows if r[1] or r[2] or r[3]}


async def child_sums(db: Database, unit: Unit) -> dict[int, Sums]:
    """Per child of `unit` (its id; 0 for what went to the unit itself), all source types."""
    start = len(unit.path) + 1
    rows = await db.fetchall(
        "SELECT CAST('0' || substr(path, ?1, instr(substr(path, ?1) || '/', '/') - 1) AS INTEGER) AS child, "
        f"sum(money), sum(materials), sum(workdays) FROM contribution_sums WHERE {_TYPES} "
        "AND path >= ?2 AND path < ?3 GROUP BY child", (start, unit.path, unit.path + "\uffff"))
    return {r[0]: _sums(r) for r in rows}


async def unit_sums(db: Database, unit: Unit) -> dict[int, Sums]:
    """Each unit's own sums (not its subtree's), for every unit of the area that has any."""
    rows = await db.fetchall(
        "SELECT unit_id, sum(money), sum(materials), sum(workdays) FROM contribution_sums "
        f"WHERE {_TYPES} AND path >= ? AND path < ? GROUP BY unit_id", (unit.path, unit.path + "\uffff"))
    return {r[0]: _sums(r) for r in rows}


async def own_workdays(db: Database, user_id: int) -> int:
    """The person-days one person logged for themself, everywhere."""
    return int(await db.scalar(
        "SELECT coalesce(sum(workdays), 0) FROM contributions WHERE source_user = ? AND kind = 'workdays'",
        (user_id,)))


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    unit_name: str
    count: int


async def top_workers(db: Database, unit: Unit, limit: int) -> list[Person]:
    """People of the bot with the most workdays logged in the area (people_sums, by triggers)."""
    return await _top(db, unit, "workdays", limit)


async def top_reporters(db: Database, unit: Unit, limit: int) -> list[Person]:
    """People with the most reports accepted (at once or after review) on the area's houses."""
    return await _top(db, unit, "reports", limit)


async def _top(db: Database, unit: Unit, column: str, limit: int) -> list[Person]:
    rows = await db.fetchall(
        f"WITH top AS (SELECT user_id, sum({column}) AS n FROM people_sums WHERE path >= ? AND path < ? "
        f"GROUP BY user_id HAVING sum({column}) > 0 ORDER BY n DESC LIMIT ?) "
        f"SELECT top.user_id, {person_name('su')}, uu.name, top.n FROM top "
        "JOIN users su ON su.id = top.user_id JOIN units uu ON uu.id = su.unit_id ORDER BY top.n DESC, 2",
        (unit.path, unit.path + "\uffff", limit))
    return [Person(*r) for r in rows]

