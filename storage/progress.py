"""How far a unit and the units below it are: counts by stage, quotas, pace, stale houses, awards.

Counts come from progress_counts and progress_daily (003_progress.sql), kept by triggers on
houses, so every query here reads a bounded number of rows per unit of the subtree and none per
house; the tree is small (3,355 units nationally) and does not grow with the campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from storage.account_links import person_name
from storage.codes import REPORTED_STAGES, Stage
from storage.db import Database, Row
from storage.models import Unit
from storage.textfold import fold


def _child(alias: str, start: int = 1) -> str:
    """Which child of the queried unit a row's path lies under: the path segment right after the
    queried unit's own path ("/1/7/42/" under "/1/" -> 7); 0 for the queried unit itself.
    `start`: the number of the parameter holding where that segment starts (len(path) + 1).
    Written so that PostgreSQL reads it as SQLite does: no negative length, never CAST('')."""
    rest = f"substr({alias}.path, ?{start})"
    return f"CAST('0' || substr({alias}.path, ?{start}, instr({rest} || '/', '/') - 1) AS INTEGER)"


_CHILD = _child("u")
_SUBTREE = "u.path >= ?2 AND u.path < ?3"
_UNIT_COLS = "u.id, u.code, u.name, u.parent_id, u.quota, u.path, u.depth"


def _unit(row: Row, at: int = 0) -> Unit:
    return Unit(*(row[at + i] for i in range(7)))


def _scope(unit: Unit) -> tuple[int, str, str]:
    return len(unit.path) + 1, unit.path, unit.path + "\uffff"


@dataclass(frozen=True)
class Tally:
    """Houses now at each stage: 0 not started, 1 under construction, 2 completed, 3 handed over."""

    at_stage: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def registered(self) -> int:
        return sum(self.at_stage)

    def reached(self, stage: int) -> int:
        """Houses at this stage or past it: 'started' counts the completed ones too."""
        return sum(self.at_stage[stage:])

    def __add__(self, other: Tally) -> Tally:
        a, b = self.at_stage, other.at_stage
        return Tally((a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]))


@dataclass(frozen=True)
class Node:
    unit: Unit
    quota: int | None      # the unit's own quota, or else the sum of its children's
    tally: Tally
    recent: int = 0        # houses that reached the pace stage within the window


@dataclass(frozen=True)
class Rollup:
    node: Node
    children: list[Node]
    children_quota: int | None   # what the children's quotas add up to (None: no child has one)
    direct: Tally                # houses filed on the unit itself rather than on a child


async def rollup(db: Database, unit: Unit, pace_stage: int, since_day: str, days: int = 7) -> Rollup:
    """The unit's totals and each child's, with houses reaching `pace_stage` (1 to 3) on the
    `days` days from `since_day` (UTC dates, as progress_daily keys them)."""
    if pace_stage not in REPORTED_STAGES:
        raise ValueError(f"pace stage must be 1, 2 or 3, got {pace_stage}")
    first = date.fromisoformat(since_day)
    window = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    in_window = "d.day IN (" + ",".join(f"?{4 + i}" for i in range(len(window))) + ")"
    moved = f"d.n{pace_stage}"
    params: tuple[object, ...] = (unit.id, "\uffff", unit.path, *window)
    if unit.parent_id is None:
        # The country: its few children are each read through the path index, their units' counts
        # by key and their days by one (day, path) range per day (a subquery per child, so that
        # PostgreSQL too reads them by range), rather than by cutting the path of every unit and
        # unit-day of the country to see which child it lies under: string functions over
        # thousands of rows at each national /tiendo.
        counts = ("SELECT k.id AS kid, sum(c.n0) AS n0, sum(c.n1) AS n1, sum(c.n2) AS n2, sum(c.n3) AS n3 "
                  "FROM units k JOIN units b ON b.path >= k.path AND b.path < k.path || ?2 "
                  "JOIN progress_counts c ON c.unit_id = b.id WHERE k.parent_id = ?1 GROUP BY k.id")
        recent_sql = (f"(SELECT sum({moved}) FROM progress_daily d WHERE {in_window} "
                      "AND d.path >= u.path AND d.path < u.path || ?2)")
        days_by_child = ""
    else:
        # A province or below: a few hundred children over a few hundred units, where one range
        # read of the subtree, cut by path, costs less than a read per child.
        start = len(params) + 1  # the parameter after the days: where a child's path segment starts
        params = (*params, len(unit.path) + 1)
        counts = (f"SELECT {_child('b', start)} AS kid, sum(c.n0) AS n0, sum(c.n1) AS n1, sum(c.n2) AS n2, "
                  "sum(c.n3) AS n3 FROM units b JOIN progress_counts c ON c.unit_id = b.id "
                  "WHERE b.path > ?3 AND b.path < ?3 || ?2 GROUP BY kid")
        recent_sql = "r.n"
        days_by_child = (f"LEFT JOIN (SELECT {_child('d', start)} AS kid, sum({moved}) AS n "
                         f"FROM progress_daily d WHERE {in_window} AND d.path > ?3 AND d.path < ?3 || ?2 "
                         "GROUP BY kid) r ON r.kid = u.id ")
    # One statement: each child with its subtree's counts and the houses that reached the pace
    # stage in the window, and a row 0 for the unit's own houses. name_key || '': an expression,
    # so that SQLite finds the children by parent_id rather than walking every unit in name order.
    rows = await db.fetchall(
        f"SELECT {_UNIT_COLS}, s.n0, s.n1, s.n2, s.n3, {recent_sql}, u.name_key || '' FROM units u "
        f"LEFT JOIN ({counts}) s ON s.kid = u.id {days_by_child}"
        "WHERE u.parent_id = ?1 "
        "UNION ALL SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, c.n0, c.n1, c.n2, c.n3, "
        f"  (SELECT sum({moved}) FROM progress_daily d WHERE {in_window} AND d.path = ?3), NULL "
        "FROM (SELECT 1 AS one) one LEFT JOIN progress_counts c ON c.unit_id = ?1 "
        "ORDER BY 13, 2",
        params,
    )
    kids = [_unit(r) for r in rows if r[0]]
    # PostgreSQL's sum of sums is numeric (a Decimal); SQLite's an int.
    stages = {r[0]: tuple(int(n or 0) for n in r[7:11]) for r in rows}
    recent = {r[0]: int(r[11] or 0) for r in rows}
    quotas = await _quotas(db, unit, kids)
    children = [Node(k, quotas[k.id], Tally(stages[k.id]), recent[k.id]) for k in kids]  # type: ignore[arg-type]
    direct = Tally(stages[0])  # type: ignore[arg-type]
    total = direct
    for child in children:
        total = total + child.tally
    known = [c.quota for c in children if c.quota is not None]
    node = Node(unit, quotas[unit.id], total, sum(recent.values()))
    return Rollup(node, children, sum(known) if known else None, direct)


async def _quotas(db: Database, unit: Unit, kids: Sequence[Unit]) -> dict[int, int | None]:
    """Effective quotas of the unit and its children. Only where a quota is missing are the units
    below read, level by level, and only their ids and quotas."""
    found: dict[int, int | None] = {k.id: k.quota for k in kids}
    missing = [k.id for k in kids if k.quota is None]
    if missing:
        found.update(await _fill(db, missing))
    if unit.quota is not None:
        found[unit.id] = unit.quota
    else:
        known = [q for q in found.values() if q is not None]
        found[unit.id] = sum(known) if known else None
    return found


async def _fill(db: Database, ids: list[int]) -> dict[int, int | None]:
    """For units with no quota of their own: the sum of their children's effective quotas."""
    below: dict[int, list[tuple[int, int | None]]] = {}
    order: list[int] = []
    frontier = ids
    while frontier:
        order.extend(frontier)
        marks = ",".join("?" * len(frontier))
        rows = await db.fetchall(f"SELECT parent_id, id, quota FROM units WHERE parent_id IN ({marks})",
                                 frontier)
        for parent, child, quota in rows:
            below.setdefault(parent, []).append((child, quota))
        frontier = [child for _, child, quota in rows if quota is None]
    result: dict[int, int | None] = {}
    for uid in reversed(order):  # deepest first, so a child's value is known before its parent's
        values = [q if q is not None else result.get(c) for c, q in below.get(uid, [])]
        known = [v for v in values if v is not None]
        result[uid] = sum(known) if known else None
    return result


