"""The command table: every name and alias a person may type. Each feature lists its own."""

from __future__ import annotations

from handlers import account_links, contributions, invite, join, officers, reminders, report, report_mine
from handlers.officers import people
from handlers.turn import Command, Handler

# The volunteer's own commands, which the help text (catalog "help") explains in its own words;
# /trogiup lists every other command from this table after it.
CORE: list[Command] = [
    Command(("baocao", "report"), report.start, menu=("Báo cáo tiến độ một căn nhà", "Report on a house")),
    Command(("cuatoi", "mine"), report_mine.mine,
            menu=("Xem các báo cáo bạn đã gửi", "The reports you sent")),
    Command(("huy", "cancel"), report.cancel, menu=("Hủy báo cáo đang soạn", "Cancel the report")),
    Command(("trogiup", "help"), join.help_text, menu=("Hướng dẫn", "Help")),
    Command(("ngonngu", "language"), join.switch_language,
            menu=("Đổi ngôn ngữ (Tiếng Việt / English)", "Switch language")),
    Command(("start",), join.start_again),
]

COMMANDS: list[Command] = [*CORE, *officers.COMMANDS, *reminders.COMMANDS, *account_links.COMMANDS,
                          *invite.COMMANDS, *people.COMMANDS, *contributions.COMMANDS]

_BY_NAME: dict[str, Command] = {}
for _command in COMMANDS:
    for _name in _command.names:
        if _name in _BY_NAME:
            raise ValueError(f"command name used twice: {_name}")
        _BY_NAME[_name] = _command


def lookup(name: str) -> Command | None:
    return _BY_NAME.get(name)


# Dialog states owned by a feature other than the report dialog, with what answers the next input.
FLOWS: dict[str, Handler] = {**officers.FLOWS, **invite.FLOWS, **people.FLOWS, **contributions.FLOWS}


def flow(state: str) -> Handler:
    return FLOWS.get(state, report.on_input)
