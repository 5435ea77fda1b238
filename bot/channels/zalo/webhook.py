"""The Zalo channel's web server, on aiohttp: the webhook Zalo POSTs messages to, and the signed
picture links Zalo fetches (picture_links.py)."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.channels.zalo.picture_links import MediaLinks, serve

SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_BODY_LIMIT = 256 * 1024         # one event is a few hundred bytes; refuse anything big unread
SHUTDOWN_WAIT = 5.0                     # seconds a request in hand gets to finish at stop
log = logging.getLogger(__name__)


class _QuietAccessLog(AbstractAccessLogger):
    # The request line of a picture link is a signed URL; not worth a log line, nor a leak.
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        log.debug("%s -> %s", request.method, response.status)


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def _parsed(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object that storage can hold, or None. Nesting deep enough to exhaust the
    parser's recursion and escaped halves of surrogate pairs (valid JSON, not UTF-8) are None."""
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def webhook_route(path: str, secret: str,
                  accept: Callable[[dict[str, Any]], Awaitable[object]]) -> web.RouteDef:
    """POST `path`: the secret checked before the body is read, the message stored before the 200."""

    async def hook(request: web.Request) -> web.Response:
        expected = secret.encode()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return _answer(403, {"ok": False, "description": "forbidden"})
        body = _parsed(await request.read())
        if body is None:
            # Answered 400, not 500: the same body sent again would fail the same way, forever.
            log.warning("Zalo webhook call refused: not a JSON object that can be stored")
            return _answer(400, {"ok": False, "description": "not a JSON object"})
        try:
            await accept(body)
        except Exception as exc:
            # Not stored: answering an error lets Zalo try again rather than lose the message.
            log.error("storing a Zalo message failed: %s", type(exc).__name__)
            return _answer(500, {"ok": False, "description": "try again"})
        return _answer(200, {"ok": True})

    return web.post(path, hook)


class WebServer:
    def __init__(self, routes: list[web.RouteDef], links: MediaLinks | None) -> None:
        app = web.Application(client_max_size=WEBHOOK_BODY_LIMIT)
        app.add_routes(routes)
        if links is not None:
            app.add_routes(serve(links))
        self._runner = web.AppRunner(app, access_log=log, access_log_class=_QuietAccessLog,
                                     shutdown_timeout=SHUTDOWN_WAIT)
        self.port = 0

    async def start(self, listen: str, port: int) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, host=listen, port=port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._runner.cleanup()
