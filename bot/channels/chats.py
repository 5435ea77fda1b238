"""Per-chat workers shared by the channels: one chat's messages in arrival order, chats in parallel.

Photos that belong together (a Telegram album, Zalo photos sent in one go) arrive as separate
updates; a worker takes them off its queue as one group, waiting a little for the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from bot.channels.turn_order import TurnPlaces, begin_turn, shared_places

T = TypeVar("T")


class ChatWorkers(Generic[T]):
    def __init__(
        self,
        handle: Callable[[list[T]], Awaitable[None]],
        on_failure: Callable[[list[T], BaseException], Awaitable[None]],
        starts_group: Callable[[T], bool],
        same_group: Callable[[T, T], bool],
        group_wait: float,
        arriving: Callable[[Hashable], bool] | None = None,
        arriving_cap: float = 5.0,
        idle: Callable[[Hashable], None] | None = None,
        places: TurnPlaces | None = None,
        takes_place: Callable[[list[T]], bool] | None = None,
    ) -> None:
        """arriving(chat): more of the chat's items are on their way (a Zalo webhook call still being
        stored), so the group waits past group_wait for them, up to arriving_cap seconds in all.
        idle(chat): the chat's queue ran empty and its worker ended (a shared inbox's worker then
        gives the chat back).
        takes_place(group): the group's turn does its heavy work itself (fetches and decodes
        photos), and so waits for a place among `places` (bot/channels/turn_order.py; by default
        the event loop's, shared with every other channel on it). None: no turn does."""
        self._handle = handle
        self._on_failure = on_failure
        self._starts_group = starts_group
        self._same_group = same_group
        self._wait = group_wait
        self._arriving = arriving
        self._arriving_cap = arriving_cap
        self._idle = idle
        self._places = places
        self._takes_place = takes_place
        self._queues: dict[Hashable, asyncio.Queue[T]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}
        self._stopping = False

    def put(self, chat: Hashable, item: T) -> None:
        queue = self._queues.setdefault(chat, asyncio.Queue())
        queue.put_nowait(item)
        if chat not in self._workers or self._workers[chat].done():
            self._workers[chat] = asyncio.create_task(self._work(chat), name=f"chat-{chat}")

    async def stop(self) -> None:
        """Each chat finishes the group in hand; what is still queued stays in the inbox for later."""
        self._stopping = True
        workers = list(self._workers.values())
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, chat: Hashable) -> None:
        queue = self._queues[chat]
        places = self._places or shared_places()
        takes_place = self._takes_place
        carried: T | None = None
        while not self._stopping and (carried is not None or not queue.empty()):
            item = carried if carried is not None else queue.get_nowait()
            carried = None
            group = [item]
            if self._starts_group(item):
                carried = await self._gather(chat, queue, group)
            begin_turn()
            place = places.place() if takes_place is not None and takes_place(group) \
                else contextlib.nullcontext()
            try:
                async with place:
                    await self._handle(group)
            except Exception as exc:  # one bad message must not stop the chat
                await self._on_failure(group, exc)
        if queue.empty():
            self._queues.pop(chat, None)
        self._workers.pop(chat, None)
        if self._idle is not None and not self._stopping:
            self._idle(chat)

    def busy_names(self) -> set[str]:
        """The chats with a worker running or items queued, as text."""
        return {str(chat) for chat in (*self._workers, *self._queues)}

    async def _gather(self, chat: Hashable, queue: asyncio.Queue[T], group: list[T]) -> T | None:
        """Take the rest of the group off the queue; return the first item that is not part of it."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._arriving_cap
        while True:
            try:
                nxt = queue.get_nowait() if not queue.empty() else await asyncio.wait_for(
                    queue.get(), self._wait)
            except TimeoutError:
                if self._arriving is not None and self._arriving(chat) and loop.time() < give_up:
                    continue
                return None
            if self._same_group(group[0], nxt):
                group.append(nxt)
            else:
                return nxt
