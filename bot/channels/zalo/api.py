"""The Zalo Bot API on aiohttp (no Zalo SDK): POST <base_url><token>/<method> with a JSON body."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.request import getproxies

import aiohttp

from bot.channels.turn_order import ArrivalSlots

# An idle connection is dropped this soon, well before a server is likely to close it under us, so
# a request seldom goes out on a connection that is already being shut.
KEEPALIVE = 5.0


class ZaloError(Exception):
    """An answer of the Zalo Bot API with ok=false, or an HTTP error status. Never holds a URL."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description

    @property
    def transient(self) -> bool:
        return self.code == 429 or self.code >= 500


class ZaloNetworkError(Exception):
    """The exchange itself failed: refused, reset, cut short, timed out, or a garbled answer.

    Named by aiohttp's error class only, never its message: those may quote the URL, which holds the
    token, and an error raised out of start_webhook ends up printed whole.
    """

    def __init__(self, kind: str, *, timed_out: bool = False, transient: bool = True) -> None:
        super().__init__(kind)
        self.kind = kind
        self.timed_out = timed_out
        self.transient = transient


@contextlib.contextmanager
def network_errors() -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        raise ZaloNetworkError(type(exc).__name__, timed_out=True) from None
    except aiohttp.ClientError as exc:
        # A malformed URL or a redirect loop will be the same next time; a broken exchange may not.
        hopeless = isinstance(exc, aiohttp.InvalidURL | aiohttp.TooManyRedirects)
        raise ZaloNetworkError(type(exc).__name__, transient=not hopeless) from None


def step_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """`seconds` for connecting and for each wait for data, and no limit on the whole: a photo that
    arrives slowly but steadily still arrives."""
    return aiohttp.ClientTimeout(total=None, connect=seconds, sock_read=seconds)


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Http:
    """One aiohttp session, with at most `slots` requests in flight when given.

    The session is opened on first use, because aiohttp ties it to the running event loop, and closed
    for good by close(): a request after that fails, rather than opening a session nobody closes.
    """

    def __init__(self, timeout: aiohttp.ClientTimeout, slots: int | None = None) -> None:
        self.timeout = timeout
        self._limit = slots or 100
        self._slots = ArrivalSlots(slots) if slots else None
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self._slots or contextlib.nullcontext()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise RuntimeError("the Zalo channel has stopped")
            connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit,
                                             keepalive_timeout=KEEPALIVE)
            # A server that reaches the internet only through HTTP(S)_PROXY still reaches Zalo. aiohttp
            # looks the proxy up in a thread at every request when told to, so only when one is set.
            proxied = any(scheme in getproxies() for scheme in ("http", "https"))
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout,
                                                  json_serialize=_compact_json, trust_env=proxied)
        return self._session

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None


class ZaloApi:
    """POST <base_url><token>/<method> with a JSON body; the answer's result, or ZaloError.

    ZaloNetworkError when no answer came at all.
    """

    def __init__(self, token: str, base_url: str, http: Http) -> None:
        self._prefix = f"{base_url}{token}/"
        self.http = http

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float | None = None) -> Any:
        extra: dict[str, Any] = {} if timeout is None else {"timeout": step_timeout(timeout)}
        # Redirects are not followed: a POST must not turn into a GET somewhere else.
        with network_errors():
            async with self.http.slot(), self.http.session.post(
                    self._prefix + method, json=params or {}, allow_redirects=False, **extra) as response:
                status = response.status
                raw = await response.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True and status == 200:
            return body.get("result")
        code = status
        description = _reason(status) or "error"
        if isinstance(body, dict):
            if isinstance(body.get("error_code"), int):
                code = body["error_code"]
            if isinstance(body.get("description"), str):
                description = body["description"][:200]
        if code == 200:  # HTTP said fine but the body said no
            code = 400
        raise ZaloError(code, description)


def _reason(status: int) -> str:
    """The standard phrase, not the server's own: that one is free text and could hold anything."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

