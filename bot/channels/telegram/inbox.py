"""Telegram updates stored in the inbox before Telegram is told they arrived, by polling or webhook."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

# getUpdates hands out at most this many (its default and its largest `limit`): a batch this long
# may have been cut, the rest waiting at Telegram for the next call.
BATCH_MOST = 100

# The updates and, by update_id, each one's JSON as Telegram sent it.
OnFetched = Callable[[Sequence[Update], Mapping[int, str]], Awaitable[None]]


class InboxBot(ExtBot[Any]):
    """An ExtBot whose getUpdates stores the whole fetched batch in one transaction.

    Polling confirms a batch to Telegram only with the next getUpdates call, which comes after
    this returns, so every update is on disk before Telegram forgets it. What is stored is each
    update's JSON as Telegram sent it: rebuilding it from python-telegram-bot's objects (to_dict)
    cost as much of the event loop as parsing it had (bench/ingest.py --profile).
    """

    __slots__ = ("_on_fetched", "_raw_batch")

    def __init__(self, *args: Any, on_fetched: OnFetched, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_fetched = on_fetched
        self._raw_batch: list[Any] = []

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            # Kept for get_updates below; polling makes one getUpdates call at a time.
            self._raw_batch = result
        return result

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        self._raw_batch = []
        updates = await super().get_updates(*args, **kwargs)
        raw, self._raw_batch = self._raw_batch, []
        if updates:
            # python-telegram-bot parses copies (TelegramObject._parse_data): these are as sent.
            await self._on_fetched(updates, {item["update_id"]: json.dumps(item, ensure_ascii=False)
                                             for item in raw if isinstance(item, dict)
                                             and isinstance(item.get("update_id"), int)})
        return updates


class InboxQueue(asyncio.Queue[object]):
    """The application's update queue. A webhook answers Telegram's POST only after this put
    returns, so an update that did not come through InboxBot is stored here first."""

    def __init__(self, store: OnFetched, stored: Callable[[Update], bool]) -> None:
        super().__init__()
        self._store = store
        self._stored = stored

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not self._stored(item):
            await self._store([item], {})
        await super().put(item)
