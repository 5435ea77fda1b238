"""A pause of every send to Zalo after it refused two within a minute for load (429).

Zalo does not say whether its 429 is a burst limit or a daily quota. A burst limit clears within
seconds, which the channel's retries ride out; a quota does not, and hammering it only keeps the
bot refused. So a second 429 within a minute stops sending for a growing pause, and the outbox
(the reminders' "retry") keeps what waits. Per process, for the whole channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.channels.zalo.api import ZaloError

WINDOW = 60.0                                   # seconds: a second 429 within this starts a pause
STEPS = (60.0, 300.0, 900.0, 3600.0)            # each pause in a row is longer, up to the last
log = logging.getLogger(__name__)
T = TypeVar("T")


class ZaloPaused(ZaloError):
    """Not sent at all: the channel is in a pause. Never a failed send of its own."""

    def __init__(self) -> None:
        super().__init__(429, "sending paused")


class SendPause:
    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._now = monotonic
        self._last_refusal: float | None = None
        self._until: float | None = None
        self._level = 0                             # pauses in a row without a send getting through

    def remaining(self) -> float:
        """Seconds left of the pause, 0 when sending is allowed."""
        if self._until is None:
            return 0.0
        left = self._until - self._now()
        if left <= 0:
            self._until = None
            return 0.0
        return left

    @property
    def active(self) -> bool:
        return self.remaining() > 0

    def refused(self) -> None:
        """A 429 came back: the second one within WINDOW starts the next pause, logged once."""
        now = self._now()
        if self.active:
            return  # an answer to a call made just before the pause began: it changes nothing
        if self._last_refusal is not None and now - self._last_refusal <= WINDOW:
            seconds = STEPS[min(self._level, len(STEPS) - 1)]
            self._level += 1
            self._until = now + seconds
            self._last_refusal = None
            log.warning("Zalo refused sends for load twice within a minute: no sends to Zalo for %d "
                        "minutes, reminders stay in the outbox", int(seconds // 60))
            return
        self._last_refusal = now

    def delivered(self) -> None:
        """A send got through: whatever limit it was has lifted, the next pause starts short again."""
        self._level = 0
        self._last_refusal = None

    async def watch(self, call: Awaitable[T]) -> T:
        """A send, its 429 or its success noted."""
        try:
            result = await call
        except ZaloError as exc:
            if exc.code == 429:
                self.refused()
            raise
        self.delivered()
        return result
