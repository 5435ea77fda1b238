"""Bot API method table: Telegram method names are case-insensitive, so lookups use lower()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tests.emulators.tgemu.params import ApiCall

if TYPE_CHECKING:
    from tests.emulators.tgemu.server import BotApiEmulator

Handler = Callable[["BotApiEmulator", ApiCall], Any | Awaitable[Any]]

# lower-cased name -> (canonical name, handler)
METHODS: dict[str, tuple[str, Handler]] = {}


def api(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def lookup(name: str) -> tuple[str, Handler] | None:
    return METHODS.get(name.lower())
