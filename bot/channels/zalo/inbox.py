"""Zalo messages stored in the inbox as they arrive, before the webhook answers or the next poll."""

from __future__ import annotations

import asyncio
import contextlib

from bot.app import App
from storage import inbox

CHANNEL = "zalo"


class InboxWriter:
    """Stores arriving messages, many in one transaction when they arrive together.

    Every webhook call waits for its message to be on disk before answering; a burst of calls
    would otherwise queue one fsync each behind the single writer.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._pending: list[tuple[str, str, str | None, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def store(self, key: str, payload: str, chat: str | None = None) -> bool:
        """chat: given by a receiver that leaves the handling to workers (storage/claims.py)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((key, payload, chat, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="zalo-inbox")
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            chats = [c for _, _, c, _ in batch]
            try:
                fresh = await inbox.store_new(self.app.db, CHANNEL, [(k, p) for k, p, _, _ in batch],
                                              self.app.ctx.stamp(),
                                              None if None in chats else [c or "" for c in chats])
            except Exception as exc:
                for _, _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            seen: set[str] = set()
            for key, _, _, future in batch:
                # The same message twice in one batch: the first is new, the second a duplicate.
                if not future.done():
                    future.set_result(key in fresh and key not in seen)
                seen.add(key)

    async def drain(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

