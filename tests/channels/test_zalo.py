"""End to end: the real Zalo channel (ZaloChannel, handlers, SQLite, Pillow) against the emulator."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import httpx
import pytest

from bot.channels.zalo.api import ZaloError
from bot.channels.zalo.channel import CHANNEL
from bot.channels.zalo.render import TEXT_LIMIT
from bot.channels.zalo.webhook_answer import WebhookRefused
from bot.scheduler import Reminders
from handlers.settings import Deadline
from handlers.types import LOCATION_KEY, Choice, Reply
from storage import inbox, reports, send_failures, users
from tests.channels.zalo_world import (
    HOOK_PATH,
    SECRET,
    TOKEN,
    ZaloBot,
    free_port,
    make_channel,
    running_zalo_bot,
    zalo_settings,
)
from tests.emulators.tgemu import utf16_len
from tests.emulators.zaloemu import ZaloEmulator, ZaloUser
from tests.images import jpeg, png
from tests.world import build_world


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ZaloBot]:
    async with running_zalo_bot(tmp_path) as b:
        yield b


@pytest.fixture
async def hooked(tmp_path: Path) -> AsyncIterator[ZaloBot]:
    async with running_zalo_bot(tmp_path, webhook=True) as b:
        yield b


async def full_report(bot: ZaloBot, lan_name: str = "Lan") -> None:
    lan = bot.emu.user(display_name=lan_name)
    await bot.join(lan, "MTU01")
    lan.send_text("/baocao nguyen van an")
    pick = await lan.next_message()
    assert "Có 2 nhà" in pick.text and "1. MH-001 – Nguyễn Văn An" in pick.text
    lan.choose("MH-001 – Nguyễn Văn An")
    stage = await lan.next_message()
    assert "Nhà đã đến bước nào" in stage.text
    lan.send_text("hoàn thành")  # the words of a choice work as well as its number
    await lan.next_message()
    lan.send_photos([jpeg(1), jpeg(2), png(3)])
    got = await lan.next_message()
    assert "Đã nhận 3 ảnh" in got.text  # photos sent together are one step, as an album is
    lan.choose("Xong")
    extras = await lan.next_message()
    assert "Zalo chưa gửi được vị trí" in extras.text and "3. " not in extras.text
    lan.send_text("Đã lợp mái xong")
    summary = await lan.next_message()
    assert "Ảnh: 3" in summary.text and "Đã lợp mái xong" in summary.text
    lan.choose("Gửi báo cáo")
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in receipt.text
    stored = await reports.photos_of(bot.app.db, 1)
    assert len(stored) == 3


# --- payload shapes, both modes -------------------------------------------------------------------

@pytest.mark.parametrize(("wrapped", "photo_field", "empty_poll"), [
    (True, "photo_url", "http"), (False, "photo", "body"),
])
async def test_full_report_over_polling(tmp_path: Path, wrapped: bool, photo_field: str,
                                        empty_poll: str) -> None:
    async with running_zalo_bot(tmp_path, wrapped=wrapped, photo_field=photo_field,
                                empty_poll=empty_poll) as bot:
        await full_report(bot)
        # Empty polls came back as 408 and polling went on.
        await bot.emu.wait_for(lambda: any(e[1] == 408 for e in bot.emu.errors), what="an empty poll")
        assert await bot.count("reports") == 1


@pytest.mark.parametrize("wrapped", [True, False])
async def test_full_report_over_the_webhook(tmp_path: Path, wrapped: bool) -> None:
    async with running_zalo_bot(tmp_path, webhook=True, wrapped=wrapped) as bot:
        assert bot.emu.webhook == {"url": "https://bot.example.vn/zalo/hook", "secret_token": SECRET,
                                   "updated_at": bot.emu.webhook["updated_at"]}
        await full_report(bot)
        await bot.emu.delivered()
        assert {c.status for c in bot.emu.webhook_calls} == {200}
        assert bot.emu.calls["getUpdates"] == 0


async def test_the_webhook_answers_before_the_work_is_done(hooked: ZaloBot) -> None:
    lan = hooked.emu.user(display_name="Lan")
    await hooked.join(lan, "MTU01")
    lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    receipt = await lan.next_message()
    assert "Đã nhận báo cáo số 1" in receipt.text and "2 ảnh" in receipt.text
    photo_calls = hooked.emu.webhook_calls[-2:]
    # Stored, answered, and only then downloaded, decoded and filed.
    assert all(c.status == 200 and c.answered <= receipt.time for c in photo_calls)
    assert await inbox.unhandled(hooked.app.db, CHANNEL) == []


async def test_photos_are_stored_while_the_chat_waits_for_the_rest_of_them(tmp_path: Path) -> None:
    """Zalo sends each photo of several as a message of its own, and the chat waits a moment for
    the next: the photos are fetched and stored meanwhile, so the receipt does not wait for that."""
    async with running_zalo_bot(tmp_path, webhook=True, album_wait=60.0) as hooked:
        lan = hooked.emu.user(display_name="Lan")
        await hooked.join(lan, "MTU01")
        lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
        media = hooked.app.ctx.photos.media_dir

        def stored() -> int:
            return len([p for p in media.rglob("*.jpg") if not p.name.endswith(".thumb.jpg")])

        await hooked.emu.wait_for(lambda: stored() == 2, what="both photos on disk")
        assert await hooked.count("reports") == 0 and lan.unread() == []  # still one step, waiting
        lan.send_text("/huy")  # a message that is not a photo ends the group at once
        receipt = await lan.next_message()
        assert "Đã nhận báo cáo số 1" in receipt.text and "2 ảnh" in receipt.text
        assert stored() == 2


# --- the door: secret, shape, duplicates ----------------------------------------------------------

async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(hooked: ZaloBot) -> None:
    lan = hooked.emu.user(display_name="Lan")
    code = await hooked.world.invite("MTU01", "volunteer")
    event = {"event_name": "message.text.received", "message": {
        "from": {"id": lan.id, "display_name": "Lan"}, "chat": {"id": lan.id, "chat_type": "PRIVATE"},
        "text": f"/start {code}", "message_id": "abc123", "date": 1750316131602}}
    body = {"ok": True, "result": event}
    assert await hooked.emu.post_webhook(body, "wrong-secret-value") == 403
    assert await hooked.emu.post_webhook(body, None) == 403
    assert await hooked.emu.post_webhook(body, SECRET[:-1]) == 403
    assert await hooked.count("inbox") == 0 and await hooked.count("users") == 0
    assert lan.messages == []
    assert await hooked.emu.post_webhook(b"{not json", SECRET) == 400
    assert await hooked.emu.post_webhook(b"x" * (300 * 1024), SECRET) in (400, 413, 0)
    assert await hooked.count("inbox") == 0
    assert await hooked.emu.post_webhook(body, SECRET) == 200
    reply = await lan.next_message()
    assert "Bạn đã tham gia" in reply.text


async def test_a_body_that_cannot_be_stored_is_a_400_not_a_retry_loop(
        hooked: ZaloBot, caplog: pytest.LogCaptureFixture) -> None:
    """Nesting deep enough to exhaust the parser's recursion, and half a surrogate pair in a text
    (valid JSON, not encodable as UTF-8): Zalo would send either again forever if answered 500."""
    lan = hooked.emu.user(display_name="Lan")
    code = await hooked.world.invite("MTU01", "volunteer")
    deep = b'{"ok": true, "result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    event = {"event_name": "message.text.received", "message": {
        "from": {"id": lan.id, "display_name": "Lan"}, "chat": {"id": lan.id, "chat_type": "PRIVATE"},
        "text": f"/start {code} HALF", "message_id": "s1", "date": 1750316131602}}
    half = json.dumps(event).replace("HALF", "\\ud800").encode()

    with caplog.at_level("WARNING"):
        assert await hooked.emu.post_webhook(deep, SECRET) == 400
        assert await hooked.emu.post_webhook(half, SECRET) == 400

    assert await hooked.count("inbox") == 0 and await hooked.count("users") == 0
    refused = [r.getMessage() for r in caplog.records if "webhook" in r.getMessage()]
    assert len(refused) == 2 and not any(code in line for line in refused)
    lan.send_text(f"/start {code}")
    assert "Bạn đã tham gia" in (await lan.next_message()).text


async def test_a_duplicate_delivery_is_dropped(hooked: ZaloBot) -> None:
    lan = hooked.emu.user(display_name="Lan")
    await hooked.join(lan, "MTU01")
    sent = lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    await lan.next_message()
    for body in sent:
        hooked.emu.redeliver(body)
    lan.send_text("/trogiup")  # something after the duplicates, to know they were read
    await lan.next_message()
    await hooked.emu.delivered()
    assert await hooked.count("reports") == 1 and await hooked.count("photos") == 2
    assert lan.unread() == []
    downloads = hooked.emu.calls["download"]
    assert downloads == 2  # the duplicates were not fetched again


async def test_a_duplicate_poll_is_dropped(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    body = lan.send_photo(jpeg(1), caption="MH-001 khởi công")
    await lan.next_message()
    bot.emu.redeliver(body)
    lan.send_text("/trogiup")
    await lan.next_message()
    assert await bot.count("reports") == 1 and lan.unread() == []


async def test_an_unread_group_message_is_not_answered(hooked: ZaloBot) -> None:
    lan = hooked.emu.user(display_name="Lan")
    await hooked.join(lan, "MTU01")
    event = {"event_name": "message.text.received", "message": {
        "from": {"id": lan.id, "display_name": "Lan"}, "chat": {"id": "9" * 20, "chat_type": "GROUP"},
        "text": "/trogiup", "message_id": "g1", "date": 1}}
    assert await hooked.emu.post_webhook(event, SECRET) == 200
    lan.send_text("/trogiup")
    reply = await lan.next_message()
    assert "Hướng dẫn" in reply.text and lan.unread() == []
    await hooked.emu.wait_for(lambda: not hooked.channel._chats._workers, what="the workers to finish")
    assert await inbox.unhandled(hooked.app.db, CHANNEL) == []


# --- photos in ------------------------------------------------------------------------------------

async def test_an_expired_photo_url_gets_a_clear_message(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_text("/baocao MH-001")
    await lan.next_message()
    lan.choose("Hoàn thành")
    await lan.next_message()
    bot.emu.expire_photos()
    url_body = lan.send_photo(jpeg(1))
    bot.emu.expire_photos()  # the link died before the bot fetched it
    got = await lan.next_message()
    assert "Chưa tải được ảnh" in got.text and url_body["result"]["message"]["message_id"][:8] in got.text
    assert "Đã nhận 0 ảnh" in (await lan.next_message()).text
    lan.send_photo(jpeg(2))
    got = await lan.next_message()
    assert "Đã nhận 1 ảnh" in got.text


async def test_a_5xx_on_the_photo_is_retried(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.fail_next("download", 2, status=502)
    lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    receipt = await lan.next_message()
    assert "2 ảnh" in receipt.text


async def test_a_strangers_photo_is_not_downloaded(bot: ZaloBot) -> None:
    stranger = bot.emu.user(display_name="X")
    stranger.send_photo(jpeg(1), caption="MH-001 hoàn thành")
    reply = await stranger.next_message()
    assert "mã mời" in reply.text
    assert bot.emu.calls["download"] == 0 and await bot.count("users") == 0


async def test_stickers_files_and_locations_get_told_what_the_bot_reads(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_sticker()
    reply = await lan.next_message()
    assert "chỉ đọc được tin nhắn chữ và ảnh" in reply.text
    lan.send_unsupported()
    reply = await lan.next_message()
    assert "chỉ đọc được tin nhắn chữ và ảnh" in reply.text
    stranger = bot.emu.user(display_name="Y")
    stranger.send_unsupported()
    assert "mã mời" in (await stranger.next_message()).text


# --- replies out ----------------------------------------------------------------------------------

async def test_long_text_is_split_within_zalos_limit(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    text = ("Nhà số 🏠 " * 40 + "\n") * 20 + "x" * 4500  # 7,000+ characters and one endless line
    choices = (Choice("h:1", "MH-001 – Nguyễn Văn An"), Choice(LOCATION_KEY, "📍 Gửi vị trí"),
               Choice("cancel", "Hủy"))
    assert await bot.channel.deliver(lan.id, Reply(text, choices=choices))
    pieces = lan.unread()
    assert len(pieces) >= 5 and all(1 <= utf16_len(p.text) <= TEXT_LIMIT for p in pieces)
    joined = "".join(p.text for p in pieces).replace("\n", "")
    assert joined.startswith(text.replace("\n", ""))
    last = pieces[-1].text
    assert "1. MH-001 – Nguyễn Văn An" in last and "0. Hủy" in last and "2. " not in last
    assert "Zalo chưa gửi được vị trí" in last


async def extras_step(bot: ZaloBot, lan_name: str = "Lan") -> tuple[ZaloUser, str]:
    """A volunteer at the question that offers a location: what they see there."""
    lan = bot.emu.user(display_name=lan_name)
    await bot.join(lan, "MTU01")
    lan.send_text("/baocao MH-001")
    await lan.next_message()
    lan.choose("Hoàn thành")
    await lan.next_message()
    lan.send_photos([jpeg(1), jpeg(2)])
    assert "Đã nhận 2 ảnh" in (await lan.next_message()).text
    lan.choose("Xong")
    return lan, (await lan.next_message()).text


async def test_choices_beside_a_location_are_numbered_from_1_cancel_0_and_typed_numbers_follow(
        hooked: ZaloBot) -> None:
    bot = hooked  # a restart under polling could leave a message to the stopped bot's last long poll
    lan, extras = await extras_step(bot)
    numbered = [line for line in extras.splitlines() if line[:1].isdigit()]
    assert numbered == ["1. Bỏ qua", "0. Hủy"] and "ví dụ: 1" in extras
    lan.send_text("3")  # on no list the person saw: the question again, the report kept
    assert (await lan.next_message()).text == extras
    await bot.restart()  # the numbers are read against the stored dialog, not this process's memory
    lan.send_text("1")
    summary = await lan.next_message()
    assert "Kiểm tra báo cáo" in summary.text and "Ghi chú: không có" in summary.text
    lan.send_text("1")  # a list without a location is read as it always was
    assert "Đã nhận báo cáo số 1" in (await lan.next_message()).text
    hoa, extras = await extras_step(bot, "Hoa")
    hoa.send_text("2")  # "Hủy" is 0 now: 2 is on no list
    assert (await hoa.next_message()).text == extras
    hoa.send_text("0")  # the photos are work: asked once
    drop = (await hoa.next_message()).text
    assert "Bỏ báo cáo nhà MH-001 với 2 ảnh?" in drop and "1. Bỏ" in drop and "0. Không, tiếp tục" in drop
    hoa.send_text("1")
    assert "Đã hủy báo cáo" in (await hoa.next_message()).text
    assert await bot.count("reports") == 1


async def test_a_5xx_on_send_is_retried_and_a_4xx_is_not(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.fail_next("sendMessage", 2, status=502)
    lan.send_text("/trogiup")
    assert "Hướng dẫn" in (await lan.next_message()).text
    bot.emu.fail_next("sendMessage", 1, status=400)
    with pytest.raises(Exception, match="400"):
        await bot.channel.deliver(lan.id, Reply("x"))


async def status_of(bot: ZaloBot, person: ZaloUser) -> str:
    user = await users.find(bot.app.db, CHANNEL, person.id)
    assert user is not None
    return user.status


async def test_one_403_never_marks_a_person_three_on_two_days_do(bot: ZaloBot) -> None:
    """Zalo's 403 is not known to mean "blocked the bot": recorded, not retried, and only three of
    them on two different days with no message from the person in between mark them."""
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    clock = bot.world.clock
    bot.emu.block(lan.id)
    before = bot.emu.calls["sendMessage"]
    for _ in range(3):  # three on one day: still reachable
        clock.advance(timedelta(minutes=10))
        assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "failed"
        assert await status_of(bot, lan) == "active"
    assert bot.emu.calls["sendMessage"] - before == 3  # a 403 is not retried
    with pytest.raises(ZaloError, match="403"):  # a reply, too, is one failed send, not a mark
        await bot.channel.deliver(lan.id, Reply("x"))
    assert await status_of(bot, lan) == "active"
    recorded = await send_failures.of(bot.app.db, CHANNEL, lan.id)
    assert [(f.code, f.description) for f in recorded] == [(403, "user has blocked the bot")] * 4
    assert len({f.day for f in recorded}) == 1
    clock.advance(timedelta(days=1))
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "blocked"
    assert await status_of(bot, lan) == "blocked"
    # A message from them makes them reachable again.
    bot.emu.users[lan.id].blocked = False
    clock.advance(timedelta(minutes=1))
    lan.send_text("/trogiup")
    assert "Hướng dẫn" in (await lan.next_message()).text
    assert await status_of(bot, lan) == "active"


async def test_a_message_between_refusals_starts_the_count_again(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    clock = bot.world.clock
    bot.emu.block(lan.id)
    for _ in range(2):
        clock.advance(timedelta(hours=1))
        assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "failed"
    clock.advance(timedelta(days=1))
    bot.emu.users[lan.id].blocked = False
    lan.send_text("/trogiup")  # they wrote: what was refused before no longer counts
    assert "Hướng dẫn" in (await lan.next_message()).text
    bot.emu.block(lan.id)
    clock.advance(timedelta(minutes=1))
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "failed"
    clock.advance(timedelta(days=1))
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "failed"
    assert await status_of(bot, lan) == "active"  # two since their message, on two days
    clock.advance(timedelta(hours=1))
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("Nhắc việc")) == "blocked"


async def test_every_failed_send_is_recorded_with_its_code(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    bot.emu.fail_next("sendMessage", 1, status=400)
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("x")) == "failed"
    bot.emu.fail_next("sendMessage", 5, status=502)  # more than the channel's retries
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("x")) == "failed"
    recorded = await send_failures.of(bot.app.db, CHANNEL, lan.id)
    assert [(f.code, f.description) for f in recorded] == [(400, "injected failure"),
                                                           (502, "injected failure")]
    assert await status_of(bot, lan) == "active"


async def test_an_officer_gets_progress_with_its_chart_over_zalo(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    await lan.next_message()
    binh = bot.emu.user(display_name="Bình")
    await bot.join(binh, "MTU", role="officer")
    binh.send_text("/tiendo")
    text = await binh.next_message()
    assert "Tiến độ" in text.text and "Huyện Mỹ Tú" in text.text
    chart = await binh.next_message()
    assert chart.is_photo and chart.photo_type == "png"  # Zalo fetched our signed link
    assert chart.photo_url is not None and "/media/m/" in chart.photo_url
    # A house's photos, as /nha shows them, come the same way.
    binh.send_text("/nha MH-003")
    await binh.next_message()
    photos = [await binh.next_message() for _ in range(2)]
    assert all(p.is_photo and p.photo_type == "jpeg" for p in photos)


async def test_an_excel_export_is_a_download_link(bot: ZaloBot) -> None:
    binh = bot.emu.user(display_name="Bình")
    await bot.join(binh, "MTU", role="officer")
    binh.send_text("/xuat")
    texts = [(await binh.next_message()).text for _ in range(2)]  # the figures, then the link
    link_line = next(t for t in texts if "Tải tệp" in t)
    url = link_line.split("tại: ", 1)[1].split("\n", 1)[0]
    async with httpx.AsyncClient() as client:
        got = await client.get(url)
        assert got.status_code == 200 and got.content[:2] == b"PK"
        assert "attachment" in got.headers["Content-Disposition"]
        tampered = url[:-6] + ("a" if url[-6] != "a" else "b") + url[-5:]
        assert (await client.get(tampered)).status_code == 404


async def test_without_a_public_address_pictures_and_files_are_explained(tmp_path: Path) -> None:
    async with running_zalo_bot(tmp_path, public=False) as bot:
        binh = bot.emu.user(display_name="Bình")
        await bot.join(binh, "MTU", role="officer")
        binh.send_text("/tiendo")
        await binh.next_message()
        note = await binh.next_message()
        assert "ảnh chưa gửi được qua Zalo" in note.text
        binh.send_text("/xuat")
        texts = [(await binh.next_message()).text for _ in range(2)]
        assert any("Zalo không gửi kèm tệp được" in t for t in texts)
        assert bot.emu.calls["sendPhoto"] == 0


# --- crash safety ---------------------------------------------------------------------------------

async def test_restart_in_the_middle_of_a_report(hooked: ZaloBot) -> None:
    lan = hooked.emu.user(display_name="Lan")
    await hooked.join(lan, "MTU01")
    lan.send_text("/baocao MH-001")
    await lan.next_message()
    lan.choose("Hoàn thành")
    await lan.next_message()
    lan.send_photo(jpeg(1))
    await lan.next_message()
    await hooked.restart()
    lan.send_photo(jpeg(2))
    got = await lan.next_message()
    assert "Đã nhận 2 ảnh" in got.text


async def test_a_message_stored_but_never_handled_is_replayed_once(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    await bot.channel.stop()
    lost = {"ok": True, "result": {"event_name": "message.text.received", "message": {
        "from": {"id": lan.id, "display_name": "Lan"}, "chat": {"id": lan.id, "chat_type": "PRIVATE"},
        "text": "/baocao MH-001", "message_id": "feedbeef", "date": 1}}}
    await inbox.store(bot.app.db, CHANNEL, [("zalo:feedbeef", json.dumps(lost))], bot.app.ctx.stamp())
    await bot.restart()
    reply = await lan.next_message()
    assert "Nhà đã đến bước nào" in reply.text
    await bot.restart()
    assert lan.unread() == [] and await inbox.unhandled(bot.app.db, CHANNEL) == []


async def test_stopping_closes_the_http_sessions(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")  # a poll and a reply: both sessions open
    sessions = [bot.channel._http._session, bot.channel._poll_http._session]
    assert all(s is not None and not s.closed for s in sessions)
    await bot.channel.stop()
    assert all(s is not None and s.closed for s in sessions)
    with pytest.raises(RuntimeError, match="stopped"):  # not a new session nobody would close
        await bot.channel.deliver(lan.id, Reply("x"))
    await bot.channel.stop()  # twice is harmless


# --- what never reaches the log -------------------------------------------------------------------

async def test_the_log_holds_no_token_secret_or_name(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    # What production writes: INFO and up (bot.logs).
    caplog.set_level(logging.INFO)
    async with running_zalo_bot(tmp_path, webhook=True) as bot:
        lan = bot.emu.user(display_name="Lan")
        await bot.join(lan, "MTU01")
        bot.emu.fail_next("sendMessage", 1, status=400)
        lan.send_text("/baocao nguyen van an")  # fails to send: the failure is logged
        await bot.emu.wait_for(lambda: any(e[1] == 400 for e in bot.emu.errors), what="the failure")
        lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
        await lan.next_message()
        await lan.next_message()
    text = caplog.text
    assert TOKEN not in text and SECRET not in text
    assert "Nguyễn" not in text and "Trần Thị Bình" not in text


# --- reminders ------------------------------------------------------------------------------------

async def test_the_sender_tells_reminders_what_happened(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    sender = bot.app.channels
    assert await sender.send("zalo", lan.id, Reply("⏰ Nhắc hạn")) == "sent"
    assert "Nhắc hạn" in (await lan.next_message()).text
    assert await sender.send("telegram", lan.id, Reply("x")) == "failed"
    # A second 429 within a minute ends the retries with a pause (see the pause's own test).
    bot.emu.fail_next("sendMessage", 2, status=429)
    assert await sender.send("zalo", lan.id, Reply("x")) == "retry"
    bot.ticks.advance(61)
    bot.emu.fail_next("sendMessage", 1, status=400)
    assert await sender.send("zalo", lan.id, Reply("x")) == "failed"
    bot.emu.block(lan.id)
    # One 403 is a failed send, not a block (three on two days are: see the test above).
    assert await sender.send("zalo", lan.id, Reply("x")) == "failed"


async def test_deadline_reminders_reach_zalo_volunteers_through_the_scheduler(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    deadline = Deadline(name="Nộp báo cáo kết quả", date=date(2026, 8, 23), stage=None, about="",
                        audience=("volunteers",), offsets=(3,), at=time(8, 0))
    settings = replace(bot.app.settings,
                       campaign=replace(bot.app.settings.campaign, deadlines=(deadline,)))
    bot.app.settings = bot.app.ctx.settings = settings

    async def no_sleep(_seconds: float) -> None:
        """Pacing is the scheduler's business, tested there; here only the delivery matters."""

    reminders = Reminders(bot.app.ctx, bot.app.channels, sleep=no_sleep)
    report = await reminders.run_due(bot.world.clock.now())
    assert report.sent == 1
    got = await lan.next_message()
    assert "Nộp báo cáo kết quả" in got.text and "còn 3 ngày" in got.text


