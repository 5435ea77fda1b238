"""Telegram updates stored in the inbox before Telegram is told they arrived, by polling or webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ExtBot


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