def _effective(units: dict[int, Unit]) -> dict[int, int | None]:
    """Own quota where set, else the sum of the children's effective quotas, bottom-up."""
    result: dict[int, int | None] = {}
    sums: dict[int, int] = {}
    for u in sorted(units.values(), key=lambda x: -x.depth):
        value = u.quota if u.quota is not None else sums.get(u.id)
        result[u.id] = value
        if value is not None and u.parent_id in units:
            sums[u.parent_id] = sums.get(u.parent_id, 0) + value  # type: ignore[index]
    return result


async def subtree(db: Database, unit: Unit) -> list[Unit]:
    rows = await db.fetchall(
        f"SELECT {_UNIT_COLS} FROM units u WHERE u.path >= ? AND u.path < ? ORDER BY u.depth, u.name",
        (unit.path, unit.path + "\uffff"),
    )
    return [_unit(r) for r in rows]


@dataclass(frozen=True)
class Line:
    """One unit of a summary table: its totals over its whole subtree."""

    unit: Unit
    quota: int | None
    tally: Tally


async def table(db: Database, unit: Unit) -> list[Line]:
    """Every unit of the subtree with its subtree totals, in tree order (parents before children)."""
    tree = await subtree(db, unit)
    by_id = {u.id: u for u in tree}
    own: dict[int, list[int]] = {}
    for unit_id, *counts in await db.fetchall(
        "SELECT c.unit_id, c.n0, c.n1, c.n2, c.n3 FROM units u JOIN progress_counts c ON c.unit_id = u.id "
        "WHERE u.path >= ? AND u.path < ?", (unit.path, unit.path + "\uffff"),
    ):
        own[unit_id] = list(counts)
    totals = {uid: list(counts) for uid, counts in own.items()}
    for u in sorted(tree, key=lambda x: -x.depth):
        if u.id != unit.id and u.parent_id in by_id and u.id in totals:
            parent = totals.setdefault(u.parent_id, [0, 0, 0, 0])  # type: ignore[arg-type]
            for s in range(4):
                parent[s] += totals[u.id][s]
    quotas = _effective(by_id)
    children: dict[int | None, list[Unit]] = {}
    for u in tree:
        children.setdefault(u.parent_id, []).append(u)
    ordered: list[Line] = []
    stack = [unit]
    while stack:
        u = stack.pop()
        ordered.append(Line(u, quotas.get(u.id), Tally(tuple(totals.get(u.id, (0, 0, 0, 0))))))  # type: ignore[arg-type]
        stack.extend(sorted(children.get(u.id, []), key=lambda x: (fold(x.name), x.code), reverse=True))
    return ordered


