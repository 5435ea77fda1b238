"""The counts of reports waiting for review that /tiendo and the digest read are kept per unit by
triggers: they must equal a count of the reports themselves after every kind of change."""

from __future__ import annotations

from datetime import timedelta

from handlers.settings import ReviewSettings
from storage import evidence, units
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
