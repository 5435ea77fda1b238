"""The Telegram channel: the only module that speaks python-telegram-bot.

Updates are stored in the inbox as they arrive, before Telegram is told they were received, and
handled one chat at a time in arrival order (bot/channels/base.py), so a crash loses nothing and a
redelivery doubles nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.app import App
from bot.channels import base
from bot.channels.base import ChatChannel
from bot.channels.telegram import files
from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.inbox import BATCH_MOST, InboxBot, InboxQueue
from bot.channels.telegram.pace import rate_limiter
from bot.channels.telegram.render import markup, split_html
from bot.logs import Throttled
from handlers.commands import COMMANDS
from handlers.settings import TelegramSettings
from handlers.types import MENU, Incoming, IncomingFile, Location, Reply, parse_command
from storage import bot_info, inbox, users
from storage.models import User

CHANNEL = "telegram"
MEDIA_GROUP_LIMIT = 10
# Requests in flight at once (replies, getFile, downloads, reminders); more wait their turn.
HTTP_SLOTS = 16
log = logging.getLogger(__name__)


@dataclass
class Tuning(base.Tuning):
    # Seconds to wait for the rest of an album. Clients send an album in one request, so its
    # items arrive together, in one getUpdates answer or in webhook calls a moment apart; a part
    # that comes later still joins its report (handlers/report.py), so the wait is kept short.
    album_wait: float = 0.05
    concurrent_chats: int = 256


def _menu(officer: bool, lang: str) -> list[BotCommand]:
    return [BotCommand(c.names[0] if lang == "vi" else c.names[-1], c.menu[0] if lang == "vi" else c.menu[1])
            for c in COMMANDS if c.menu and (officer or not c.officers_only)]


def _carries_files(group: list[Update]) -> bool:
    """Photos or files that the turn fetches and decodes itself."""
    return any(u.message is not None and bool(u.message.photo or u.message.document) for u in group)


def key_of(update: Update) -> str:
    return f"tg:{update.update_id}"


class TelegramChannel(ChatChannel[Update]):
    name = CHANNEL

    def __init__(self, app: App, tuning: Tuning | None = None,
                 settings: TelegramSettings | None = None) -> None:
        self.tuning: Tuning = tuning or Tuning()
        # One bot of several (bots.py) brings its own token and webhook; else the [telegram] one.
        self.tg = settings or app.settings.telegram
        super().__init__(app, self.tuning)
        self._chats = self._workers(
            starts_group=lambda u: bool(u.message and u.message.media_group_id),
            same_group=lambda first, nxt: bool(
                nxt.message and first.message and nxt.message.media_group_id == first.message.media_group_id),
            takes_place=_carries_files)
        self._recently_stored: set[int] = set()
        self._store_failing = Throttled(log)
        self._poll_failing = Throttled(log)
        self.application = self._build()

    # --- wiring ----------------------------------------------------------------------------------

    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        tg = self.tg
        bot = InboxBot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url,
                       request=AiohttpRequest(HTTP_SLOTS, read_timeout=30.0),
                       get_updates_request=AiohttpRequest(1, read_timeout=60.0),
                       # The bot's id: the part of the token that is no secret.
                       rate_limiter=rate_limiter(self.app.db, tg.token.split(":", 1)[0]),
                       on_fetched=self._store_fetched)
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
        officers = await self._menu_officers()
        if officers:
            # In the background: hundreds of officers must not hold up the first answers.
            self._in_background(self._officer_menus([(int(o.external_id), o.lang) for o in officers]),
                                "officer-menus")

    async def _menu_officers(self) -> list[User]:
        """The officers whose chats get the officers' menu from this bot."""
        return await users.officers_on(self.app.db, CHANNEL)

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

    # --- starting and stopping ------------------------------------------------------------------

    async def start(self) -> None:
        """A webhook when one is configured, else polling; a worker (`--role work`) takes its
        updates from the shared inbox instead."""
        tg = self.tg
        if not self.receives:
            await self.application.initialize()
            await self.application.start()
            await self._catch_up()
        elif tg.webhook_url:
            await self.start_webhook()
            log.info("webhook listening on %s:%d", tg.listen, tg.port)
        else:
            await self.start_polling()
            log.info("polling for updates")

    async def _start(self) -> None:
        await self.application.initialize()
        await self._remember_username()
        await self._set_menu()
        await self.application.start()
        await self._catch_up()

    async def _remember_username(self) -> None:
        # Invite links (`chungtay invite`, /moi) need the bot's name; getMe is its only true source.
        name = self.application.bot.username
        if name:
            async with self.app.db.transaction():
                await bot_info.put(self.app.db, self._username_key(), name, self.app.ctx.stamp())

    def _username_key(self) -> str:
        return bot_info.TELEGRAM_USERNAME

    async def start_polling(self) -> None:
        """Replay what was stored but never handled, then poll. Returns once running."""
        await self._start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.tuning.poll_timeout, allowed_updates=Update.ALL_TYPES,
            error_callback=lambda exc: self._poll_failing.warning("polling failed: %s", type(exc).__name__),
        )

    async def start_webhook(self) -> None:
        tg = self.tg
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
        await self._stop_handling()
        await self._stopped()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # --- arrival --------------------------------------------------------------------------------

    def key_of(self, item: Update) -> str:
        return key_of(item)  # one bot of several prefixes its id: each bot numbers its updates

    def _revive(self, stored: Any) -> Update | None:
        return Update.de_json(stored, self.application.bot)

    async def _arrived(self, item: Update) -> None:
        await self._enqueue(item, None)

    async def _store_fetched(self, updates: Sequence[Update], raw: Mapping[int, str]) -> None:
        """raw: the updates' JSON as Telegram sent it, by update_id; one not there (a webhook's)
        is stored as python-telegram-bot gives it back."""
        items = [(self.key_of(u), raw.get(u.update_id) or json.dumps(u.to_dict(), ensure_ascii=False))
                 for u in updates]
        chats = None if self.handles else [self.chat_key(u) for u in updates]
        try:
            aside = await inbox.store(self.app.db, self.inbox_channel, items, self.app.ctx.stamp(), chats,
                                      cut=len(updates) >= BATCH_MOST)
        except Exception as exc:
            # Nothing was stored, so Telegram keeps the batch. As a network error, the polling
            # loop asks again after a growing pause (up to 30 s) instead of at once, forever.
            self._store_failing.warning("the inbox cannot be written (%s); updates wait at Telegram",
                                        type(exc).__name__)
            raise NetworkError("the inbox cannot be written") from None
        for key in aside:
            log.warning("update %s put aside: it cannot be stored", key)
        self._recently_stored.update(u.update_id for u in updates)
        if len(self._recently_stored) > 10_000:
            self._recently_stored = set(sorted(self._recently_stored)[-1_000:])

    def _was_stored(self, update: Update) -> bool:
        return update.update_id in self._recently_stored

    async def _enqueue(self, update: Update, _context: object) -> None:
        if self.app.role == "receive":
            return  # stored with its chat: a worker handles it
        member = update.my_chat_member
        if member is not None:
            # Telegram tells us when a person blocks or unblocks the bot.
            await self.set_blocked(str(member.chat.id), member.new_chat_member.status == "kicked")
            await self.app.core.skip((self.key_of(update),))
            return
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.effective_user is None:
            await self.app.core.skip((self.key_of(update),))
            return
        self._chats.put(chat.id, update)

    # --- updates to the core --------------------------------------------------------------------

    def chat_key(self, item: Update) -> str:
        chat = item.effective_chat
        return str(chat.id) if chat is not None else ""

    def _chat_of(self, item: Update) -> int:
        chat = item.effective_chat
        assert chat is not None
        return chat.id

    def _person_of(self, item: Update) -> str | None:
        user = item.effective_user
        return str(user.id) if user else None

    async def _to_incoming(self, group: list[Update], keys: tuple[str, ...]) -> Incoming | None:
        first = group[0]
        user = first.effective_user
        assert user is not None
        if first.callback_query is not None:
            # Stops the button's spinner while the answer is being worked out.
            self._in_background(self._answer_press(first), "answer-press")
        # Nothing of a stranger's is downloaded: they get told how to join, and that is all.
        fetch_files = await users.find(self.app.db, CHANNEL, str(user.id)) is not None
        base_fields: dict[str, Any] = {
            "channel": CHANNEL, "user_id": str(user.id), "display_name": user.full_name,
            "lang_hint": user.language_code, "update_keys": keys,
        }
        if first.callback_query is not None:
            return Incoming(**base_fields, choice=first.callback_query.data or "")
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
        return Incoming(**base_fields, text=text, command=command, args=args, files=files,
                        location=location, unsupported=unsupported, album=album)

    async def _answer_press(self, update: Update) -> None:
        # Only the spinner is stopped. Taking the buttons off the old message would cost one more
        # rate-limited call per press; an old button pressed later is answered by the dialog.
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await query.answer()

    async def _file_of(self, message: Message) -> IncomingFile | None:
        return await files.file_of(message, self.application.bot, self._retrying)

    # --- replies out ----------------------------------------------------------------------------

    async def _transmit(self, person: Any, reply: Reply) -> None:
        chat_id = int(person)
        bot = self.application.bot
        pieces = split_html(reply.text)
        for i, piece in enumerate(pieces):
            keyboard = markup(reply) if i == len(pieces) - 1 else None
            await self._retrying(lambda p=piece, m=keyboard: send_text(bot, chat_id, p, m))
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
        menu = reply.meta.get(MENU)
        if isinstance(menu, tuple):
            officer, lang = menu
            await self._chat_menu(chat_id, officer=bool(officer), lang=str(lang))

    def _blocks(self, exc: Exception) -> bool:
        return isinstance(exc, Forbidden)

    def _retry_wait(self, exc: Exception, delay: float) -> float | None:
        """Network errors and 5xx are tried again with growing pauses; a 429 waits as told."""
        if isinstance(exc, BadRequest | Forbidden):
            return None
        if isinstance(exc, RetryAfter):
            wait = exc.retry_after
            return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
        if isinstance(exc, TimedOut | NetworkError):
            return delay
        return None

    def _retry_later(self, exc: Exception, reply: Reply) -> bool:
        # A flood-control answer that outlasted every retry names its wait: Telegram refused the
        # message, so sending it later cannot double it. Anything else may have got through.
        return getattr(exc, "retry_after", None) is not None

    async def _on_framework_error(self, update: object, context: Any) -> None:
        error = getattr(context, "error", None)
        update_id = getattr(update, "update_id", "?")
        log.error("framework error on update %s: %s", update_id, type(error).__name__)


async def send_text(bot: Bot, chat_id: int, text: str,
                    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None) -> None:
    """The request `bot.send_message(chat_id, text, parse_mode=HTML, reply_markup=keyboard)` makes,
    through the rate limiter as every send, without parsing Telegram's answer into a Message that
    nobody reads: in an album burst that parse cost the event loop as much as parsing an update."""
    await bot._post("sendMessage", {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                                    "reply_markup": keyboard})


def _batches(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
