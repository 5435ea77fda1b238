"""Which turn came first: an earlier turn goes ahead of a later one.

In a burst every chat's turn runs at once and shares a handful of HTTP slots. Handed out in the
order asked, an album's downloads queued behind the getFile calls of every album after it, so all
receipts were ready together at the end, and the send limit then spread them over another
second. Handed out by the turn's arrival, the first albums finish first and their receipts leave
while later ones are still being fetched (measured in BENCHMARKS.md: a small gain on 2 cores,
where the burst is bound by CPU).

The CPU is shared the same way (TurnPlaces): with fifty turns at once on the event loop, each
waited behind every other's callbacks, and the first receipt left only when most of the burst was
done; the send limit counts from that first receipt, so every receipt after it came later too.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Protocol

# The arrival number of the turn the running task works for; work outside any turn (polling,
# reminders) comes after every turn already waiting.
_ARRIVAL: ContextVar[int | None] = ContextVar("turn_arrival", default=None)
_numbers = itertools.count()
# How the running turn gives its place up (TurnPlaces), when it holds one.
_LEAVE: ContextVar[Callable[[], None] | None] = ContextVar("turn_place", default=None)

# Turns handled at once on one event loop, and how long one keeps its place. Eight kept two cores
# busy in an album burst and let the first albums finish first (bench/ingest.py, BENCHMARKS.md:
# four left the write lock idle between turns, sixteen and more shared the CPU as all at once did).
# A turn that waits longer than PLACE_PATIENCE (a slow download, an officer's export) gives its
# place up and goes on without one: it can hold the others back that long, never longer. Sending
# its replies it holds no place (leave_place): that waits on the platform, not on the CPU, and
# with places held through it Zalo's answers came a third later (bench/ingest_zalo.py).
TURNS_AT_ONCE = 8
PLACE_PATIENCE = 0.2


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
        """Give one slot back: to the earliest turn waiting, else to the free ones."""
        while self._waiting:
            _, _, ticket = heapq.heappop(self._waiting)
            if not ticket.done():
                ticket.set_result(None)
                return
        self._free += 1


class _Timer(Protocol):
    def cancel(self) -> None: ...


# call_later(delay, callback): the event loop's, or a test's that fires when told.
Later = Callable[[float, Callable[[], None]], _Timer]


class TurnPlaces:
    """At most `size` turns at once, let in by their arrival; a turn that has held its place for
    `patience` seconds gives it up and goes on without one."""

    def __init__(self, size: int = TURNS_AT_ONCE, patience: float = PLACE_PATIENCE,
                 later: Later | None = None) -> None:
        self._slots = ArrivalSlots(size)
        self._patience = patience
        self._later = later

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        await self._slots.__aenter__()
        held = True

        def give_up() -> None:
            nonlocal held
            if held:
                held = False
                self._slots._release()

        later = self._later or asyncio.get_running_loop().call_later
        timer = later(self._patience, give_up)
        leaving = _LEAVE.set(give_up)
        try:
            yield
        finally:
            _LEAVE.reset(leaving)
            timer.cancel()
            give_up()


def leave_place() -> None:
    """The running turn's work is done but for waiting on others (sending its replies): its place
    goes to the next turn."""
    give_up = _LEAVE.get()
    if give_up is not None:
        give_up()


_PLACES: dict[asyncio.AbstractEventLoop, TurnPlaces] = {}


def shared_places() -> TurnPlaces:
    """The running loop's places, shared by every channel and bot on it: they share its CPU."""
    loop = asyncio.get_running_loop()
    places = _PLACES.get(loop)
    if places is None:
        for stale in [key for key in _PLACES if key.is_closed()]:
            del _PLACES[stale]
        places = _PLACES[loop] = TurnPlaces()
    return places
