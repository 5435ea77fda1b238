"""Leading a job that must run in one process of the deployment at a time (the reminders).

Every process tries for the lock (storage/leader.py) at start and then every `every` seconds; the
one that holds it leads until it stops or its lock is lost, and then another takes over at its next
try. Sends stay single even in the moment two processes might both believe they lead (a leader cut
off from the database that has not noticed yet): each reminder is claimed in the outbox before it
goes, and only one claim of a row succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage.leader import Leadership

log = logging.getLogger(__name__)

EVERY = 15.0  # seconds between tries: a dead leader is replaced well within a minute


class Leader:
    def __init__(self, name: str, lock: Leadership, lead: Callable[[], Awaitable[None]],
                 step_down: Callable[[], Awaitable[None]], *, every: float = EVERY,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.name = name
        self.lock = lock
        self._lead = lead
        self._step_down = step_down
        self.every = every
        self._sleep = sleep
        self.leading = False
        self._task: asyncio.Task[None] | None = None
        self._said_waiting = False

    async def start(self) -> None:
        """Try at once (a single process leads from its first moment), then keep trying."""
        await self.check()
        self._task = asyncio.create_task(self._loop(), name=f"{self.name} leader")

    async def _loop(self) -> None:
        while True:
            await self._sleep(self.every)
            await self.check()

    async def check(self) -> None:
        """One try: take the lead if it is free, or step down if the lock was lost."""
        try:
            if self.leading:
                if not await self.lock.holds():
                    self.leading = False
                    log.warning("%s: lost the lead (database connection gone); stopping them here", self.name)
                    await self._step_down()
                return
            if await self.lock.take():
                self.leading = True
                self._said_waiting = False
                log.info("%s: this process leads them", self.name)
                await self._lead()
            elif not self._said_waiting:
                self._said_waiting = True
                log.info("%s: another process leads them; trying again every %g s", self.name, self.every)
        except Exception as exc:  # the database away: said once a try, never the end of the process
            log.warning("%s: could not check the lead (%s); trying again in %g s",
                        self.name, type(exc).__name__, self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading:
            self.leading = False
            await self._step_down()
        await self.lock.release()
