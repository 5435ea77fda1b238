"""Which turn came first: requests of an earlier turn go ahead of a later turn's.

In a burst every chat's turn runs at once and shares a handful of HTTP slots. Handed out in the
order asked, an album's downloads queued behind the getFile calls of every album after it, so all
receipts were ready together at the end, and the send limit then spread them over another
second. Handed out by the turn's arrival, the first albums finish first and their receipts leave
while later ones are still being fetched (measured in BENCHMARKS.md: a small gain on 2 cores,
where the burst is bound by CPU)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from contextvars import ContextVar
from types import TracebackType

# The arrival number of the turn the running task works for; work outside any turn (polling,
# reminders) comes after every turn already waiting.
_ARRIVAL: ContextVar[int | None] = ContextVar("turn_arrival", default=None)
_numbers = itertools.count()


def begin_turn() -> None:
    """Number the turn about to run in this task (and the tasks it starts) by its arrival."""
    _ARRIVAL.set(next(_numbers))


def _rank() -> int:
    arrival = _ARRIVAL.get()
    return arrival if arrival is not None else next(_numbers)


class ArrivalSlots:
    """A semaphore of `size` slots whose waiters are let in by their turn's arrival, then in the
    order they asked."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._asked = itertools.count()

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (_rank(), next(self._asked), ticket))
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self._release()  # given the slot as it was cancelled: hand it on
            raise

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, ticket = heapq.heappop(self._waiting)
            if not ticket.done():
                ticket.set_result(None)
                return
        self._free += 1