# ---------------------------------------------------------------------------------------------
# Houses gone quiet


@dataclass(frozen=True)
class QuietGroup:
    unit: Unit | None        # the child of the queried unit; None: houses filed on the unit itself
    count: int
    never: int               # of which no report ever came


@dataclass(frozen=True)
class QuietHouse:
    group: int               # child unit id, 0 for the unit itself
    code: str
    head: str
    stage: int
    last_report_at: str | None
    last_reporter: str | None


async def quiet(db: Database, unit: Unit, before: str,
                per_group: int) -> tuple[list[QuietGroup], list[QuietHouse]]:
    """Houses not handed over whose last report is older than `before` (or that never had one),
    counted per child of `unit`, with the `per_group` quietest (reported ones first) of each."""
    scope = _scope(unit)
    quiet_houses = (
        f"WITH q AS (SELECT h.id, h.code, h.household_head, h.stage, h.last_report_at, {_CHILD} AS child "
        f"FROM units u JOIN houses h ON h.unit_id = u.id WHERE {_SUBTREE} "
        f"AND h.stage < {int(Stage.HANDED_OVER)} AND (h.last_report_at IS NULL OR h.last_report_at < ?4)) "
    )
    rows = await db.fetchall(
        quiet_houses + "SELECT child, count(*), count(*) - count(last_report_at) FROM q GROUP BY child",
        (*scope, before),
    )
    counts = {r[0]: (r[1], r[2]) for r in rows}
    picked = await db.fetchall(
        quiet_houses + ", ranked AS (SELECT q.*, row_number() OVER (PARTITION BY child ORDER BY "
        "last_report_at IS NULL, last_report_at, code) AS rn FROM q) "
        "SELECT child, code, household_head, stage, last_report_at, "
        f"(SELECT {person_name('us')} FROM reports r JOIN users us ON us.id = r.reporter_id "
        " WHERE r.house_id = ranked.id ORDER BY r.received_at DESC, r.id DESC LIMIT 1) "
        "FROM ranked WHERE rn <= ?5 ORDER BY child, rn",
        (*scope, before, per_group),
    )
    ids = [c for c in counts if c]
    names: dict[int, Unit] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        names = {r[0]: _unit(r) for r in await db.fetchall(
            f"SELECT {_UNIT_COLS} FROM units u WHERE u.id IN ({marks})", ids)}
    groups = [QuietGroup(names.get(c) if c else None, n, never) for c, (n, never) in counts.items()]
    groups.sort(key=lambda g: (-g.count, g.unit.name if g.unit else ""))
    houses = [QuietHouse(r[0], r[1], r[2], r[3], r[4], r[5]) for r in picked]
    return groups, houses


# ---------------------------------------------------------------------------------------------
# Commendations


async def reached_by(db: Database, unit: Unit, stage: int, until: str) -> dict[int, int]:
    """Per child of `unit`: houses that had reached `stage` at or before `until` (stored UTC text)."""
    rows = await db.fetchall(
        f"SELECT {_CHILD} AS child, count(*) FROM units u JOIN houses h ON h.unit_id = u.id "
        f"JOIN house_stages s ON s.house_id = h.id AND s.stage = ?4 AND s.at <= ?5 "
        f"WHERE {_SUBTREE} GROUP BY child",
        (*_scope(unit), stage, until),
    )
    return {child: n for child, n in rows}
