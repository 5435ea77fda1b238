"""The scheduler's wiring, the broadcast's pacing, and reminders through the real Telegram channel.

APScheduler is only inspected (its triggers asked for their next time), never waited for; pacing is
measured on a virtual clock. The end-to-end tests run TelegramChannel against the local Bot API
emulator with Telegram's flood limits on, and wait only for messages to arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.contract import Channels, Outcome
from bot.channels.telegram.channel import TelegramChannel, Tuning
from bot.pacing import TokenBucket
from bot.scheduler import Reminders, ReminderScheduler, wake_times
from handlers.clock import FixedClock
from handlers.settings import Deadline, TelegramSettings
from handlers.types import Reply
from storage import reminders as store
from storage import units, users
from tests.emulators.tgemu import BotApiEmulator
from tests.test_reminders import NATIONAL_DAY, Campaign, Phones, VirtualTime, at, volunteer
from tests.world import TZ, build_world

# python-telegram-bot's own rate limiter reads RetryAfter.retry_after, which it has deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "123456:TEST-token-for-the-local-emulator"
PAPERWORK = Deadline(name="Nộp báo cáo kết quả", date=date(2026, 9, 7), stage=None, about="Gửi UBND tỉnh",
                     audience=("officers", "volunteers"), offsets=(3,), at=time(8, 0))


@pytest.fixture
async def campaign(tmp_path: Path) -> AsyncIterator[Campaign]:
    world = await build_world(tmp_path)
    c = Campaign(world, Phones(), VirtualTime(), tmp_path)
    c.configure(deadlines=(NATIONAL_DAY,))
    yield c
    await c.world.app.close()


# --- APScheduler wiring ---------------------------------------------------------------------------

async def test_jobs_wake_at_local_times_in_the_campaign_zone(campaign: Campaign) -> None:
    c = campaign
    assert wake_times(c.world.app.settings) == [time(7, 0), time(8, 0), time(17, 0)]
    wiring = ReminderScheduler(c.reminders)
    wiring.scheduler.start(paused=True)   # computes next run times; runs nothing
    try:
        jobs = {job.id: job for job in wiring.scheduler.get_jobs()}
        assert set(jobs) == {"at-0700", "at-0800", "at-1700", "sweep"}
        for job in jobs.values():
            assert job.next_run_time.utcoffset().total_seconds() == 7 * 3600
        assert (jobs["at-0800"].next_run_time.hour, jobs["at-0800"].next_run_time.minute) == (8, 0)
        # 23:30 UTC on 25/8 is 06:30 on 26/8 in Hà Nội: quiet hours end at 07:00, reminders at 08:00.
        late_evening_utc = datetime(2026, 8, 25, 23, 30, tzinfo=UTC)
        fire = {k: j.trigger.get_next_fire_time(None, late_evening_utc) for k, j in jobs.items()}
        assert fire["at-0700"] == datetime(2026, 8, 26, 7, 0, tzinfo=TZ)
        assert fire["at-0800"] == datetime(2026, 8, 26, 8, 0, tzinfo=TZ)
        assert fire["at-0800"].astimezone(UTC) == datetime(2026, 8, 26, 1, 0, tzinfo=UTC)
        assert fire["at-1700"] == datetime(2026, 8, 26, 17, 0, tzinfo=TZ)
    finally:
        wiring.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)   # the shutdown is queued on the loop


async def test_starting_catches_up_on_what_fell_due_while_down(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    c.world.clock.set(at(26, 8, 9, 30))       # started 90 minutes after the 08:00 send time
    wiring = ReminderScheduler(c.reminders)
    await wiring.start()
    try:
        await c.reminders.settled()
        assert len(c.phones.of(lan)) == 1
    finally:
        await wiring.stop()
    assert not wiring.scheduler.running


# --- pacing ---------------------------------------------------------------------------------------

def busiest_second(stamps: list[float]) -> int:
    return max(sum(1 for s in stamps if t <= s < t + 1) for t in stamps)


async def test_the_token_bucket_never_goes_over_its_rate() -> None:
    vt = VirtualTime()
    bucket = TokenBucket(25, monotonic=vt.monotonic, sleep=vt.sleep)
    stamps = []
    for _ in range(200):
        await bucket.take()
        stamps.append(vt.now)
    assert busiest_second(stamps) <= 26
    assert stamps[-1] - stamps[0] == pytest.approx(199 / 25, rel=0.01)


async def test_a_broadcast_is_paced_and_never_bursts_into_one_chat(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=(PAPERWORK,), stale_days=0, digest_time=None)
    mtu01 = await units.by_code(c.db, "MTU01")
    assert mtu01 is not None
    async with c.db.transaction():
        for i in range(120):
            await users.create(c.db, "test", str(1000 + i), f"TNV {i}", "volunteer", mtu01.id, "vi",
                               c.world.app.ctx.stamp())
    stamps: dict[str, list[float]] = {}
    phones = c.phones

    async def send(channel: str, external_id: str, reply: Reply) -> str:
        stamps.setdefault(external_id, []).append(c.vt.now)
        return await Phones.send(phones, channel, external_id, reply)

    phones.send = send  # type: ignore[method-assign]
    # On a virtual clock a sleep moves every sender's time at once, so one send at a time keeps the
    # recorded moments true; the end-to-end tests below run eight at a time on real time.
    c.reminders.in_flight = 1
    report = await c.run_at(at(4, 9))
    assert report.sent == 120 and all(len(s) == 1 for s in stamps.values())
    every = sorted(s for v in stamps.values() for s in v)
    # The configured pace, plus at most the bucket's small burst: always under Telegram's 30.
    assert busiest_second(every) <= c.world.app.settings.reminders.rate_per_second + 3 < 30
    # A second run minutes later (the sweep) must not burst into a chat reached a moment ago.
    assert (await c.run_at(at(4, 9, 8, 5))).sent == 0


async def test_people_on_other_channels_are_reached_through_the_app() -> None:
    class Phone:
        """A running channel as the registry sees it: a name and what reached people on it."""

        def __init__(self, name: str) -> None:
            self.name = name
            self.got: list[tuple[str, str]] = []

        async def start(self) -> None: ...

        async def stop(self) -> None: ...

        async def send(self, person: str, reply: Reply) -> Outcome:
            self.got.append((person, reply.text))
            return "sent"

    telegram, zalo = Phone("telegram"), Phone("zalo")
    sender = Channels()
    sender.add(telegram)
    sender.add(zalo)
    assert await sender.send("telegram", "1", Reply("a")) == "sent" and telegram.got == [("1", "a")]
    assert await sender.send("zalo", "2", Reply("b")) == "sent" and zalo.got == [("2", "b")]
    # No such channel running says nothing about the person: a failure, nobody marked as blocked.
    assert await sender.send("sms", "3", Reply("c")) == "failed"
    sender.remove(zalo)
    assert await sender.send("zalo", "2", Reply("d")) == "failed" and zalo.got == [("2", "b")]


# --- through Telegram -----------------------------------------------------------------------------

@dataclass
class Live:
    emu: BotApiEmulator
    app: App
    channel: TelegramChannel
    reminders: Reminders
    clock: FixedClock


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp_path)
        app = world.app
        settings = replace(app.settings, telegram=TelegramSettings(
            token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url),
            campaign=replace(app.settings.campaign, deadlines=(PAPERWORK,)),
            reminders=replace(app.settings.reminders, stale_days=0, digest_time=None))
        app.settings = settings
        app.ctx.settings = settings
        channel = TelegramChannel(app, Tuning(album_wait=0.3, poll_timeout=1))
        await channel.start_polling()
        reminders = Reminders(app.ctx, app.channels)
        try:
            yield Live(emu, app, channel, reminders, world.clock)
        finally:
            await reminders.stop()
            await channel.stop()
            await app.close()


async def enrol(live: Live, count: int, first_id: int = 7000) -> list[int]:
    """People already registered (as an import or earlier /start would leave them)."""
    unit = await units.by_code(live.app.db, "MTU01")
    assert unit is not None
    ids = list(range(first_id, first_id + count))
    async with live.app.db.transaction():
        for uid in ids:
            await users.create(live.app.db, "telegram", str(uid), f"TNV {uid}", "volunteer", unit.id, "vi",
                               live.app.ctx.stamp())
    for uid in ids:
        live.emu.user(uid, first_name=f"TNV {uid}")
    return ids


async def test_reminders_through_telegram_within_its_limits(live: Live) -> None:
    emu = live.emu
    emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
    ids = await enrol(live, 40)
    blocked, flooded = ids[3], ids[5]
    emu.block(blocked, notify=False)
    emu.fail_next("sendMessage", 1, status=429, retry_after=0.2)   # the first send meets flood control
    live.clock.set(at(4, 9))
    report = await live.reminders.run_due(live.clock.now())

    delivered = {uid: [s.plain for s in emu.sent_to(uid, "sendMessage")] for uid in ids}
    assert all(len(texts) == 1 for uid, texts in delivered.items() if uid != blocked)
    assert delivered[blocked] == [] and "Hạn chót 07/9, còn 3 ngày." in delivered[flooded][0]
    assert report.sent == 39 and report.blocked == 1 and report.failed == 0
    assert emu.stats.too_many_requests == 1          # waited out, then delivered once
    assert await store.states(live.app.db, "deadline:") == {"sent": 39, "blocked": 1}
    person = await users.find(live.app.db, "telegram", str(blocked))
    assert person is not None and person.status == "blocked"
    again = await live.reminders.run_due(at(4, 9, 8, 10))
    assert again.sent == 0 and emu.calls["sendMessage"] == 40 + 1   # nothing resent, blocked not retried


async def test_a_volunteer_gets_answers_while_a_broadcast_runs(live: Live) -> None:
    emu = live.emu
    emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
    ids = await enrol(live, 50)
    asker = emu.user(ids[-1])
    live.clock.set(at(4, 9))
    broadcast = asyncio.create_task(live.reminders.run_due(live.clock.now()))
    await emu.wait_for(lambda: len(emu.sent) >= 5, what="the broadcast to start")
    asker.send_text("/nhacnho")
    await emu.wait_for(lambda: any("Nhắc nhở bạn sẽ nhận" in s.plain for s in asker.messages),
                       timeout=5, what="the answer to /nhacnho")
    # Answered while the broadcast was still going: it did not wait behind 50 reminders.
    assert not broadcast.done()
    report = await broadcast
    assert report.sent == 50
