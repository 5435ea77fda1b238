"""A local Telegram Bot API server for end-to-end tests, running in the test's event loop.

Point python-telegram-bot at it with ``emu.configure(Application.builder())`` (or pass
``emu.base_url`` / ``emu.base_file_url``), play users with ``emu.user(...)``, and assert on
``emu.sent`` / ``user.messages``.  Everything is driven by events: long polls and waits wake
as soon as something happens, nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerRequest
from tornado.netutil import bind_sockets
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from tests.emulators.tgemu import api_bot, api_messages  # noqa: F401  (registers the methods)
from tests.emulators.tgemu.client import plain_http_request
from tests.emulators.tgemu.faults import Failure, FaultPlan, RateLimiter, Stats
from tests.emulators.tgemu.files import MAX_DOWNLOAD, FileStore
from tests.emulators.tgemu.params import ApiCall, ApiError, Upload
from tests.emulators.tgemu.records import Sent
from tests.emulators.tgemu.registry import lookup
from tests.emulators.tgemu.updates import Signal, UpdateQueue
from tests.emulators.tgemu.users import SimUser

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

log = logging.getLogger(__name__)

RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup",
                          "sendLocation"})
DOWNLOAD = "download"  # fail_next() key for the file download endpoint


@dataclass(frozen=True)
class ErrorAnswer:
    method: str
    status: int
    description: str
    time: float


class BotApiEmulator:
    def __init__(self, token: str = "123:ABC", bot_username: str = "chungtay_test_bot", *,
                 bot_name: str = "Chung Tay (test)", first_update_id: int = 1,
                 strict_html: bool = True, recompress_photos: bool = False,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {"id": self.bot_id, "is_bot": True,
                                         "first_name": bot_name, "username": bot_username}
        self.strict_html = strict_html
        self.recompress_photos = recompress_photos
        self.clock = clock  # monotonic seconds: Sent.time and the rate limiter
        self._wall_clock = wall_clock  # unix seconds: message dates

        self.users: dict[int, SimUser] = {}
        self.files = FileStore()
        self.updates = UpdateQueue(first_update_id)
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}

        self.sent: list[Sent] = []
        self.calls: Counter[str] = Counter()
        self.errors: list[ErrorAnswer] = []
        self.stats = Stats()
        self.polling = 0  # getUpdates calls currently waiting
        self.signal = Signal()
        self.closing = False

        self._faults = FaultPlan()
        self._held: dict[str, asyncio.Event] = {}
        self._held_after: dict[str, int] = {}  # calls still answered at once (hold_answers)
        self._limiter: RateLimiter | None = None
        self._callbacks: dict[str, int] = {}  # unanswered callback query id -> user id
        self._ids = itertools.count(1)
        self._server: HTTPServer | None = None
        self._inflight = 0
        self._internal_errors: list[BaseException] = []
        self.port = 0
        # Other bots on the same server, by token: Telegram serves every bot at one address.
        self._bots: dict[str, BotApiEmulator] = {}

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()
        if self._internal_errors and exc_type is None:
            raise RuntimeError("the emulator itself failed; see the log") \
                from self._internal_errors[0]

    async def start(self) -> None:
        handlers = [
            (r"/bot([^/]+)/([^/]+)", _ApiHandler, {"emu": self}),
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"emu": self}),
        ]
        app = TornadoApplication(handlers, log_function=_log_request)
        sockets = bind_sockets(0, address="127.0.0.1", family=socket.AF_INET)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        for emu in (*self._bots.values(), self):
            emu.closing = True
            emu.signal.fire()  # long polls answer at once
            try:
                await emu.signal.wait(lambda e=emu: e._inflight == 0, timeout=5)
            except TimeoutError:
                log.warning("tgemu: %d requests still running at shutdown", emu._inflight)
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None

    def another_bot(self, token: str, bot_username: str, **options: Any) -> BotApiEmulator:
        """A second bot served by this emulator's server (call after start): its own token,
        username, users, chats, update ids and flood control, as two bots are on Telegram. The
        same user id in both is the same person, with a chat of their own with each bot."""
        assert self._server is not None and token not in self._bots and token != self.token
        other = BotApiEmulator(token, bot_username, clock=self.clock, wall_clock=self._wall_clock,
                               **options)
        other.port = self.port
        self._bots[token] = other
        return other

    def serving(self, token: str) -> BotApiEmulator:
        """The bot a request's token names (this one answers an unknown token: 401)."""
        return self._bots.get(token, self)

    def _wake_all(self) -> None:
        for emu in (self, *self._bots.values()):
            emu.signal.fire()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def configure(self, builder: ApplicationBuilder, *, plain_http: bool = False
                  ) -> ApplicationBuilder:
        """Token and URLs of this emulator on a python-telegram-bot ApplicationBuilder.

        ``plain_http`` also installs requests that skip CA loading (faster setup); leave it
        off if you set pool sizes or timeouts on the builder yourself.
        """
        builder = builder.token(self.token).base_url(self.base_url).base_file_url(
            self.base_file_url)
        if plain_http:
            builder = builder.request(plain_http_request()).get_updates_request(
                plain_http_request())
        return builder

    # -- playing users -----------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "vi",
             started: bool = True) -> SimUser:
        """The user with this id, created on first use (later arguments are then ignored)."""
        if user_id not in self.users:
            self.users[user_id] = SimUser(self, user_id, first_name, last_name=last_name,
                                          username=username, language_code=language_code,
                                          started=started)
        return self.users[user_id]

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends answer 403.  ``notify`` delivers the my_chat_member
        update Telegram sends in that case."""
        self.users[user_id].blocked = True
        if notify:
            self._member_update(user_id, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        self.users[user_id].blocked = False
        if notify:
            self._member_update(user_id, "kicked", "member")

    def _member_update(self, user_id: int, old: str, new: str) -> None:
        user = self.users[user_id]

        def member(status: str) -> dict[str, Any]:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": self.bot_user, "status": status, **extra}

        self.inject_raw_update({"my_chat_member": {
            "chat": user.chat, "from": user.user, "date": self.unix_now(),
            "old_chat_member": member(old), "new_chat_member": member(new)}})

    # -- updates -----------------------------------------------------------------------

    def inject_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any Update dict; an update_id is assigned unless it has one."""
        self.updates.push(update)
        self.signal.fire()
        return update

    def redeliver(self, update_id: int) -> None:
        """Hand out an update the bot already confirmed once more, as a duplicate."""
        self.updates.redeliver(update_id)
        self.signal.fire()

    def is_confirmed(self, update_id: int) -> bool:
        return self.updates.is_confirmed(update_id)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return self.updates.pending

    # -- fault injection ---------------------------------------------------------------

    def fail_next(self, method: str, count: int = 1, *, status: int = 429,
                  retry_after: float | None = 1, description: str | None = None) -> None:
        """The next ``count`` calls of ``method`` (or "download") fail with ``status``.

        Telegram only sends whole seconds of retry_after; a fraction is accepted here so that
        tests going through PTB's AIORateLimiter (which really sleeps) stay fast.
        """
        self._faults.add(method, count, Failure(status, retry_after, description))

    def hold_answers(self, method: str, *, after: int = 0) -> None:
        """Calls of ``method`` take effect (a message reaches its user) but are answered only after
        release_answers(): the bot is caught between a message arriving and its being told so.
        after: the next ``after`` calls that take effect are answered at once, those later held."""
        self._held.setdefault(method, asyncio.Event())
        self._held_after[method] = after

    def release_answers(self, method: str) -> None:
        self._held_after.pop(method, None)
        held = self._held.pop(method, None)
        if held is not None:
            held.set()

    def rate_limit(self, global_per_sec: float = 30, per_chat_per_sec: float = 1, *,
                   burst: int = 3, enabled: bool = True) -> None:
        """Answer sends beyond Telegram's flood limits with 429 (off by default)."""
        self._limiter = RateLimiter(global_per_sec, per_chat_per_sec, burst, self.clock) \
            if enabled else None

    # -- records and waiting -------------------------------------------------------------

    def sent_to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        return [s for s in self.sent
                if s.chat_id == chat_id and (method is None or s.method == method)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, *,
                       what: str | None = None) -> None:
        """Wait until ``predicate()`` holds, waking on every emulator event (and every 50 ms
        for predicates over outside state); TimeoutError says what the bot did last."""
        try:
            await self.signal.wait(predicate, timeout, recheck=0.05)
        except TimeoutError:
            raise TimeoutError(f"waited {timeout}s in vain for {what or 'the condition'}"
                               f"{self._diagnostics()}") from None

    def _diagnostics(self) -> str:
        lines = [f"calls={dict(self.calls)}", f"pending updates={len(self.updates.pending)}",
                 f"waiting polls={self.polling}"]
        lines += [f"error answer: {e.method} -> {e.status} {e.description}"
                  for e in self.errors[-3:]]
        lines += [f"emulator bug: {e!r}" for e in self._internal_errors[-3:]]
        return "".join(f"\n  {line}" for line in lines)

    # -- used by the method implementations ------------------------------------------------

    def unix_now(self) -> int:
        return int(self._wall_clock())

    def record(self, sent: Sent, user: SimUser | None) -> None:
        self.sent.append(sent)
        if user is not None and sent.is_message:
            user.messages.append(sent)
            user.arrived.set()

    def new_media_group_id(self) -> str:
        return str(13_000_000_000_000_000 + next(self._ids))

    def open_callback(self, user_id: int) -> str:
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        self._callbacks[query_id] = user_id
        return query_id

    def close_callback(self, query_id: str) -> int | None:
        return self._callbacks.pop(query_id, None)

    # -- HTTP ---------------------------------------------------------------------------

    def _fail(self, method: str, exc: ApiError) -> tuple[int, dict[str, Any]]:
        self.stats.by_status[exc.status] += 1
        self.errors.append(ErrorAnswer(method, exc.status, exc.description, self.clock()))
        return exc.status, exc.payload()

    def _admit(self, method: str, call: ApiCall) -> None:
        """Scripted failures first, then flood control; both before any side effect."""
        failure = self._faults.take(method)
        if failure is not None:
            self.stats.injected += 1
            raise failure.error()
        if self._limiter is not None and method in RATE_LIMITED:
            chat = call.values.get("chat_id")
            retry_after = self._limiter.admit(str(chat) if chat is not None else None)
            if retry_after is not None:
                self.stats.rate_limited += 1
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                               retry_after=retry_after)

    async def answer(self, token: str, method: str, call: ApiCall) -> tuple[int, dict[str, Any]]:
        self._inflight += 1
        try:
            if token != self.token:
                return self._fail(method, ApiError(401, "Unauthorized"))
            entry = lookup(method)
            if entry is None:
                self.calls[method] += 1
                return self._fail(method, ApiError(404, "Not Found"))
            name, handler = entry
            self.calls[name] += 1
            call.method = name
            try:
                self._admit(name, call)
                result = handler(self, call)
                if inspect.isawaitable(result):
                    result = await result
            except ApiError as exc:
                return self._fail(name, exc)
            held = self._held.get(name)
            if held is not None:
                if self._held_after.get(name, 0) > 0:
                    self._held_after[name] -= 1
                else:
                    await held.wait()
            return 200, {"ok": True, "result": result}
        except Exception as exc:
            log.exception("tgemu: %s failed inside the emulator", method)
            self._internal_errors.append(exc)
            return 500, {"ok": False, "error_code": 500,
                         "description": f"Internal Server Error: tgemu bug: {exc!r}"}
        finally:
            self._inflight -= 1
            self.signal.fire()

    def download(self, token: str, file_path: str) -> tuple[int, bytes]:
        self.calls[DOWNLOAD] += 1
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            failure = self._faults.take(DOWNLOAD)
            if failure is not None:
                self.stats.injected += 1
                raise failure.error()
            stored = self.files.by_path(file_path)
            if stored is None or stored.file_size > MAX_DOWNLOAD:
                raise ApiError(404, "Not Found")
            return 200, stored.data
        except ApiError as exc:
            status, body = self._fail(DOWNLOAD, exc)
            return status, json.dumps(body).encode()
        finally:
            self.signal.fire()


