"""Telegram's flood limits for a bot that sends from several processes.

Telegram counts a bot's messages, not a process's: about 30 a second in all, about one a second
into one chat beyond a short burst, 20 a minute into a group. One process paces itself well with
python-telegram-bot's AIORateLimiter, and a SQLite deployment (one process) keeps it, at its speed.
On PostgreSQL any number of processes send for the bot, so each send first reserves its moment in
the database (storage/send_pace.py): the budget is the bot's, whichever process spends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.logs import Throttled
from storage import send_pace
from storage.db import Database

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 28.0  # under Telegram's 30, with room for messages that reach it bunched up
# At once from a quiet bot, as one process's AIORateLimiter lets 30 out: a crowd's receipts do not
# each wait their 1/28 s from the first. Under 30, for messages that reach Telegram out of step:
# from three processes, 30 at once and 30 a second drew one or two 429s in every album burst
# (bench/ingest.py --workers 2, BENCHMARKS.md), each a second's wait for every receipt behind it.
OVERALL_BURST = 25
# A little over a second: a message that arrives at Telegram a moment early is not one too many.
CHAT_SPACING = 1.05        # a private chat: one a second ...
CHAT_BURST = 2.1           # ... after a burst of three (two turns of credit)
GROUP_SPACING = 3.0        # a group: 20 a minute ...
GROUP_BURST = 12.0         # ... after a burst of five
PRUNE_EVERY = 4096         # reservations between two sweeps of idle chats' rows
MAX_RETRIES = 5

_Result = bool | dict[str, Any] | list[dict[str, Any]]


def rate_limiter(db: Database, bot_key: str, max_retries: int = MAX_RETRIES) -> BaseRateLimiter[int]:
    """The limiter for a bot's sends from this process: shared through PostgreSQL, or in memory."""
    if db.dialect == "postgresql":
        return SharedRateLimiter(db, bot_key, max_retries=max_retries)
    return AIORateLimiter(max_retries=max_retries)


class SharedRateLimiter(BaseRateLimiter[int]):
    """Every request that names a chat waits for its chat's turn, then for the bot's; a 429 stops
    every process of the bot for as long as Telegram says. getUpdates is never limited (by
    python-telegram-bot), nor are requests without a chat (getFile, setMyCommands)."""

    def __init__(self, db: Database, bot_key: str, *, max_retries: int = MAX_RETRIES,
                 per_second: float = OVERALL_PER_SECOND) -> None:
        self.db = db
        self.bot_key = bot_key
        self.max_retries = max_retries
        self.spacing = 1.0 / per_second
        # With the database away the bot still answers, paced as one process would be.
        self._local = AIORateLimiter(max_retries=max_retries)
        self._reserved = 0
        self._pruning: asyncio.Task[int] | None = None
        self._warn = Throttled(log, 60.0)

    async def initialize(self) -> None:
        await self._local.initialize()

    async def shutdown(self) -> None:
        if self._pruning is not None:
            await asyncio.gather(self._pruning, return_exceptions=True)
        await self._local.shutdown()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, _Result]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> _Result:
        chat_id = data.get("chat_id")
        retries = rate_limit_args or self.max_retries
        for attempt in range(retries + 1):
            if chat_id is not None:
                try:
                    await self._turn(chat_id)
                except Exception as exc:  # the database away: pace in memory meanwhile
                    self._warn.warning("shared send pace unavailable (%s); pacing this process alone",
                                       type(exc).__name__)
                    return await self._local.process_request(callback, args, kwargs, endpoint, data,
                                                             rate_limit_args)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                seconds = _seconds(exc) + 0.1
                log.info("Telegram asked to wait %.1f s; every process of the bot waits", seconds)
                try:
                    await send_pace.pause(self.db, self.bot_key, seconds, OVERALL_BURST, self.spacing)
                except Exception:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _turn(self, chat_id: object) -> None:
        group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        spacing, burst = (GROUP_SPACING, GROUP_BURST) if group else (CHAT_SPACING, CHAT_BURST)
        chat = str(chat_id)
        wait, beyond = await send_pace.reserve_in_chat(self.db, self.bot_key, chat, self.spacing,
                                                       spacing, burst, OVERALL_BURST)
        if beyond > 0:
            # The chat's turn comes after the bot's slot, which goes unused: a slot kept while the
            # chat waits would hold every other chat back with it. A new one once the chat's turn is here.
            await asyncio.sleep(wait + beyond)
            wait = await send_pace.reserve(self.db, self.bot_key, self.spacing, OVERALL_BURST)
            if wait > 0:
                await send_pace.delay_chat(self.db, self.bot_key, chat, wait)
        if wait > 0:
            await asyncio.sleep(wait)
        self._reserved += 1
        if self._reserved % PRUNE_EVERY == 0 and (self._pruning is None or self._pruning.done()):
            self._pruning = asyncio.create_task(send_pace.prune(self.db), name="send-pace-prune")


def _seconds(exc: RetryAfter) -> float:
    # The attribute is an int or a timedelta depending on a python-telegram-bot setting; the
    # private one is always a timedelta (AIORateLimiter reads it too).
    return float(exc._retry_after.total_seconds())
