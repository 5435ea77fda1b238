"""A local Zalo Bot API server for end-to-end tests, running in the test's event loop.

Everything is driven by events: a long poll and a test's wait wake as soon as something happens;
nothing sleeps for a fixed time. Three things live on one port: the Bot API (``/bot<token>/<method>``),
the CDN that serves the photos users send (``/cdn/<id>.jpg``, links that can be made to expire), and
nothing else: webhook calls go out from here to the bot's own server.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import itertools
import json
import logging
import secrets
import socket
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp
from PIL import Image
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from tests.emulators.tgemu.markup import utf16_len
from tests.emulators.tgemu.updates import Signal
from tests.emulators.zaloemu.records import Sent, WebhookCall
from tests.emulators.zaloemu.users import ZaloUser

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
MAX_POLL_TIMEOUT = 60.0
DOWNLOAD = "download"   # fail_next() key for the photo CDN
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description

    def payload(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.code, "description": self.description}


@dataclass
class _Hosted:
    data: bytes
    expired: bool = False


class ZaloEmulator:
    def __init__(self, token: str = "1234567890:zalo-test-token-for-the-emulator", *,
                 wrapped: bool = True, photo_field: str = "photo_url", name_field: str = "display_name",
                 empty_poll: str = "http", clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        """wrapped: events as {"ok": true, "result": event} (else flat); photo_field: "photo_url", the
        older "photo", "url" or "attachments" (a list of {"type": "image", "payload": {"url"}}), as
        clients of this API show them; name_field: the sender's "display_name" or "first_name";
        empty_poll: answer an empty getUpdates with HTTP 408 ("http") or with HTTP 200 and
        error_code 408 in the body ("body")."""
        self.token = token
        self.bot_id = token.split(":", 1)[0]
        self.wrapped = wrapped
        self.photo_field = photo_field
        self.name_field = name_field
        # Fields laid over setWebhook's answer, for answers shaped otherwise (another url, a
        # `verification` field, no url at all: {"url": None}).
        self.webhook_answer: dict[str, Any] = {}
        self.empty_poll = empty_poll
        self.clock = clock
        self._wall_clock = wall_clock

        self.users: dict[str, ZaloUser] = {}
        self.webhook: dict[str, Any] | None = None
        self.deliver_to: str | None = None  # where webhook calls really go (the proxy's job)
        self.sent: list[Sent] = []
        self.calls: Counter[str] = Counter()
        self.errors: list[tuple[str, int, str]] = []
        self.webhook_calls: list[WebhookCall] = []
        self.signal = Signal()
        self.polling = 0
        self.closing = False

        self._updates: deque[dict[str, Any]] = deque()
        self._hosted: dict[str, _Hosted] = {}
        self._faults: defaultdict[str, deque[int]] = defaultdict(deque)
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._server: HTTPServer | None = None
        self._http: aiohttp.ClientSession | None = None
        self._inflight = 0
        self._internal_errors: list[BaseException] = []
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()
        if self._internal_errors and exc_type is None:
            raise RuntimeError("the emulator itself failed; see the log") from self._internal_errors[0]

    async def start(self) -> None:
        app = TornadoApplication([
            (r"/bot([^/]+)/([^/]+)", _ApiHandler, {"emu": self}),
            (r"/cdn/([0-9a-f]+)\.jpg", _CdnHandler, {"emu": self}),
        ], log_function=lambda handler: None)
        sockets = bind_sockets(0, address="127.0.0.1", family=socket.AF_INET)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        # The calls Zalo makes (webhook calls, fetching a picture the bot links to): aiohttp's client
        # parses in C, where Tornado's does it in Python, and a benchmark's burst of calls shares the
        # bot's event loop when the emulator runs in its process. A connection each: the bot's web
        # server closes idle ones on its own schedule, and Zalo's keeping them is not to be relied on.
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100, force_close=True),
            timeout=aiohttp.ClientTimeout(total=60))

    async def stop(self) -> None:
        if self._server is None:
            return
        self.closing = True
        self.signal.fire()
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        try:
            await self.signal.wait(lambda: self._inflight == 0, timeout=5)
        except TimeoutError:
            log.warning("zaloemu: %d requests still running at shutdown", self._inflight)
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def base_url(self) -> str:
        """The bot's [zalo] base_url: the token and method are appended."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- users ------------------------------------------------------------------------

    def user(self, user_id: str | None = None, display_name: str = "Test") -> ZaloUser:
        """A user (and their private chat, same id); ids are 20 hex digits, as Zalo's are."""
        uid = user_id or secrets.token_hex(10)
        if uid not in self.users:
            self.users[uid] = ZaloUser(self, uid, display_name)
        return self.users[uid]

    def block(self, user_id: str) -> None:
        """The user blocks the bot: sends to them answer error 403 (Zalo sends no event for it)."""
        self.users[user_id].blocked = True

    # -- what users send -----------------------------------------------------------------

    def new_message_id(self) -> str:
        return f"{next(self._ids):04x}" + secrets.token_hex(8)

    def ms_now(self) -> int:
        return int(self._wall_clock() * 1000)

    def host_photo(self, data: bytes) -> str:
        """Put a picture on the CDN; its URL is what an image message carries."""
        photo_id = secrets.token_hex(12)
        self._hosted[photo_id] = _Hosted(data)
        return f"http://127.0.0.1:{self.port}/cdn/{photo_id}.jpg"

    def expire_photos(self) -> None:
        """Every photo URL handed out so far stops working, as Zalo's links do after a while."""
        for hosted in self._hosted.values():
            hosted.expired = True

    def shape(self, event: dict[str, Any], wrapped: bool | None = None) -> dict[str, Any]:
        return {"ok": True, "result": event} if (self.wrapped if wrapped is None else wrapped) else event

    def emit(self, event: dict[str, Any], *, wrapped: bool | None = None) -> dict[str, Any]:
        """Deliver an event: to the webhook when one is set (in order per chat), else to getUpdates."""
        body = self.shape(event, wrapped)
        if self.webhook is None:
            self._updates.append(body)
            self.signal.fire()
            return body
        chat = event["message"]["chat"]["id"]
        previous = self._chains.get(chat)
        task = asyncio.get_running_loop().create_task(self._deliver_after(previous, body))
        self._chains[chat] = task
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        return body

    def redeliver(self, body: dict[str, Any]) -> None:
        """The same call once more, as Zalo may repeat a webhook call or a poll may repeat a message."""
        event = body.get("result", body)
        self.emit(event, wrapped="result" in body)

    async def _deliver_after(self, previous: asyncio.Task[None] | None, body: dict[str, Any]) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        assert self.webhook is not None
        await self.post_webhook(body, self.webhook["secret_token"])

    async def post_webhook(self, body: dict[str, Any] | bytes, secret: str | None) -> int:
        """One webhook call as Zalo makes it; returns the HTTP status the bot answered."""
        assert self._http is not None
        url = self.deliver_to or (self.webhook or {}).get("url")
        if not url:
            raise RuntimeError("no webhook set and no deliver_to")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        event = body.get("result", body) if isinstance(body, dict) else {}
        key = str((event.get("message") or {}).get("message_id", "")) if isinstance(event, dict) else ""
        assert self._http is not None
        started = self.clock()
        try:
            async with self._http.post(url, data=content, headers=headers) as response:
                await response.read()
                status = response.status
        except Exception:  # refused, reset, timed out: Zalo sees no answer
            status = 0
        self.webhook_calls.append(WebhookCall(key, status, started, self.clock(),
                                              body if isinstance(body, dict) else {}))
        self.signal.fire()
        return status

    async def delivered(self, timeout: float = 10.0) -> None:
        """Wait until every webhook call made so far has been answered."""
        await self.wait_for(lambda: not self._deliveries, timeout, what="webhook deliveries")

    # -- fault injection -------------------------------------------------------------------

    def fail_next(self, method: str, count: int = 1, *, status: int = 500) -> None:
        """The next ``count`` calls of ``method`` (or "download" for the CDN) fail with ``status``."""
        self._faults[method.lower()].extend([status] * count)

    def _fault(self, method: str) -> int | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    # -- records and waiting -------------------------------------------------------------

    def sent_to(self, chat_id: str, method: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id and (method is None or s.method == method)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, *,
                       what: str | None = None) -> None:
        try:
            await self.signal.wait(predicate, timeout, recheck=0.05)
        except TimeoutError:
            raise TimeoutError(f"waited {timeout}s in vain for {what or 'the condition'}; "
                               f"calls={dict(self.calls)} errors={self.errors[-3:]} "
                               f"queued updates={len(self._updates)}") from None

    # -- the API ---------------------------------------------------------------------------

    async def answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._inflight += 1
        self.calls[method] += 1
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            handler = _METHODS.get(method)  # Zalo's method names are case-sensitive
            if handler is None:
                raise ApiError(404, "Not Found")
            fault = self._fault(method)
            if fault is not None:
                raise ApiError(fault, "injected failure")
            result = await handler(self, params)
            body: dict[str, Any] = {"ok": True}
            if result is not None:
                body["result"] = result
            return 200, body
        except ApiError as exc:
            self.errors.append((method, exc.code, exc.description))
            if exc.code == 408 and self.empty_poll == "body":
                return 200, exc.payload()
            return exc.code if 400 <= exc.code < 600 else 400, exc.payload()
        except Exception as exc:
            log.exception("zaloemu: %s failed inside the emulator", method)
            self._internal_errors.append(exc)
            return 500, {"ok": False, "error_code": 500, "description": f"zaloemu bug: {exc!r}"}
        finally:
            self._inflight -= 1
            self.signal.fire()

    def record(self, sent: Sent) -> None:
        self.sent.append(sent)
        user = self.users.get(sent.chat_id)
        if user is not None:
            user.messages.append(sent)
            user.arrived.set()

    def recipient(self, params: dict[str, Any]) -> ZaloUser:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise ApiError(400, "chat_id is required")
        user = self.users.get(chat_id)
        if user is None:
            raise ApiError(400, "chat not found")
        if user.blocked:
            raise ApiError(403, "user has blocked the bot")
        return user

    async def fetch(self, url: str) -> tuple[bytes, str]:
        """Fetch a picture the bot names by URL, as Zalo does before it sends it on."""
        assert self._http is not None
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                status, content = response.status, await response.read()
        except Exception:
            raise ApiError(400, "photo url cannot be fetched") from None
        if status != 200:
            raise ApiError(400, f"photo url answered {status}")
        try:
            with Image.open(io.BytesIO(content)) as img:
                kind = (img.format or "").lower()
        except Exception:
            raise ApiError(400, "photo url is not an image") from None
        return content, kind

    def cdn(self, photo_id: str) -> tuple[int, bytes]:
        self.calls[DOWNLOAD] += 1
        self.signal.fire()
        fault = self._fault(DOWNLOAD)
        if fault is not None:
            return fault, b"injected failure"
        hosted = self._hosted.get(photo_id)
        if hosted is None or hosted.expired:
            return 403, b"expired"
        return 200, hosted.data

    def next_update(self) -> dict[str, Any] | None:
        return self._updates.popleft() if self._updates else None

    def updates_waiting(self) -> bool:
        return bool(self._updates)


