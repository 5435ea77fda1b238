"""Several Telegram bots on one database ([[telegram.bots]]), end to end against the emulator:
one bot for Sóc Trăng, one for Cần Thơ, each numbering its own updates from 1 as Telegram does."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.contract import StartRefused
from bot.channels.telegram.bots import TelegramBots
from bot.channels.telegram.channel import Tuning
from bot.scheduler import Reminders
from handlers import bot_areas
from handlers.settings import Deadline, TelegramBot, TelegramSettings
from storage import account_links as stored_links
from storage import bot_info, inbox, invites, units, users
from storage.times import to_db
from tests.channels.telegram_world import no_wait
from tests.emulators.tgemu import BotApiEmulator, SimUser
from tests.images import jpeg
from tests.test_reminders import at
from tests.world import World, add_houses, add_units, build_world

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN_ST = "111111:TEST-token-of-the-soc-trang-bot"
TOKEN_CT = "222222:TEST-token-of-the-can-tho-bot"
BOT_ST, BOT_CT = "chungtay_soctrang_bot", "chungtay_cantho_bot"
PAPERWORK = Deadline(name="Nộp báo cáo kết quả", date=date(2026, 9, 7), stage=None, about="Gửi UBND tỉnh",
                     audience=("officers", "volunteers"), offsets=(3,), at=time(8, 0))


@dataclass
class Deployment:
    st: BotApiEmulator
    ct: BotApiEmulator
    world: World
    bots: TelegramBots

    @property
    def app(self) -> App:
        return self.world.app

    async def join(self, emu: BotApiEmulator, user_id: int, unit: str, role: str = "volunteer") -> SimUser:
        person = emu.user(user_id, first_name=f"Người {user_id}")
        person.send_text(f"/start {await self.world.invite(unit, role)}")
        reply = await person.next_message()
        assert "Bạn đã tham gia" in (reply.text or ""), reply.text
        return person

    async def count(self, table: str) -> int:
        return int(await self.app.db.scalar(f"SELECT count(*) FROM {table}"))


def settings_for(emu: BotApiEmulator, *bots: TelegramBot) -> TelegramSettings:
    return TelegramSettings(base_url=emu.base_url, base_file_url=emu.base_file_url, bots=bots)


@pytest.fixture
async def two(tmp_path: Path, database: str | Path) -> AsyncIterator[Deployment]:
    async with BotApiEmulator(token=TOKEN_ST, bot_username=BOT_ST) as st:
        ct = st.another_bot(TOKEN_CT, BOT_CT)
        world = await build_world(tmp_path, database=database if isinstance(database, str) else None)
        await add_units(world, ("CT", "Thành phố Cần Thơ", None, 50), ("CT01", "Phường Cái Khế", "CT", 20))
        await add_houses(world, "CT01", "CK-001")
        app = world.app
        settings = replace(app.settings, telegram=settings_for(st, TelegramBot(TOKEN_ST, "ST"),
                                                               TelegramBot(TOKEN_CT, "CT")),
                           campaign=replace(app.settings.campaign, deadlines=(PAPERWORK,)),
                           reminders=replace(app.settings.reminders, stale_days=0, digest_time=None))
        app.settings = settings
        app.ctx.settings = settings
        bots = TelegramBots(app, Tuning(album_wait=0.3, poll_timeout=1, sleep=no_wait))
        await bots.start()
        deployment = Deployment(st, ct, world, bots)
        try:
            yield deployment
        finally:
            await deployment.bots.stop()  # the bots running at the end: a test may restart them
            await app.close()


async def test_each_bots_volunteer_reports_and_gets_the_receipt_from_their_own_bot(two: Deployment) -> None:
    lan = await two.join(two.st, 1001, "MTU01")
    hoa = await two.join(two.ct, 2002, "CT01")
    # Both bots number their updates from 1: the same update id on each is two different messages.
    lan.send_album([jpeg(1), jpeg(2)], caption="MH-001 hoàn thành")
    hoa.send_album([jpeg(3), jpeg(4)], caption="CK-001 hoàn thành")

    assert "Đã nhận báo cáo số" in ((await lan.next_message()).text or "")
    assert "Đã nhận báo cáo số" in ((await hoa.next_message()).text or "")
    assert await two.count("reports") == 2
    assert two.ct.sent_to(1001) == [] and two.st.sent_to(2002) == []
    # People stay on the channel "telegram", under their Telegram id, whichever bot they use.
    assert await users.find(two.app.db, "telegram", "2002") is not None


async def test_a_reminder_reaches_each_person_through_their_own_bot(two: Deployment) -> None:
    await two.join(two.st, 1001, "MTU01")
    await two.join(two.ct, 2002, "CT01")
    await two.join(two.ct, 2003, "CT", role="officer")
    reminders = Reminders(two.app.ctx, two.app.channels)
    try:
        two.world.clock.set(at(4, 9))
        report = await reminders.run_due(two.world.clock.now())
    finally:
        await reminders.stop()

    assert report.sent == 3 and report.failed == 0 and report.blocked == 0
    for emu, person in ((two.st, 1001), (two.ct, 2002), (two.ct, 2003)):
        assert ["Hạn chót 07/9" in s.plain for s in emu.sent_to(person, "sendMessage")][-1:] == [True]
    assert two.ct.sent_to(1001) == [] and two.st.sent_to(2002) == [] and two.st.sent_to(2003) == []


async def test_an_invite_for_can_tho_carries_the_can_tho_bots_username(two: Deployment) -> None:
    assert await bot_info.get(two.app.db, bot_info.telegram_username("222222")) == BOT_CT
    minh = await two.join(two.ct, 3003, "CT", role="officer")
    minh.send_text("/moi CT01")
    await minh.next_message()
    minh.click("tình nguyện viên")
    await minh.next_message()
    minh.click("Mã cá nhân")
    text = (await minh.next_message()).text or ""
    assert re.search(rf"https://t\.me/{BOT_CT}\?start=[A-Z0-9]{{8}}", text), text
    # An invite made for Sóc Trăng, whoever makes it, names the Sóc Trăng bot; `chungtay invite`
    # asks the same question.
    mtu = await units.by_code(two.app.db, "MTU01")
    assert mtu is not None
    assert await bot_areas.username_for(two.app.db, two.app.settings, mtu) == BOT_ST


async def test_a_person_of_soc_trang_writing_to_the_can_tho_bot_is_pointed_to_theirs(two: Deployment) -> None:
    lan = await two.join(two.st, 1001, "MTU01")
    before = await users.find(two.app.db, "telegram", "1001")
    on_ct = two.ct.user(1001, first_name="Lan")
    on_ct.send_album([jpeg(1), jpeg(2)], caption="MH-001 hoàn thành")

    reply = (await on_ct.next_message()).text or ""
    assert f"@{BOT_ST}" in reply and "Tỉnh Sóc Trăng" in reply
    assert await two.count("reports") == 0 and two.ct.calls["getFile"] == 0
    assert await users.find(two.app.db, "telegram", "1001") == before
    # Blocking a bot that does not serve them does not mark them unreachable on their own.
    two.ct.block(1001)
    lan.send_text("/trogiup")
    assert "/baocao" in ((await lan.next_message()).text or "")
    assert (await users.find(two.app.db, "telegram", "1001")) == before


async def test_a_stranger_with_a_soc_trang_invite_is_refused_by_the_can_tho_bot(two: Deployment) -> None:
    code = await two.world.invite("MTU01", "volunteer")
    stranger = two.ct.user(4004, first_name="Tư")
    stranger.send_text(f"/start {code}")

    reply = (await stranger.next_message()).text or ""
    assert f"@{BOT_ST}" in reply and code in reply
    assert await users.find(two.app.db, "telegram", "4004") is None
    found = await invites.find(two.app.db, code)
    assert found is not None and found.uses == 0
    # Through the right bot the same code still works.
    on_st = two.st.user(4004, first_name="Tư")
    on_st.send_text(f"/start {code}")
    assert "Bạn đã tham gia" in ((await on_st.next_message()).text or "")


async def test_a_bot_for_a_unit_that_does_not_exist_stops_the_start_in_one_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with BotApiEmulator(token=TOKEN_ST, bot_username=BOT_ST) as st:
        world = await build_world(tmp_path)
        app = world.app
        app.settings = app.ctx.settings = replace(app.settings, telegram=settings_for(
            st, TelegramBot(TOKEN_ST, "ST"), TelegramBot(TOKEN_CT, "HN")))
        bots = TelegramBots(app, Tuning(poll_timeout=1, sleep=no_wait))
        try:
            with pytest.raises(StartRefused):
                await bots.start()
        finally:
            await bots.stop()
            await app.close()
    said = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(said) == 1 and "'HN'" in said[0] and "\n" not in said[0] and TOKEN_CT not in said[0]
    assert st.calls["getUpdates"] == 0


async def test_after_a_crash_each_bot_replays_its_own_stored_updates(two: Deployment) -> None:
    """Updates stored but never handled (the process died) come back at start, each through the bot
    it came to, though both bots gave theirs the same update id."""
    lan = await two.join(two.st, 1001, "MTU01")
    hoa = await two.join(two.ct, 2002, "CT01")
    await two.bots.stop()
    for emu, person in ((two.st, lan), (two.ct, hoa)):
        key = emu.token.split(":")[0]
        update = {"update_id": 500, "message": {
            "message_id": person.new_message_id(), "from": person.user, "chat": person.chat,
            "date": emu.unix_now(), "text": "/trogiup",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}
        await inbox.store(two.app.db, f"telegram:{key}", [(f"tg:{key}:500", json.dumps(update))],
                          two.app.ctx.stamp())

    two.bots = TelegramBots(two.app, Tuning(album_wait=0.3, poll_timeout=1, sleep=no_wait))
    await two.bots.start()
    assert "/baocao" in ((await lan.next_message()).text or "")
    assert "/baocao" in ((await hoa.next_message()).text or "")
    assert two.ct.sent_to(1001) == [] and two.st.sent_to(2002) == []
    assert await inbox.unhandled(two.app.db, "telegram:111111") == []
    assert await inbox.unhandled(two.app.db, "telegram:222222") == []


async def test_an_account_link_code_is_for_the_bot_of_its_owners_area(two: Deployment) -> None:
    """A Zalo user of Cần Thơ links their Telegram account: the Sóc Trăng bot points them to
    the Cần Thơ bot, where the code works."""
    db = two.app.db
    ct01 = await units.by_code(db, "CT01")
    assert ct01 is not None
    now = two.app.ctx.stamp()
    async with db.transaction():
        owner = await users.create(db, "zalo", "zalo-hoa", "Hoa", "volunteer", ct01.id, "vi", now)
        code = await stored_links.create_code(db, owner.id, now, to_db(at(30, 9)))
    on_st = two.st.user(2002, first_name="Hoa")
    on_st.send_text(f"/lienket {code}")

    reply = (await on_st.next_message()).text or ""
    assert f"@{BOT_CT}" in reply and code in reply
    assert await users.find(db, "telegram", "2002") is None
    on_ct = two.ct.user(2002, first_name="Hoa")
    on_ct.send_text(f"/lienket {code}")
    await on_ct.next_message()
    joined = await users.find(db, "telegram", "2002")
    assert joined is not None and joined.unit_id == ct01.id
