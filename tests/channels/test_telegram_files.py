"""A photo's files are fetched with the requests python-telegram-bot's Bot.get_file and
File.download_as_bytearray would make, without their objects."""

from __future__ import annotations

import dataclasses

from telegram import Bot, File

from bot.channels.telegram.files import _encoded
from storage.photos import StoredPhoto


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
