"""The counts of reports waiting for review that /tiendo and the digest read are kept per unit by
triggers: they must equal a count of the reports themselves after every kind of change."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

from handlers.settings import ReviewSettings
from storage import evidence, units
from storage.db import Database
from tests.images import jpeg
from tests.world import World, configure


async def counted(world: World, path: str) -> tuple[int, int, int | None]:
    """What a count of the reports themselves says: waiting, flagged, the oldest's number."""
    scope = ("FROM reports r JOIN houses h ON h.id = r.house_id JOIN units u ON u.id = h.unit_id "
             "WHERE r.review_state = 'pending' AND u.path >= ? AND u.path < ?")
    bounds = (path, path + "\uffff")
    row = await world.app.db.fetchone(f"SELECT count(*), count(r.flag) {scope}", bounds)
    oldest = await world.app.db.scalar(f"SELECT r.id {scope} ORDER BY r.received_at, r.id LIMIT 1", bounds)
    return int(row[0]), int(row[1]), oldest


async def kept(world: World, path: str) -> tuple[int, int, int | None]:
    w = await evidence.waiting(world.app.db, path)
    return w.count, w.flagged, w.oldest_id


async def same_everywhere(world: World) -> tuple[int, int, int | None]:
    paths = [r[0] for r in await world.app.db.fetchall("SELECT path FROM units ORDER BY path")]
    for path in paths:
        assert await kept(world, path) == await counted(world, path), path
    return await kept(world, min(paths))


async def test_waiting_counts_follow_reports_reviews_flags_and_moved_houses(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    sa = await world.person("11", "KSA01")
    await lan.photos(jpeg(1), caption="MH-001 khởi công")
    world.clock.set(world.clock.now() + timedelta(hours=1))
    await lan.photos(jpeg(1), caption="MH-002 khởi công")          # the same photo: flagged
    world.clock.set(world.clock.now() + timedelta(hours=1))
    await sa.photos(jpeg(3), caption="AL-001 khởi công")
    assert await same_everywhere(world) == (3, 1, 1)

    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("rv:ok:1")                                      # the oldest, number 1
    assert await same_everywhere(world) == (2, 1, 2)

    # A house moved to another commune (a corrected import) takes its waiting report along.
    ksa = await units.by_code(world.app.db, "KSA01")
    assert ksa is not None
    async with world.app.db.transaction():
        await world.app.db.execute("UPDATE houses SET unit_id = ? WHERE code = 'MH-002'", (ksa.id,))
    assert await same_everywhere(world) == (2, 1, 2)
    assert await kept(world, ksa.path) == (2, 1, 2)


async def test_a_report_filed_out_of_order_becomes_the_oldest_waiting(world: World) -> None:
    """A report can be stored with an earlier time than one already waiting (a replayed update,
    an imported one): the commune's oldest waiting report is then that one."""
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), caption="MH-001 khởi công")
    house = await world.app.db.scalar("SELECT id FROM houses WHERE code = 'MH-002'")
    reporter = await world.app.db.scalar("SELECT reporter_id FROM reports")
    async with world.app.db.transaction():
        earlier = await world.app.db.insert(
            "INSERT INTO reports (house_id, reporter_id, stage, received_at, review_state, flag) "
            "VALUES (?, ?, 1, '2000-01-01T00:00:00+00:00', 'pending', 'x')", (house, reporter))
    assert await same_everywhere(world) == (2, 1, earlier)


def test_filing_a_report_for_review_costs_the_same_in_a_commune_of_any_size(tmp_path: Path) -> None:
    """The waiting count grows by the new report; it does not recount the commune, whose waiting
    reports can number in the hundreds in the weeks before 02/9 (counted in SQLite's VM steps,
    which do not depend on the machine's speed or load)."""
    path = tmp_path / "steps.sqlite"

    async def migrate() -> None:
        await (await Database.open(path)).close()

    asyncio.run(migrate())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO units (id, code, name, name_key, path, depth) "
                 "VALUES (1, 'T', 'T', 't', '/1/', 0)")
    conn.execute("INSERT INTO users (id, channel, external_id, role, unit_id, joined_at) "
                 "VALUES (1, 'test', '1', 'volunteer', 1, '2026-01-01')")
    first_house = {}
    for unit, houses in ((2, 5), (3, 500)):
        conn.execute("INSERT INTO units (id, code, name, name_key, parent_id, path, depth) "
                     "VALUES (?, ?, 'X', 'x', 1, ?, 1)", (unit, f"X{unit}", f"/1/{unit}/"))
        for n in range(houses):
            house = unit * 1000 + n
            first_house.setdefault(unit, house)
            conn.execute("INSERT INTO houses (id, code, unit_id, household_head, head_key, category, "
                         "support_type) VALUES (?, ?, ?, 'H', 'h', 'poor', 'new')",
                         (house, f"H{house}", unit))
            conn.execute("INSERT INTO reports (house_id, reporter_id, stage, received_at, review_state) "
                         "VALUES (?, 1, 1, '2026-08-01T00:00:00+00:00', 'pending')", (house,))

    def steps(house: int) -> int:
        count = 0

        def step() -> int:
            nonlocal count
            count += 1
            return 0

        conn.set_progress_handler(step, 1)
        conn.execute("INSERT INTO reports (house_id, reporter_id, stage, received_at, review_state, flag) "
                     "VALUES (?, 1, 2, '2026-08-02T00:00:00+00:00', 'pending', 'far')", (house,))
        conn.set_progress_handler(None, 0)
        return count

    small, large = steps(first_house[2]), steps(first_house[3])
    assert large < 1.5 * small, (small, large)
    kept = conn.execute("SELECT waiting, flagged FROM review_waiting WHERE unit_id = 3").fetchone()
    assert kept == (501, 1)
    conn.close()
