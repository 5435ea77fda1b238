"""What a command is: its names, what answers it, who may use it, how the menu shows it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.turn import Turn
from handlers.types import Reply

Handler = Callable[[Turn], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]       # Vietnamese first (shown in the menu), then aliases such as English
    handler: Handler
    officers_only: bool = False
    menu: tuple[str, str] | None = None   # (Vietnamese, English) description for the command menu
