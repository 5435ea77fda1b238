"""Rollups kept by the 003 triggers, on a real SQLite file: uneven trees, odd quotas, corrections."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from storage import houses, progress, units
from storage.db import Database
from storage.models import Unit
from storage.textfold import fold

AT = "2026-08-20T02:00:00+00:00"


async def unit(db: Database, code: str) -> Unit:
    found = await units.by_code(db, code)
    assert found is not None
    return found


async def tree(db: Database) -> dict[str, int]:
    """P (quota 10) has: district D (6) > commune D1 (6) and D2 (no quota) > hamlet D2a (2);
    a town T (3) with no units below; an empty commune E (5); and one house filed on P itself.
    D's children add up to 8 against D's 6; P's children to 14 against P's 10."""
    async with db.transaction():
        await units.upsert(db, "P", "Tỉnh P", None, 10)
        await units.upsert(db, "D", "Huyện Đông", "P", 6)
        await units.upsert(db, "D1", "Xã Một", "D", 6)
        await units.upsert(db, "D2", "Xã Hai", "D", None)
        await units.upsert(db, "D2a", "Ấp Hai A", "D2", 2)
        await units.upsert(db, "T", "Thị xã Tây", "P", 3)
        await units.upsert(db, "E", "Xã Trống", "P", 5)
        ids = {}
        for code, where in [("H1", "D1"), ("H2", "D1"), ("H3", "D1"), ("H4", "D"), ("H5", "D2a"),
                            ("H6", "T"), ("H7", "T"), ("H8", "P")]:
            ids[code] = await houses.upsert(db, code, (await unit(db, where)).id, f"Hộ {code}", "poor", "new",
                                            None, None, None)
    return ids


async def test_rollup_sums_an_uneven_tree_and_keeps_quotas_as_given(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.set_stage(db, ids["H1"], 3, AT)
        await houses.set_stage(db, ids["H2"], 2, AT)
        await houses.set_stage(db, ids["H4"], 1, AT)
        await houses.set_stage(db, ids["H5"], 2, AT)
        await houses.set_stage(db, ids["H6"], 3, AT)

    data = await progress.rollup(db, await unit(db, "P"), 3, "2026-08-14")

    assert data.node.tally.at_stage == (3, 1, 2, 2)
    assert data.node.tally.registered == 8
    assert (data.node.tally.reached(1), data.node.tally.reached(2)) == (5, 4)
    assert data.node.quota == 10 and data.children_quota == 14  # as assigned, not as summed
    assert data.direct.registered == 1  # H8 hangs on the province itself
    by_code = {c.unit.code: c for c in data.children}
    assert list(by_code) == ["D", "T", "E"]
    assert by_code["D"].tally.at_stage == (1, 1, 2, 1) and by_code["D"].quota == 6
    assert by_code["T"].tally.at_stage == (1, 0, 0, 1) and by_code["T"].quota == 3
    assert by_code["E"].tally.registered == 0 and by_code["E"].quota == 5
    assert by_code["D"].recent == 1 and by_code["T"].recent == 1 and data.node.recent == 2


async def test_a_missing_quota_is_the_sum_of_the_quotas_below(db: Database) -> None:
    await tree(db)
    district = await progress.rollup(db, await unit(db, "D"), 2, "2026-08-14")
    assert {c.unit.code: c.quota for c in district.children} == {"D1": 6, "D2": 2}
    assert district.children_quota == 8 and district.node.quota == 6
    async with db.transaction():
        await units.upsert(db, "P", "Tỉnh P", None, None)
    province = await progress.rollup(db, await unit(db, "P"), 2, "2026-08-14")
    assert province.node.quota == 6 + 3 + 5


async def test_a_unit_with_no_houses_and_a_leaf(db: Database) -> None:
    await tree(db)
    empty = await progress.rollup(db, await unit(db, "E"), 2, "2026-08-14")
    assert empty.node.tally.registered == 0 and empty.children == [] and empty.node.quota == 5
    leaf = await progress.rollup(db, await unit(db, "T"), 2, "2026-08-14")
    assert leaf.children == [] and leaf.direct.registered == 2 and leaf.node.tally.registered == 2


async def test_corrections_and_moves_keep_counts_right(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.set_stage(db, ids["H1"], 2, AT)
        # An officer's correction goes backward, which set_stage never does.
        await db.execute("UPDATE houses SET stage = 1, stage_at = ? WHERE id = ?", (AT, ids["H1"]))
        await houses.upsert(db, "H1", (await unit(db, "T")).id, "Hộ H1", "poor", "new", None, None, None)
    d = await progress.rollup(db, await unit(db, "D"), 2, "2026-08-14")
    t = await progress.rollup(db, await unit(db, "T"), 2, "2026-08-14")
    assert d.node.tally.at_stage == (4, 0, 0, 0)
    assert t.node.tally.at_stage == (2, 1, 0, 0)
    stages = await db.fetchall("SELECT stage FROM house_stages WHERE house_id = ? ORDER BY stage",
                               (ids["H1"],))
    assert [r[0] for r in stages] == [1]


async def test_pace_counts_only_the_window_and_the_stage(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.set_stage(db, ids["H1"], 3, "2026-08-01T02:00:00+00:00")  # before the window
        await houses.set_stage(db, ids["H2"], 3, "2026-08-19T02:00:00+00:00")
        await houses.set_stage(db, ids["H3"], 2, "2026-08-19T02:00:00+00:00")
    data = await progress.rollup(db, await unit(db, "D"), 3, "2026-08-14")
    assert data.node.recent == 1
    completed = await progress.rollup(db, await unit(db, "D"), 2, "2026-08-14")
    assert completed.node.recent == 2  # a house handed over straight away completed that day too


async def test_table_lists_the_tree_with_subtree_totals(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.set_stage(db, ids["H5"], 2, AT)
    lines = await progress.table(db, await unit(db, "P"))
    # Parents before children, siblings by name as read without diacritics: "Xã Hai" before "Xã Một".
    assert [line.unit.code for line in lines] == ["P", "D", "D2", "D2a", "D1", "T", "E"]
    by_code = {line.unit.code: line for line in lines}
    assert by_code["P"].tally.registered == 8 and by_code["P"].quota == 10
    assert by_code["D"].tally.registered == 5 and by_code["D2"].quota == 2
    assert by_code["D2"].tally.reached(2) == 1 and by_code["E"].tally.registered == 0


async def test_completed_on_time_counts_even_when_handed_over_late(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.set_stage(db, ids["H1"], 2, "2026-08-30T02:00:00+00:00")
        await houses.set_stage(db, ids["H1"], 3, "2026-09-10T02:00:00+00:00")
        await houses.set_stage(db, ids["H2"], 2, "2026-09-05T02:00:00+00:00")
    p = await unit(db, "P")
    until = "2026-09-02T16:59:59+00:00"
    assert await progress.reached_by(db, p, 2, until) == {(await unit(db, "D")).id: 1}
    assert await progress.reached_by(db, p, 3, until) == {}


async def test_quiet_houses_grouped_by_child(db: Database) -> None:
    ids = await tree(db)
    async with db.transaction():
        await houses.touch_report(db, ids["H1"], "2026-08-01T02:00:00+00:00")
        await houses.touch_report(db, ids["H2"], "2026-08-19T02:00:00+00:00")
        await houses.set_stage(db, ids["H6"], 3, AT)  # handed over: never quiet
    groups, picked = await progress.quiet(db, await unit(db, "P"), "2026-08-13T02:00:00+00:00", 2)
    counts = {(g.unit.code if g.unit else None): (g.count, g.never) for g in groups}
    assert counts == {"D": (4, 3), "T": (1, 1), None: (1, 1)}
    assert [h.code for h in picked if h.group == (await unit(db, "D")).id] == ["H1", "H3"]


async def test_migration_counts_houses_that_were_there_before(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    folder = resources.files("storage").joinpath("migrations")
    for name in ("001_core.sql", "002_inbox.sql"):
        conn.executescript(folder.joinpath(name).read_text(encoding="utf-8"))
    conn.executescript(
        "INSERT INTO units VALUES (1, 'P', 'P', 'p', NULL, 3, '/1/', 0);"
        "INSERT INTO houses (code, unit_id, household_head, head_key, category, support_type, stage, "
        "stage_at) VALUES ('A', 1, 'a', 'a', 'poor', 'new', 3, '2026-08-19T02:00:00+00:00'),"
        " ('B', 1, 'b', 'b', 'poor', 'new', 0, NULL);"
        "PRAGMA user_version = 2;"
    )
    conn.close()
    db = await Database.open(path)
    try:
        data = await progress.rollup(db, await unit(db, "P"), 2, "2026-08-14")
        assert data.node.tally.at_stage == (1, 0, 0, 1) and data.node.recent == 1
    finally:
        await db.close()


async def test_rollup_matches_a_recount_for_every_unit_of_a_deep_tree(db: Database) -> None:
    """The rollup reads each child's units through the path index and sums the window's days per
    unit before finding their child: every unit's figures still equal a recount from the houses'
    units and the days they moved, with houses on every level, two children of one name (ordered
    by code), a child with nothing, and moves inside and outside the pace window."""
    plan = [("R", "Gốc", None), ("A", "Xã Cùng Tên", "R"), ("B", "Xã Cùng Tên", "R"), ("C", "Xã Trống", "R"),
            ("A1", "Ấp A1", "A"), ("A2", "Ấp A2", "A"), ("A2x", "Tổ A2x", "A2"), ("B1", "Ấp B1", "B")]
    async with db.transaction():
        for code, name, parent in plan:
            await units.upsert(db, code, name, parent, None)
        made = []
        for i, where in enumerate(["R", "R", "A", "A1", "A1", "A2", "A2x", "A2x", "A2x", "B", "B1", "B1"]):
            house = await houses.upsert(db, f"N{i}", (await unit(db, where)).id, f"Hộ {i}", "poor", "new",
                                        None, None, None)
            made.append(house)
        for i, house in enumerate(made):
            stage = i % 4
            if stage:  # days 10 to 21 of August: the window of 14-20 takes some, not all
                await houses.set_stage(db, house, stage, f"2026-08-{10 + i:02d}T02:00:00+00:00")
    tree_units = {u.id: u for u in await progress.subtree(db, await unit(db, "R"))}
    stage_of = {r[0]: (r[1], r[2]) for r in await db.fetchall("SELECT id, unit_id, stage FROM houses")}
    days = await db.fetchall("SELECT day, path, n1, n2, n3 FROM progress_daily")
    window = {f"2026-08-{d}" for d in range(14, 21)}

    def under(path: str, u: Unit) -> bool:
        return path.startswith(u.path)

    for u in tree_units.values():
        for pace_stage in (1, 2, 3):
            data = await progress.rollup(db, u, pace_stage, "2026-08-14")
            kids = sorted((k for k in tree_units.values() if k.parent_id == u.id),
                          key=lambda k: (fold(k.name), k.code))
            assert [c.unit.code for c in data.children] == [k.code for k in kids]
            for child, k in zip(data.children, kids, strict=True):
                counts = [0, 0, 0, 0]
                for unit_id, stage in stage_of.values():
                    if under(tree_units[unit_id].path, k):
                        counts[stage] += 1
                assert child.tally.at_stage == tuple(counts), (u.code, k.code)
                assert child.recent == sum(r[1 + pace_stage] for r in days
                                           if r[0] in window and under(r[1], k)), (u.code, k.code)
            own = [0, 0, 0, 0]
            for unit_id, stage in stage_of.values():
                own[stage] += unit_id == u.id
            assert data.direct.at_stage == tuple(own)
            assert data.node.recent == sum(r[1 + pace_stage] for r in days
                                           if r[0] in window and under(r[1], u))
            assert data.node.tally.registered == sum(1 for unit_id, _ in stage_of.values()
                                                     if under(tree_units[unit_id].path, u))