def _log_request(handler: RequestHandler) -> None:
    # Error answers are part of normal test traffic; keep them out of warning-level logs.
    request = handler.request
    log.debug("%s %s -> %s", request.method, request.uri, handler.get_status())


def _decode(request: HTTPServerRequest) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string, then JSON / urlencoded / multipart body, as the real server accepts."""
    values: dict[str, Any] = {k: v[-1].decode() for k, v in request.query_arguments.items()}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") and request.body:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        values.update(body)
    else:
        values.update({k: v[-1].decode() for k, v in request.body_arguments.items()})
    uploads = {name: Upload(parts[0].body, parts[0].filename, parts[0].content_type)
               for name, parts in request.files.items() if parts}
    return values, uploads


class _ApiHandler(RequestHandler):
    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.gone = False

    def compute_etag(self) -> None:
        return None  # no conditional GETs: every call must reach the emulator

    def on_connection_close(self) -> None:
        self.gone = True
        self.emu._wake_all()  # a long poll for a client that left can stop waiting

    async def get(self, token: str, method: str) -> None:
        try:
            values, uploads = _decode(self.request)
        except (ValueError, UnicodeDecodeError):
            status, body = 400, ApiError(400, "Bad Request: can't parse request").payload()
        else:
            call = ApiCall(method, values, uploads, client_gone=lambda: self.gone)
            status, body = await self.emu.serving(token).answer(token, method, call)
        if self.gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        text = json.dumps(body, ensure_ascii=False)
        try:
            self.finish(text.encode())
        except UnicodeEncodeError:
            # Half a surrogate pair in a text, as a client can send: Telegram passes it on escaped.
            self.finish(json.dumps(body))

    post = get


class _FileHandler(RequestHandler):
    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    def compute_etag(self) -> None:
        return None

    async def get(self, token: str, file_path: str) -> None:
        status, body = self.emu.serving(token).download(token, file_path)
        self.set_status(status)
        self.set_header("Content-Type", "application/octet-stream" if status == 200
                        else "application/json")
        self.finish(body)
