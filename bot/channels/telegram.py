"""The Telegram channel: the only module that speaks python-telegram-bot.

Updates are stored in the inbox as they arrive, before Telegram is told they were received, and
handled one chat at a time in arrival order, so a crash loses nothing and a redelivery doubles
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ExtBot, TypeHandler

from bot.app import App
from bot.channels.chats import ChatWorkers
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_render import button_rows, callback_ok, split_html
from handlers.catalog import t
from handlers.commands import COMMANDS
from handlers.types import LOCATION_KEY, MENU, Incoming, IncomingFile, Location, Reply, parse_command
from storage import inbox, users
from storage.times import to_db

CHANNEL = "telegram"
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API refuses getFile above this
MEDIA_GROUP_LIMIT = 10
INBOX_KEEP = timedelta(days=30)  # handled updates kept this long, for looking into a complaint
log = logging.getLogger(__name__)


class InboxBot(ExtBot[Any]):
    """An ExtBot whose getUpdates stores the whole fetched batch in one transaction.

    Polling confirms a batch to Telegram only with the next getUpdates call, which comes after
    this returns, so every update is on disk before Telegram forgets it.
    """

    __slots__ = ("_on_fetched",)

    def __init__(self, *args: Any, on_fetched: Callable[[Sequence[Update]], Awaitable[None]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_fetched = on_fetched

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            await self._on_fetched(updates)
        return updates


class InboxQueue(asyncio.Queue[object]):
    """The application's update queue. A webhook answers Telegram's POST only after this put
    returns, so an update that did not come through InboxBot is stored here first."""

    def __init__(self, store: Callable[[Sequence[Update]], Awaitable[None]],
                 stored: Callable[[Update], bool]) -> None:
        super().__init__()
        self._store = store
        self._stored = stored

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not self._stored(item):
            await self._store([item])
        await super().put(item)


@dataclass
class Tuning:
    # Seconds to wait for the rest of an album. Clients send an album in one request, so its
    # items arrive together, in one getUpdates answer or in webhook calls a moment apart; a part
    # that comes later still joins its report (handlers/report.py), so the wait is kept short.
    album_wait: float = 0.05
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)  # network errors and 5xx
    poll_timeout: int = 30
    concurrent_chats: int = 256
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)


# Requests in flight at once (replies, getFile, downloads, reminders); more wait their turn.
HTTP_SLOTS = 16


def _menu(officer: bool, lang: str) -> list[BotCommand]:
    return [BotCommand(c.names[0] if lang == "vi" else c.names[-1], c.menu[0] if lang == "vi" else c.menu[1])
            for c in COMMANDS if c.menu and (officer or not c.officers_only)]


def key_of(update: Update) -> str:
    return f"tg:{update.update_id}"


class TelegramChannel:
    def __init__(self, app: App, tuning: Tuning | None = None) -> None:
        self.app = app
        self.tuning = tuning or Tuning()
        self._chats: ChatWorkers[Update] = ChatWorkers(
            self._handle, self._report_failure,
            starts_group=lambda u: bool(u.message and u.message.media_group_id),
            same_group=lambda first, nxt: bool(
                nxt.message and first.message and nxt.message.media_group_id == first.message.media_group_id),
            group_wait=self.tuning.album_wait,
        )
        self._recently_stored: set[int] = set()
        self._background: set[asyncio.Task[None]] = set()
        self.application = self._build()
        app.outbound[CHANNEL] = lambda user_id, reply: self.deliver(int(user_id), reply)

    # --- wiring ----------------------------------------------------------------------------------

    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        tg = self.app.settings.telegram
        bot = InboxBot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url,
                       request=AiohttpRequest(HTTP_SLOTS, read_timeout=30.0),
                       get_updates_request=AiohttpRequest(1, read_timeout=60.0),
                       rate_limiter=AIORateLimiter(max_retries=5), on_fetched=self._store_fetched)
        application = (
            ApplicationBuilder()
            .bot(bot)
            .update_queue(InboxQueue(self._store_fetched, self._was_stored))
            .concurrent_updates(self.tuning.concurrent_chats)
            .build()
        )
        application.add_handler(TypeHandler(Update, self._enqueue))
        application.add_error_handler(self._on_framework_error)
        return application

    async def _set_menu(self) -> None:
        """Everyone's command menu, in Vietnamese and for English-language clients in English,
        without the officers' commands; each officer's chat gets the full menu of its own."""
        bot = self.application.bot
        await self._retrying(lambda: bot.set_my_commands(_menu(officer=False, lang="vi")))
        await self._retrying(lambda: bot.set_my_commands(_menu(officer=False, lang="en"),
                                                         language_code="en"))
        officers = await users.officers_on(self.app.db, CHANNEL)
        if officers:
            # In the background: hundreds of officers must not hold up the first answers.
            task = asyncio.create_task(self._officer_menus([(int(o.external_id), o.lang) for o in officers]))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _officer_menus(self, chats: list[tuple[int, str]]) -> None:
        for chat_id, lang in chats:
            await self._chat_menu(chat_id, officer=True, lang=lang)

    async def _chat_menu(self, chat_id: int, officer: bool, lang: str) -> None:
        # Set for volunteers too: the chat's own menu follows the language chosen in the bot, where
        # everyone's menu can only follow the language of the person's Telegram app.
        commands = _menu(officer=officer, lang=lang)
        bot = self.application.bot
        try:
            await self._retrying(lambda: bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id)))
        except TelegramError as exc:  # a menu is a convenience: never a reason to fail a turn
            log.warning("command menu of a chat not set: %s", type(exc).__name__)

    async def _start(self) -> None:
        await self.application.initialize()
        await self._set_menu()
        await self.application.start()
        await inbox.prune(self.app.db, to_db(self.app.ctx.now() - INBOX_KEEP))
        await self.replay()

    async def start_polling(self) -> None:
        """Replay what was stored but never handled, then poll. Returns once running."""
        await self._start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.tuning.poll_timeout, allowed_updates=Update.ALL_TYPES,
            error_callback=lambda exc: log.warning("polling failed: %s", type(exc).__name__),
        )

    async def start_webhook(self) -> None:
        tg = self.app.settings.telegram
        await self._start()
        assert self.application.updater is not None
        path = urlparse(tg.webhook_url).path.strip("/")
        await self.application.updater.start_webhook(
            listen=tg.listen, port=tg.port, url_path=path, webhook_url=tg.webhook_url,
            secret_token=tg.webhook_secret or None, allowed_updates=Update.ALL_TYPES,
        )

    async def stop(self) -> None:
        """Finish what each chat has in hand, then stop; anything still queued is replayed later."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self._chats.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def replay(self) -> int:
        pending = await inbox.unhandled(self.app.db, CHANNEL)
        for _, payload in pending:
            update = Update.de_json(json.loads(payload), self.application.bot)
            if update is not None:
                await self._enqueue(update, None)
        if pending:
            log.info("replaying %d stored updates", len(pending))
        return len(pending)

    async def _store_fetched(self, updates: Sequence[Update]) -> None:
        items = [(key_of(u), json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
        await inbox.store(self.app.db, CHANNEL, items, self.app.ctx.stamp())
        self._recently_stored.update(u.update_id for u in updates)
        if len(self._recently_stored) > 10_000:
            self._recently_stored = set(sorted(self._recently_stored)[-1_000:])

    def _was_stored(self, update: Update) -> bool:
        return update.update_id in self._recently_stored

    # --- one chat at a time, in order -----------------------------------------------------------

    async def _enqueue(self, update: Update, _context: object) -> None:
        member = update.my_chat_member
        if member is not None:
            # Telegram tells us when a person blocks or unblocks the bot.
            blocked = member.new_chat_member.status == "kicked"
            await self._set_blocked(member.chat.id, blocked, (key_of(update),))
            return
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.effective_user is None:
            await self.app.core.skip((key_of(update),))
            return
        self._chats.put(chat.id, update)

    # --- updates to the core and back -----------------------------------------------------------

    async def _handle(self, group: list[Update]) -> None:
        keys = tuple(key_of(u) for u in group)
        first = group[0]
        user = first.effective_user
        chat = first.effective_chat
        assert user is not None and chat is not None
        if first.callback_query is not None:
            # Stops the button's spinner while the answer is being worked out.
            press = asyncio.create_task(self._answer_press(first))
            self._background.add(press)
            press.add_done_callback(self._background.discard)
        # Nothing of a stranger's is downloaded: they get told how to join, and that is all.
        known = await users.find(self.app.db, CHANNEL, str(user.id))
        incoming = await self._to_incoming(group, keys, fetch_files=known is not None)
        if incoming is None:
            await self.app.core.skip(keys)
            return
        replies = await self.app.core.handle(incoming)
        for reply in replies:
            if reply.to is None:
                await self.deliver(chat.id, reply)
            else:
                await self.app.deliver(reply.to[0], reply.to[1], reply)

    async def _answer_press(self, update: Update) -> None:
        # Only the spinner is stopped. Taking the buttons off the old message would cost one more
        # rate-limited call per press; an old button pressed later is answered by the dialog.
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await query.answer()

    async def _to_incoming(self, group: list[Update], keys: tuple[str, ...],
                           fetch_files: bool) -> Incoming | None:
        first = group[0]
        user = first.effective_user
        assert user is not None
        base: dict[str, Any] = {
            "channel": CHANNEL, "user_id": str(user.id), "display_name": user.full_name,
            "lang_hint": user.language_code, "update_keys": keys,
        }
        if first.callback_query is not None:
            return Incoming(**base, choice=first.callback_query.data or "")
        messages = [u.message for u in group if u.message is not None]
        if not messages:
            return None  # edits, membership changes and the like carry nothing to act on
        messages.sort(key=lambda m: m.message_id)
        text = next((m.text or m.caption for m in messages if m.text or m.caption), "") or ""
        fetched = await asyncio.gather(*(self._file_of(m) for m in messages)) if fetch_files else []
        files = tuple(f for f in fetched if f is not None)
        location = next((Location(m.location.latitude, m.location.longitude)
                         for m in messages if m.location), None)
        command, args = parse_command(text) if not files else (None, "")
        unsupported = None
        if not (text or files or location):
            unsupported = "contact" if messages[0].contact else "other"
        album = messages[0].media_group_id
        return Incoming(**base, text=text, command=command, args=args, files=files, location=location,
                        unsupported=unsupported, album=album)

    async def _file_of(self, message: Message) -> IncomingFile | None:
        if message.photo:
            best = message.photo[-1]
            return await self._download(best.file_id, best.file_size, f"photo-{message.message_id}.jpg",
                                        "image/jpeg", as_document=False)
        doc = message.document
        if doc is None:
            return None
        name = doc.file_name or f"file-{message.message_id}"
        mime = doc.mime_type or mimetypes.guess_type(name)[0] or ""
        if not mime.startswith("image/"):
            # Not an image by its own label: refuse without fetching it.
            return IncomingFile(data=None, as_document=True, filename=name, mime=mime, problem="not_image")
        return await self._download(doc.file_id, doc.file_size, name, mime, as_document=True)

    async def _download(self, file_id: str, size: int | None, name: str, mime: str,
                        as_document: bool) -> IncomingFile:
        def failed(problem: str) -> IncomingFile:
            return IncomingFile(data=None, as_document=as_document, filename=name, mime=mime,
                                problem=problem)

        if size is not None and size > DOWNLOAD_LIMIT:
            return failed("too_large")
        try:
            tg_file = await self._retrying(lambda: self.application.bot.get_file(file_id))
            data = await self._retrying(tg_file.download_as_bytearray)
        except BadRequest as exc:
            return failed("too_large" if "too big" in str(exc).lower() else "download_failed")
        except TelegramError:
            return failed("download_failed")
        return IncomingFile(data=bytes(data), as_document=as_document, filename=name, mime=mime)

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Network errors and 5xx are tried again with growing pauses; a 429 waits as told."""
        delays = self.tuning.retry_delays
        for attempt in range(len(delays) + 1):
            try:
                return await call()
            except (BadRequest, Forbidden):
                raise
            except RetryAfter as exc:
                if attempt == len(delays):
                    raise
                wait = exc.retry_after
                await self.tuning.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)
            except (TimedOut, NetworkError):
                if attempt == len(delays):
                    raise
                await self.tuning.sleep(delays[attempt])
        raise AssertionError("unreachable")

    # --- replies out ----------------------------------------------------------------------------

    async def deliver(self, chat_id: int, reply: Reply) -> bool:
        """Send one reply; False when the person blocked the bot (they are marked, not retried)."""
        bot = self.application.bot
        try:
            pieces = split_html(reply.text)
            for i, piece in enumerate(pieces):
                markup = self._markup(reply) if i == len(pieces) - 1 else None
                await self._retrying(lambda p=piece, m=markup: bot.send_message(
                    chat_id, p, parse_mode=ParseMode.HTML, reply_markup=m))
            for batch in _batches(list(reply.images), MEDIA_GROUP_LIMIT):
                if len(batch) == 1:
                    await self._retrying(lambda b=batch: bot.send_photo(chat_id, b[0].read_bytes()))
                else:
                    media = [InputMediaPhoto(p.read_bytes()) for p in batch]
                    await self._retrying(lambda m=media: bot.send_media_group(chat_id, m))
            if reply.document is not None:
                doc = reply.document
                await self._retrying(lambda: bot.send_document(
                    chat_id, doc.read_bytes(), filename=reply.document_name or doc.name))
        except Forbidden:
            await self._mark_blocked(chat_id)
            return False
        menu = reply.meta.get(MENU)
        if isinstance(menu, tuple):
            officer, lang = menu
            await self._chat_menu(chat_id, officer=bool(officer), lang=str(lang))
        return True

    def _markup(self, reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
        if any(c.key == LOCATION_KEY for c in reply.choices):
            # A location can only be asked for with a reply keyboard; its other buttons send their
            # label as text, which the dialog accepts like a pressed choice.
            rows = [[KeyboardButton(c.label, request_location=True)]
                    for c in reply.choices if c.key == LOCATION_KEY]
            rows.append([KeyboardButton(c.label) for c in reply.choices if c.key != LOCATION_KEY])
            return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
        if not reply.choices:
            return None
        for choice in reply.choices:
            if not callback_ok(choice.key):
                raise ValueError(f"callback data over 64 bytes: {choice.key[:20]}...")
        labels = [c.label for c in reply.choices]
        rows = [[InlineKeyboardButton(labels[i][:64], callback_data=reply.choices[i].key) for i in row]
                for row in button_rows(labels)]
        return InlineKeyboardMarkup(rows)

    async def _mark_blocked(self, chat_id: int) -> None:
        await self._set_blocked(chat_id, True, ())

    async def _set_blocked(self, chat_id: int, blocked: bool, keys: tuple[str, ...]) -> None:
        user = await users.find(self.app.db, CHANNEL, str(chat_id))
        wanted = "blocked" if blocked else "active"
        if user is not None and user.status in ("active", "blocked") and user.status != wanted:
            async with self.app.db.transaction():
                await users.set_status(self.app.db, user.id, wanted)
            log.info("user %s %s the bot", user.id, "blocked" if blocked else "unblocked")
        if keys:
            await self.app.core.skip(keys)

    # --- failures -------------------------------------------------------------------------------

    async def _report_failure(self, group: list[Update], exc: BaseException) -> None:
        """Log the update id and where it failed (never message content), tell the person."""
        ids = ",".join(str(u.update_id) for u in group)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("update %s failed with %s\n%s", ids, type(exc).__name__, frames)
        user = group[0].effective_user
        chat = group[0].effective_chat
        if chat is None:
            return
        known = await users.find(self.app.db, CHANNEL, str(user.id)) if user else None
        lang = known.lang if known else "vi"
        # Marked handled: the person was told to try again, and replaying a poison update at every
        # start would only fail again.
        with contextlib.suppress(Exception):
            await self.app.core.skip(tuple(key_of(u) for u in group))
        with contextlib.suppress(TelegramError):
            await self.deliver(chat.id, Reply(t(lang, "error")))

    async def _on_framework_error(self, update: object, context: Any) -> None:
        error = getattr(context, "error", None)
        update_id = getattr(update, "update_id", "?")
        log.error("framework error on update %s: %s", update_id, type(error).__name__)


def _batches(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
