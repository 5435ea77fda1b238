"""The getUpdates queue with Telegram's offset semantics, and the wake-up signal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any


class Signal:
    """Wakes every waiter whenever anything changes; each waiter re-checks its own predicate.

    ``fire`` is synchronous so that non-async code (a played user sending a message) can
    wake long polls and test waits without holding a lock.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, predicate: Callable[[], bool], timeout: float,
                   recheck: float | None = None) -> None:
        """Return once ``predicate()`` holds; TimeoutError after ``timeout`` seconds.

        ``recheck`` also re-evaluates the predicate periodically, for predicates over state
        the emulator does not own (e.g. rows the bot writes to its database).
        """
        async with asyncio.timeout(timeout):
            while not predicate():
                event = self._event
                if recheck is None:
                    await event.wait()
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), recheck)


async def arrival(count: Callable[[], int], seen: int, arrived: asyncio.Event, timeout: float) -> bool:
    """Waits until ``count()`` exceeds ``seen``, woken by ``arrived`` (set by whoever adds one), so
    a played user waits for their own messages, not for every call the emulator answers.
    False after ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while count() <= seen:
                arrived.clear()
                await arrived.wait()
    except TimeoutError:
        return False
    return True


class UpdateQueue:
    """Updates not yet confirmed by the bot, in update_id order.

    As with Telegram, calling getUpdates with ``offset`` confirms (and forgets forever) every
    update whose id is below it; without a higher offset the same updates come back again.
    """

    def __init__(self, first_update_id: int = 1) -> None:
        self._next_id = first_update_id
        self._pending: list[dict[str, Any]] = []
        # Confirmed updates pushed back by redeliver(): handed out once, whatever the offset.
        self._again: list[dict[str, Any]] = []
        self.history: dict[int, dict[str, Any]] = {}
        self._polls = 0

    @property
    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            update["update_id"] = self._next_id
        self._next_id = max(self._next_id, update["update_id"] + 1)
        self.history[update["update_id"]] = update
        self._pending.append(update)
        self._pending.sort(key=lambda u: u["update_id"])
        return update

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            # A negative offset keeps only the last -offset updates and forgets the rest.
            self._pending = self._pending[offset:]

    def available(self) -> bool:
        return bool(self._pending or self._again)

    def take(self, limit: int) -> list[dict[str, Any]]:
        batch = sorted(self._again, key=lambda u: u["update_id"])[:limit]
        self._again = self._again[len(batch):]
        batch += self._pending[:limit - len(batch)]
        # Not copied: getUpdates turns the batch into its JSON answer at once. A deep copy of
        # every update of every poll was the emulator's largest cost in a benchmark's burst, on the
        # event loop it shares with the bot under test.
        return batch

    def is_confirmed(self, update_id: int) -> bool:
        return update_id in self.history and all(
            u["update_id"] != update_id for u in self._pending + self._again)

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again even though the bot confirmed it (a duplicate)."""
        if update_id not in self.history:
            raise KeyError(f"unknown update_id {update_id}")
        if not self.is_confirmed(update_id):
            return  # still pending: the bot will get it again anyway
        self._again.append(self.history[update_id])

    def drop_all(self) -> None:
        self._pending.clear()
        self._again.clear()

    def new_poll(self) -> int:
        """A ticket for a getUpdates call; a newer call supersedes older waiting ones."""
        self._polls += 1
        return self._polls

    def superseded(self, ticket: int) -> bool:
        return ticket != self._polls
