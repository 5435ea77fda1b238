"""The requests the channel makes on its own are the ones python-telegram-bot's methods would make:
a photo's getFile and download (Bot.get_file, File.download_as_bytearray) and a text reply
(Bot.send_message), without the objects those build of the answers."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import (
    Bot,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram.channel import send_text
from bot.channels.telegram.files import _encoded, _fetch
from bot.channels.telegram.inbox import InboxBot
from storage.photos import StoredPhoto

MESSAGE = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"},"text":"x"}}'
FILE = b'{"ok":true,"result":{"file_id":"F","file_unique_id":"U","file_size":3,"file_path":"photos/f 1.jpg"}}'


class Recorder(BaseRequest):
    """Keeps every request as the transport would get it, and answers as Telegram does."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: Any) -> tuple[int, bytes]:
        self.seen.append((url, method, request_data.json_parameters if request_data else None,
                          {k: repr(v) for k, v in timeouts.items()}))
        if url.endswith("/sendMessage"):
            return 200, MESSAGE
        return (200, FILE) if url.endswith("/getFile") else (200, b"JPG")


def recording_bot() -> tuple[InboxBot, Recorder]:
    request = Recorder()
    bot = InboxBot("123:abc", request=request, get_updates_request=Recorder(),
                   rate_limiter=AIORateLimiter(), on_fetched=_nothing)
    return bot, request


async def _nothing(*_args: object) -> None:
    pass


async def _once(call: Any) -> Any:
    return await call()


async def test_a_text_reply_is_the_request_send_message_makes() -> None:
    bot, request = recording_bot()
    inline = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn thành", callback_data="s:2")]])
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Gửi vị trí", request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    for markup in (None, inline, keyboard):
        await bot.send_message(5, "Đã nhận báo cáo <b>#7</b>", parse_mode="HTML", reply_markup=markup)
        await send_text(bot, 5, "Đã nhận báo cáo <b>#7</b>", markup)
        theirs, ours = request.seen[-2:]
        assert ours == theirs


async def test_a_files_requests_are_the_ones_get_file_and_download_make() -> None:
    bot, request = recording_bot()
    theirs = await (await bot.get_file("F")).download_as_bytearray()
    ours = await _fetch(bot, _once, "F")
    assert ours == bytes(theirs) == b"JPG"
    assert request.seen[2:] == request.seen[:2]
    assert request.seen[1][0] == "https://api.telegram.org/file/bot123%3Aabc/photos/f%201.jpg"


def test_the_download_url_is_the_one_python_telegram_bot_makes() -> None:
    bot = Bot("123456:ABC-def_ghi", base_file_url="https://api.telegram.org/file/bot")
    for path in ("photos/file_12.jpg", "documents/ảnh nhà số 5.jpg", "a b/c%d.png", "videos/x+y~z.JPG"):
        file = File("id", "unique", file_path=f"{bot.base_file_url}/{path}")
        assert _encoded(bot.base_file_url, path) == file._get_encoded_url()


def test_a_stored_photos_dict_is_the_one_asdict_makes() -> None:
    photo = StoredPhoto(sha256="ab" * 32, normalized="n/ab.jpg", thumb="t/ab.jpg", original=None,
                        width=1280, height=960, taken_at="2026-12-02T10:00:00", lat=10.5, lon=None,
                        phash="00ff")
    assert photo.to_dict() == dataclasses.asdict(photo)
    assert list(photo.to_dict()) == list(dataclasses.asdict(photo))
    assert StoredPhoto.from_dict(photo.to_dict()) == photo
