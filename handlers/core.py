"""The one entry point of every channel: an Incoming in, replies out, all of it stored once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from handlers import join, report
from handlers.catalog import t
from handlers.commands import flow, lookup
from handlers.context import Context
from handlers.limits import MESSAGE_CHARS, too_long
from handlers.turn import Turn
from handlers.types import AFTER_COMMIT, Incoming, IncomingFile, Prepared, Reply
from storage import updates, users
from storage.codes import UserStatus
from storage.photos import PhotoRejected, StoredPhoto
from storage.photos import files as photo_files
from storage.photos import pending as pending_thumbs

log = logging.getLogger(__name__)

Thumbs = list[tuple[str, bytes]]


class Core:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Work a turn left for after its replies are delivered, by id() of its Incoming.
        self._after: dict[int, Thumbs] = {}
        # Thumbnails waiting for the next write, and the turns waiting for it (_write_together).
        self._queued: Thumbs = []
        self._waiting: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None

    async def handle(self, inc: Incoming, *, deliver_first: bool = False) -> list[Reply]:
        """deliver_first: the caller sends the replies, then calls after_delivery(inc); what does
        not decide the replies' words (the thumbnails' files) waits until then. Otherwise it is
        done before this returns."""
        db = self.ctx.db
        if inc.update_keys and not await updates.unseen(db, inc.update_keys):
            return []
        known = await users.find(db, inc.channel, inc.user_id)
        # Images are decoded before the write lock is taken, and only for people we know:
        # a stranger cannot make the bot spend CPU or disk.
        photos, rejected, thumbs = ([], [], []) if known is None else await self._process(inc)
        async with db.transaction(short=True):
            if inc.update_keys and not await updates.take(db, inc.update_keys, self.ctx.stamp()):
                return []
            if photos:  # until a report owns them, they may be swept (bot/housekeeping.py)
                await photo_files.note(db, [p.sha256 for p in photos], self.ctx.stamp())
            if thumbs:  # in this commit: a restart writes them if the bot dies before it does
                await pending_thumbs.note(db, thumbs, self.ctx.stamp())
            replies = await self._route(inc, photos, rejected)
        if thumbs and deliver_first:
            self._after[id(inc)] = thumbs
        finished = [await self._finish(reply) for reply in replies]
        if thumbs and not deliver_first:
            await self._write_thumbs(thumbs)
        return finished

    async def after_delivery(self, inc: Incoming) -> None:
        """What handle(inc, deliver_first=True) left for after its replies were sent."""
        thumbs = self._after.pop(id(inc), None)
        if not thumbs:
            return
        try:
            await self._write_together(thumbs)
        except Exception as exc:  # the receipt is out; the next start writes them (resume)
            log.warning("thumbnails not written now (%s); the next start writes them",
                        type(exc).__name__)

    async def resume(self) -> int:
        """Thumbnails noted but never written (the bot stopped between a receipt and its files):
        written now, each once. Returns how many."""
        done = 0
        while waiting := await pending_thumbs.waiting(self.ctx.db):
            await self._write_thumbs(waiting)
            done += len(waiting)
        if done:
            log.info("wrote %d thumbnails left from before the restart", done)
        return done

    async def _write_together(self, thumbs: Thumbs) -> None:
        """_write_thumbs, shared by the turns that finish while a write is under way: in a burst
        of albums one thread hop and one transaction serve many, where each album took its own
        (a transaction is three trips to the database's thread, each a turn of the event loop).
        Returns once these thumbnails are on disk and no longer noted, as _write_thumbs does."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.extend(thumbs)
        self._waiting.append(done)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="write-thumbnails")
        await done

    async def _write_queued(self) -> None:
        while self._queued:
            batch, waiting = self._queued, self._waiting
            self._queued, self._waiting = [], []
            try:
                await self._write_thumbs(batch)
            except Exception as exc:
                for turn in waiting:
                    if not turn.done():
                        turn.set_exception(exc)
            else:
                for turn in waiting:
                    if not turn.done():
                        turn.set_result(None)

    async def _write_thumbs(self, thumbs: Thumbs) -> None:
        await asyncio.to_thread(self.ctx.photos.write_thumbs, thumbs)
        async with self.ctx.db.transaction():
            await pending_thumbs.written(self.ctx.db, [path for path, _ in thumbs])

    @staticmethod
    async def _finish(reply: Reply) -> Reply:
        later = reply.meta.get(AFTER_COMMIT)
        return await later() if callable(later) else reply

    async def skip(self, keys: tuple[str, ...]) -> None:
        """Mark updates that carry nothing to act on as handled, so they are not replayed."""
        async with self.ctx.db.transaction():
            await updates.mark(self.ctx.db, keys, self.ctx.stamp())

    async def _process(self, inc: Incoming) -> tuple[list[StoredPhoto], list[tuple[str, str]], Thumbs]:
        """Every image of the message at once (an album's photos decode in parallel), in order;
        the photos are on disk, their thumbnails still to write."""

        async def one(item: IncomingFile) -> Prepared:
            return item.prepared if item.prepared is not None else await self._prepare(item)

        results = await asyncio.gather(*(one(item) for item in inc.files))
        done = [r for r in results if not isinstance(r, str)]
        photos = [photo for photo, _ in done]
        thumbs = [(photo.thumb, thumb) for photo, thumb in done if thumb is not None]
        rejected = [(item.filename or f"#{i}", r) for i, (item, r) in enumerate(zip(inc.files, results,
                    strict=True), 1) if isinstance(r, str)]
        return photos, rejected, thumbs

    async def prepare(self, item: IncomingFile) -> IncomingFile:
        """The file with its photo stored already: a channel that waits for the rest of a group of
        photos (Zalo sends each as a message of its own) has them decoded meanwhile, so the turn
        finds the work done. Only for people the bot knows, as handle() does it."""
        return dataclasses.replace(item, prepared=await self._prepare(item))

    async def _prepare(self, item: IncomingFile) -> Prepared:
        if item.data is None:
            return item.problem or "download_failed"
        try:
            return await self.ctx.photos.prepare_async(item.data, keep_original=item.as_document,
                                                       small=item.small)
        except PhotoRejected as exc:
            return exc.reason

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
