"""Failures on demand: scripted errors for the next calls, and Telegram-like flood limits."""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.emulators.tgemu.params import ApiError

_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Failure:
    status: int
    retry_after: float | None
    description: str | None

    def error(self) -> ApiError:
        if self.status == 429:
            wait = self.retry_after or 1
            return ApiError(429, self.description or f"Too Many Requests: retry after {wait}",
                            retry_after=wait)
        return ApiError(self.status, self.description or _DESCRIPTIONS.get(self.status, "Error"))


class FaultPlan:
    """Per-method queues of scripted failures, consumed one per call."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, deque[Failure]] = defaultdict(deque)

    def add(self, method: str, count: int, failure: Failure) -> None:
        self._queues[method.lower()].extend([failure] * count)

    def take(self, method: str) -> Failure | None:
        queue = self._queues.get(method.lower())
        return queue.popleft() if queue else None

    def pending(self, method: str) -> int:
        return len(self._queues.get(method.lower(), ()))


@dataclass
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets: one for the whole bot, one per chat (allowing a short burst).

    Telegram's documented guidance is ~30 messages/s overall and ~1/s per chat; exceeding
    it yields 429 with an integer retry_after.
    """

    def __init__(self, global_per_sec: float, per_chat_per_sec: float, burst: int,
                 clock: Callable[[], float]) -> None:
        self._clock = clock
        now = clock()
        self._global = _Bucket(global_per_sec, global_per_sec, global_per_sec, now)
        self._chat_rate = per_chat_per_sec
        self._burst = burst
        self._chats: dict[int | str, _Bucket] = {}

    def admit(self, chat_id: int | str | None) -> int | None:
        """Consume a send; returns the retry_after to answer with when over the limit."""
        now = self._clock()
        buckets = [self._global]
        if chat_id is not None:
            chat = self._chats.setdefault(
                chat_id, _Bucket(self._chat_rate, self._burst, self._burst, now))
            buckets.append(chat)
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_time() for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None


@dataclass
class Stats:
    """Error answers given to the bot, for assertions and benchmark reports."""

    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0  # 429s produced by rate_limit(), as opposed to fail_next()
    injected: int = 0  # failures produced by fail_next()

    @property
    def too_many_requests(self) -> int:
        return self.by_status[429]
