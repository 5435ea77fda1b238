"""Reminders that arrive once, on time, within Telegram's limits.

`Reminders.run_due(now)` does all the work and takes `now` from the caller, so tests drive it with
a FixedClock across days, restarts and zones. APScheduler only wakes the process at the moments
things fall due; the outbox table (storage/reminders.py) is the record of what was sent.

One run: plan every occasion that fell due and was never decided (its recipients become outbox
rows in one transaction, or it is recorded as missed when the bot was down longer than the grace
period), then send the open rows: held during quiet hours, otherwise paced through a token bucket,
each marked 'sending' before the send and with its outcome right after. A row found 'sending' at
start may have arrived, so it is never sent again: a restart repeats nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as _time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta

from bot.channels.contract import Channels, Outcome
from bot.pacing import TokenBucket
from handlers import reminders as rules
from handlers.context import Context
from handlers.settings import Settings
from handlers.types import Reply
from storage import reminders as store
from storage import users
from storage.codes import OFFICER_ROLES, Role, UserStatus
from storage.db import unreachable
from storage.reminders import Item, NewRow, Recipient
from storage.times import from_db, to_db

log = logging.getLogger(__name__)

SLACK = timedelta(minutes=5)   # a wake-up a little late is not downtime, even with grace_hours = 0
IN_FLIGHT = 8                  # sends awaiting an answer at once: enough for 25/s at 300 ms a send
CHAT_GAP = 1.0                 # seconds between two messages into one chat (Telegram: about 1/s)

@dataclass
class RunReport:
    planned: int = 0     # rows written for occasions that fell due
    missed: int = 0      # occasions that fell due while the bot was down past the grace period
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0     # nothing to say, paused, expired, already reminded today, config changed
    held: int = 0        # waiting for the end of quiet hours
    retry: int = 0       # refused by flood control: open again for the next run

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


_STATE_OF: dict[Outcome, tuple[str, str | None]] = {
    "sent": ("sent", None),
    "blocked": ("blocked", "blocked_bot"),
    "failed": ("failed", "send_error"),
    "retry": ("pending", "rate_limited"),
}


class Reminders:
    def __init__(self, ctx: Context, channels: Channels, *, bucket: TokenBucket | None = None,
                 in_flight: int = IN_FLIGHT, chat_gap: float = CHAT_GAP,
                 monotonic: Callable[[], float] = _time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.ctx = ctx
        self.channels = channels
        self.bucket = bucket or TokenBucket(ctx.settings.reminders.rate_per_second,
                                            monotonic=monotonic, sleep=sleep)
        self.in_flight = max(1, in_flight)
        self.chat_gap = chat_gap
        self._monotonic = monotonic
        self._sleep = sleep
        self._last_to: dict[int, float] = {}
        self._run_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._stopping = False

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    # --- lifecycle ------------------------------------------------------------------------------

    async def recover(self) -> int:
        """At start: rows a crash left mid-send are failed, not resent."""
        async with self.ctx.db.transaction():
            count = await store.recover(self.ctx.db, self.ctx.stamp())
        if count:
            log.warning("%d reminders were being sent when the bot stopped; not sending them again", count)
        return count

    async def wake(self) -> None:
        """Run soon in the background; a wake-up during a run makes it run once more afterwards."""
        if self._stopping:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._runs(), name="reminders")

    async def _runs(self) -> None:
        while True:
            self._again = False
            try:
                report = await self.run_due(self.ctx.now())
                if report:
                    log.info("reminders: %s", report)
            except Exception as exc:
                if unreachable(exc):  # the sweep a few minutes on tries again; one line, not a trace
                    log.warning("reminder run stopped: the database is unreachable (%s)", type(exc).__name__)
                else:
                    log.exception("reminder run failed")
            if not self._again or self._stopping:
                return

    async def settled(self) -> None:
        """Wait until the runs that were asked for are done (for tests and an orderly stop)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Finish the sends in hand and start no more; open rows wait for the next start."""
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

    def resume(self) -> None:
        """After a stop: runs may start again (this process leads once more)."""
        self._stopping = False

    # --- one run --------------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> RunReport:
        """Plan what fell due by `now` (aware), then send what is open."""
        if now.tzinfo is None:
            raise ValueError("run_due needs an aware datetime")
        report = RunReport()
        async with self._run_lock:
            await self._plan(now, report)
            await self._send(now, report)
        return report

    def _grace(self) -> timedelta:
        return timedelta(hours=self.settings.reminders.grace_hours) + SLACK

    async def _plan(self, now: datetime, report: RunReport) -> None:
        db = self.ctx.db
        occasions = rules.occasions_until(self.settings, now)
        decided = await store.decided(db, [o.key for o in occasions])
        grace = self._grace()
        for occ in occasions:
            if occ.key in decided:
                continue
            if now > occ.at + grace or now >= occ.valid_until:
                async with db.transaction():
                    await store.record_missed(db, occ.key, occ.kind, to_db(occ.at), to_db(now))
                report.missed += 1
                continue
            rows = await self._rows(occ, now)
            async with db.transaction():
                if await store.decided(db, [occ.key]):
                    continue
                if occ.kind == "deadline":
                    rows = await self._once_a_day(occ, rows)
                await store.plan(db, occ.key, occ.kind, to_db(occ.at), rows, to_db(now))
            report.planned += len(rows)
        if report.missed:
            log.info("%d reminder occasions fell due while the bot was not running, longer ago than "
                     "the grace period: skipped", report.missed)

    async def _once_a_day(self, occ: rules.Occasion, rows: list[NewRow]) -> list[NewRow]:
        """A deadline whose date moved can fall due twice on one day: only the first reaches a person."""
        assert occ.deadline is not None
        reminded = await store.already_today(self.ctx.db, rules.deadline_topic(occ.deadline),
                                             occ.local_day.isoformat())
        return [NewRow(**{**r.__dict__, "state": "skipped", "reason": "already_today"})
                if r.user_id in reminded else r for r in rows]

    async def _rows(self, occ: rules.Occasion, now: datetime) -> list[NewRow]:
        db = self.ctx.db
        expires = to_db(min(occ.at + self._grace(), occ.valid_until))

        def row(person: Recipient, topic: str, payload: dict[str, object]) -> NewRow:
            return NewRow(key=f"{occ.key}:user:{person.user_id}", user_id=person.user_id, topic=topic,
                          local_day=occ.local_day.isoformat(), due_at=to_db(occ.at), expires_at=expires,
                          valid_until=to_db(occ.valid_until), payload=payload)

        if occ.kind == "deadline":
            d = occ.deadline
            assert d is not None
            payload: dict[str, object] = {"deadline": d.name, "date": d.date.isoformat(),
                                          "offset": occ.offset}
            people: list[Recipient] = []
            if "officers" in d.audience:  # officers' deadline reminders cannot be paused
                people += rules.one_per_person(await store.people(db, OFFICER_ROLES))
            if "volunteers" in d.audience:
                people += [p for p in rules.one_per_person(await store.people(db, (Role.VOLUNTEER,)))
                           if not p.paused]
            return [row(p, rules.deadline_topic(d), payload) for p in people]
        if occ.kind == "digest":
            payload = {"since": to_db(occ.at - timedelta(days=1)), "until": to_db(occ.at)}
            return [row(p, "digest", payload)
                    for p in rules.one_per_person(await store.people(db, OFFICER_ROLES))
                    if not p.paused]
        return await self._stale_rows(occ, row)

    async def _stale_rows(self, occ: rules.Occasion,
                          row: Callable[[Recipient, str, dict[str, object]], NewRow]) -> list[NewRow]:
        """A house nudges its last reporter when it has gone N, 2N, 3N... days without a report."""
        n = self.settings.reminders.stale_days
        tz = self.settings.campaign.timezone
        day = occ.local_day
        cutoff = rules.local(self.settings, day - timedelta(days=n - 1), time(0, 0))
        by_reporter: dict[int, list[list[object]]] = {}
        for h in await store.stale_houses(self.ctx.db, to_db(cutoff)):
            days = (day - from_db(h.last_report_at, tz).date()).days
            if days >= n and days % n == 0:
                by_reporter.setdefault(h.reporter_id, []).append([h.id, h.last_report_at, h.unit_path])
        reporters = [p for p in [await store.person(self.ctx.db, u) for u in by_reporter]
                     if p is not None and p.status == UserStatus.ACTIVE]
        out = []
        for group in rules.by_person(reporters):
            person = rules.last_used(group)
            if person.paused:
                continue
            # Only houses of the person's own area: a reporter who moved is not told about the old one.
            mine = [[h[0], h[1]] for p in group for h in by_reporter[p.user_id]
                    if str(h[2]).startswith(person.unit_path)]
            if mine:
                out.append(row(person, "stale", {"houses": mine}))
        return out

    async def _send(self, now: datetime, report: RunReport) -> None:
        db = self.ctx.db
        items = await store.ready(db, to_db(now))
        if not items:
            return
        if rules.in_quiet_hours(self.settings, now):
            await self._hold(items, now)
            report.held += len(items)
            return
        groups: dict[int, list[Item]] = {}
        late: list[str] = []
        for item in items:
            if now > _at(item.expires_at) or now >= _at(item.valid_until):
                late.append(item.key)
            else:
                groups.setdefault(item.user_id, []).append(item)
        if late:
            async with db.transaction():
                await store.finish(db, late, "skipped", "expired", self.ctx.stamp())
            report.skipped += len(late)
        queue = deque(groups.items())

        async def worker() -> None:
            while queue and not self._stopping:
                user_id, its = queue.popleft()
                await self._deliver(user_id, its, now, report)

        # A TaskGroup: if one send dies hard, the others stop too, as in a crash.
        async with asyncio.TaskGroup() as tasks:
            for _ in range(min(self.in_flight, len(queue))):
                tasks.create_task(worker())

    async def _hold(self, items: list[Item], now: datetime) -> None:
        """Quiet hours: wait for morning, keeping the grace that was left, never past the point."""
        release = rules.quiet_hours_end(self.settings, now)
        held = []
        for item in items:
            remaining = max(_at(item.expires_at) - now, timedelta(0))
            expires = min(release + remaining, _at(item.valid_until))
            held.append((item.key, to_db(release), to_db(expires)))
        async with self.ctx.db.transaction():
            await store.hold(self.ctx.db, held, self.ctx.stamp())

    async def _deliver(self, user_id: int, items: list[Item], now: datetime, report: RunReport) -> None:
        db = self.ctx.db
        person = await store.person(db, user_id)
        if person is None or person.status != UserStatus.ACTIVE:
            async with db.transaction():
                await store.finish(db, [i.key for i in items], "skipped", "inactive", self.ctx.stamp())
            report.skipped += len(items)
            return
        parts: list[tuple[Item, rules.Composed]] = []
        skips: dict[str, list[str]] = {}
        for item in items:
            try:
                composed = await rules.compose(self.ctx, item, person, now)
            except Exception:
                log.exception("composing a %s reminder failed", item.kind)
                composed = rules.Composed(None, "error")
            if composed.text is None:
                skips.setdefault(composed.reason or "nothing_left", []).append(item.key)
            else:
                parts.append((item, composed))
        if skips:
            async with db.transaction():
                for reason, keys in skips.items():
                    await store.finish(db, keys, "failed" if reason == "error" else "skipped", reason,
                                       self.ctx.stamp())
            report.skipped += sum(len(k) for r, k in skips.items() if r != "error")
            report.failed += len(skips.get("error", []))
        if not parts:
            return
        text = rules.join_messages(person.lang, [c for _, c in parts])
        await self._space_chat(user_id)
        await self.bucket.take()
        if self._stopping:
            return  # still open: the next start sends it, if it is still worth sending
        async with db.transaction():
            claimed = await store.claim(db, [i.key for i, _ in parts], self.ctx.stamp())
        if not claimed:
            return
        try:
            outcome = await self.channels.send(person.channel, person.external_id, Reply(text))
        except Exception as exc:
            log.warning("sending a reminder raised %s", type(exc).__name__)
            outcome = "failed"
        self._last_to[user_id] = self._monotonic()
        state, reason = _STATE_OF[outcome]
        async with db.transaction():
            await store.finish(db, claimed, state, reason, self.ctx.stamp())
            if outcome == "blocked":
                current = await users.get(db, user_id)
                if current is not None and current.status == UserStatus.ACTIVE:
                    await users.set_status(db, user_id, UserStatus.BLOCKED)
        setattr(report, outcome, getattr(report, outcome) + len(claimed))

    async def _space_chat(self, user_id: int) -> None:
        last = self._last_to.get(user_id)
        if last is not None:
            wait = self.chat_gap - (self._monotonic() - last)
            if wait > 0:
                await self._sleep(wait)


def _at(stored: str) -> datetime:
    return datetime.fromisoformat(stored)


# The wake-ups and the lead live beside: bot/wakeups.py (imported here, where callers look).
from bot.wakeups import ReminderScheduler, wake_times  # noqa: E402

__all__ = ["Outcome", "ReminderScheduler", "Reminders", "RunReport", "wake_times"]
