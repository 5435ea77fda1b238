"""Photos that arrive on Zalo: a URL to fetch at once, since Zalo's photo links do not last."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from bot.channels.retry import retrying
from bot.channels.zalo.api import Http, ZaloError, ZaloNetworkError, network_errors, step_timeout
from bot.channels.zalo.events import ZaloEvent
from handlers.types import IncomingFile
from storage.numbers import whole

DOWNLOAD_LIMIT = 20 * 1024 * 1024       # the same cap as Telegram photos


class _TooLarge(Exception):
    pass


def _worth_another_try(exc: Exception, delay: float) -> float | None:
    if isinstance(exc, ZaloNetworkError) or (isinstance(exc, ZaloError) and exc.transient):
        return delay
    return None


async def download(http: Http, event: ZaloEvent, timeout: float, delays: tuple[float, ...],
                   sleep: Callable[[float], Awaitable[None]]) -> IncomingFile:
    """The photo behind the event's URL, tried again after each of `delays` on a passing error."""
    name = f"photo-{event.message_id[:8]}.jpg"

    def failed(problem: str) -> IncomingFile:
        return IncomingFile(data=None, filename=name, problem=problem)

    url = event.photo_url or ""
    if urlparse(url).scheme not in ("http", "https"):
        return failed("download_failed")
    try:
        data = await retrying(lambda: _fetch(http, url, timeout), delays, sleep, _worth_another_try)
    except _TooLarge:
        return failed("too_large")
    except (ZaloError, ZaloNetworkError):
        return failed("download_failed")
    return IncomingFile(data=data, filename=name, mime="image/jpeg")


async def _fetch(http: Http, url: str, timeout: float) -> bytes:
    with network_errors():
        async with http.slot(), http.session.get(url, timeout=step_timeout(timeout), allow_redirects=True,
                                                 max_redirects=20) as response:
            if response.status != 200:
                raise ZaloError(response.status, "download")
            declared = response.headers.get("Content-Length", "")
            if (whole(declared) or 0) > DOWNLOAD_LIMIT:
                raise _TooLarge
            chunks, size = [], 0
            async for chunk in response.content.iter_any():
                size += len(chunk)
                if size > DOWNLOAD_LIMIT:
                    raise _TooLarge
                chunks.append(chunk)
    return b"".join(chunks)
