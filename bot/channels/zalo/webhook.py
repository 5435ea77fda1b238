"""The Zalo channel's web server, on aiohttp: the webhook Zalo POSTs messages to, and the signed
picture links Zalo fetches (picture_links.py)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.channels.zalo.picture_links import MediaLinks, serve
from bot.logs import Throttled

SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_BODY_LIMIT = 256 * 1024         # one event is a few hundred bytes; refuse anything big unread
SHUTDOWN_WAIT = 5.0                     # seconds a request in hand gets to finish at stop
# A connection that has not sent a whole request by then, or sits idle that long after one, is
# closed: Zalo sends a request as soon as it connects, and picture links are one request each.
IDLE_WITHIN = 10.0
BODY_WITHIN = 10.0                      # seconds for a webhook body once its headers are in
# Connections open at once. Zalo's calls and the picture links it fetches need a few dozen; the
# rest would only hold file descriptors the bot needs for photos, the database and Telegram.
MAX_CONNECTIONS = 256
EVICT_AT_ONCE = 16                      # idle connections closed together when the cap is reached
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
        try:
            raw = await asyncio.wait_for(request.read(), BODY_WITHIN)
        except TimeoutError:
            return _answer(408, {"ok": False, "description": "body too slow"})
        body = _parsed(raw)
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


class _Refused(asyncio.Protocol):
    """A connection beyond the cap while every other one is mid-request: closed unread."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()


class WebServer:
    def __init__(self, routes: list[web.RouteDef], links: MediaLinks | None,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        app = web.Application(client_max_size=WEBHOOK_BODY_LIMIT, middlewares=[self._mark_busy])
        app.add_routes(routes)
        if links is not None:
            app.add_routes(serve(links))
        self._runner = web.AppRunner(app, access_log=log, access_log_class=_QuietAccessLog,
                                     shutdown_timeout=SHUTDOWN_WAIT, keepalive_timeout=IDLE_WITHIN,
                                     lingering_time=1.0)
        self._listener: asyncio.Server | None = None
        self.max_connections = max_connections
        self._busy: set[object] = set()      # connections whose request is being answered
        self._closing: set[object] = set()   # idle ones closed to make room, until they are gone
        self._flood = Throttled(log)
        self.port = 0

    @web.middleware
    async def _mark_busy(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        self._busy.add(request.protocol)
        try:
            return await handler(request)
        finally:
            self._busy.discard(request.protocol)

    def _connection(self) -> asyncio.BaseProtocol:
        """A new connection, room made for it: at the cap, the oldest connections that are not in
        the middle of a request (idle, or still trickling their headers in) are closed, so a flood
        of idle ones never shuts out Zalo's next call."""
        server = self._runner.server
        assert server is not None
        current = server.connections
        self._closing &= set(current)
        open_now = [c for c in current if c not in self._closing]
        if len(open_now) >= self.max_connections:
            idle = [c for c in open_now if c not in self._busy]
            self._flood.warning("web server: %d connections open; closing idle ones", len(open_now))
            if not idle:
                return _Refused()
            for conn in idle[:EVICT_AT_ONCE]:
                self._closing.add(conn)
                conn.force_close()
                if conn.transport is not None:
                    conn.transport.abort()
        return server()

    async def start(self, listen: str, port: int) -> None:
        await self._runner.setup()
        # Our own listener instead of aiohttp's site, to count connections before taking one on.
        self._listener = await asyncio.get_running_loop().create_server(
            self._connection, host=listen, port=port, reuse_address=True)
        self.port = int(self._listener.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        await self._runner.cleanup()
