"""What a person will be reminded of, and pausing or resuming nudges."""

from __future__ import annotations

from handlers.command import Command

COMMANDS: list[Command] = []
