"""`chungtay run`: the bot on every channel the settings turn on, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from bot import housekeeping, logs
from bot.app import App
from bot.channels.contract import StartRefused
from bot.channels.registry import KINDS, Kind, enabled
from bot.config import TOKEN_ENV, ZALO_TOKEN_ENV
from handlers.settings import Settings

log = logging.getLogger(__name__)
SWEEP_HOURS = 6
STOP_WITHIN = 25.0  # seconds for the whole shutdown: a service manager's SIGKILL comes at 30 or 90


async def run_bot(settings: Settings, role: str = "all") -> int:
    kinds = enabled(settings)
    if not kinds:
        print(f"{settings.source}: [telegram] token: missing; set it or the environment variable "
              f"{TOKEN_ENV} (for Zalo: [zalo] token or {ZALO_TOKEN_ENV})", file=sys.stderr)
        return 2
    logs.configure([secret for kind in KINDS for secret in kind.secrets(settings)])
    try:
        return await _serve(settings, kinds, role)
    except StartRefused:
        return 1  # said already, in one line
    except Exception:
        # Through the private formatter, like every other line: the type and where, not the text
        # (which may quote a household's name or a URL with the token).
        log.critical("stopped by an unexpected error", exc_info=True)
        return 1


async def _serve(settings: Settings, kinds: list[Kind], role: str) -> int:
    from bot.scheduler import Reminders, ReminderScheduler

    app = await App.open(settings, wait_for_database=True)
    app.role = role
    if settings.storage.photo_processes and role != "receive":
        from storage.photos import workers as photo_workers

        # Started before the first message, not by it: the first album would wait ~0.5 s.
        await asyncio.to_thread(photo_workers.warm, app.ctx.photos.processes)
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
        if role != "receive":  # a receiver only stores: it stays light, and quick to restart
            # After the channel: catching up on reminders missed while down needs it to send.
            await reminders.start()
            # Now and every few hours after: files of photos no report kept.
            reminders.scheduler.add_job(housekeeping.sweep_photos, IntervalTrigger(hours=SWEEP_HOURS),
                                        args=[app.ctx], id="photo-sweep", name="unused photos",
                                        next_run_time=datetime.now(UTC))
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        # Reminders before the channels, so no reminder is cut off mid-send; the database last.
        await close_all([("reminders", reminders.stop),
                         *[(f"channel {c.name}", c.stop) for c in reversed(channels)],
                         ("database", app.close)], STOP_WITHIN)
    return 0


async def close_all(steps: list[tuple[str, Callable[[], Awaitable[object]]]], within: float,
                    at_least: float = 2.0) -> None:
    """Every step, in order, even when one before it failed or hung: a channel that cannot stop
    must not leave the database open (its thread would keep the process alive until SIGKILL).
    Each step gets what is left of `within`, but never less than `at_least` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    for name, step in steps:
        try:
            await asyncio.wait_for(step(), timeout=max(deadline - loop.time(), at_least))
        except Exception as exc:  # TimeoutError among them
            log.error("stopping: %s failed (%s); going on with the rest", name, type(exc).__name__)
