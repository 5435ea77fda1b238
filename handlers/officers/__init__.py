"""Officers' commands: progress, houses, stale work, review, Excel, commendations.

Each sees only the officer's own unit and what lies below it: a unit or house is looked up inside
that subtree, and one outside it is simply not found.
"""

from __future__ import annotations

from handlers.officers import awards, correct, export, house, progress, review, stale
from handlers.turn import Command, Handler

COMMANDS: list[Command] = [
    Command(("tiendo", "status"), progress.status, officers_only=True,
            menu=("Tiến độ đơn vị (cán bộ)", "Progress of an area (officers)")),
    Command(("nha", "house"), house.house, officers_only=True,
            menu=("Xem một căn nhà và các báo cáo (cán bộ)", "A house and its reports (officers)")),
    Command(correct.NAMES, correct.start, officers_only=True,
            menu=("Sửa bước một căn nhà (cán bộ)", "Correct a house's stage (officers)")),
    Command(("chuabaocao", "stale"), stale.stale, officers_only=True,
            menu=("Nhà lâu chưa có báo cáo (cán bộ)", "Houses with no recent report (officers)")),
    Command(("duyet", "review"), review.start, officers_only=True,
            menu=("Duyệt báo cáo chờ duyệt (cán bộ)", "Review waiting reports (officers)")),
    Command(("xuat", "export"), export.export, officers_only=True,
            menu=("Xuất Excel báo cáo cấp trên (cán bộ)", "Excel report for upward (officers)")),
    Command(("khenthuong", "awards"), awards.awards, officers_only=True,
            menu=("Số được đề nghị khen thưởng (cán bộ)", "Commendation quotas (officers)")),
]

# Dialog states of the review and of a correction, answered by these handlers (handlers.commands.flow).
FLOWS: dict[str, Handler] = {**review.FLOWS, **correct.FLOWS}