# --- methods ------------------------------------------------------------------------------------

def _text(params: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = params.get(key)
    if value is None:
        if required:
            raise ApiError(400, f"{key} is required")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{key} must be a string")
    return value


def _check_length(text: str, key: str) -> None:
    # Counted in UTF-16 units, the stricter reading: an emoji counts as two.
    if not 1 <= utf16_len(text) <= TEXT_LIMIT:
        raise ApiError(400, f"{key} must be 1 to {TEXT_LIMIT} characters")


async def _get_me(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": emu.bot_id, "account_name": "bot.chungtay", "account_type": "BASIC",
            "can_join_groups": False}


async def _get_updates(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    if emu.webhook is not None:
        raise ApiError(400, "getUpdates does not work while a webhook is set; call deleteWebhook")
    raw = params.get("timeout", 30)
    try:
        timeout = min(max(float(raw), 0.0), MAX_POLL_TIMEOUT)
    except (TypeError, ValueError):
        raise ApiError(400, "timeout must be a number") from None
    if not emu.updates_waiting() and timeout > 0:
        emu.polling += 1
        try:
            await emu.signal.wait(lambda: emu.updates_waiting() or emu.closing, timeout)
        except TimeoutError:
            pass
        finally:
            emu.polling -= 1
    body = emu.next_update()
    if body is None:
        raise ApiError(408, "Request timeout")
    # getUpdates answers {"ok": true, "result": event}: the event, whatever the webhook shape.
    return body.get("result", body)


async def _set_webhook(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    url = _text(params, "url", required=True) or ""
    secret = _text(params, "secret_token", required=True) or ""
    why = webhook_url_problem(url)
    if why is not None:
        raise ApiError(400, why)
    if not 8 <= len(secret) <= 256:
        raise ApiError(400, "secret_token must be 8 to 256 characters")
    emu.webhook = {"url": url, "secret_token": secret, "updated_at": emu.ms_now()}
    # Anything still waiting for a poll now goes to the webhook.
    while (body := emu.next_update()) is not None:
        emu.emit(body.get("result", body), wrapped="result" in body)
    answer = {"url": url, "updated_at": emu.webhook["updated_at"], **emu.webhook_answer}
    return {k: v for k, v in answer.items() if v is not None}


def webhook_url_problem(url: str) -> str | None:
    """Why the platform would refuse this webhook address: Zalo calls only public https servers.
    The host is read as written, never resolved: a name that is not an address passes."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return "url is not an address"
    if parts.scheme != "https" or not host:
        return "url must be an https address"
    if host == "localhost" or host.endswith(".localhost"):
        return "url must be a public address, not localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address.is_global or address.is_multicast:
        return "url must be a public address, not a private one"
    return None


async def _delete_webhook(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    emu.webhook = None
    return {"url": "", "updated_at": emu.ms_now()}


async def _get_webhook_info(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    hook = emu.webhook or {"url": "", "updated_at": 0}
    return {"url": hook["url"], "updated_at": hook["updated_at"]}


async def _send_message(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user = emu.recipient(params)
    text = _text(params, "text", required=True) or ""
    _check_length(text, "text")
    message_id = emu.new_message_id()
    emu.record(Sent("sendMessage", user.id, emu.clock(), message_id, text=text))
    return {"message_id": message_id, "date": emu.ms_now()}


async def _send_photo(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user = emu.recipient(params)
    url = _text(params, "photo", required=True) or ""
    caption = _text(params, "caption", required=False)
    if caption is not None:
        _check_length(caption, "caption")
    data, kind = await emu.fetch(url)
    message_id = emu.new_message_id()
    emu.record(Sent("sendPhoto", user.id, emu.clock(), message_id, text=caption or "", photo_url=url,
                    photo_bytes=data, photo_type=kind))
    return {"message_id": message_id, "date": emu.ms_now()}


async def _send_sticker(emu: ZaloEmulator, params: dict[str, Any]) -> dict[str, Any]:
    user = emu.recipient(params)
    _text(params, "sticker", required=True)
    message_id = emu.new_message_id()
    emu.record(Sent("sendSticker", user.id, emu.clock(), message_id))
    return {"message_id": message_id, "date": emu.ms_now()}


async def _send_chat_action(emu: ZaloEmulator, params: dict[str, Any]) -> None:
    emu.recipient(params)
    if params.get("action") != "typing":
        raise ApiError(400, "action must be typing")
    return None


_METHODS = {
    "getMe": _get_me, "getUpdates": _get_updates, "setWebhook": _set_webhook,
    "deleteWebhook": _delete_webhook, "getWebhookInfo": _get_webhook_info,
    "sendMessage": _send_message, "sendPhoto": _send_photo, "sendSticker": _send_sticker,
    "sendChatAction": _send_chat_action,
}


# --- HTTP ---------------------------------------------------------------------------------------

class _ApiHandler(RequestHandler):
    def initialize(self, emu: ZaloEmulator) -> None:
        self.emu = emu

    def compute_etag(self) -> None:
        return None

    async def post(self, token: str, method: str) -> None:
        params: dict[str, Any] = {k: v[-1].decode() for k, v in self.request.query_arguments.items()}
        if self.request.body:
            try:
                body = json.loads(self.request.body)
            except (ValueError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict):
                self._reply(400, ApiError(400, "body must be a JSON object").payload())
                return
            params.update(body)
        status, answer = await self.emu.answer(token, method, params)
        self._reply(status, answer)

    get = post

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class _CdnHandler(RequestHandler):
    def initialize(self, emu: ZaloEmulator) -> None:
        self.emu = emu

    def compute_etag(self) -> None:
        return None

    def get(self, photo_id: str) -> None:
        status, data = self.emu.cdn(photo_id)
        self.set_status(status)
        self.set_header("Content-Type", "image/jpeg" if status == 200 else "text/plain")
        self.finish(data)
