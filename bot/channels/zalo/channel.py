"""The Zalo channel: the only module that speaks to the Zalo Bot API (api.py, on aiohttp).

Zalo looks like Telegram's Bot API and is poorer underneath: no buttons, no edits, no locations,
no file uploads, no getFile, and getUpdates hands out one update per call with no id and no offset.
So choices become a numbered list (render.py), an incoming photo is a URL fetched at once (it may
expire; photos.py), and an outgoing picture is a signed link to our own web server, which Zalo
fetches (picture_links.py, webhook.py).

As on Telegram, every message is stored in the inbox before Zalo is told it arrived (the webhook
answers 200 after the write), a message id seen before is dropped at the door, and each chat is
handled by one worker in arrival order (bot/channels/base.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.app import App
from bot.channels import base
from bot.channels.base import ChatChannel
from bot.channels.contract import Outcome
from bot.channels.textsplit import split_text
from bot.channels.zalo import failures
from bot.channels.zalo.api import Http, ZaloApi, ZaloError, ZaloNetworkError, step_timeout
from bot.channels.zalo.events import IMAGE_EVENT, TEXT_EVENT, ZaloEvent, parse_event, unwrap
from bot.channels.zalo.inbox import CHANNEL, InboxWriter
from bot.channels.zalo.pause import SendPause, ZaloPaused
from bot.channels.zalo.photos import download
from bot.channels.zalo.picture_links import MediaLinks, derive_key
from bot.channels.zalo.render import TEXT_LIMIT, render, typed_choice
from bot.channels.zalo.webhook import WebServer, webhook_route
from bot.channels.zalo.webhook_answer import register_webhook
from handlers.catalog import t
from handlers.types import Incoming, IncomingFile, Reply, parse_command
from storage import dialogs, users
from storage.codes import UserStatus
from storage.numbers import whole

# Requests in flight at once (API calls and photo downloads); the rest wait their turn on a
# semaphore, so a burst of hundreds never meets a pool timeout nor queues inside the connector, and a
# few dozen round trips at a time are plenty for Zalo's latency.
HTTP_SLOTS = 16
HTTP_TIMEOUT = 30.0                     # seconds for each step of an API call
ARRIVING_CAP = 5.0                      # seconds a photo waits at most for the chat's next ones
EMPTY_POLL = 408                        # getUpdates: nothing arrived within the timeout
log = logging.getLogger(__name__)
# Set while send() (reminders, notices to others) delivers: those wait out a pause in the outbox.
_QUEUED: ContextVar[bool] = ContextVar("zalo_queued_send", default=False)


@dataclass
class Tuning(base.Tuning):
    # Zalo has no albums: several photos sent together arrive as separate messages, close together.
    # Photos queued one after another in a chat, or arriving within this many seconds of the last
    # (or still being stored when it ends), are one step of the dialog, as a Telegram album is.
    album_wait: float = 0.3
    download_timeout: float = 30.0
    monotonic: Callable[[], float] = field(default=time.monotonic)  # the clock of the 429 pause


class ZaloChannel(ChatChannel[ZaloEvent]):
    name = CHANNEL

    def __init__(self, app: App, tuning: Tuning | None = None) -> None:
        self.tuning: Tuning = tuning or Tuning()
        super().__init__(app, self.tuning)
        self.settings = app.settings.zalo
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
        self._chats = self._workers(starts_group=lambda e: e.is_image,
                                    same_group=lambda _first, nxt: nxt.is_image,
                                    arriving=lambda chat: chat in self._arriving, arriving_cap=ARRIVING_CAP)
        self._writer = InboxWriter(app)
        self.pause = SendPause(self.tuning.monotonic)
        self._stopping = False
        self._arriving: dict[str, int] = {}  # chat id -> webhook calls being stored right now
        self._prefetched: dict[str, asyncio.Task[IncomingFile | None]] = {}  # message key -> download
        self._poller: asyncio.Task[None] | None = None
        self._server: WebServer | None = None
        self.port = 0

    # --- starting and stopping ------------------------------------------------------------------

    async def start(self) -> None:
        """The webhook when configured, else polling (development); a worker reads the shared inbox."""
        if not self.receives:
            return await self._catch_up()
        if self.settings.webhook_url:
            await self.start_webhook()
            log.info("Zalo webhook listening on %s:%d", self.settings.listen, self.port)
        else:
            await self.start_polling()
            log.info("polling Zalo for updates (development mode)")

    async def start_polling(self) -> None:
        """Development mode: replay what was stored but never handled, then poll. Returns once running.

        getUpdates forgets an update once it has answered with it, so the moment between its answer
        and our write is not covered as the webhook's is; Zalo recommends polling only for testing.
        """
        if self.links is not None:
            await self._serve(webhook=False)
        await self._catch_up()
        self._poller = asyncio.create_task(self._poll(), name="zalo-poll")

    async def start_webhook(self) -> None:
        """Production mode: the web server (webhook and picture links), the replay, then setWebhook.

        The server comes first: replayed messages may be answered with pictures Zalo must fetch.
        """
        await self._serve(webhook=True)
        await self._catch_up()
        # Its answer is read: a refusal stops the start with one line (webhook_answer.py).
        await register_webhook(lambda method, params: self._retrying(lambda: self.api.call(method, params)),
                               self.settings.webhook_url, self.settings.webhook_secret)

    async def _catch_up(self) -> None:
        await failures.prune(self.app)
        await super()._catch_up()

    async def _serve(self, webhook: bool) -> None:
        routes = []
        if webhook:
            path = urlparse(self.settings.webhook_url).path or "/"
            routes.append(webhook_route(path, self.settings.webhook_secret,
                                        lambda body: self.accept(body, arriving=True)))
        self._server = WebServer(routes, self.links)
        await self._server.start(self.settings.listen, self.settings.port)
        self.port = self._server.port

    async def stop(self) -> None:
        """Finish what each chat has in hand, then stop; anything still queued is replayed later."""
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self._stop_handling()
        # Only now: the replies just sent may carry picture links Zalo has yet to fetch.
        if self._server is not None:
            await self._server.stop()
            self._server = None
        for task in self._prefetched.values():  # photos of messages left for the replay
            task.cancel()
        await asyncio.gather(*self._prefetched.values(), return_exceptions=True)
        self._prefetched.clear()
        await self._writer.drain()
        await self._stopped()
        await asyncio.gather(self._http.close(), self._poll_http.close())

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
            fresh = await self._writer.store(event.key, json.dumps(body, ensure_ascii=False),
                                             None if self.handles else chat)
            if fresh and self.handles:
                self._enqueue(event)
        finally:
            if arriving and not (left := self._arriving[chat] - 1):
                del self._arriving[chat]
            elif arriving:
                self._arriving[chat] = left
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

    def key_of(self, item: ZaloEvent) -> str:
        return item.key

    def _revive(self, stored: Any) -> ZaloEvent | None:
        return parse_event(stored)

    async def _arrived(self, item: ZaloEvent) -> None:
        self._enqueue(item)

    def _enqueue(self, event: ZaloEvent) -> None:
        if event.is_image and event.key not in self._prefetched:
            self._prefetched[event.key] = asyncio.create_task(self._prefetch(event), name="zalo-photo")
        self._chats.put(event.chat_id, event)

    # --- updates to the core ----------------------------------------------------------------------

    def _chat_of(self, item: ZaloEvent) -> str:
        return item.chat_id  # in a private chat, the person's own id

    def _person_of(self, item: ZaloEvent) -> str | None:
        return item.user_id

    async def _to_incoming(self, group: list[ZaloEvent], keys: tuple[str, ...]) -> Incoming | None:
        first = group[0]
        if first.chat_type != "PRIVATE":  # groups are not open to bots yet; nothing to answer there
            return None
        known = await users.find(self.app.db, CHANNEL, first.user_id)
        if (first.event not in (TEXT_EVENT, IMAGE_EVENT) and known is not None
                and known.status == UserStatus.ACTIVE):
            # Stickers, voice, files, locations, contacts: Zalo passes none of them on.
            await self.app.core.skip(keys)
            await self.deliver(first.chat_id, Reply(t(known.lang, "zalo_unsupported")))
            return None
        # Nothing of a stranger's is downloaded: they get told how to join, and that is all.
        base_fields: dict[str, Any] = {"channel": CHANNEL, "user_id": first.user_id,
                                       "display_name": first.display_name, "update_keys": keys}
        text = next((e.text for e in group if e.text), "")
        if first.event == TEXT_EVENT:
            command, args = parse_command(text)
            choice = None
            if known is not None and command is None and whole(text.strip()) is not None:
                # Read from the stored dialog, not from what this process sent: after a restart
                # the list on the person's screen is still the one the dialog offered.
                _, draft = await dialogs.load(self.app.db, known.id)
                choice = typed_choice(text, [key for key, _ in draft.get("offered") or []])
            return Incoming(**base_fields, text=text, command=command, args=args, choice=choice)
        if first.is_image:
            fetch = known is not None
            fetched = await asyncio.gather(*(self._photo(e, fetch) for e in group))
            files = tuple(f for f in fetched if f is not None)
            return Incoming(**base_fields, text=text, files=files)
        kind = first.event.removeprefix("message.").removesuffix(".received")
        return Incoming(**base_fields, unsupported=kind or "other")

    async def _prefetch(self, event: ZaloEvent) -> IncomingFile | None:
        """Fetched and stored on arrival, while the chat's earlier messages are handled and its next
        photos awaited: the link may expire, and the wait for them then costs no extra time."""
        if event.chat_type != "PRIVATE" or await users.find(self.app.db, CHANNEL, event.user_id) is None:
            return None  # nothing of a stranger's is downloaded
        return await self.app.core.prepare(await self._download(event))

    async def _photo(self, event: ZaloEvent, fetch: bool) -> IncomingFile | None:
        task = self._prefetched.pop(event.key, None)
        got = await task if task is not None else None
        if got is None and fetch:  # they joined between the photo's arrival and now
            got = await self._download(event)
        return got if fetch else None

    async def _download(self, event: ZaloEvent) -> IncomingFile:
        return await download(self._http, event, self.tuning.download_timeout,
                              self.tuning.retry_delays[:2], self.tuning.sleep)

    def _forget(self, group: list[ZaloEvent]) -> None:
        for e in group:
            task = self._prefetched.pop(e.key, None)
            if task is not None:
                task.cancel()

    # --- replies out ----------------------------------------------------------------------------

    async def _transmit(self, person: Any, reply: Reply) -> None:
        """Pictures go as links Zalo fetches; a document as a download link (see _document)."""
        user_id = str(person)
        known = await users.find(self.app.db, CHANNEL, user_id)
        lang = known.lang if known else "vi"
        await self._text(user_id, render(reply, lang))
        await self._images(user_id, reply.images, lang)
        if reply.document is not None:
            name = reply.document_name or reply.document.name
            await self._document(user_id, reply.document, name, lang)

    async def _text(self, chat_id: str, text: str) -> None:
        for piece in split_text(text, TEXT_LIMIT):
            await self._send("sendMessage", {"chat_id": chat_id, "text": piece})

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
        await self._text(chat_id, text)

    async def send(self, person: str, reply: Reply) -> Outcome:
        """During a pause (pause.py) nothing is tried: 'retry' keeps a reminder in the outbox."""
        if self.pause.active:
            return "retry"
        queued = _QUEUED.set(True)
        try:
            return await super().send(person, reply)
        finally:
            _QUEUED.reset(queued)

    async def _send(self, method: str, params: dict[str, Any]) -> Any:
        if self.pause.active:
            if _QUEUED.get():
                raise ZaloPaused()
            # A reply to someone who just wrote is tried once, not retried: they wait for it, there is
            # one per message they send, and holding their chat till the pause ends would hold stop().
            return await self.pause.watch(self.api.call(method, params))
        return await self._retrying(lambda: self.pause.watch(self.api.call(method, params)))

    def _blocks(self, exc: Exception) -> bool:
        return False  # no single answer of Zalo's is known to mean it: see _unreachable_after

    async def _unreachable_after(self, person: str, exc: Exception) -> bool:
        return await failures.unreachable_after(self.app, person, exc)

    async def _report_failure(self, group: list[ZaloEvent], exc: BaseException) -> None:
        if failures.refusal(exc):  # recorded; a "try again" notice would only be refused too
            keys = tuple(e.key for e in group)
            log.warning("replies to %s not delivered: error %s", ",".join(keys), getattr(exc, "code", "?"))
            self._forget(group)
            with contextlib.suppress(Exception):
                await self.app.core.skip(keys)
            return
        await super()._report_failure(group, exc)

    def _retry_wait(self, exc: Exception, delay: float) -> float | None:
        """Network errors, 429 and 5xx are tried again with growing pauses; other errors are not,
        nor anything once a pause has begun."""
        if isinstance(exc, ZaloError | ZaloNetworkError) and exc.transient and not self.pause.active:
            return delay
        return None

    def _retry_later(self, exc: Exception, reply: Reply) -> bool:
        # Refused for load after every retry: certainly not delivered, unless an earlier piece of a
        # long message had already gone out, which a resend would repeat.
        single = len(split_text(render(reply, "vi"), TEXT_LIMIT)) == 1
        return (isinstance(exc, ZaloError) and exc.code == 429 and single
                and not reply.images and not reply.document)

    def _describe(self, exc: Exception) -> str:
        return f"error {exc.code}" if isinstance(exc, ZaloError) else type(exc).__name__
