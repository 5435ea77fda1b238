"""The command table: every name and alias a person may type, and who may use it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import join, report
from handlers.turn import Turn
from handlers.types import Reply

Handler = Callable[[Turn], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]       # Vietnamese first: the one shown in menus
    handler: Handler
    officers_only: bool = False
    menu: tuple[str, str] | None = None   # (Vietnamese, English) description for a command menu


COMMANDS: list[Command] = [
    Command(("baocao", "report"), report.start, menu=("Báo cáo tiến độ một căn nhà", "Report on a house")),
    Command(("huy", "cancel"), report.cancel, menu=("Hủy báo cáo đang soạn", "Cancel the report")),
    Command(("trogiup", "help"), join.help_text, menu=("Hướng dẫn", "Help")),
    Command(("ngonngu", "language"), join.switch_language,
            menu=("Đổi ngôn ngữ (Tiếng Việt / English)", "Switch language")),
    Command(("start",), join.start_again),
]


def register(command: Command) -> None:
    """Features add their commands here; a name may not be taken twice."""
    taken = {n for c in COMMANDS for n in c.names}
    clash = taken.intersection(command.names)
    if clash:
        raise ValueError(f"command name already used: {sorted(clash)}")
    COMMANDS.append(command)


def lookup(name: str) -> Command | None:
    for command in COMMANDS:
        if name in command.names:
            return command
    return None
