"""The one entry point of every channel: an Incoming in, replies out, all of it stored once."""

from __future__ import annotations

import asyncio
import logging

from handlers import join, report
from handlers.catalog import t
from handlers.commands import flow, lookup
from handlers.context import Context
from handlers.limits import MESSAGE_CHARS, too_long
from handlers.turn import Turn
from handlers.types import AFTER_COMMIT, Incoming, IncomingFile, Reply
from storage import updates, users
from storage.codes import UserStatus
from storage.photos import PhotoRejected, StoredPhoto
from storage.photos import files as photo_files

log = logging.getLogger(__name__)

class Core:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def handle(self, inc: Incoming) -> list[Reply]:
        db = self.ctx.db
        if inc.update_keys and not await updates.unseen(db, inc.update_keys):
            return []
        known = await users.find(db, inc.channel, inc.user_id)
        # Images are decoded before the write lock is taken, and only for people we know:
        # a stranger cannot make the bot spend CPU or disk.
        photos, rejected = ([], []) if known is None else await self._process(inc)
        async with db.transaction():
            if inc.update_keys:
                fresh = await updates.unseen(db, inc.update_keys)
                if not fresh:
                    return []
                await updates.mark(db, fresh, self.ctx.stamp())
            if photos:  # until a report owns them, they may be swept (bot/housekeeping.py)
                await photo_files.note(db, [p.sha256 for p in photos], self.ctx.stamp())
            replies = await self._route(inc, photos, rejected)
        return [await self._finish(reply) for reply in replies]

    @staticmethod
    async def _finish(reply: Reply) -> Reply:
        later = reply.meta.get(AFTER_COMMIT)
        return await later() if callable(later) else reply

    async def skip(self, keys: tuple[str, ...]) -> None:
        """Mark updates that carry nothing to act on as handled, so they are not replayed."""
        async with self.ctx.db.transaction():
            await updates.mark(self.ctx.db, keys, self.ctx.stamp())

    async def _process(self, inc: Incoming) -> tuple[list[StoredPhoto], list[tuple[str, str]]]:
        """Every image of the message at once (an album's photos decode in parallel), in order."""

        async def one(item: IncomingFile) -> StoredPhoto | str:
            if item.data is None:
                return item.problem or "download_failed"
            try:
                return await self.ctx.photos.process_async(item.data, keep_original=item.as_document,
                                                           small=item.small)
            except PhotoRejected as exc:
                return exc.reason

        results = await asyncio.gather(*(one(item) for item in inc.files))
        photos = [r for r in results if isinstance(r, StoredPhoto)]
        rejected = [(item.filename or f"#{i}", r) for i, (item, r) in enumerate(zip(inc.files, results,
                    strict=True), 1) if isinstance(r, str)]
        return photos, rejected

    async def _route(self, inc: Incoming, photos: list[StoredPhoto],
                     rejected: list[tuple[str, str]]) -> list[Reply]:
        ctx = self.ctx
        user = await users.find(ctx.db, inc.channel, inc.user_id)
        if user is None:
            return await join.stranger(ctx, inc)
        if user.status == UserStatus.DISABLED:
            if inc.command == "start" and inc.args:  # a new invite from an officer lets them back in
                return await join.rejoin(ctx, user, inc)
            return [Reply(t(user.lang, "disabled"))]
        if user.status == UserStatus.BLOCKED:  # they wrote to us again, so they unblocked the bot
            await users.set_status(ctx.db, user.id, UserStatus.ACTIVE)
        await users.seen(ctx.db, user.id, ctx.stamp())
        turn = Turn(ctx, user, inc, photos, rejected)
        await turn.load()
        replies = await self._answer(turn)
        await turn.save()
        return replies

    async def _answer(self, turn: Turn) -> list[Reply]:
        inc, user = turn.inc, turn.user
        refusal = too_long(turn, inc.text, MESSAGE_CHARS)
        if refusal:
            return [refusal]
        if inc.command:
            command = lookup(inc.command)
            if command is None:
                return [Reply(turn.t("unknown_command", command=inc.command[:32]))]
            if command.officers_only and not user.is_officer:
                return [Reply(turn.t("officers_only"))]
            return await command.handler(turn)
        if inc.unsupported and not (inc.files or inc.location or inc.text):
            return [Reply(turn.t("unsupported"))]
        if turn.state != "idle":
            return await flow(turn.state)(turn)
        if inc.files:
            return await report.on_idle_photos(turn)
        return [Reply(turn.t("idle_hint"))]
