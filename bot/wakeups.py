"""When the reminders run: APScheduler wakes them at each local time something can fall due, in
the one process of the deployment that leads them (bot/leader.py)."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.leader import EVERY, Leader
from handlers.settings import Settings
from storage.leader import Leadership, leadership

if TYPE_CHECKING:
    from bot.scheduler import Reminders

SWEEP_MINUTES = 5  # a safety wake-up between the scheduled ones


def wake_times(settings: Settings) -> list[time]:
    """Local times at which something can fall due or be released."""
    rs = settings.reminders
    times = {d.at for d in settings.campaign.deadlines}
    if rs.digest_time is not None:
        times.add(rs.digest_time)
    if rs.stale_days > 0:
        times.add(rs.stale_time)
    if rs.quiet_start != rs.quiet_end:
        times.add(rs.quiet_end)
    return sorted(times)


class ReminderScheduler:
    """APScheduler in the campaign's zone, waking Reminders at each local time something is due,
    in the one process of the deployment that leads them (bot/leader.py)."""

    def __init__(self, reminders: Reminders, sweep_minutes: int = SWEEP_MINUTES, *,
                 lock: Leadership | None = None, leader_every: float = EVERY) -> None:
        self.reminders = reminders
        tz = reminders.settings.campaign.timezone
        # A job late because the process was busy still runs (once): run_due decides what is stale.
        self.scheduler = AsyncIOScheduler(
            timezone=tz, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        for at in wake_times(reminders.settings):
            self.scheduler.add_job(self.tick, CronTrigger(hour=at.hour, minute=at.minute,
                                                          second=at.second, timezone=tz),
                                   id=f"at-{at:%H%M}", name=f"reminders at {at:%H:%M}")
        self.scheduler.add_job(self.tick, IntervalTrigger(minutes=sweep_minutes, timezone=tz),
                               id="sweep", name="reminders sweep")
        self.leader = Leader("reminders", lock or leadership(reminders.ctx.db, "reminders"),
                             self._lead, reminders.stop, every=leader_every)

    @property
    def leading(self) -> bool:
        return self.leader.leading

    async def tick(self) -> None:
        """A moment something may fall due: a run, where this process leads."""
        if self.leader.leading:
            await self.reminders.wake()

    async def _lead(self) -> None:
        # Taking over: what the last leader left mid-send may have arrived, so it is not resent;
        # then catch up on what fell due while nobody led.
        self.reminders.resume()
        await self.reminders.recover()
        await self.reminders.wake()

    async def start(self) -> None:
        """Start after the channel: lead if free (recover, catch up), then wait."""
        self.scheduler.start()
        await self.leader.start()

    async def stop(self) -> None:
        """Stop before the channel, so no send is cut off."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        await self.leader.stop()
        await self.reminders.stop()
