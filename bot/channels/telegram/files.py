"""A Telegram message's photo or image file, fetched for the core: the largest size of a photo,
with Telegram's own ~320 px size beside it for the thumbnail; a document only when it says it is an
image. Nothing above the Bot API's download limit is asked for.

getFile and the download are the same two requests python-telegram-bot's `Bot.get_file` and
`File.download_as_bytearray` make, byte for byte, through the same transport, but without the
layers between (the bot's request path, the rate limiter's wrapper, the `File` object, two copies
of the bytes): in an album burst these are 12 of the 13 requests per album, and those layers were
a fifth of the event loop's time per request (bench/ingest.py --own-only --profile). The rate
limiter never paces getFile (it names no chat); a 429 on it is waited out by the channel's retries,
as told, like any other call's."""

from __future__ import annotations

import asyncio
import dataclasses
import mimetypes
import os
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

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


async def _fetch(bot: Bot, retrying: Retrying, file_id: str) -> bytes:
    """The file's bytes: getFile, then its download, each tried again as every Bot API call is."""
    getfile, asked = f"{bot.base_url}/getFile", RequestData([RequestParameter.from_input("file_id", file_id)])
    found = await retrying(lambda: bot.request.post(getfile, asked))
    path = found.get("file_path") if isinstance(found, dict) else None
    if not path:  # as File.download_as_bytearray refuses a file Telegram gives no path for
        raise RuntimeError("No `file_path` available for this file. Can not download.")
    if _is_local(path):  # a local Bot API server (--local) names a file on this machine
        return await asyncio.to_thread(Path(path).read_bytes)
    url = _encoded(bot.base_file_url, path)
    data: bytes = await retrying(lambda: bot.request.retrieve(url))
    return data


def _is_local(path: str) -> bool:
    # As python-telegram-bot decides it (telegram._utils.files.is_local_file: Path.is_file).
    return os.path.isfile(path)


def _encoded(base_file_url: str, path: str) -> str:
    """The download URL as File._get_encoded_url makes it from the whole URL: its path
    percent-encoded. quote() maps each byte alone, so the base (whose token's ':' takes quote's
    slow path) is encoded once per bot and the file's path on its own."""
    return _encoded_base(base_file_url) + quote(path)


@lru_cache(maxsize=16)
def _encoded_base(base_file_url: str) -> str:
    parts = urlsplit(f"{base_file_url}/")
    return urlunsplit(parts._replace(path=quote(parts.path)))


async def _fetch_small(bot: Bot, retrying: Retrying, file_id: str) -> bytes | None:
    try:
        return await _fetch(bot, retrying, file_id)
    except TelegramError:
        return None


async def _download(bot: Bot, retrying: Retrying, file_id: str, size: int | None, name: str, mime: str,
                    as_document: bool) -> IncomingFile:
    def failed(problem: str) -> IncomingFile:
        return IncomingFile(data=None, as_document=as_document, filename=name, mime=mime, problem=problem)

    if size is not None and size > DOWNLOAD_LIMIT:
        return failed("too_large")
    try:
        data = await _fetch(bot, retrying, file_id)
    except BadRequest as exc:
        return failed("too_large" if "too big" in str(exc).lower() else "download_failed")
    except TelegramError:
        return failed("download_failed")
    return IncomingFile(data=data, as_document=as_document, filename=name, mime=mime)
