"""/xuat: the .xlsx an officer forwards upward, for their unit or one below it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.officers.common import find_unit
from handlers.officers.files import prune
from handlers.turn import Turn
from handlers.types import AFTER_COMMIT, Reply
from storage.db import Database
from storage.export import WorkbookCounts, export_workbook
from storage.models import Unit
from storage.textfold import fold

log = logging.getLogger(__name__)


async def export(turn: Turn) -> list[Reply]:
    """/xuat [unit]. The workbook is written after the turn commits, in a worker thread with its
    own read connection: a province takes seconds, and nobody's report should wait for it."""
    unit, problem = await find_unit(turn, turn.inc.args, "xuat")
    if unit is None:
        return problem
    ctx = turn.ctx
    now = ctx.now()
    folder = ctx.photos.path("exports")
    stem = f"tien-do-{_slug(unit.code)}-{now.strftime('%Y%m%d-%H%M')}"
    out = folder / f"{stem}-{secrets.token_hex(4)}.xlsx"
    campaign, tz, db = ctx.settings.campaign.name, ctx.clock.tz, ctx.db

    async def later() -> Reply:
        try:
            if db.path == ":memory:":  # no second connection can see it: write on the shared one
                folder.mkdir(parents=True, exist_ok=True)
                counts = await export_workbook(db, out, tz, unit, campaign, now)
            else:
                counts = await asyncio.to_thread(write_apart, db.path, out, tz, unit, campaign, now)
        except Exception:
            log.exception("export of unit %s failed", unit.code)
            return Reply(turn.t("off_export_failed"))
        text = turn.t("off_export_done", unit=unit.name, units=counts.units, houses=counts.houses,
                      reports=counts.reports, time=ctx.local(ctx.stamp()))
        return Reply(text, document=out, document_name=f"{stem}.xlsx")

    return [Reply(turn.t("off_export_working"), meta={AFTER_COMMIT: later})]


def write_apart(db_path: str, out: Path, tz: ZoneInfo, unit: Unit, campaign: str,
                now: datetime) -> WorkbookCounts:
    """Write the workbook from a connection of its own, in the calling (worker) thread."""
    out.parent.mkdir(parents=True, exist_ok=True)
    prune(out.parent, "tien-do-*.xlsx")

    async def run() -> WorkbookCounts:
        reader = await Database.open(db_path)
        try:
            return await export_workbook(reader, out, tz, unit, campaign, now)
        finally:
            await reader.close()

    return asyncio.run(run())


def _slug(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in fold(code)) or "don-vi"


