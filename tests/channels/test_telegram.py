"""End to end: the real python-telegram-bot Application against the local Bot API emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram.channel import CHANNEL
from handlers.types import Choice, Reply
from storage import inbox, reports, users
from tests.channels.telegram_world import Bot, running_bot
from tests.emulators.tgemu import parse_html, utf16_len
from tests.images import jpeg, png


@pytest.fixture
async def bot(tmp_path: Path, database: str | Path) -> AsyncIterator[Bot]:
    """The end-to-end tests of the Telegram channel, on each database."""
    async with running_bot(tmp_path, database) as b:
        yield b


async def test_join_by_invite_link_and_the_command_menu(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    menu = bot.emu.commands.get(("default", ""), []) or next(iter(bot.emu.commands.values()))
    assert "baocao" in [c["command"] for c in menu]
    user = await users.find(bot.app.db, CHANNEL, "1001")
    assert user is not None and user.display_name == "Lan"


def chat_menu(bot: Bot, chat_id: int) -> list[str]:
    key = (json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True), "")
    return [c["command"] for c in bot.emu.commands.get(key, [])]


async def test_only_officers_see_the_officers_commands_in_their_menu(bot: Bot) -> None:
    everyone = [c["command"] for c in bot.emu.commands[(json.dumps({"type": "default"}), "")]]
    assert "baocao" in everyone and "tiendo" not in everyone and "duyet" not in everyone
    lan, minh = bot.emu.user(1001, first_name="Lan"), bot.emu.user(2002, first_name="Minh")
    await bot.join(lan, "MTU01")
    await bot.join(minh, "MTU", role="officer")
    await bot.emu.wait_for(lambda: "tiendo" in chat_menu(bot, 2002), what="the officer's menu")
    assert "baocao" in chat_menu(bot, 2002) and "xuat" in chat_menu(bot, 2002)
    assert "baocao" in chat_menu(bot, 1001) and "tiendo" not in chat_menu(bot, 1001)
    # The menu follows the language chosen in the bot.
    minh.send_text("/ngonngu en")
    await minh.next_message()
    await bot.emu.wait_for(lambda: "status" in chat_menu(bot, 2002), what="the English menu")
    # After a restart, officers already known get their menu again without writing first.
    bot.emu.commands.clear()
    await bot.restart()
    await bot.emu.wait_for(lambda: "status" in chat_menu(bot, 2002), what="the menu after a restart")
    assert chat_menu(bot, 1001) == []


async def test_a_stranger_is_told_how_to_join(bot: Bot) -> None:
    stranger = bot.emu.user(666, first_name="X")
    stranger.send_photo(jpeg(1), caption="MH-001 hoàn thành")
    reply = await stranger.next_message()
    assert "mã mời" in (reply.text or "")
    assert await bot.count("users") == 0 and await bot.count("reports") == 0
    assert bot.emu.calls["getFile"] == 0  # nothing of a stranger's is downloaded


async def test_an_update_that_cannot_be_stored_is_put_aside_and_the_rest_go_on(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Half a surrogate pair from a stranger's client cannot be written as UTF-8. Before, the whole
    batch failed to store and polling asked for it again at once, forever, for everyone."""
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    stranger = bot.emu.user(666, first_name="X")
    stranger.send_text("xin chào \ud800")
    lan.send_text("/trogiup")

    assert "/baocao" in ((await lan.next_message()).text or "")
    assert stranger.messages == [] and await bot.count("users") == 1
    stored = {key: payload for key, payload in await bot.app.db.fetchall(
        "SELECT key, payload FROM inbox WHERE key IN (SELECT key FROM handled_updates)")}
    aside = [key for key, payload in stored.items() if payload == inbox.PUT_ASIDE]
    assert len(aside) == 1
    assert [r.getMessage() for r in caplog.records if "put aside" in r.getMessage()] == \
        [f"update {aside[0]} put aside: it cannot be stored"]


