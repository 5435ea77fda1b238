"""`chungtay run`: the Telegram bot until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot import logs
from bot.app import App
from bot.config import TOKEN_ENV, Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    tg = settings.telegram
    if not tg.token:
        print(f"{settings.source}: [telegram] token: missing; set it or the environment variable "
              f"{TOKEN_ENV}", file=sys.stderr)
        return 2
    logs.configure([tg.token, tg.webhook_secret])
    from bot.channels.telegram import TelegramChannel

    app = await App.open(settings)
    channel = TelegramChannel(app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if tg.webhook_url:
            await channel.start_webhook()
            log.info("webhook listening on %s:%d", tg.listen, tg.port)
        else:
            await channel.start_polling()
            log.info("polling for updates")
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        await channel.stop()
        await app.close()
    return 0
