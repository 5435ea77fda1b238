"""The Telegram channel's HTTP transport: python-telegram-bot's request interface on aiohttp.

python-telegram-bot ships an httpx transport. Under an album burst (hundreds of getFile calls,
downloads and replies at once) httpcore's connection pool re-examines every connection at every
step, and measured on this project's hardware an httpx request cost about 3.3 ms of event-loop
time against 0.35 ms for aiohttp (`bench/http_clients.py`). The loop is the bot's bottleneck, so
the transport is swapped through the interface python-telegram-bot provides for exactly this.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.payload import BytesPayload
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.turn_order import ArrivalSlots


def _given(value: Any, default: float | None) -> float | None:
    """python-telegram-bot passes DEFAULT_NONE when the caller left a timeout to the transport."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


def _form(fields: dict[str, str]) -> BytesPayload:
    """The body aiohttp makes of a dict of fields (FormData's urlencoded form, byte for byte), made
    here: FormData builds a multipart writer, with a fresh random boundary, for every request."""
    return BytesPayload(urlencode(list(fields.items()), doseq=True, encoding="utf-8").encode(),
                        content_type="application/x-www-form-urlencoded")


@lru_cache(maxsize=64)
def _timeout(total: float | None, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # A handful of combinations serve every request; ClientTimeout is frozen, so one object each.
    return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)


class AiohttpRequest(BaseRequest):
    """At most `slots` requests in flight; the rest wait, the earliest turn's first
    (bot/channels/turn_order.py), so a burst never meets a pool timeout and the connector never
    holds a long queue."""

    def __init__(self, slots: int, *, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, media_write_timeout: float | None = 20.0) -> None:
        self._slots_count = slots
        self._slots = ArrivalSlots(slots)
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._slots_count, limit_per_host=self._slots_count)
            self._session = aiohttp.ClientSession(connector=connector,
                                                  headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        body: aiohttp.FormData | BytesPayload | None = None if fields is None else _form(fields)
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        # aiohttp has no write timeout of its own: the read timeout starts once the body is sent,
        # and the whole exchange is capped by read + write (the longer media write for uploads).
        read = _given(read_timeout, self._read)
        write = _given(write_timeout, self._media_write if files else self._write)
        total = None if read is None or write is None else read + write
        timeout = _timeout(total, _given(connect_timeout, self._connect), read)
        try:
            async with self._slots, self._session.request(method, url, data=body, timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
