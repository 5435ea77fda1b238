"""Contributions: workdays logged by volunteers (/ngaycong), money, workdays and materials entered
by officers (/donggop), and what they add to /tiendo, /nha, /khenthuong and the workbook."""

from __future__ import annotations

from handlers.contributions import contribute, workdays
from handlers.turn import Command, Handler

COMMANDS: list[Command] = [
    Command(("ngaycong", "workdays"), workdays.start,
            menu=("Ghi ngày công bạn đã góp tại một nhà", "Log your workdays at a house")),
    Command(("donggop", "contribute"), contribute.start, officers_only=True,
            menu=("Ghi đóng góp tiền, ngày công, vật liệu (cán bộ)",
                  "Record money, workdays, materials given (officers)")),
]

FLOWS: dict[str, Handler] = {**workdays.FLOWS, **contribute.FLOWS}
