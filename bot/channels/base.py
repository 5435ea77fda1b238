"""What the Telegram and Zalo channels do alike, written once; each adds only its platform.

Every update is in the inbox before the platform is told it arrived, so at start whatever was
stored but never handled is replayed. Each chat is handled by one worker in arrival order
(chats.py); a group of updates goes to the core, and its replies go back to the chat, or to the
person and channel a reply names. A send the platform refuses for a passing reason is tried again;
a person the platform says blocked the bot is marked, and never retried (from one answer where the
platform documents it, from several where it does not: _unreachable_after).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from bot.app import App
from bot.channels.chats import ChatWorkers
from bot.channels.contract import Outcome
from bot.channels.retry import retrying
from bot.channels.shared_inbox import SharedInbox
from bot.channels.turn_order import leave_place
from handlers.catalog import t
from handlers.types import Incoming, Reply
from storage import inbox, users
from storage.codes import UserStatus
from storage.db import unreachable
from storage.times import to_db

INBOX_KEEP = timedelta(days=30)  # handled updates kept this long, for looking into a complaint
log = logging.getLogger(__name__)

U = TypeVar("U")


@dataclass
class Tuning:
    album_wait: float = 0.05      # seconds a group of photos waits for the rest of it
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    poll_timeout: int = 30
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)


class ChatChannel(ABC, Generic[U]):
    """A channel whose updates (of type U) come from a chat platform."""

    name: str
    _chats: ChatWorkers[U]

    def __init__(self, app: App, tuning: Tuning) -> None:
        self.app = app
        self.tuning = tuning
        self._background: set[asyncio.Task[Any]] = set()
        # `--role work`: the updates come from the shared inbox, under each chat's claim.
        self._shared: SharedInbox | None = None
        # Reachable from the start: a replay on another channel may answer someone here.
        app.channels.add(self)

    @property
    def receives(self) -> bool:
        """Takes updates from the platform (`--role receive` or `all`)."""
        return self.app.role != "work"

    @property
    def handles(self) -> bool:
        """Handles what arrives in this process (`--role all`); a receiver leaves it to the workers."""
        return self.app.role == "all"

    def _workers(self, starts_group: Callable[[U], bool], same_group: Callable[[U, U], bool],
                 **options: Any) -> ChatWorkers[U]:
        handle: Callable[[list[U]], Awaitable[None]] = self._handle
        wait = self.tuning.album_wait
        if self.app.role == "work":
            workers = self.app.settings.workers
            shared = self._shared = SharedInbox(self, workers.claim_seconds, workers.chats,
                                                lambda: self._chats.busy_names())

            async def handle(group: list[U]) -> None:
                await shared.handle(group, self._handle)

            options["idle"] = shared.idle
            # The rest of a group may still be on its way through the shared inbox.
            own = options.get("arriving")
            options["arriving"] = shared.arriving if own is None else (
                lambda chat: own(chat) or shared.arriving(chat))
        return ChatWorkers(handle, self._report_failure, starts_group=starts_group,
                           same_group=same_group, group_wait=wait, **options)

    def _in_background(self, job: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(job)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- the platform's part --------------------------------------------------------------------

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def key_of(self, item: U) -> str:
        """The inbox and handled-updates key."""

    @abstractmethod
    def _revive(self, stored: Any) -> U | None:
        """An update from its stored JSON."""

    @abstractmethod
    async def _arrived(self, item: U) -> None:
        """Queue an update (a replayed one, or one just stored)."""

    @abstractmethod
    def _chat_of(self, item: U) -> Hashable:
        """Where replies to this update go; also what deliver() takes."""

    def chat_key(self, item: U) -> str:
        """The chat an update belongs to, as the shared inbox claims it."""
        return str(self._chat_of(item))

    @abstractmethod
    def _person_of(self, item: U) -> str | None:
        """The sender's id on the platform, to find their language."""

    @abstractmethod
    async def _to_incoming(self, group: list[U], keys: tuple[str, ...]) -> Incoming | None:
        """None: nothing for the core, the updates are marked handled."""

    @abstractmethod
    async def _transmit(self, person: Any, reply: Reply) -> None:
        """Send one reply; raises the platform's error."""

    @abstractmethod
    def _blocks(self, exc: Exception) -> bool:
        """The platform's own answer that this person blocked the bot."""

    @abstractmethod
    def _retry_wait(self, exc: Exception, delay: float) -> float | None:
        """Seconds to wait before trying a call again after `exc`; None: do not."""

    @abstractmethod
    def _retry_later(self, exc: Exception, reply: Reply) -> bool:
        """`exc`, raised by delivering `reply` after every retry, means it certainly did not arrive."""

    async def _unreachable_after(self, person: str, exc: Exception) -> bool:
        """Whether `person` is now to be marked as having blocked the bot, after `exc` ended a send.
        By default the platform's answer alone decides, where it documents what it means (Telegram);
        a channel whose answers are not known to mean it decides from more (Zalo)."""
        return self._blocks(exc)

    def _describe(self, exc: Exception) -> str:
        """An error as a log may show it: never a URL (it may hold the token), never content."""
        return type(exc).__name__

    def _forget(self, group: list[U]) -> None:
        """Drop whatever was started for a group that failed."""

    # --- the inbox ------------------------------------------------------------------------------

    @property
    def inbox_channel(self) -> str:
        """Whose stored updates are this channel's to replay: its name, or one bot's of several."""
        return self.name

    async def _catch_up(self) -> None:
        """At start: in one process, replay what was stored and never handled; in a worker, the
        same comes from the shared inbox. A receiver handles nothing, so has nothing to catch up."""
        if self.app.role != "receive":
            await inbox.prune(self.app.db, to_db(self.app.ctx.now() - INBOX_KEEP))
            await self.app.core.resume()
        if self._shared is not None:
            await self._shared.start()
        elif self.handles:
            await self.replay()

    async def _stop_handling(self) -> None:
        """Each chat finishes the group in hand; a worker then gives its chats back at once."""
        if self._shared is not None:
            await self._shared.halt()
        await self._chats.stop()
        if self._shared is not None:
            await self._shared.close()

    async def replay(self) -> int:
        pending = await inbox.unhandled(self.app.db, self.inbox_channel)
        for _, payload in pending:
            item = self._revive(json.loads(payload))
            if item is not None:
                await self._arrived(item)
        if pending:
            log.info("replaying %d stored %s updates", len(pending), self.name)
        return len(pending)

    # --- updates to the core and back -----------------------------------------------------------

    async def _handle(self, group: list[U]) -> None:
        keys = tuple(self.key_of(u) for u in group)
        incoming = await self._to_incoming(group, keys)
        if incoming is None:
            await self.app.core.skip(keys)
            return
        chat = self._chat_of(group[0])
        try:
            replies = await self.app.core.handle(incoming, deliver_first=True)
            leave_place()
            for reply in replies:
                if reply.to is None:
                    await self.deliver(chat, reply)
                else:
                    await self.app.channels.send(reply.to[0], reply.to[1], reply)
        finally:
            # After the receipt: what does not decide its words (noted in the turn's commit, so a
            # restart finishes it if this does not).
            await self.app.core.after_delivery(incoming)

    async def _report_failure(self, group: list[U], exc: BaseException) -> None:
        """Log the update ids and where it failed (never message content), tell the person."""
        ids = ",".join(self.key_of(u) for u in group)
        # The database away is no fault of the code: one line. The update stays unhandled in the
        # inbox, replayed at the next start.
        frames = "" if unreachable(exc) else "".join(traceback.format_tb(exc.__traceback__))
        log.error("update %s failed with %s\n%s", ids, type(exc).__name__, frames)
        self._forget(group)
        person = self._person_of(group[0])
        try:
            known = await users.find(self.app.db, self.name, person) if person else None
        except Exception:  # the database away: the chat's worker must outlive this, in Vietnamese
            known = None
        # Marked handled: the person was told to try again, and replaying a poison update at every
        # start would only fail again.
        with contextlib.suppress(Exception):
            await self.app.core.skip(tuple(self.key_of(u) for u in group))
        with contextlib.suppress(Exception):
            await self.deliver(self._chat_of(group[0]), Reply(t(known.lang if known else "vi", "error")))

    # --- replies out ----------------------------------------------------------------------------

    async def deliver(self, person: Any, reply: Reply) -> bool:
        """Send one reply; False when the person blocked the bot (they are marked, not retried).
        Any other error is raised once retries are spent."""
        try:
            await self._transmit(person, reply)
        except Exception as exc:
            if not await self._unreachable_after(str(person), exc):
                raise
            await self.set_blocked(str(person), True)
            return False
        return True

    async def send(self, person: str, reply: Reply) -> Outcome:
        """deliver() as an outcome, for reminders and replies addressed across channels."""
        try:
            delivered = await self.deliver(person, reply)
        except Exception as exc:
            if self._retry_later(exc, reply):
                return "retry"
            log.warning("delivery on %s failed: %s", self.name, self._describe(exc))
            return "failed"
        return "sent" if delivered else "blocked"

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        return await retrying(call, self.tuning.retry_delays, self.tuning.sleep, self._retry_wait)

    async def set_blocked(self, person: str, blocked: bool) -> None:
        user = await users.find(self.app.db, self.name, person)
        wanted = UserStatus.BLOCKED if blocked else UserStatus.ACTIVE
        if (user is not None and user.status in (UserStatus.ACTIVE, UserStatus.BLOCKED)
                and user.status != wanted):
            async with self.app.db.transaction():
                await users.set_status(self.app.db, user.id, wanted)
            log.info("user %s %s the bot on %s", user.id, "blocked" if blocked else "unblocked", self.name)

    async def _stopped(self) -> None:
        """The end of every stop: no longer reachable, background work finished or dropped."""
        self.app.channels.remove(self)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
