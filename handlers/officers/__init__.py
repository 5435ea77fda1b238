"""Officers' commands: progress, houses, stale work, review, Excel, commendations."""

from __future__ import annotations

from handlers.command import Command

COMMANDS: list[Command] = []
