"""The Bot API emulator, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from PIL import Image
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
)

from tests.emulators.tgemu import BotApiEmulator, parse_html, utf16_len
from tests.emulators.tgemu.client import plain_http_request
from tests.images import jpeg, png

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; both forms are handled.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

TOKEN = "123:ABC"
LAN = 1001


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="chungtay_test_bot") as emulator:
        yield emulator


def make_bot(emu: BotApiEmulator, token: str = TOKEN) -> telegram.Bot:
    return telegram.Bot(token, base_url=emu.base_url, base_file_url=emu.base_file_url,
                        request=plain_http_request(),
                        get_updates_request=plain_http_request())


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with make_bot(emu) as client:
        yield client


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]
                                 for text, data in pairs])


def retry_after_of(exc: RetryAfter) -> float:
    retry_after = exc.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else retry_after


# -- basics ------------------------------------------------------------------------------


async def test_get_me_and_ephemeral_localhost_port(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "chungtay_test_bot", True)
    assert emu.port > 0
    assert emu.base_url == f"http://127.0.0.1:{emu.port}/bot"


async def test_send_message_is_recorded_and_received(emu: BotApiEmulator,
                                                     bot: telegram.Bot) -> None:
    lan = emu.user(LAN, first_name="Lan")
    message = await bot.send_message(LAN, "<b>Chào</b> Lan &amp; nhóm", parse_mode="HTML",
                                     reply_markup=keyboard(("Có", "yes"), ("Không", "no")))
    assert message.text == "Chào Lan & nhóm"
    assert message.entities[0].type == "bold" and message.entities[0].length == 4
    assert message.chat.id == LAN and message.from_user.id == 123

    got = await lan.next_message(timeout=5)
    assert got.method == "sendMessage" and got.chat_id == LAN
    assert got.text == "<b>Chào</b> Lan &amp; nhóm" and got.plain == "Chào Lan & nhóm"
    assert got.parse_mode == "HTML" and got.message_id == message.message_id
    assert lan.last_buttons() == [("Có", "yes"), ("Không", "no")]
    assert emu.calls["sendMessage"] == 1 and emu.sent == [got]


async def test_wrong_token_and_unknown_method(emu: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(emu, "999:WRONG"):
            pass
    async with httpx.AsyncClient(verify=False) as client:  # plain HTTP: skip CA loading
        r = await client.post(f"{emu.base_url}{TOKEN}/noSuchMethod")
        assert (r.status_code, r.json()) == (
            404, {"ok": False, "error_code": 404, "description": "Not Found"})
        r = await client.get(f"{emu.base_url}999:WRONG/getMe")
        assert (r.status_code, r.json()["description"]) == (401, "Unauthorized")


async def test_json_and_form_bodies_and_case_insensitive_names(emu: BotApiEmulator) -> None:
    emu.user(LAN)
    url = f"{emu.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient(verify=False) as client:  # plain HTTP: skip CA loading
        r = await client.post(f"{url}/SENDMESSAGE",
                              json={"chat_id": LAN, "text": "json", "reply_markup": markup})
        assert r.json()["result"]["reply_markup"] == markup
        r = await client.post(f"{url}/sendmessage", data={"chat_id": str(LAN), "text": "form"})
        assert r.json()["ok"]
        r = await client.get(f"{url}/sendMessage", params={"chat_id": LAN, "text": "query"})
        assert r.json()["ok"]
    assert [s.text for s in emu.sent] == ["json", "form", "query"]
    assert emu.calls["sendMessage"] == 3


# -- validation ----------------------------------------------------------------------------


async def test_text_limits_count_utf16(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.user(LAN)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(LAN, "a" * 4097)
    # 2048 emoji are 4096 UTF-16 code units: exactly at the limit, one more is over.
    await bot.send_message(LAN, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(LAN, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(LAN, "  \n ")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(LAN, jpeg(1, (64, 48)), caption="c" * 1025)
    assert [e.description for e in emu.errors] == [
        "Bad Request: message is too long",
        "Bad Request: message is too long",
        "Bad Request: message text is empty",
        "Bad Request: message caption is too long",
    ]


@pytest.mark.parametrize("text, error", [
    ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("Giá < 5 triệu", 'Unsupported start tag "" at byte offset 5'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("A & B", "bare '&' at byte offset 2"),
])
async def test_malformed_html_rejected(emu: BotApiEmulator, bot: telegram.Bot, text: str,
                                       error: str) -> None:
    emu.user(LAN)
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(LAN, text, parse_mode="HTML")
    # The exact wording Telegram uses (PTB re-capitalises it in the exception).
    assert emu.errors[-1].description.startswith(f"Bad Request: can't parse entities: {error}")


def test_html_parser_matches_tdlib_cases() -> None:
    assert parse_html("🏟 🏟&lt;<i>🏟 &lt;🏟</i>") == (
        "🏟 🏟<🏟 <🏟", [{"type": "italic", "offset": 6, "length": 6}])
    with pytest.raises(ValueError, match="Unclosed start tag at byte offset 13"):
        parse_html("🏟 🏟&lt;<abacaba")
    plain, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>'
                                 '<a href="https://t.me">t</a><span class="tg-spoiler">s</span>'
                                 "<blockquote expandable>q</blockquote>")
    assert plain == "x = 1tsq"
    assert [e["type"] for e in entities] == [
        "pre", "text_link", "spoiler", "expandable_blockquote"]
    assert entities[0]["language"] == "python"
    assert parse_html("A & B", strict_ampersand=False)[0] == "A & B"
    assert utf16_len("😀a") == 3


async def test_callback_data_limits(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.user(LAN)
    await bot.send_message(LAN, "ok", reply_markup=keyboard(("x", "d" * 64)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(LAN, "too long", reply_markup=keyboard(("x", "d" * 65)))
    # 22 Vietnamese letters of 3 bytes each: 66 bytes although only 22 characters.
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(LAN, "bytes", reply_markup=keyboard(("x", "ễ" * 22)))
    assert emu.errors[-1].description == "Bad Request: BUTTON_DATA_INVALID"


async def test_unknown_chat_blocked_user_and_unstarted_user(emu: BotApiEmulator,
                                                            bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "hello")
    emu.user(LAN)
    emu.block(LAN)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(LAN, "hello")
    assert emu.pending_updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    emu.unblock(LAN)
    await bot.send_message(LAN, "welcome back")
    emu.user(1002, started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(1002, "hello")


# -- fault injection -----------------------------------------------------------------------


async def test_fail_next_429_then_recovers(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    emu.fail_next("sendMessage", 2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(LAN, "hi")
        assert retry_after_of(exc.value) == 7
    await bot.send_message(LAN, "hi")
    assert len(lan.messages) == 1 and emu.stats.too_many_requests == 2
    assert emu.stats.injected == 2 and emu.calls["sendMessage"] == 3


async def test_fractional_retry_after_keeps_ptb_rate_limiter_fast(emu: BotApiEmulator) -> None:
    lan = emu.user(LAN)
    emu.fail_next("sendMessage", 2, retry_after=0.01)
    async with ExtBot(TOKEN, base_url=emu.base_url, request=plain_http_request(),
                      get_updates_request=plain_http_request(),
                      rate_limiter=AIORateLimiter(max_retries=3)) as ext_bot:
        await ext_bot.send_message(LAN, "eventually")
    assert [m.text for m in lan.messages] == ["eventually"]
    assert emu.calls["sendMessage"] == 3


async def test_fail_next_5xx_on_get_file(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    lan.send_photo(jpeg(2))
    photo = (await bot.get_updates())[0].message.photo[-1]
    emu.fail_next("getFile", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_file(photo.file_id)
    emu.fail_next("getFile", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_file(photo.file_id)
    assert (await bot.get_file(photo.file_id)).file_size == len(jpeg(2))
    assert emu.stats.by_status == {502: 1, 500: 1}


async def test_rate_limit_with_a_controlled_clock() -> None:
    now = [0.0]
    async with BotApiEmulator(token=TOKEN, clock=lambda: now[0]) as emu:
        emu.user(LAN)
        emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
        async with make_bot(emu) as bot:
            for i in range(3):
                await bot.send_message(LAN, f"burst {i}")
            with pytest.raises(RetryAfter) as exc:
                await bot.send_message(LAN, "one too many")
            assert retry_after_of(exc.value) == 1
            now[0] += 1.0
            await bot.send_message(LAN, "after waiting")
        assert emu.stats.rate_limited == 1 and emu.stats.too_many_requests == 1
        assert len(emu.users[LAN].messages) == 4


# -- getUpdates ----------------------------------------------------------------------------


async def test_get_updates_offset_semantics(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    first, second = lan.send_text("một"), lan.send_text("hai")
    assert second["update_id"] == first["update_id"] + 1

    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["một", "hai"]
    # Not confirmed: the same updates come back.
    assert [u.update_id for u in await bot.get_updates()] == [u.update_id for u in updates]
    # offset confirms everything below it, forever.
    again = await bot.get_updates(offset=second["update_id"])
    assert [u.message.text for u in again] == ["hai"]
    assert emu.is_confirmed(first["update_id"])
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()
    assert await bot.get_updates() == ()

    # A confirmed update can be pushed back to simulate a duplicate delivery.
    emu.redeliver(second["update_id"])
    dup = await bot.get_updates(offset=second["update_id"] + 1)
    assert [u.update_id for u in dup] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()

    later = [lan.send_text(f"tin {i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == later[:2]
    # A negative offset keeps only the newest updates.
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == later[2:]


async def test_long_poll_wakes_when_a_user_sends(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.polling == 1, timeout=5)
    assert not poll.done()
    lan.send_text("/start ABC123")
    updates = await asyncio.wait_for(poll, timeout=5)
    message = updates[0].message
    assert message.text == "/start ABC123"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert message.chat.type == "private" and message.from_user.language_code == "vi"


async def test_a_poll_whose_client_left_stops_waiting(emu: BotApiEmulator,
                                                     bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.polling == 1)
    poll.cancel()
    await emu.wait_for(lambda: emu.polling == 0, timeout=5)


async def test_a_second_poll_supersedes_the_first(emu: BotApiEmulator,
                                                  bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.polling == 1)
    # A second bot instance with the same token, as when a deployment overlaps the old one.
    async with make_bot(emu) as other:
        second = asyncio.create_task(other.get_updates(timeout=30))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, timeout=5)
        emu.user(LAN).send_text("hi")
        assert len(await asyncio.wait_for(second, timeout=5)) == 1


async def test_drop_pending_updates_and_webhook_conflict(emu: BotApiEmulator,
                                                         bot: telegram.Bot) -> None:
    emu.user(LAN).send_text("old")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


# -- media -----------------------------------------------------------------------------------


async def test_photo_upload_bytes_recorded(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    data = jpeg(7)
    message = await bot.send_photo(LAN, data, caption="<i>Nhà</i> số 7", parse_mode="HTML")
    assert (message.photo[-1].width, message.photo[-1].height) == (800, 600)
    assert message.caption == "Nhà số 7" and message.caption_entities[0].type == "italic"
    got = await lan.next_message()
    assert got.kind == "photo" and got.file_bytes == data and got.uploaded
    assert got.caption == "<i>Nhà</i> số 7"
    # Re-sending by file_id uploads nothing but shows the same photo.
    await bot.send_photo(LAN, message.photo[-1].file_id)
    resent = await lan.next_message()
    assert not resent.uploaded and resent.file_bytes == data


async def test_get_file_and_download_return_exact_bytes(emu: BotApiEmulator,
                                                        bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    photo_bytes, pdf = jpeg(3), b"%PDF-1.4 bien ban nghiem thu"
    lan.send_photo(photo_bytes, caption="Ảnh hiện trạng")
    lan.send_document(pdf, "bien-ban.pdf", "application/pdf")
    photo_msg, doc_msg = (u.message for u in await bot.get_updates())

    assert photo_msg.caption == "Ảnh hiện trạng"
    sizes = photo_msg.photo
    assert sizes[0].width <= 90 and (sizes[-1].width, sizes[-1].height) == (800, 600)
    assert sizes[-1].file_size == len(photo_bytes)
    photo_file = await bot.get_file(sizes[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == photo_bytes

    assert (doc_msg.document.file_name, doc_msg.document.mime_type) == (
        "bien-ban.pdf", "application/pdf")
    doc_file = await bot.get_file(doc_msg.document.file_id)
    assert bytes(await doc_file.download_as_bytearray()) == pdf

    emu.fail_next("download", status=500)
    with pytest.raises(NetworkError):
        await doc_file.download_as_bytearray()


async def test_recompressed_photos_lose_exif_like_on_telegram() -> None:
    taken = dt.datetime(2026, 8, 20, 9, 30)
    async with BotApiEmulator(token=TOKEN, recompress_photos=True) as emu, make_bot(emu) as bot:
        lan = emu.user(LAN)
        lan.send_photo(jpeg(5, (1600, 1200), taken=taken))
        lan.send_document(jpeg(5, (1600, 1200), taken=taken), "IMG_0001.jpg", "image/jpeg")
        photo_msg, doc_msg = (u.message for u in await bot.get_updates())
        largest = photo_msg.photo[-1]
        assert (largest.width, largest.height) == (1280, 960)
        photo = await (await bot.get_file(largest.file_id)).download_as_bytearray()
        document = await (await bot.get_file(doc_msg.document.file_id)).download_as_bytearray()
    assert not Image.open(io.BytesIO(photo)).getexif()
    assert Image.open(io.BytesIO(document)).getexif()[0x0132] == "2026:08:20 09:30:00"


async def test_get_file_too_big(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    lan.send_document(bytes(20 * 1024 * 1024 + 1), "video.mp4", "video/mp4")
    document = (await bot.get_updates())[0].message.document
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(document.file_id)


async def test_album_items_share_media_group_id(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    lan.send_album([jpeg(1), png(2), jpeg(3)], caption="Ba ảnh")
    messages = [u.message for u in await bot.get_updates()]
    assert len({m.media_group_id for m in messages}) == 1 and messages[0].media_group_id
    assert [m.caption for m in messages] == ["Ba ảnh", None, None]

    sent = await bot.send_media_group(
        LAN, [InputMediaPhoto(jpeg(4), caption="Đã nhận"), InputMediaPhoto(jpeg(5))])
    assert len({m.media_group_id for m in sent}) == 1
    items = [await lan.next_message(), await lan.next_message()]
    assert [i.file_bytes for i in items] == [jpeg(4), jpeg(5)]
    assert items[0].media_group_id == items[1].media_group_id == sent[0].media_group_id
    assert [i.caption for i in items] == ["Đã nhận", None]


async def test_location_and_contact_updates(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    lan.send_location(21.0285, 105.8542)
    lan.send_contact("+84901234567", user_id=LAN)
    location, contact = (u.message for u in await bot.get_updates())
    assert (location.location.latitude, location.location.longitude) == (21.0285, 105.8542)
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+84901234567", LAN)
    await bot.send_location(LAN, 21.0, 105.8)
    assert (await lan.next_message()).kind == "location"


# -- a real Application ----------------------------------------------------------------------


async def test_application_round_trip_with_buttons(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Mã: {' '.join(context.args or [])}",
                                        reply_markup=keyboard(("Xác nhận", "ok")))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã lưu")
        await query.edit_message_text(f"Đã xác nhận ({query.data})")

    app = emu.configure(Application.builder(), plain_http=True).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    lan = emu.user(LAN, first_name="Lan")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling()
        lan.send_text("/start ABC123")
        reply = await lan.next_message(timeout=5)
        assert reply.text == "Mã: ABC123"
        update = lan.click("Xác nhận")
        await emu.wait_for(lambda: emu.calls["editMessageText"] == 1)
        await app.updater.stop()
        await app.stop()

    assert lan.current(reply)["text"] == "Đã xác nhận (ok)"
    assert lan.last_buttons() == []  # editing text without reply_markup drops the keyboard
    answer = next(s for s in emu.sent if s.method == "answerCallbackQuery")
    assert answer.text == "Đã lưu"
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert emu.is_confirmed(update["update_id"])


async def test_edit_and_delete_rules(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    message = await bot.send_message(LAN, "v1", reply_markup=keyboard(("A", "a")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("v1", LAN, message.message_id,
                                    reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(LAN, message.message_id,
                                        reply_markup=keyboard(("B", "b")))
    assert lan.last_buttons() == [("B", "b")]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(LAN, message.message_id,
                                            reply_markup=keyboard(("B", "b")))
    with pytest.raises(ValueError, match="no button"):
        lan.press(message.message_id, "a")
    await bot.delete_message(LAN, message.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(LAN, message.message_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_reply_keyboard_is_shown_until_removed(emu: BotApiEmulator,
                                                    bot: telegram.Bot) -> None:
    lan = emu.user(LAN)
    keys = ReplyKeyboardMarkup([[KeyboardButton("Gửi vị trí", request_location=True)],
                                [KeyboardButton("Bỏ qua")]], one_time_keyboard=True)
    message = await bot.send_message(LAN, "Vị trí căn nhà?", reply_markup=keys)
    assert message.reply_markup is None  # only inline keyboards come back in a Message
    assert lan.reply_buttons() == ["Gửi vị trí", "Bỏ qua"] and lan.last_buttons() == []
    await bot.send_message(LAN, "Cảm ơn", reply_markup=ReplyKeyboardRemove())
    assert lan.reply_buttons() == []


async def test_commands_menu_and_chat_action(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.user(LAN)
    commands: list[Any] = [("start", "Bắt đầu"), ("baocao", "Gửi báo cáo")]
    await bot.set_my_commands(commands)
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == commands
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button()
    assert await bot.send_chat_action(LAN, "typing")
    assert emu.sent[-1].method == "sendChatAction" and not emu.users[LAN].messages
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "x")])