async def test_a_photo_over_20_mb_is_refused_without_keeping_it(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_photo(jpeg(1) + b"\0" * (21 * 1024 * 1024), caption="MH-001 khởi công")
    reply = await lan.next_message()
    assert "quá nặng" in reply.text and await bot.count("photos") == 0


# --- Zalo's 429: a burst limit or a daily quota ---------------------------------------------------

def pause_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "no sends to Zalo" in r.getMessage()]


async def test_a_second_429_within_a_minute_pauses_every_send_for_longer_each_time(
        bot: ZaloBot, caplog: pytest.LogCaptureFixture) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    send = bot.app.channels.send
    calls = bot.emu.calls
    # One 429, then another more than a minute later: a burst limit, ridden out by the retries.
    bot.emu.fail_next("sendMessage", 1, status=429)
    assert await send(CHANNEL, lan.id, Reply("một")) == "sent"
    bot.ticks.advance(61)
    bot.emu.fail_next("sendMessage", 1, status=429)
    assert await send(CHANNEL, lan.id, Reply("hai")) == "sent"
    assert pause_lines(caplog) == []
    minutes = []
    for pause in (60, 300, 900, 3600, 3600):  # growing, then staying at an hour
        before = calls["sendMessage"]
        bot.emu.fail_next("sendMessage", 2, status=429)
        assert await send(CHANNEL, lan.id, Reply("x")) == "retry"
        assert calls["sendMessage"] - before == 2  # no third try once the pause began
        for _ in range(3):
            assert await send(CHANNEL, lan.id, Reply("x")) == "retry"
        bot.ticks.advance(pause - 1)
        assert await send(CHANNEL, lan.id, Reply("x")) == "retry"
        assert calls["sendMessage"] - before == 2  # nothing was tried during the pause
        bot.ticks.advance(2)
        minutes.append(pause // 60)
    lines = pause_lines(caplog)
    assert len(lines) == 5  # once per pause, however many sends it turned away
    assert [int(line.split("Zalo for ")[1].split(" minutes")[0]) for line in lines] == minutes
    lan.unread()
    assert await send(CHANNEL, lan.id, Reply("lại được")) == "sent"
    assert (await lan.next_message()).text == "lại được"
    # A send got through: the next pause is short again.
    bot.emu.fail_next("sendMessage", 2, status=429)
    assert await send(CHANNEL, lan.id, Reply("x")) == "retry"
    assert "for 1 minutes" in pause_lines(caplog)[-1]


async def test_during_a_pause_a_person_who_writes_gets_a_reply_and_reminders_wait(
        bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    deadline = Deadline(name="Nộp báo cáo kết quả", date=date(2026, 8, 23), stage=None, about="",
                        audience=("volunteers",), offsets=(3,), at=time(8, 0))
    settings = replace(bot.app.settings, campaign=replace(bot.app.settings.campaign, deadlines=(deadline,)))
    bot.app.settings = bot.app.ctx.settings = settings

    async def no_sleep(_seconds: float) -> None:
        """Pacing is the scheduler's business, tested there."""

    bot.emu.fail_next("sendMessage", 2, status=429)
    assert await bot.app.channels.send(CHANNEL, lan.id, Reply("x")) == "retry"
    reminders = Reminders(bot.app.ctx, bot.app.channels, sleep=no_sleep)
    report = await reminders.run_due(bot.world.clock.now())
    assert report.retry == 1 and report.sent == 0
    assert lan.unread() == []
    lan.send_text("/trogiup")  # tried once, even during the pause: they are waiting for it
    assert "Hướng dẫn" in (await lan.next_message()).text
    bot.ticks.advance(61)
    report = await reminders.run_due(bot.world.clock.now())
    assert report.sent == 1  # kept in the outbox, sent after the pause
    assert "Nộp báo cáo kết quả" in (await lan.next_message()).text


# --- setWebhook's answer ---------------------------------------------------------------------------

async def start_hooked(tmp_path: Path, emu: ZaloEmulator, webhook_url: str | None = None) -> ZaloBot:
    world = await build_world(tmp_path)
    port = free_port()
    zalo = zalo_settings(emu, webhook=True, public=True, port=port)
    if webhook_url is not None:
        zalo = replace(zalo, webhook_url=webhook_url)
    world.app.settings = world.app.ctx.settings = replace(world.app.settings, zalo=zalo)
    return ZaloBot(emu, world, make_channel(world.app), tmp_path, webhook=True)


@pytest.mark.parametrize(("answer", "url", "why"), [
    ({"url": "https://other.example.vn/zalo/hook"}, None, "another webhook URL"),
    ({"verification": "failed"}, None, "did not verify the webhook URL"),
    ({"verification": False}, None, "did not verify the webhook URL"),
    ({"verification": {"status": "invalid"}}, None, "did not verify the webhook URL"),
    ({}, "http://127.0.0.1:9/zalo/hook", "error 400 (url must be an https address)"),
])
async def test_a_webhook_zalo_did_not_take_stops_the_start_with_one_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, answer: dict[str, object], url: str | None,
        why: str) -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        emu.webhook_answer = answer
        bot = await start_hooked(tmp_path, emu, url)
        try:
            with caplog.at_level(logging.INFO), pytest.raises(WebhookRefused, match=re.escape(why)):
                await bot.start()
        finally:
            await bot.channel.stop()
            await bot.app.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and why in errors[0] and "the bot stops" in errors[0]
    assert TOKEN not in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize("answer", [{"url": None}, {"verification": "verified"}, {"verification": True},
                                    {"url": f"https://bot.example.vn{HOOK_PATH}/"}])
async def test_a_webhook_zalo_took_starts(tmp_path: Path, answer: dict[str, object]) -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        emu.webhook_answer = answer
        bot = await start_hooked(tmp_path, emu)
        try:
            await bot.start()
            if "url" in answer and answer["url"] is None:  # no URL in the answer: Zalo was asked
                assert emu.calls["getWebhookInfo"] == 1
            lan = emu.user(display_name="Lan")
            await bot.join(lan, "MTU01")
        finally:
            await bot.channel.stop()
            await bot.app.close()


# --- the other forms of a message ----------------------------------------------------------------

@pytest.mark.parametrize("photo_field", ["url", "attachments"])
async def test_a_name_in_first_name_and_a_photo_in_url_or_attachments(tmp_path: Path,
                                                                        photo_field: str) -> None:
    async with running_zalo_bot(tmp_path, name_field="first_name", photo_field=photo_field) as bot:
        lan = bot.emu.user(display_name="Lan")
        await bot.join(lan, "MTU01")
        user = await users.find(bot.app.db, CHANNEL, lan.id)
        assert user is not None and user.display_name == "Lan"
        lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
        receipt = await lan.next_message()
        assert "Đã nhận báo cáo số 1" in receipt.text and "2 ảnh" in receipt.text
