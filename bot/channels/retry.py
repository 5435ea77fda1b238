"""The retry loop both channels use around each platform call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


async def retrying(call: Callable[[], Awaitable[Any]], delays: tuple[float, ...],
                   sleep: Callable[[float], Awaitable[None]],
                   wait_for: Callable[[Exception, float], float | None]) -> Any:
    """`call`, tried again after each error `wait_for` gives a pause for (it gets the error and the
    next of `delays`; None: not worth another try). The last error is raised once delays run out."""
    for attempt in range(len(delays) + 1):
        try:
            return await call()
        except Exception as exc:
            wait = wait_for(exc, delays[attempt] if attempt < len(delays) else 0.0)
            if wait is None or attempt == len(delays):
                raise
        await sleep(wait)
    raise AssertionError("unreachable")
