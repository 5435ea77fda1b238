"""`chungtay run`: the bot on every channel the settings turn on, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from bot import housekeeping, logs
from bot.app import App
from bot.channels.registry import KINDS, enabled
from bot.config import TOKEN_ENV, ZALO_TOKEN_ENV
from handlers.settings import Settings

log = logging.getLogger(__name__)
SWEEP_HOURS = 6


async def run_bot(settings: Settings) -> int:
    kinds = enabled(settings)
    if not kinds:
        print(f"{settings.source}: [telegram] token: missing; set it or the environment variable "
              f"{TOKEN_ENV} (for Zalo: [zalo] token or {ZALO_TOKEN_ENV})", file=sys.stderr)
        return 2
    logs.configure([secret for kind in KINDS for secret in kind.secrets(settings)])
    from bot.scheduler import Reminders, ReminderScheduler

    app = await App.open(settings)
    if settings.storage.photo_processes:
        from storage.photos import workers as photo_workers

        # Started before the first message, not by it: the first album would wait ~0.5 s.
        await asyncio.to_thread(photo_workers.warm, settings.storage.photo_processes)
    # Each channel runs when its settings turn it on; any may be left out. All are made before any
    # starts, so a replay on one can already answer someone on another.
    channels = [kind.make(app) for kind in kinds]
    reminders = ReminderScheduler(Reminders(app.ctx, app.channels))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        for channel in channels:
            await channel.start()
        # After the channel: catching up on reminders missed while down needs it to send.
        await reminders.start()
        # Now and every few hours after: files of photos no report kept.
        reminders.scheduler.add_job(housekeeping.sweep_photos, IntervalTrigger(hours=SWEEP_HOURS),
                                    args=[app.ctx], id="photo-sweep", name="unused photos",
                                    next_run_time=datetime.now(UTC))
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        await reminders.stop()  # before the channel, so no reminder is cut off mid-send
        for channel in reversed(channels):
            await channel.stop()
        await app.close()
    return 0
