"""One receiver and two workers on one database (each its own App, as separate processes would be),
the real Telegram channel against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.zalo.channel import ZaloChannel
from handlers.settings import TelegramSettings
from tests.channels.telegram_world import TOKEN, make_channel
from tests.channels.zalo_world import HOOK_PATH, free_port, zalo_settings
from tests.channels.zalo_world import TOKEN as ZALO_TOKEN
from tests.channels.zalo_world import make_channel as make_zalo
from tests.emulators.tgemu import BotApiEmulator, SimUser
from tests.emulators.zaloemu import ZaloEmulator
from tests.images import jpeg
from tests.world import World, build_world


@dataclass
class Deployment:
    emu: BotApiEmulator
    world: World
    receiver: TelegramChannel
    workers: list[TelegramChannel]

    async def count(self, table: str) -> int:
        return int(await self.world.app.db.scalar(f"SELECT count(*) FROM {table}"))


async def process(world: World, tmp: Path, role: str, album_wait: float | None = None) -> TelegramChannel:
    app = await App.open(world.app.settings, clock=world.clock, database=world.target(tmp),
                         media_dir=tmp / "media")
    app.role = role
    channel = make_channel(app)
    if album_wait is not None:
        channel = TelegramChannel(app, replace(channel.tuning, album_wait=album_wait))
    await channel.start()
    return channel


@pytest.fixture
async def deployment(tmp_path: Path, database: str | Path) -> AsyncIterator[Deployment]:
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp_path, database=database if isinstance(database, str) else None)
        settings = replace(world.app.settings, telegram=TelegramSettings(
            token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url))
        world.app.settings = world.app.ctx.settings = settings
        receiver = await process(world, tmp_path, "receive")
        workers = [await process(world, tmp_path, "work") for _ in range(2)]
        try:
            yield Deployment(emu, world, receiver, workers)
        finally:
            for channel in (receiver, *workers):
                await channel.stop()
                await channel.app.close()
            await world.app.close()


async def join(d: Deployment, user: SimUser) -> None:
    user.send_text(f"/start {await d.world.invite('MTU01', 'volunteer')}")


async def test_each_chat_in_order_albums_whole_and_every_update_once(deployment: Deployment) -> None:
    d = deployment
    people = [d.emu.user(3000 + i, first_name=f"TNV {i}") for i in range(6)]
    for person in people:
        await join(d, person)
    for i, person in enumerate(people):
        person.send_album([jpeg(10 * i + 1), jpeg(10 * i + 2)], caption="MH-003 hoàn thành")
        person.send_text("/trogiup")
        person.send_album([jpeg(10 * i + 3), jpeg(10 * i + 4)], caption="MH-004 khởi công")
    await d.emu.wait_for(lambda: all(len(p.messages) >= 4 for p in people), timeout=30,
                         what="every reply")
    for person in people:
        texts = [m.text or "" for m in person.messages]
        assert "Bạn đã tham gia" in texts[0]
        assert "Đã nhận báo cáo" in texts[1] and "MH-003" in texts[1]
        assert "/baocao" in texts[2]
        assert "Đã nhận báo cáo" in texts[3] and "MH-004" in texts[3]
        assert len(texts) == 4
    assert await d.count("reports") == 12          # each album one report, none twice
    assert await d.count("photos") == 24
    assert await d.count("handled_updates") == 6 * 6
    assert await d.count("inbox_waiting") == 0 or await d.world.app.db.scalar(
        "SELECT count(*) FROM inbox_waiting w WHERE NOT EXISTS "
        "(SELECT 1 FROM handled_updates h WHERE h.key = w.key)") == 0


async def test_a_worker_that_stops_gives_its_chats_back_at_once(deployment: Deployment) -> None:
    d = deployment
    lan = d.emu.user(1001, first_name="Lan")
    await join(d, lan)
    assert "Bạn đã tham gia" in (await lan.next_message(timeout=10)).text
    first = d.workers[0]
    await first.stop()
    await first.app.close()
    d.workers.remove(first)
    gone = first._shared.worker if first._shared is not None else ""
    assert await d.world.app.db.scalar("SELECT count(*) FROM chat_claims WHERE worker = ?", (gone,)) == 0
    lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    assert "Đã nhận báo cáo số 1" in (await lan.next_message(timeout=10)).text


async def test_zalo_webhook_receiver_and_a_worker(tmp_path: Path, database: str | Path) -> None:
    """Photos sent together over Zalo's webhook, stored by the receiver, are one report made by the
    worker, which answers; the receiver only stores (and answers the webhook)."""
    async with ZaloEmulator(token=ZALO_TOKEN) as emu:
        world = await build_world(tmp_path, database=database if isinstance(database, str) else None)
        world.app.settings = world.app.ctx.settings = replace(
            world.app.settings, zalo=zalo_settings(emu, webhook=True, public=True, port=free_port()))
        channels = []

        async def start(role: str) -> ZaloChannel:
            app = await App.open(world.app.settings, clock=world.clock, database=world.target(tmp_path),
                                 media_dir=tmp_path / "media")
            app.role = role
            channels.append(make_zalo(app))
            await channels[-1].start()
            return channels[-1]

        try:
            receiver = await start("receive")
            emu.deliver_to = f"http://127.0.0.1:{receiver.port}{HOOK_PATH}"
            lan = emu.user(display_name="Lan")
            lan.send_text(f"/start {await world.invite('MTU01', 'volunteer')}")
            await emu.delivered()
            # Stored and acknowledged, and left for a worker: nobody has answered yet.
            assert [c.status for c in emu.webhook_calls] == [200] and lan.messages == []
            assert await world.app.db.scalar("SELECT count(*) FROM inbox_waiting") == 1
            await start("work")
            assert "Bạn đã tham gia" in (await lan.next_message(timeout=10)).text
            lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
            receipt = await lan.next_message(timeout=10)
            assert "Đã nhận báo cáo số 1" in receipt.text and "2 ảnh" in receipt.text
            assert {c.status for c in emu.webhook_calls} == {200}
        finally:
            for channel in channels:
                await channel.stop()
                await channel.app.close()
            await world.app.close()


async def test_an_album_cut_between_two_batches_of_the_receiver_is_one_report(
        tmp_path: Path, pg_dsn: str) -> None:
    """getUpdates hands out 100 updates at most: behind 99 strangers' messages an album's first
    photo is in the receiver's first batch and the rest in its next, which comes late (held here
    until strangers are being answered, past the worker's album_wait). The receiver's notification
    said its batch was cut, so the worker holding the chat waits for the rest: one report of the
    three photos, one receipt. (On SQLite, without notifications, a worker waits a fixed time.)"""
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp_path, database=pg_dsn)
        world.app.settings = world.app.ctx.settings = replace(world.app.settings, telegram=TelegramSettings(
            token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url))
        receiver = await process(world, tmp_path, "receive")
        worker = await process(world, tmp_path, "work", album_wait=0.01)
        try:
            lan = emu.user(1001, first_name="Lan")
            lan.send_text(f"/start {await world.invite('MTU01', 'volunteer')}")
            assert "Bạn đã tham gia" in (await lan.next_message(timeout=10)).text
            strangers = [emu.user(5000 + i, first_name=f"Khách {i}") for i in range(99)]
            await emu.wait_for(lambda: emu.polling > 0, timeout=10, what="the receiver waiting")
            # The batch being asked for is answered, the next one (with the album's rest) held.
            emu.hold_answers("getUpdates", after=1)
            for stranger in strangers:  # all of it reaches Telegram before the receiver's next call
                stranger.send_text("xin chào")
            lan.send_album([jpeg(1), jpeg(2), jpeg(3)], caption="MH-003 hoàn thành")
            await emu.wait_for(lambda: sum(bool(s.messages) for s in strangers) >= 20, timeout=30,
                               what="strangers answered")
            emu.release_answers("getUpdates")
            receipt = await lan.next_message(timeout=30)
            assert "Đã nhận báo cáo số 1" in receipt.text and "3 ảnh" in receipt.text
            assert len(lan.messages) == 2  # the join, then the receipt alone
            assert await world.app.db.scalar("SELECT count(*) FROM photos") == 3
        finally:
            for channel in (receiver, worker):
                await channel.stop()
                await channel.app.close()
            await world.app.close()


async def test_a_worker_gathers_an_album_as_soon_as_everything_stored_is_fed(pg_dsn: str,
                                                                             tmp_path: Path) -> None:
    """On PostgreSQL the receivers say when they stored something: a worker's group of photos waits
    past album_wait only while a commit it was told of is not fed yet, or while a receiver's cut
    batch has its rest still to come; not a fixed quarter of a second more than one process."""
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp_path, database=pg_dsn)
        world.app.settings = world.app.ctx.settings = replace(world.app.settings, telegram=TelegramSettings(
            token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url))
        worker = await process(world, tmp_path, "work")
        try:
            shared = worker._shared
            assert shared is not None
            now = [100.0]
            shared.clock = lambda: now[0]
            await shared.turn()
            assert not shared.arriving(1001)          # all fed: the group closes after album_wait
            shared._notice("telegram", cut=False)     # a receiver committed: not fed yet
            assert shared.arriving(1001)
            await shared.turn()                       # a look at the inbox after the commit
            assert not shared.arriving(1001)
            shared._notice("other-bot", cut=True)     # another bot's inbox is not this worker's
            assert not shared.arriving(1001)
            shared._notice("telegram", cut=True)      # a cut batch: its rest is in the next one
            await shared.turn()
            assert shared.arriving(1001)
            now[0] += 1.0
            assert shared.arriving(1001)
            shared._notice("telegram", cut=False)     # the rest, stored
            await shared.turn()
            assert not shared.arriving(1001)
            shared._notice("telegram", cut=True)      # a receiver that died before storing the rest
            await shared.turn()
            now[0] += 2.5
            assert not shared.arriving(1001)
        finally:
            await worker.stop()
            await worker.app.close()
            await world.app.close()
