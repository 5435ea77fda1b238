"""What the workbook's "Khen thưởng" sheet is judged by, from the settings: the award tiers and
the deadline /khenthuong calls 'on time'."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from handlers.settings import Settings
from storage.codes import Stage
from storage.export.contributions import AwardBasis
from storage.times import to_db


def award_basis(settings: Settings, tz: ZoneInfo) -> AwardBasis:
    """The last deadline asking houses to be completed or handed over, as /khenthuong judges by."""
    final = [d for d in settings.campaign.deadlines if d.stage is not None and d.stage >= Stage.COMPLETED]
    if not final:
        return AwardBasis(settings.awards.allowed, Stage.COMPLETED, None, "")
    d = max(final, key=lambda x: x.date)
    assert d.stage is not None
    until = to_db(datetime.combine(d.date, time.max, tzinfo=tz))
    return AwardBasis(settings.awards.allowed, d.stage, until, f"{d.name} ({d.date:%d/%m/%Y})")
