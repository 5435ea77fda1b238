"""`chungtay run`: the Telegram and/or Zalo bot until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from bot import housekeeping, logs
from bot.app import App
from bot.config import TOKEN_ENV, ZALO_TOKEN_ENV
from handlers.settings import Settings

log = logging.getLogger(__name__)
SWEEP_HOURS = 6


async def run_bot(settings: Settings) -> int:
    tg, zl = settings.telegram, settings.zalo
    if not tg.token and not zl.token:
        print(f"{settings.source}: [telegram] token: missing; set it or the environment variable "
              f"{TOKEN_ENV} (for Zalo: [zalo] token or {ZALO_TOKEN_ENV})", file=sys.stderr)
        return 2
    logs.configure([tg.token, tg.webhook_secret, zl.token, zl.webhook_secret])
    from bot.scheduler import AppSender, Reminders, ReminderScheduler, Sender, TelegramSender

    app = await App.open(settings)
    if settings.storage.photo_processes:
        from storage import photo_workers

        # Started before the first message, not by it: the first album would wait ~0.5 s.
        await asyncio.to_thread(photo_workers.warm, settings.storage.photo_processes)
    # Each channel runs when its token is set; either may be left out.
    channel = zalo = None
    senders: dict[str, Sender] = {}
    if tg.token:
        from bot.channels.telegram import TelegramChannel

        channel = TelegramChannel(app)
        senders["telegram"] = TelegramSender(channel)
    if zl.token:
        from bot.channels.zalo import ZaloChannel, ZaloSender

        zalo = ZaloChannel(app)
        senders["zalo"] = ZaloSender(zalo)
    reminders = ReminderScheduler(Reminders(app.ctx, AppSender(app, **senders)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if channel is not None:
            if tg.webhook_url:
                await channel.start_webhook()
                log.info("webhook listening on %s:%d", tg.listen, tg.port)
            else:
                await channel.start_polling()
                log.info("polling for updates")
        if zalo is not None:
            if zl.webhook_url:
                await zalo.start_webhook()
                log.info("Zalo webhook listening on %s:%d", zl.listen, zalo.port)
            else:
                await zalo.start_polling()
                log.info("polling Zalo for updates (development mode)")
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
        if zalo is not None:
            await zalo.stop()
        if channel is not None:
            await channel.stop()
        await app.close()
    return 0
