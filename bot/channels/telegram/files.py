"""A Telegram message's photo or image file, fetched for the core: the largest size of a photo,
with Telegram's own ~320 px size beside it for the thumbnail; a document only when it says it is an
image. Nothing above the Bot API's download limit is asked for."""

from __future__ import annotations

import asyncio
import dataclasses
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from bot.channels.contract import small_size
from handlers.types import IncomingFile

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API refuses getFile above this
Retrying = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def file_of(message: Message, bot: Bot, retrying: Retrying) -> IncomingFile | None:
    if message.photo:
        sizes = message.photo
        best = max(sizes, key=lambda s: s.width * s.height)
        name = f"photo-{message.message_id}.jpg"
        pick = small_size([(s.width, s.height) for s in sizes])
        if pick is None or sizes[pick] is best:
            return await _download(bot, retrying, best.file_id, best.file_size, name, "image/jpeg",
                                   as_document=False)
        # Telegram's own ~320 px size becomes the thumbnail: fetched beside the photo, it
        # spares decoding the photo at all. Without it the thumbnail is made here.
        large, small = await asyncio.gather(
            _download(bot, retrying, best.file_id, best.file_size, name, "image/jpeg", as_document=False),
            _fetch_small(bot, retrying, sizes[pick].file_id))
        return dataclasses.replace(large, small=small) if large.data is not None else large
    doc = message.document
    if doc is None:
        return None
    name = doc.file_name or f"file-{message.message_id}"
    mime = doc.mime_type or mimetypes.guess_type(name)[0] or ""
    if not mime.startswith("image/"):
        # Not an image by its own label: refuse without fetching it.
        return IncomingFile(data=None, as_document=True, filename=name, mime=mime, problem="not_image")
    return await _download(bot, retrying, doc.file_id, doc.file_size, name, mime, as_document=True)


async def _fetch_small(bot: Bot, retrying: Retrying, file_id: str) -> bytes | None:
    try:
        tg_file = await retrying(lambda: bot.get_file(file_id))
        return bytes(await retrying(tg_file.download_as_bytearray))
    except TelegramError:
        return None


async def _download(bot: Bot, retrying: Retrying, file_id: str, size: int | None, name: str, mime: str,
                    as_document: bool) -> IncomingFile:
    def failed(problem: str) -> IncomingFile:
        return IncomingFile(data=None, as_document=as_document, filename=name, mime=mime, problem=problem)

    if size is not None and size > DOWNLOAD_LIMIT:
        return failed("too_large")
    try:
        tg_file = await retrying(lambda: bot.get_file(file_id))
        data = await retrying(tg_file.download_as_bytearray)
    except BadRequest as exc:
        return failed("too_large" if "too big" in str(exc).lower() else "download_failed")
    except TelegramError:
        return failed("download_failed")
    return IncomingFile(data=bytes(data), as_document=as_document, filename=name, mime=mime)
