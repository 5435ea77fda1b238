"""Wiring: settings to storage, photo store, clock and the handler core."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.channels.contract import Channels
from bot.channels.zalo.picture_links import workbook_links
from bot.database_wait import open_when_reachable
from handlers.clock import Clock, SystemClock
from handlers.context import Context
from handlers.core import Core
from handlers.settings import Settings
from storage import private
from storage.db import Database
from storage.photos import PhotoStore


@dataclass
class App:
    settings: Settings
    ctx: Context
    core: Core
    # Each running channel registers itself, so a reply addressed to someone on another channel
    # (a review decision, a reminder) is delivered there.
    channels: Channels = field(default_factory=Channels)
    # `chungtay run --role`: "all" takes updates and handles them; "receive" only stores them in the
    # inbox, "work" handles what receivers stored (bot/channels/shared_inbox.py).
    role: str = "all"

    @property
    def db(self) -> Database:
        return self.ctx.db

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None,
                   database: str | Path | None = None, media_dir: Path | None = None,
                   wait_for_database: bool = False) -> App:
        """`wait_for_database`: a server that cannot be reached is tried again with growing pauses
        (`chungtay run`), not reported as a failure (the other commands)."""
        target = database or settings.storage.database
        db = await (open_when_reachable(target) if wait_for_database else Database.open(target))
        photos = PhotoStore(media_dir or settings.storage.media_dir,
                            processes=settings.storage.photo_processes,
                            memory_mib=settings.storage.photo_memory_mb,
                            shared=settings.storage.media_shared)
        if not photos.shared:
            # A folder an older version made readable by all closes here, with all it holds.
            private.restrict(photos.media_dir, mode=private.DIR_MODE)
        ticking = clock or SystemClock(settings.campaign.timezone)
        # The app's clock, not the wall's: a link made "now" expires workbook_link_days after now.
        links = workbook_links(settings.zalo, photos.media_dir, lambda: ticking.now().timestamp())
        ctx = Context(db=db, photos=photos, clock=ticking, settings=settings, workbook_links=links)
        return cls(settings=settings, ctx=ctx, core=Core(ctx))

    async def close(self) -> None:
        await self.ctx.db.close()