async def test_the_inbox_keeps_each_update_as_telegram_sent_it(bot: Bot) -> None:
    """What a complaint is looked into with, and what a restart replays: the update Telegram sent,
    not python-telegram-bot's rebuilding of it (which adds its own defaults to every message)."""
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    sent = lan.send_text("/trogiup")
    assert "/baocao" in ((await lan.next_message()).text or "")
    payload = await bot.app.db.scalar("SELECT payload FROM inbox WHERE key = ?",
                                      (f"tg:{sent['update_id']}",))
    assert json.loads(payload) == sent


async def test_when_the_inbox_cannot_be_written_polling_backs_off_and_nothing_is_lost(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """A full disk (here a trigger that refuses every insert into the inbox): the batch stays at
    Telegram, polling asks again after a growing pause, and the log says so once."""
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    if bot.app.db.dialect == "postgresql":
        await bot.app.db.execute(
            "CREATE FUNCTION full() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$")
        await bot.app.db.execute("CREATE TRIGGER full_disk BEFORE INSERT ON inbox "
                                 "FOR EACH ROW EXECUTE FUNCTION full()")
    else:
        await bot.app.db.execute("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON main.inbox "
                                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    asked = bot.emu.calls["getUpdates"]
    lan.send_text("/trogiup")

    # Three refused batches, then the disk has room again.
    await bot.emu.wait_for(lambda: bot.emu.calls["getUpdates"] >= asked + 4, timeout=15,
                           what="polling to ask again")
    on = " ON inbox" if bot.app.db.dialect == "postgresql" else ""
    await bot.app.db.execute("DROP TRIGGER full_disk" + on)

    assert "/baocao" in ((await lan.next_message(timeout=15)).text or "")
    # Asked again at once, forever, this would be hundreds of calls and log lines by now.
    assert bot.emu.calls["getUpdates"] - asked < 10
    failing = [r for r in caplog.records if "inbox cannot be written" in r.getMessage()]
    assert len(failing) == 1 and "disk is full" not in failing[0].getMessage()
    assert "No space left" not in failing[0].getMessage()


async def test_full_report_with_an_album_a_document_and_a_location(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_text("/baocao nguyen van an")
    pick = await lan.next_message()
    assert "Có 2 nhà" in (pick.text or "")
    lan.click("MH-001 – Nguyễn Văn An")
    stage = await lan.next_message()
    assert "Nhà đã đến bước nào" in (stage.text or "")
    lan.click("Hoàn thành")
    await lan.next_message()
    lan.send_album([jpeg(1), jpeg(2)])
    got = await lan.next_message()
    assert "Đã nhận 2 ảnh" in (got.text or "")  # the album is one step, not two
    lan.send_document(png(3), "IMG_0003.png", "image/png")
    got = await lan.next_message()
    assert "Đã nhận 3 ảnh" in (got.text or "")
    lan.click("Xong")
    extras = await lan.next_message()
    assert "vị trí" in (extras.text or "")
    assert "📍 Gửi vị trí" in lan.reply_buttons()
    lan.send_location(9.61, 105.97)
    await lan.next_message()
    lan.click("Tiếp")
    summary = await lan.next_message()
    assert "Ảnh: 3" in (summary.text or "")
    lan.click("Gửi báo cáo")
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in (receipt.text or "")
    stored = await reports.photos_of(bot.app.db, 1)
    assert len(stored) == 3 and stored[2].original is not None
    assert bot.app.ctx.photos.path(stored[2].original).read_bytes() == png(3)
    report = await reports.get(bot.app.db, 1)
    assert report and report.lat == pytest.approx(9.61)
    # An old question's button pressed again changes nothing.
    lan.press(stage, "s:3")
    again = await lan.next_message()
    assert "Nhà đã đến bước nào" not in (again.text or "") and await bot.count("reports") == 1


async def test_quick_caption_path_with_an_album(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in (receipt.text or "") and "2 ảnh" in (receipt.text or "")
    assert lan.unread() == []


async def test_a_non_image_file_is_refused_without_downloading_it(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_document(b"%PDF-1.4 ...", "bien-ban.pdf", "application/pdf")
    reply = await lan.next_message()
    assert "không phải là ảnh" in (reply.text or "") and "bien-ban.pdf" in (reply.text or "")
    assert bot.emu.calls["getFile"] == 0


async def test_a_file_over_the_download_limit_gets_a_clear_message(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    big = jpeg(1) + b"\0" * (21 * 1024 * 1024)
    lan.send_document(big, "RAW.jpg", "image/jpeg")
    reply = await lan.next_message()
    assert "quá nặng" in (reply.text or "")


async def test_restart_in_the_middle_of_a_report(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_text("/baocao MH-001")
    await lan.next_message()
    lan.click("Hoàn thành")
    await lan.next_message()
    lan.send_photo(jpeg(1))
    await lan.next_message()
    await bot.restart()
    lan.send_photo(jpeg(2))
    got = await lan.next_message()
    assert "Đã nhận 2 ảnh" in (got.text or "")


async def test_an_update_stored_but_never_handled_is_replayed_once(bot: Bot) -> None:
    """The crash window: an update on disk in the inbox, confirmed to Telegram, not handled."""
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    await bot.channel.stop()
    lost = {"update_id": 900, "message": {
        "message_id": 500, "date": 1, "chat": lan.chat, "from": lan.user, "text": "/baocao MH-001",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}}
    await inbox.store(bot.app.db, CHANNEL, [("tg:900", json.dumps(lost))], bot.app.ctx.stamp())
    await bot.restart()
    reply = await lan.next_message()
    assert "Nhà đã đến bước nào" in (reply.text or "")
    await bot.restart()  # handled now: not replayed again
    assert lan.unread() == []
    assert await inbox.unhandled(bot.app.db, CHANNEL) == []


async def test_a_redelivered_update_is_not_a_second_report(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    sent = lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    await lan.next_message()
    for update in sent:
        bot.emu.redeliver(update["update_id"])
    lan.send_text("/trogiup")  # something after the duplicates, to know they were read
    await lan.next_message()
    assert await bot.count("reports") == 1 and await bot.count("photos") == 2
    assert lan.unread() == []


async def test_a_429_storm_is_waited_out(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.fail_next("sendMessage", 3, status=429, retry_after=0.05)
    lan.send_text("/trogiup")
    reply = await lan.next_message()
    assert "Hướng dẫn" in (reply.text or "")
    assert bot.emu.stats.too_many_requests == 3


async def test_a_5xx_on_getfile_is_retried(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.fail_next("getFile", 2, status=502)
    lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    receipt = await lan.next_message()
    assert "2 ảnh" in (receipt.text or "")


async def test_a_blocked_user_is_marked_and_not_retried(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.block(1001)
    await bot.emu.wait_for(lambda: bot.emu.calls["getUpdates"] > 0 and not bot.emu.pending_updates)
    before = bot.emu.calls["sendMessage"]
    delivered = await bot.channel.deliver(1001, Reply("Nhắc việc"))
    assert delivered is False
    user = await users.find(bot.app.db, CHANNEL, "1001")
    assert user is not None and user.status == "blocked"
    assert bot.emu.calls["sendMessage"] - before <= 1


async def test_long_text_and_markup_stay_within_telegram_limits(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    text = ("Nhà <b> & 'x' 🏠 " * 40 + "\n") * 20  # about 13,000 characters with HTML specials
    choices = (Choice("h:123456789", "MH-001 – " + "Nguyễn " * 30), Choice("cancel", "Hủy"))
    assert await bot.channel.deliver(1001, Reply(text, choices=choices))
    pieces = lan.unread()
    assert len(pieces) >= 4
    assert all(utf16_len(p.text or "") <= 4096 for p in pieces)
    assert "".join(parse_html(p.text or "")[0] for p in pieces).replace("\n", "") == text.replace("\n", "")
    assert pieces[-1].reply_markup is not None and pieces[0].reply_markup is None
    with pytest.raises(ValueError):
        await bot.channel.deliver(1001, Reply("x", choices=(Choice("k" * 65, "quá dài"),)))


async def test_webhook_mode_checks_the_secret_and_stores_before_answering(tmp_path: Path) -> None:
    import socket
    from dataclasses import replace

    import httpx

    from bot.app import App
    from tests.channels.telegram_world import TOKEN, make_channel
    from tests.emulators.tgemu import BotApiEmulator
    from tests.world import build_world

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp_path)
        tg = replace(world.app.settings.telegram, token=TOKEN, base_url=emu.base_url,
                     base_file_url=emu.base_file_url, webhook_url=f"https://bot.example.vn/tg/{port}",
                     webhook_secret="s3cret-Value", listen="127.0.0.1", port=port)
        settings = replace(world.app.settings, telegram=tg)
        world.app.settings = world.app.ctx.settings = settings
        app: App = world.app
        channel = make_channel(app)
        await channel.start_webhook()
        try:
            code = await world.invite("MTU01", "volunteer")
            lan = emu.user(1001, first_name="Lan")
            update = {"update_id": 77, "message": {
                "message_id": 1, "date": 1, "chat": lan.chat, "from": lan.user, "text": f"/start {code}",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
            url = f"http://127.0.0.1:{port}/tg/{port}"
            async with httpx.AsyncClient() as client:
                wrong = await client.post(url, json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                assert wrong.status_code == 403
                assert await inbox.unhandled(app.db, CHANNEL) == []
                right = await client.post(url, json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Value"})
                assert right.status_code == 200
            reply = await lan.next_message()
            assert "Bạn đã tham gia" in (reply.text or "")
            assert emu.webhook is not None and emu.webhook.get("url", "").endswith(f"/tg/{port}")
        finally:
            await channel.stop()
            await app.close()


async def test_the_late_part_of_an_album_joins_its_report(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    group = bot.emu.new_media_group_id()
    lan.send_photo(jpeg(1), caption="MH-003 hoàn thành", media_group_id=group)
    lan.send_photo(jpeg(2), media_group_id=group)
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in (receipt.text or "") and "2 ảnh" in (receipt.text or "")
    # The album's third photo reached the bot only after the receipt (a later getUpdates answer).
    lan.send_photo(jpeg(3), media_group_id=group)
    joined = await lan.next_message()
    assert "Đã thêm 1 ảnh" in (joined.text or "") and "báo cáo số 1" in (joined.text or "")
    assert "3 ảnh" in (joined.text or "")
    assert await bot.count("reports") == 1
    stored = await reports.photos_of(bot.app.db, 1)
    assert len(stored) == 3 and len({p.sha256 for p in stored}) == 3
    # A photo of no album, sent afterwards, is not slipped into that report.
    lan.send_photo(jpeg(4))
    asked = await lan.next_message()
    assert "nhà nào" in (asked.text or "").lower() and len(await reports.photos_of(bot.app.db, 1)) == 3


async def test_a_late_album_photo_used_for_another_house_is_left_out(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_album([jpeg(7), jpeg(8)], caption="MH-001 khởi công")
    assert "Đã nhận báo cáo số 1" in ((await lan.next_message()).text or "")
    group = bot.emu.new_media_group_id()
    lan.send_photo(jpeg(1), caption="MH-003 hoàn thành", media_group_id=group)
    lan.send_photo(jpeg(2), media_group_id=group)
    assert "Đã nhận báo cáo số 2" in ((await lan.next_message()).text or "")
    lan.send_photo(jpeg(7), media_group_id=group)
    refused = await lan.next_message()
    assert "không được thêm" in (refused.text or "") and "báo cáo số 1" in (refused.text or "")
    assert len(await reports.photos_of(bot.app.db, 2)) == 2


async def test_an_album_split_before_enough_photos_still_files_itself(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    await bot.join(lan, "MTU01")
    group = bot.emu.new_media_group_id()
    lan.send_photo(jpeg(1), caption="MH-003 hoàn thành", media_group_id=group)
    asked = await lan.next_message()  # "hoàn thành" needs 2 photos; only one has arrived
    assert "Đã nhận báo cáo" not in (asked.text or "")
    lan.send_photo(jpeg(2), media_group_id=group)
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in (receipt.text or "") and "2 ảnh" in (receipt.text or "")
