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


async def process(world: World, tmp: Path, role: str) -> TelegramChannel:
    app = await App.open(world.app.settings, clock=world.clock, database=world.target(tmp),
                         media_dir=tmp / "media")
    app.role = role
    channel = make_channel(app)
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
