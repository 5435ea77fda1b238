"""Wiring: settings to storage, photo store, clock and the handler core."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from handlers.clock import Clock, SystemClock
from handlers.context import Context
from handlers.core import Core
from handlers.settings import Settings
from handlers.types import Reply
from storage.db import Database
from storage.photos import PhotoStore

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    ctx: Context
    core: Core
    # Each running channel registers how to reach its people, so a reply addressed to someone
    # on another channel (a review decision, a reminder) is delivered there.
    outbound: dict[str, Callable[[str, Reply], Awaitable[bool]]] = field(default_factory=dict)

    async def deliver(self, channel: str, user_id: str, reply: Reply) -> bool:
        send = self.outbound.get(channel)
        if send is None:
            log.warning("no running channel %s to deliver a message to user on it", channel)
            return False
        return await send(user_id, reply)

    @property
    def db(self) -> Database:
        return self.ctx.db

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None,
                   database: Path | None = None, media_dir: Path | None = None) -> App:
        db = await Database.open(database or settings.storage.database)
        photos = PhotoStore(media_dir or settings.storage.media_dir,
                            processes=settings.storage.photo_processes)
        ctx = Context(db=db, photos=photos, clock=clock or SystemClock(settings.campaign.timezone),
                      settings=settings)
        return cls(settings=settings, ctx=ctx, core=Core(ctx))

    async def close(self) -> None:
        await self.ctx.db.close()
