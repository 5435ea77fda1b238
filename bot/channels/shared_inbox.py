"""A channel's worker among several (`chungtay run --role work`): it handles the updates a receiver
stored, a chat at a time under that chat's claim (storage/claims.py).

Each turn of the loop claims chats with updates waiting and feeds the chats it holds, in arrival
order, to the channel's per-chat workers (chats.py), which group an album and handle it as the
single process does. When a chat's queue runs empty the chat is given back, unless more arrived
meanwhile. A second task renews the claims; a claim lost to another worker (this one stalled past
its expiry) stops the chat here, and its commit is refused by the fence if it was mid-turn.

A receiver on PostgreSQL wakes the workers with a notification at its commit; the loop also looks
every POLL seconds (on SQLite, which has no notifications, that is all it does), which is also how a
dead worker's chats are found once their claims have expired.

A group of photos (an album) is gathered as the single process gathers it, album_wait after its
last part, and longer only while more of it may be on its way to this worker (arriving): while a
receiver's commit it was notified of is not fed yet, or a receiver said its batch was cut (the
rest is in its next one). Without notifications nothing tells, and a group waits POLLED_GROUP_WAIT
after its chat's last feed, for a receiver's next batch to reach the worker a poll later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.logs import Throttled
from storage import claims
from storage.claims import Claim, ClaimLost

if TYPE_CHECKING:
    from bot.channels.base import ChatChannel

log = logging.getLogger(__name__)

# Seconds between looks at the inbox when nothing woke the worker: SQLite has no notifications,
# and a look at the small waiting table costs ~0.1 ms (40 a second: under 1% of a core); on
# PostgreSQL only a fallback.
POLL = {"sqlite": 0.025, "postgresql": 0.5}
RETRY = 2.0  # seconds before the next look after the database failed
# Seconds, on the event loop's clock as the group's own wait (the polls and the receivers' next
# batches come in real time, whatever the campaign's clock says).
POLLED_GROUP_WAIT = 0.25
# How long a cut batch's rest is waited for: the receiver asks for it at once, and stores it as
# soon as the one write lock lets it.
CUT_BATCH_WAIT = 2.0


def worker_name() -> str:
    """Unique to this process, and says where it runs (for an operator reading chat_claims)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SharedInbox:
    def __init__(self, channel: ChatChannel[Any], claim_seconds: float, chats: int,
                 busy: Callable[[], set[str]]) -> None:
        self.channel = channel
        self.db = channel.app.db
        self.worker = worker_name()
        self.ttl = timedelta(seconds=claim_seconds)
        self.capacity = chats
        self._busy = busy            # the chats the channel's per-chat workers have in hand
        self.held: dict[str, Claim] = {}
        self._fed: dict[str, set[str]] = {}   # keys handed to the chat workers, per chat held
        self._lost: set[str] = set()          # held here, but taken over by another worker
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._releases: set[asyncio.Task[None]] = set()
        self._listening: claims.Listening | None = None
        self._failing = Throttled(log)
        self._halted = False
        self._notices = 0        # receivers' commits this worker was told of
        self._caught_up = 0      # ... of which every one was fed, by the last look at the inbox
        self._cut_until = 0.0    # a receiver's batch was cut: its rest comes by then
        self._fed_at: dict[str, float] = {}
        self.clock: Callable[[], float] = time.monotonic

    @property
    def _name(self) -> str:
        return self.channel.inbox_channel

    async def start(self) -> None:
        """Queue what a single process left unhandled, then start looking for work."""
        await claims.tidy(self.db)
        left = await claims.unqueued(self.db, self._name)
        adopted = []
        for key, payload in left:
            item = self.channel._revive(json.loads(payload))
            adopted.append((key, self.channel.chat_key(item) if item is not None else ""))
        if adopted:
            async with self.db.transaction():
                await claims.enqueue(self.db, self._name, adopted)
            log.info("queued %d stored %s updates for the workers", len(adopted), self._name)
        await self._listen()
        self._tasks = [asyncio.create_task(self._loop(), name=f"{self._name}-inbox"),
                       asyncio.create_task(self._renewing(), name=f"{self._name}-claims")]
        log.info("working on the shared %s inbox as %s", self._name, self.worker)

    async def _listen(self) -> None:
        if self._listening is not None:
            await self._listening.close()
            self._listening = None
        try:
            self._listening = await claims.listen(self.db, self._notice)
        except Exception as exc:  # the poll still finds the work, a little later
            self._failing.warning("no notifications from the inbox (%s); polling", type(exc).__name__)

    def _notice(self, channel: str, cut: bool) -> None:
        if channel != self._name:
            return
        self._notices += 1
        self._cut_until = self.clock() + CUT_BATCH_WAIT if cut else 0.0
        self._wake.set()

    def arriving(self, chat: Hashable) -> bool:
        """More of the chat's updates may be on their way to this worker: its group of photos waits
        for them (bot/channels/chats.py)."""
        now = self.clock()
        if self._listening is not None and self._listening.alive():
            return now < self._cut_until or self._caught_up < self._notices
        fed = self._fed_at.get(str(chat))
        return fed is not None and now - fed < POLLED_GROUP_WAIT

    async def halt(self) -> None:
        """No more claims nor feeding; the claims held are still renewed until close()."""
        self._halted = True
        await _cancel(self._tasks[:1])

    async def close(self) -> None:
        """After the chat workers finished the groups in hand: give every chat back at once."""
        await _cancel(self._tasks[1:])
        await asyncio.gather(*self._releases, return_exceptions=True)
        if self._listening is not None:
            await self._listening.close()
        with contextlib.suppress(Exception):
            await claims.release_all(self.db, self._name, self.worker)

    # --- handling under the claim -----------------------------------------------------------------

    async def handle(self, group: list[Any], inner: Callable[[list[Any]], Awaitable[None]]) -> None:
        chat = self.channel.chat_key(group[0])
        claim = self.held.get(chat)
        if claim is None or chat in self._lost:
            return  # the worker that holds the chat now handles it
        try:
            with claims.working_under(claim):
                await inner(group)
        except ClaimLost:
            self._lost.add(chat)
            log.warning("chat taken over by another worker mid-update; its commit was refused")

    def idle(self, chat: Hashable) -> None:
        task = asyncio.ensure_future(self._release(str(chat)))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, chat: str) -> None:
        claim = self.held.get(chat)
        if claim is None:
            return
        self._fed.pop(chat, None)  # all handled, or failed: anything still waiting is fed again
        if chat in self._lost:
            self._drop(chat)
            return
        try:
            left = await claims.release(self.db, claim)
        except Exception as exc:
            self._failing.warning("a chat could not be given back (%s); it expires", type(exc).__name__)
            left = 1
        if left:
            self._wake.set()
        else:
            self._drop(chat)

    def _drop(self, chat: str) -> None:
        self.held.pop(chat, None)
        self._fed.pop(chat, None)
        self._fed_at.pop(chat, None)
        self._lost.discard(chat)

    # --- finding work -----------------------------------------------------------------------------

    async def _loop(self) -> None:
        poll = POLL.get(self.db.dialect, 0.5)
        while not self._halted:
            try:
                await asyncio.wait_for(self._wake.wait(), poll)
            except TimeoutError:
                if self.db.dialect == "postgresql" and not (self._listening and self._listening.alive()):
                    await self._listen()  # the server restarted, or refused at first: again
            self._wake.clear()
            try:
                if await self.turn():
                    self._wake.set()  # there may be more
            except Exception as exc:
                self._failing.warning("the shared inbox cannot be read (%s)", type(exc).__name__)
                await asyncio.sleep(RETRY)

    async def turn(self) -> bool:
        """Claim what is free, feed what is held; True when it claimed as many as it could take."""
        # Every commit notified by now is seen by the statements below.
        notices = self._notices
        full = False
        room = self.capacity - len(self.held)
        if room > 0:
            now = self.channel.app.ctx.now()
            free = [c for c in await claims.free_chats(self.db, self._name, now, room + len(self.held))
                    if c not in self.held][:room]
            if free:
                made = await claims.claim(self.db, self._name, free, self.worker, now, now + self.ttl)
                for claim in made:
                    self.held[claim.chat] = claim
                full = len(made) == room
        if self.held:
            await self._feed()
        self._caught_up = notices
        return full

    async def _feed(self) -> None:
        fresh = [(chat, key) for chat, key in await claims.waiting(self.db, self._name, self.worker)
                 if chat in self.held and chat not in self._lost and key not in self._fed.get(chat, ())]
        if not fresh:
            return
        stored = await claims.payloads(self.db, [key for _, key in fresh])
        now = self.clock()
        fed_chats = set()
        for chat, key in fresh:
            self._fed.setdefault(chat, set()).add(key)
            self._fed_at[chat] = now
            fed_chats.add(chat)
            item = self.channel._revive(json.loads(stored[key])) if key in stored else None
            if item is not None:
                await self.channel._arrived(item)
        # An update the channel settled at once (a membership change) leaves no chat worker to
        # report the chat idle.
        busy = self._busy()
        for chat in fed_chats - busy:
            self.idle(chat)

    async def _renewing(self) -> None:
        every = self.ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            if not self.held:
                continue
            try:
                tokens = await claims.renew(self.db, self._name, self.worker,
                                            self.channel.app.ctx.now() + self.ttl)
            except Exception as exc:
                self._failing.warning("claims not renewed (%s)", type(exc).__name__)
                continue
            for chat, claim in list(self.held.items()):
                if claim.token not in tokens and chat not in self._lost:
                    self._lost.add(chat)
                    log.warning("a chat's claim expired here and another worker took it")
                    if chat not in self._busy():
                        self._drop(chat)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
