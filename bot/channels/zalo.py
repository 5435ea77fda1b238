"""The Zalo channel: the only module that speaks the Zalo Bot API (on aiohttp; no Zalo SDK).

Zalo looks like Telegram's Bot API and is poorer underneath: no buttons, no edits, no locations,
no file uploads, no getFile, and getUpdates hands out one update per call with no id and no offset.
So choices become a numbered list, an incoming photo is a URL fetched at once (it may expire), and
an outgoing picture is a signed link to our own web server, which Zalo fetches.

Like the Telegram channel, every message is stored in the inbox before Zalo is told it arrived
(the webhook answers 200 after the write), a message id seen before is dropped at the door, and
each chat is handled by one worker in arrival order, so a crash loses nothing and a redelivery
doubles nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import getproxies

import aiohttp
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from bot.app import App
from bot.channels.chats import ChatWorkers
from bot.channels.media_links import MediaHandler, MediaLinks, derive_key
from bot.channels.telegram_render import utf16_len
from bot.scheduler import Outcome
from handlers.catalog import t
from handlers.types import LOCATION_KEY, Incoming, IncomingFile, Reply, parse_command
from storage import dialogs, inbox, users
from storage.models import User
from storage.times import to_db

CHANNEL = "zalo"
TEXT_LIMIT = 2000                       # sendMessage and captions: 1 to 2000 characters
DOWNLOAD_LIMIT = 20 * 1024 * 1024       # the same cap as Telegram photos
# Requests in flight at once (API calls and photo downloads); the rest wait their turn on a
# semaphore, so a burst of hundreds never meets a pool timeout nor queues inside the connector, and a
# few dozen round trips at a time are plenty for Zalo's latency.
HTTP_SLOTS = 16
HTTP_TIMEOUT = 30.0                     # seconds for each step of an API call
# An idle connection is dropped this soon, well before a server is likely to close it under us, so
# a request seldom goes out on a connection that is already being shut.
KEEPALIVE = 5.0
ARRIVING_CAP = 5.0                      # seconds a photo waits at most for the chat's next ones
EMPTY_POLL = 408                        # getUpdates: nothing arrived within the timeout
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_BODY_LIMIT = 256 * 1024         # one event is a few hundred bytes; refuse anything big unread
INBOX_KEEP = timedelta(days=30)
BLOCKED_CODES = frozenset({403})        # Zalo refuses to deliver: the person blocked or left the bot
log = logging.getLogger(__name__)

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"


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
def _network_errors() -> Iterator[None]:
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
        self._slots = asyncio.Semaphore(slots) if slots else None
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
        with _network_errors():
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


# --- what arrives ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZaloEvent:
    event: str
    key: str                  # "zalo:<message_id>", the inbox and handled-updates key
    message_id: str
    chat_id: str
    chat_type: str
    user_id: str
    display_name: str
    text: str                 # the text, or an image's caption
    photo_url: str | None

    @property
    def is_image(self) -> bool:
        return self.event == IMAGE_EVENT


def unwrap(body: object) -> dict[str, Any] | None:
    """The event of a webhook call or getUpdates answer: flat, or wrapped in {"ok", "result"}."""
    if not isinstance(body, dict):
        return None
    if "event_name" not in body and isinstance(body.get("result"), dict):
        body = body["result"]
    assert isinstance(body, dict)
    return body if isinstance(body.get("event_name"), str) else None


def parse_event(body: object) -> ZaloEvent | None:
    """None for anything that is not a message event we can attribute to a person."""
    event = unwrap(body)
    if event is None:
        return None
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user_id = _text(sender.get("id")) or _text(chat.get("id"))
    chat_id = _text(chat.get("id")) or user_id
    if not user_id:
        return None
    message_id = _text(message.get("message_id"))
    if not message_id:
        # Not seen in practice; a stable key keeps a redelivery of such a message from counting twice.
        digest = hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        message_id = "h" + digest[:32]
    # Older documents call the image `photo`, newer ones `photo_url`.
    photo = _text(message.get("photo_url")) or _text(message.get("photo")) or None
    text = _text(message.get("text")) or _text(message.get("caption"))
    return ZaloEvent(
        event=str(event["event_name"]), key=f"zalo:{message_id}", message_id=message_id, chat_id=chat_id,
        chat_type=_text(chat.get("chat_type")).upper() or "PRIVATE", user_id=user_id,
        display_name=_text(sender.get("display_name")) or _text(sender.get("name")),
        text=text, photo_url=photo,
    )


def _text(value: object) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


# --- what goes out --------------------------------------------------------------------------------

def render(reply: Reply, lang: str) -> str:
    """The reply's text with its choices as a numbered list, answered with the number or the words.

    The location choice, which nobody can act on from Zalo, is replaced by a sentence; the others are
    numbered 1 to n as shown, and a typed number is read back the same way (typed_choice).
    """
    lines = [reply.text] if reply.text else []
    shown = [c for c in reply.choices if c.key != LOCATION_KEY]
    lines.extend(f"{number}. {choice.label}" for number, choice in enumerate(shown, 1))
    if len(shown) < len(reply.choices):
        lines.append(t(lang, "zalo_no_location"))
    if shown:
        lines.append(t(lang, "zalo_answer_hint", example=1))
    return "\n".join(lines)


def typed_choice(text: str, offered: Sequence[str]) -> str | None:
    """The key a typed number names among the offered keys, counted as render() numbered them.

    The dialog reads a number as a position among everything it offered, the location included; the
    two countings differ only when the location was offered, and only then is a choice returned.
    A number past the shown list but within the offered one would land on a choice the person never
    saw under it (cancelling, say): it comes back as the location, and the dialog asks again.
    """
    typed = text.strip()
    if LOCATION_KEY not in offered or not typed.isdecimal():
        return None
    shown = [key for key in offered if key != LOCATION_KEY]
    number = int(typed)
    if 1 <= number <= len(shown):
        return shown[number - 1]
    return LOCATION_KEY if 1 <= number <= len(offered) else None


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (no more than Zalo's count, however it counts), cut at
    line breaks where possible; empty pieces are left out (Zalo refuses an empty message)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _hard_wrap(line, limit):
            candidate = part if not current else current + "\n" + part
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current)
                current = part
    if current.strip():
        pieces.append(current)
    return pieces


def _hard_wrap(line: str, limit: int) -> list[str]:
    if utf16_len(line) <= limit:
        return [line]
    out, current = [], ""
    for ch in line:
        if utf16_len(current + ch) > limit:
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    return out


# --- the channel ----------------------------------------------------------------------------------

@dataclass
class Tuning:
    # Zalo has no albums: several photos sent together arrive as separate messages, close together.
    # Photos queued one after another in a chat, or arriving within this many seconds of the last
    # (or still being stored when it ends), are one step of the dialog, as a Telegram album is.
    album_wait: float = 0.3
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)  # network errors, 429 and 5xx
    poll_timeout: int = 30
    download_timeout: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)


class ZaloChannel:
    def __init__(self, app: App, tuning: Tuning | None = None) -> None:
        self.app = app
        self.settings = app.settings.zalo
        self.tuning = tuning or Tuning()
        self._http = Http(step_timeout(HTTP_TIMEOUT), slots=HTTP_SLOTS)
        # A long poll of its own, outside the slots: a burst of replies must not hold up the next
        # message, nor the poll a reply.
        self._poll_http = Http(step_timeout(self.tuning.poll_timeout + 15.0))
        self.api = ZaloApi(self.settings.token, self.settings.base_url, self._http)
        self._poll_api = ZaloApi(self.settings.token, self.settings.base_url, self._poll_http)
        self.links: MediaLinks | None = None
        if self.settings.public_base_url:
            # Only the media directory is ever served: photos, charts and exports all live there.
            self.links = MediaLinks(derive_key(self.settings.token), app.ctx.photos.media_dir,
                                    self.settings.public_base_url, self.settings.link_ttl_minutes * 60)
        # Photos queued one after another are one group; under load the write of the next one's
        # webhook call, not Zalo, is what keeps them apart, so a group also waits for that.
        self._chats: ChatWorkers[ZaloEvent] = ChatWorkers(
            self._handle, self._report_failure, starts_group=lambda e: e.is_image,
            same_group=lambda _first, nxt: nxt.is_image, group_wait=self.tuning.album_wait,
            arriving=lambda chat: chat in self._arriving, arriving_cap=ARRIVING_CAP)
        self._writer = _InboxWriter(app)
        self._stopping = False
        self._arriving: dict[str, int] = {}  # chat id -> webhook calls being stored right now
        self._prefetched: dict[str, asyncio.Task[IncomingFile | None]] = {}  # message key -> download
        self._poller: asyncio.Task[None] | None = None
        self._server: HTTPServer | None = None
        self.port = 0
        app.outbound[CHANNEL] = self.deliver

    # --- starting and stopping ------------------------------------------------------------------

    async def start_polling(self) -> None:
        """Development mode: replay what was stored but never handled, then poll. Returns once running.

        getUpdates forgets an update once it has answered with it, so the moment between its answer
        and our write is not covered as the webhook's is; Zalo recommends polling only for testing.
        """
        await inbox.prune(self.app.db, to_db(self.app.ctx.now() - INBOX_KEEP))
        if self.links is not None:
            await self._serve(webhook=False)
        await self.replay()
        self._poller = asyncio.create_task(self._poll(), name="zalo-poll")

    async def start_webhook(self) -> None:
        """Production mode: the web server (webhook and picture links), the replay, then setWebhook.

        The server comes first: replayed messages may be answered with pictures Zalo must fetch.
        """
        await inbox.prune(self.app.db, to_db(self.app.ctx.now() - INBOX_KEEP))
        await self._serve(webhook=True)
        await self.replay()
        await self._retrying(lambda: self.api.call("setWebhook", {
            "url": self.settings.webhook_url, "secret_token": self.settings.webhook_secret}))

    async def _serve(self, webhook: bool) -> None:
        routes: list[Any] = []
        if webhook:
            path = urlparse(self.settings.webhook_url).path or "/"
            routes.append((_exact(path), _WebhookHandler, {"channel": self}))
        if self.links is not None:
            routes.append((_exact(self.links.route_prefix) + r"(.+)", MediaHandler, {"links": self.links}))
        application = TornadoApplication(routes, log_function=_quiet_log)
        family = socket.AF_INET6 if ":" in self.settings.listen else socket.AF_INET
        sockets = bind_sockets(self.settings.port, address=self.settings.listen, family=family)
        self._server = HTTPServer(application, max_body_size=WEBHOOK_BODY_LIMIT)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Finish what each chat has in hand, then stop; anything still queued is replayed later."""
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self._chats.stop()
        # Only now: the replies just sent may carry picture links Zalo has yet to fetch.
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
        for task in self._prefetched.values():  # photos of messages left for the replay
            task.cancel()
        await asyncio.gather(*self._prefetched.values(), return_exceptions=True)
        self._prefetched.clear()
        await self._writer.drain()
        await self._http.close()
        await self._poll_http.close()
        if self.app.outbound.get(CHANNEL) == self.deliver:
            del self.app.outbound[CHANNEL]

    async def replay(self) -> int:
        pending = await inbox.unhandled(self.app.db, CHANNEL)
        for _, payload in pending:
            event = parse_event(json.loads(payload))
            if event is not None:
                self._enqueue(event)
        if pending:
            log.info("replaying %d stored Zalo messages", len(pending))
        return len(pending)

    # --- arrival ----------------------------------------------------------------------------------

    async def accept(self, body: dict[str, Any], arriving: bool = False) -> bool:
        """Store one event and queue it; False when it was seen before or is not a message at all.

        arriving: count the call while it is stored, so the chat's worker waits for it (webhook).
        """
        event = parse_event(body)
        if event is None:
            name = (unwrap(body) or {}).get("event_name", "?")
            log.info("ignored a Zalo call that is not a message event (%s)", str(name)[:60])
            return False
        chat = event.chat_id
        if arriving:
            self._arriving[chat] = self._arriving.get(chat, 0) + 1
        try:
            fresh = await self._writer.store(event.key, json.dumps(body, ensure_ascii=False))
            if fresh:
                self._enqueue(event)
        finally:
            if arriving:
                left = self._arriving[chat] - 1
                if left:
                    self._arriving[chat] = left
                else:
                    del self._arriving[chat]
        return fresh

    async def _poll(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                result = await self._poll_api.call("getUpdates", {"timeout": self.tuning.poll_timeout})
            except ZaloError as exc:
                if exc.code == EMPTY_POLL:
                    failures = 0
                    continue
                failures += 1
                log.warning("getUpdates failed: error %d", exc.code)
            except ZaloNetworkError as exc:
                if exc.timed_out:
                    continue
                failures += 1
                log.warning("getUpdates failed: %s", exc.kind)
            else:
                failures = 0
                for body in result if isinstance(result, list) else [result]:
                    if not isinstance(body, dict):
                        continue
                    try:
                        await self.accept(body)
                    except Exception as exc:  # Zalo has forgotten it already: say so, keep polling
                        log.error("a polled Zalo message could not be stored: %s", type(exc).__name__)
                continue
            delays = self.tuning.retry_delays or (1.0,)
            await self.tuning.sleep(delays[min(failures, len(delays)) - 1])

    # --- one chat at a time, in order -------------------------------------------------------------

    def _enqueue(self, event: ZaloEvent) -> None:
        if event.is_image and event.key not in self._prefetched:
            self._prefetched[event.key] = asyncio.create_task(self._prefetch(event), name="zalo-photo")
        self._chats.put(event.chat_id, event)

    async def _handle(self, group: list[ZaloEvent]) -> None:
        first = group[0]
        keys = tuple(e.key for e in group)
        if first.chat_type != "PRIVATE":  # groups are not open to bots yet; nothing to answer there
            await self.app.core.skip(keys)
            return
        known = await users.find(self.app.db, CHANNEL, first.user_id)
        if first.event not in (TEXT_EVENT, IMAGE_EVENT) and known is not None and known.status == "active":
            # Stickers, voice, files, locations, contacts: Zalo passes none of them on.
            await self.app.core.skip(keys)
            await self.deliver(first.chat_id, Reply(t(known.lang, "zalo_unsupported")))
            return
        # Nothing of a stranger's is downloaded: they get told how to join, and that is all.
        incoming = await self._to_incoming(group, keys, known)
        replies = await self.app.core.handle(incoming)
        for reply in replies:
            if reply.to is None:
                await self.deliver(first.chat_id, reply)
            else:
                await self.app.deliver(reply.to[0], reply.to[1], reply)

    async def _to_incoming(self, group: list[ZaloEvent], keys: tuple[str, ...],
                           known: User | None) -> Incoming:
        first = group[0]
        base: dict[str, Any] = {"channel": CHANNEL, "user_id": first.user_id,
                                "display_name": first.display_name, "update_keys": keys}
        text = next((e.text for e in group if e.text), "")
        if first.event == TEXT_EVENT:
            command, args = parse_command(text)
            choice = None
            if known is not None and command is None and text.strip().isdecimal():
                # Read from the stored dialog, not from what this process sent: after a restart
                # the list on the person's screen is still the one the dialog offered.
                _, draft = await dialogs.load(self.app.db, known.id)
                choice = typed_choice(text, [key for key, _ in draft.get("offered") or []])
            return Incoming(**base, text=text, command=command, args=args, choice=choice)
        if first.is_image:
            fetch = known is not None
            fetched = await asyncio.gather(*(self._photo(e, fetch) for e in group))
            files = tuple(f for f in fetched if f is not None)
            return Incoming(**base, text=text, files=files)
        kind = first.event.removeprefix("message.").removesuffix(".received")
        return Incoming(**base, unsupported=kind or "other")

    async def _prefetch(self, event: ZaloEvent) -> IncomingFile | None:
        """Fetched on arrival, while the chat's earlier messages are handled and its next photos
        awaited: the link may expire, and the wait for them then costs no extra time."""
        if event.chat_type != "PRIVATE" or await users.find(self.app.db, CHANNEL, event.user_id) is None:
            return None  # nothing of a stranger's is downloaded
        return await self._download(event)

    async def _photo(self, event: ZaloEvent, fetch: bool) -> IncomingFile | None:
        task = self._prefetched.pop(event.key, None)
        got = await task if task is not None else None
        if got is None and fetch:  # they joined between the photo's arrival and now
            got = await self._download(event)
        return got if fetch else None

    async def _download(self, event: ZaloEvent) -> IncomingFile:
        """The photo behind the URL, at once: Zalo's photo links do not last."""
        name = f"photo-{event.message_id[:8]}.jpg"

        def failed(problem: str) -> IncomingFile:
            return IncomingFile(data=None, filename=name, problem=problem)

        url = event.photo_url or ""
        if urlparse(url).scheme not in ("http", "https"):
            return failed("download_failed")
        delays = self.tuning.retry_delays[:2]
        for attempt in range(len(delays) + 1):
            try:
                data = await self._fetch(url)
            except _TooLarge:
                return failed("too_large")
            except ZaloError as exc:
                if not exc.transient or attempt == len(delays):
                    return failed("download_failed")
            except ZaloNetworkError:
                if attempt == len(delays):
                    return failed("download_failed")
            else:
                return IncomingFile(data=data, filename=name, mime="image/jpeg")
            await self.tuning.sleep(delays[attempt])
        return failed("download_failed")

    async def _fetch(self, url: str) -> bytes:
        timeout = step_timeout(self.tuning.download_timeout)
        with _network_errors():
            async with self._http.slot(), self._http.session.get(url, timeout=timeout, allow_redirects=True,
                                                                 max_redirects=20) as response:
                if response.status != 200:
                    raise ZaloError(response.status, "download")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > DOWNLOAD_LIMIT:
                    raise _TooLarge
                chunks, size = [], 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > DOWNLOAD_LIMIT:
                        raise _TooLarge
                    chunks.append(chunk)
        return b"".join(chunks)

    # --- replies out ----------------------------------------------------------------------------

    async def deliver(self, user_id: str, reply: Reply) -> bool:
        """Send one reply to a person (in a private chat the chat id is the person's id).

        False when Zalo refuses because the person blocked the bot; they are marked, not retried.
        Pictures go as links Zalo fetches; a document as a download link (see _document).
        """
        known = await users.find(self.app.db, CHANNEL, user_id)
        lang = known.lang if known else "vi"
        try:
            for piece in split_text(render(reply, lang)):
                await self._send("sendMessage", {"chat_id": user_id, "text": piece})
            await self._images(user_id, reply.images, lang)
            if reply.document is not None:
                name = reply.document_name or reply.document.name
                await self._document(user_id, reply.document, name, lang)
        except ZaloError as exc:
            if exc.code in BLOCKED_CODES:
                await self._mark_blocked(user_id)
                return False
            raise
        return True

    async def _images(self, chat_id: str, images: Sequence[Path], lang: str) -> None:
        if not images:
            return
        sent = 0
        if self.links is not None:
            for path in images:
                try:
                    url = self.links.url_for(path)
                except ValueError:  # gone, or not ours to serve
                    continue
                await self._send("sendPhoto", {"chat_id": chat_id, "photo": url})
                sent += 1
        if sent < len(images):
            await self._send("sendMessage", {"chat_id": chat_id,
                                             "text": t(lang, "zalo_images_unavailable",
                                                       count=len(images) - sent)})

    async def _document(self, chat_id: str, path: Path, name: str, lang: str) -> None:
        """Zalo cannot attach a file: a signed download link when the web server is public, else
        a sentence pointing to Telegram."""
        text = t(lang, "zalo_document_unavailable", name=name)
        if self.links is not None:
            with contextlib.suppress(ValueError):
                text = t(lang, "zalo_document_link", name=name, url=self.links.url_for(path),
                         minutes=self.settings.link_ttl_minutes)
        for piece in split_text(text):
            await self._send("sendMessage", {"chat_id": chat_id, "text": piece})

    async def _send(self, method: str, params: dict[str, Any]) -> Any:
        return await self._retrying(lambda: self.api.call(method, params))

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Network errors, 429 and 5xx are tried again with growing pauses; other errors are not."""
        delays = self.tuning.retry_delays
        for attempt in range(len(delays) + 1):
            try:
                return await call()
            except ZaloError as exc:
                if not exc.transient or attempt == len(delays):
                    raise
            except ZaloNetworkError as exc:
                if not exc.transient or attempt == len(delays):
                    raise
            await self.tuning.sleep(delays[attempt])
        raise AssertionError("unreachable")

    async def _mark_blocked(self, user_id: str) -> None:
        user = await users.find(self.app.db, CHANNEL, user_id)
        if user is not None and user.status == "active":
            async with self.app.db.transaction():
                await users.set_status(self.app.db, user.id, "blocked")
            log.info("user %s cannot be reached on Zalo; marked blocked", user.id)

    # --- failures -------------------------------------------------------------------------------

    async def _report_failure(self, group: list[ZaloEvent], exc: BaseException) -> None:
        """Log the message ids and where it failed (never content), tell the person."""
        ids = ",".join(e.message_id for e in group)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("Zalo message %s failed with %s\n%s", ids, type(exc).__name__, frames)
        first = group[0]
        known = await users.find(self.app.db, CHANNEL, first.user_id)
        # Marked handled: the person was told to try again, and replaying a poison message at every
        # start would only fail again.
        for e in group:
            task = self._prefetched.pop(e.key, None)
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.app.core.skip(tuple(e.key for e in group))
        with contextlib.suppress(Exception):
            await self.deliver(first.chat_id, Reply(t(known.lang if known else "vi", "error")))


class _TooLarge(Exception):
    pass


class _InboxWriter:
    """Stores arriving messages, many in one transaction when they arrive together.

    Every webhook call waits for its message to be on disk before answering; a burst of calls
    would otherwise queue one fsync each behind the single writer.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._pending: list[tuple[str, str, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def store(self, key: str, payload: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((key, payload, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="zalo-inbox")
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                fresh = await inbox.store_new(self.app.db, CHANNEL, [(k, p) for k, p, _ in batch],
                                              self.app.ctx.stamp())
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            seen: set[str] = set()
            for key, _, future in batch:
                # The same message twice in one batch: the first is new, the second a duplicate.
                if not future.done():
                    future.set_result(key in fresh and key not in seen)
                seen.add(key)

    async def drain(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


class _WebhookHandler(RequestHandler):
    def initialize(self, channel: ZaloChannel) -> None:
        self.channel = channel

    def compute_etag(self) -> None:
        return None

    async def post(self) -> None:
        expected = self.channel.settings.webhook_secret.encode()
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            self._answer(403, {"ok": False, "description": "forbidden"})
            return
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            self._answer(400, {"ok": False, "description": "not JSON"})
            return
        if not isinstance(body, dict):
            self._answer(400, {"ok": False, "description": "not a JSON object"})
            return
        try:
            await self.channel.accept(body, arriving=True)
        except Exception as exc:
            # Not stored: answering an error lets Zalo try again rather than lose the message.
            log.error("storing a Zalo message failed: %s", type(exc).__name__)
            self._answer(500, {"ok": False, "description": "try again"})
            return
        self._answer(200, {"ok": True})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


def _exact(path: str) -> str:
    """A literal path as a tornado route pattern."""
    return re.escape(path)


def _quiet_log(handler: RequestHandler) -> None:
    # The request line of a media link is a signed URL; not worth a log line, nor a leak.
    log.debug("%s -> %s", handler.request.method, handler.get_status())


class ZaloSender:
    """Reminders (bot/scheduler.py's Sender) through ZaloChannel.deliver, which already retries
    network errors, 429 and 5xx, and marks people Zalo refuses to reach."""

    channel_name = CHANNEL

    def __init__(self, channel: ZaloChannel) -> None:
        self.channel = channel

    async def send(self, channel: str, external_id: str, reply: Reply) -> Outcome:
        if channel != self.channel_name:
            return "failed"
        try:
            delivered = await self.channel.deliver(external_id, reply)
        except ZaloError as exc:
            # Refused for load after every retry: certainly not delivered, unless an earlier piece
            # of a long message had already gone out, which a resend would repeat.
            single = len(split_text(render(reply, "vi"))) == 1 and not reply.images and not reply.document
            if exc.code == 429 and single:
                return "retry"
            log.warning("reminder delivery on Zalo failed: error %d", exc.code)
            return "failed"
        except Exception as exc:
            log.warning("reminder delivery on Zalo failed: %s", type(exc).__name__)
            return "failed"
        return "sent" if delivered else "blocked"
