"""In a burst the first turn to arrive is served first: its requests go ahead of later turns' for
the channel's HTTP slots, and only so many turns share the CPU at once, so the first albums'
receipts are not held back until every album of the burst has been fetched and decoded."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.chats import ChatWorkers
from bot.channels.turn_order import ArrivalSlots, TurnPlaces, begin_turn, leave_place


async def _nothing(group: list[str], exc: BaseException) -> None:
    raise AssertionError(f"{group} failed: {exc!r}")


class Timers:
    """call_later for TurnPlaces: what is due fires when the test says so."""

    def __init__(self) -> None:
        self.set: list[tuple[float, list[bool], object]] = []

    def __call__(self, delay: float, callback: object) -> Timers.Timer:
        cancelled = [False]
        self.set.append((delay, cancelled, callback))
        return Timers.Timer(cancelled)

    def fire(self) -> None:
        for _, cancelled, callback in self.set:
            if not cancelled[0]:
                callback()  # type: ignore[operator]

    class Timer:
        def __init__(self, cancelled: list[bool]) -> None:
            self._cancelled = cancelled

        def cancel(self) -> None:
            self._cancelled[0] = True


class Chats:
    """Chat workers whose every turn waits until the test lets it finish."""

    def __init__(self, places: TurnPlaces) -> None:
        self.started: list[str] = []
        self.finish: dict[str, asyncio.Event] = {}
        self.workers = ChatWorkers(self._handle, _nothing, starts_group=lambda _: False,
                                   same_group=lambda a, b: False, group_wait=0.0, places=places,
                                   takes_place=lambda group: not group[0].startswith("text"))

    async def _handle(self, group: list[str]) -> None:
        self.started.append(group[0])
        if group[0].startswith("sending"):
            leave_place()  # its replies are ready; sending them waits on the platform
        await self.finish.setdefault(group[0], asyncio.Event()).wait()

    def put(self, *chats: str) -> None:
        for chat in chats:
            self.finish.setdefault(chat, asyncio.Event())
            self.workers.put(chat, chat)

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)


async def test_in_a_burst_the_first_chats_are_handled_first_and_the_rest_wait_their_place() -> None:
    chats = Chats(TurnPlaces(2, patience=60, later=Timers()))
    chats.put("a", "b", "c", "d")
    await chats.settle()
    assert chats.started == ["a", "b"]
    chats.finish["b"].set()
    await chats.settle()
    assert chats.started == ["a", "b", "c"]
    for event in chats.finish.values():
        event.set()
    await chats.workers.stop()
    assert chats.started == ["a", "b", "c", "d"]


async def test_a_turn_without_photos_to_fetch_waits_for_no_place() -> None:
    chats = Chats(TurnPlaces(1, patience=60, later=Timers()))
    chats.put("album", "album 2", "text")
    await chats.settle()
    assert chats.started == ["album", "text"]
    for event in chats.finish.values():
        event.set()
    await chats.workers.stop()
    assert chats.started == ["album", "text", "album 2"]


async def test_a_turn_sending_its_replies_holds_no_place() -> None:
    chats = Chats(TurnPlaces(1, patience=60, later=Timers()))
    chats.put("sending album", "album")
    await chats.settle()
    assert chats.started == ["sending album", "album"]
    for event in chats.finish.values():
        event.set()
    await chats.workers.stop()


async def test_a_turn_that_takes_long_gives_its_place_up_and_goes_on() -> None:
    timers = Timers()
    chats = Chats(TurnPlaces(1, patience=0.2, later=timers))
    chats.put("slow", "next")
    await chats.settle()
    assert chats.started == ["slow"]
    assert [delay for delay, _, _ in timers.set] == [0.2]
    timers.fire()  # the slow turn (a download that hangs, an export) has had its 0.2 s
    await chats.settle()
    assert chats.started == ["slow", "next"]
    chats.finish["slow"].set()
    chats.finish["next"].set()
    await chats.settle()
    # The place given up early is not given back a second time when its turn ends: still one.
    chats.put("c", "d")
    await chats.settle()
    assert chats.started == ["slow", "next", "c"]
    timers.set.clear()
    for event in chats.finish.values():
        event.set()
    await chats.workers.stop()


async def test_an_earlier_turn_gets_the_slot_before_a_later_turn_that_asked_first() -> None:
    slots = ArrivalSlots(1)
    served: list[str] = []
    asked = {"early": asyncio.Event(), "late": asyncio.Event()}
    go_early = asyncio.Event()

    async def handle(group: list[str]) -> None:
        chat = group[0]
        if chat == "early":
            await go_early.wait()  # the earlier turn asks for its slot after the later one
        asked[chat].set()
        async with slots:
            served.append(chat)

    workers = ChatWorkers(handle, _nothing, starts_group=lambda _: False,
                          same_group=lambda a, b: False, group_wait=0.0)
    async with slots:  # every slot taken while both turns ask
        workers.put("early", "early")
        workers.put("late", "late")
        await asked["late"].wait()
        go_early.set()
        await asked["early"].wait()
    await workers.stop()
    assert served == ["early", "late"]


async def test_one_turns_requests_keep_the_order_they_asked_in() -> None:
    slots = ArrivalSlots(1)
    served: list[int] = []

    async def ask(n: int) -> None:
        async with slots:
            served.append(n)

    begin_turn()
    async with slots:
        tasks = [asyncio.create_task(ask(n)) for n in range(5)]
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert served == [0, 1, 2, 3, 4]


async def test_work_outside_a_turn_waits_behind_turns_already_waiting() -> None:
    slots = ArrivalSlots(1)
    served: list[str] = []

    async def ask(name: str, in_turn: bool) -> None:
        if in_turn:
            begin_turn()
        async with slots:
            served.append(name)

    async with slots:
        turn = asyncio.create_task(ask("turn", True))
        await asyncio.sleep(0)
        polling = asyncio.create_task(ask("polling", False))
        await asyncio.sleep(0)
    await asyncio.gather(turn, polling)
    assert served == ["turn", "polling"]


@pytest.mark.parametrize("cancel_after_grant", [False, True])
async def test_a_cancelled_waiter_never_keeps_a_slot(cancel_after_grant: bool) -> None:
    slots = ArrivalSlots(1)
    entered = asyncio.Event()

    async def waiter() -> None:
        async with slots:
            entered.set()
            await asyncio.sleep(3600)

    async with slots:
        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        if not cancel_after_grant:
            task.cancel()
    if cancel_after_grant:  # the slot was handed to it, and it is cancelled before it runs
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(1):
        async with slots:  # the one slot is free again
            pass
    async with asyncio.timeout(1):
        async with slots:
            pass
