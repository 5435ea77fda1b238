"""The channels the bot can run: each one's name, whether the settings turn it on, and how to make
it. A new channel is its folder, a row here, its settings section and its catalog words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.app import App
from bot.channels.contract import Channel
from handlers.settings import Settings


@dataclass(frozen=True)
class Kind:
    name: str
    enabled: Callable[[Settings], bool]
    make: Callable[[App], Channel]
    secrets: Callable[[Settings], list[str]]  # kept out of the log


def _telegram(app: App) -> Channel:
    # Imported only when enabled: neither platform's library is loaded for nothing.
    if app.settings.telegram.bots:
        from bot.channels.telegram.bots import TelegramBots

        return TelegramBots(app)
    from bot.channels.telegram.channel import TelegramChannel

    return TelegramChannel(app)


def _zalo(app: App) -> Channel:
    from bot.channels.zalo.channel import ZaloChannel

    return ZaloChannel(app)


KINDS: tuple[Kind, ...] = (
    Kind("telegram", lambda s: s.telegram.enabled, _telegram,
         lambda s: [s.telegram.token, s.telegram.webhook_secret, *(b.token for b in s.telegram.bots)]),
    Kind("zalo", lambda s: bool(s.zalo.token), _zalo, lambda s: [s.zalo.token, s.zalo.webhook_secret]),
)


def enabled(settings: Settings) -> list[Kind]:
    return [kind for kind in KINDS if kind.enabled(settings)]
