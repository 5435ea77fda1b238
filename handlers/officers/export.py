"""/xuat: the .xlsx an officer forwards upward, for their unit or one below it; /xuat anh: the same
workbook with the area's photos, in one ZIP."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from handlers.context import Context
from handlers.contributions.basis import award_basis
from handlers.officers.common import find_unit
from handlers.officers.files import prune
from handlers.turn import Turn
from handlers.types import AFTER_COMMIT, Reply
from storage.db import Database
from storage.export import export_workbook
from storage.export.photo_zip import PhotoBook, TooLarge, export_with_photos
from storage.export.workbook import PhotoLink, in_photos_folder
from storage.models import Unit
from storage.textfold import fold

log = logging.getLogger(__name__)

# What a bot may upload to Telegram (its Bot API refuses larger files); Zalo's is smaller still,
# but its files go by link. A ZIP over this is not made: the officer is told its size instead.
UPLOAD_LIMIT = 50 * 1000 * 1000
_PHOTO_WORDS = ("anh", "photos", "photo")
_T = TypeVar("_T")


async def export(turn: Turn) -> list[Reply]:
    """/xuat [anh] [unit]. The file is written after the turn commits, in a worker thread with its
    own read connection: a province takes seconds, and nobody's report should wait for it."""
    first, _, rest = turn.inc.args.strip().partition(" ")
    with_photos = fold(first) in _PHOTO_WORDS
    unit, problem = await find_unit(turn, rest if with_photos else turn.inc.args, "xuat")
    if unit is None:
        return problem
    if with_photos:
        return _with_photos(turn, unit)
    ctx = turn.ctx
    now = ctx.now()
    folder = ctx.photos.path("exports")
    stem = f"tien-do-{_slug(unit.code)}-{now.strftime('%Y%m%d-%H%M')}"
    out = folder / f"{stem}-{secrets.token_hex(4)}.xlsx"
    campaign, tz, db, link = ctx.settings.campaign.name, ctx.clock.tz, ctx.db, photo_link(ctx)
    basis = award_basis(ctx.settings, tz)

    async def later() -> Reply:
        try:
            counts = await _written(db, out, lambda reader: export_workbook(reader, out, tz, unit,
                                                                               campaign, now, link,
                                                                               awards=basis))
        except Exception:
            log.exception("export of unit %s failed", unit.code)
            return Reply(turn.t("off_export_failed"))
        text = turn.t("off_export_done", unit=unit.name, units=counts.units, houses=counts.houses,
                      reports=counts.reports, time=ctx.local(ctx.stamp()))
        return Reply(text, document=out, document_name=f"{stem}.xlsx")

    return [Reply(turn.t("off_export_working"), meta={AFTER_COMMIT: later})]


def _with_photos(turn: Turn, unit: Unit) -> list[Reply]:
    ctx = turn.ctx
    now = ctx.now()
    folder = ctx.photos.path("exports")
    stem = f"tien-do-anh-{_slug(unit.code)}-{now.strftime('%Y%m%d-%H%M')}"
    out = folder / f"{stem}-{secrets.token_hex(4)}.zip"
    campaign, tz, db, media = ctx.settings.campaign.name, ctx.clock.tz, ctx.db, ctx.photos.media_dir
    basis = award_basis(ctx.settings, tz)
    limit = UPLOAD_LIMIT

    async def later() -> Reply:
        try:
            made: PhotoBook = await _written(db, out, lambda reader: export_with_photos(
                reader, out, tz, unit, campaign, now, media, limit, awards=basis))
        except TooLarge as big:
            command = f"chungtay export --unit {unit.code} --with-photos --out {stem}.zip"
            return Reply(turn.t("export_photos_too_big", unit=unit.name, size=_mb(big.size),
                                limit=_mb(big.limit), command=command))
        except Exception:
            log.exception("export with photos of unit %s failed", unit.code)
            return Reply(turn.t("off_export_failed"))
        c = made.counts
        text = turn.t("export_photos_done", unit=unit.name, units=c.units, houses=c.houses,
                      reports=c.reports, photos=made.photos)
        return Reply(text, document=out, document_name=f"{stem}.zip")

    return [Reply(turn.t("export_photos_working"), meta={AFTER_COMMIT: later})]


def photo_link(ctx: Context) -> PhotoLink:
    """Where the workbook's photo links point: signed links that last when the bot serves them
    (ctx.workbook_links), else the photos/ folder, where /xuat anh puts them beside the workbook."""
    sign, media = ctx.workbook_links, ctx.photos.media_dir
    if sign is None:
        return in_photos_folder

    def signed(house_code: str, name: str) -> str:
        try:
            return sign(media / name)
        except ValueError:  # the file is gone: the link still says which photo it was
            return in_photos_folder(house_code, name)
    return signed


async def _written(db: Database, out: Path, write: Callable[[Database], Awaitable[_T]]) -> _T:
    if db.path == ":memory:":  # no second connection can see it: write on the shared one
        out.parent.mkdir(parents=True, exist_ok=True)
        return await write(db)
    return await asyncio.to_thread(write_apart, db.path, out, write)


def write_apart(db_path: str, out: Path, write: Callable[[Database], Awaitable[_T]]) -> _T:
    """Write the file from a connection of its own, in the calling (worker) thread."""
    out.parent.mkdir(parents=True, exist_ok=True)
    prune(out.parent, "tien-do-*.xlsx")
    prune(out.parent, "tien-do-*.zip")

    async def run() -> _T:
        reader = await Database.open(db_path)
        try:
            return await write(reader)
        finally:
            await reader.close()

    return asyncio.run(run())


def _mb(size: int) -> str:
    """Megabytes as Vietnamese writes them: 48, 3,5, 0,02."""
    mb = size / 1_000_000
    shown = f"{mb:.0f}" if mb >= 10 else f"{mb:.1f}" if mb >= 1 else f"{mb:.2f}"
    return shown.replace(".", ",")


def _slug(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in fold(code)) or "don-vi"
