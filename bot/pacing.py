"""Pacing sends to stay within a platform's flood limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TokenBucket:
    """At most `rate` sends a second on average and `burst` at once; callers queue in order."""

    def __init__(self, rate: float, burst: float = 3.0, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.rate = rate
        self.capacity = max(1.0, burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = 1.0  # no burst at the start of a broadcast
        self._stamp = monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = self._monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            # Take the token on credit and sleep off the debt: no loop that float rounding could
            # keep spinning, and the next caller's refill counts the time slept.
            self._tokens -= 1
            if self._tokens < 0:
                await self._sleep(-self._tokens / self.rate)
