"""Photo files no report kept are deleted after two days; a report's and an open draft's stay."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from bot.housekeeping import sweep_photos
from tests.images import jpeg
from tests.world import World


def photo_files(world: World) -> set[str]:
    root = world.app.ctx.photos.media_dir
    return {p.name for p in root.glob("??/*") if p.is_file()}


def age_on_disk(world: World, hours: float = 48) -> None:
    """The files were written that long ago (the sweep also asks the disk, for photos in flight)."""
    then = time.time() - hours * 3600
    for p in world.app.ctx.photos.media_dir.glob("??/*"):
        os.utime(p, (then, then))


def stems(files: set[str]) -> set[str]:
    return {name.split(".")[0] for name in files}


async def test_a_cancelled_drafts_photos_go_two_days_later_and_a_reports_stay(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Lan")
    minh = await world.person("11", "MTU01", name="Minh")
    await minh.photos(jpeg(1), jpeg(2), caption="MH-002 hoàn thành")
    assert "Đã nhận báo cáo" in minh.text
    kept = photo_files(world)
    await lan.photos(jpeg(3), jpeg(4))     # photos first: the bot asks which house
    await lan.say("/huy")
    await lan.say("/huy")                  # a draft with photos: the second /huy drops it
    assert "Đã hủy" in lan.text
    dropped = photo_files(world) - kept
    assert len(stems(dropped)) == 2 and len(dropped) == 4   # a copy and a thumbnail each
    age_on_disk(world)

    world.clock.advance(timedelta(days=1, hours=23))
    assert await sweep_photos(world.app.ctx) == 0
    assert photo_files(world) == kept | dropped
    world.clock.advance(timedelta(hours=2))
    assert await sweep_photos(world.app.ctx) == 4
    assert photo_files(world) == kept
    assert await sweep_photos(world.app.ctx) == 0          # nothing left to look at twice
    # The report's photos are all still there for an officer to see.
    hung = await world.person("50", "MTU", role="officer", name="Hùng")
    card = await hung.say("/nha MH-002")
    shown = [path for reply in card for path in reply.images]
    assert len(shown) == 2 and all(Path(path).is_file() for path in shown)


async def test_an_open_drafts_photos_wait_for_the_draft(world: World) -> None:
    hoa = await world.person("12", "MTU01", name="Hoa")
    await hoa.photos(jpeg(5), jpeg(6))
    held = photo_files(world)
    age_on_disk(world, hours=24 * 5)
    world.clock.advance(timedelta(days=5))
    assert await sweep_photos(world.app.ctx) == 0
    assert photo_files(world) == held
    await hoa.say("MH-003")                # the draft goes on after the sweep, photos intact
    assert "MH-003" in hoa.text
    await hoa.say("/huy")
    await hoa.say("/huy")
    age_on_disk(world, hours=24 * 8)
    world.clock.advance(timedelta(days=2, minutes=1))
    assert await sweep_photos(world.app.ctx) == 4
    assert photo_files(world) == set()


async def test_a_photo_sent_again_is_counted_from_its_last_arrival(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Lan")
    await lan.photos(jpeg(7))
    await lan.say("/huy")
    world.clock.advance(timedelta(days=3))
    await lan.photos(jpeg(7), caption="MH-001 khởi công")  # the same picture, now a report
    assert "Đã nhận báo cáo" in lan.text
    age_on_disk(world)
    world.clock.advance(timedelta(days=3))
    assert await sweep_photos(world.app.ctx) == 0
    assert len(photo_files(world)) == 2


async def test_files_touched_within_the_hour_are_left_alone(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Lan")
    await lan.photos(jpeg(8))
    await lan.say("/huy")
    world.clock.advance(timedelta(days=3))
    # On the disk they are fresh: as if the same photo were being handled at this moment.
    assert await sweep_photos(world.app.ctx) == 0
    assert len(photo_files(world)) == 2
