"""Deadline reminders, stale-work nudges and digests, as the people who get them would notice.

Real SQLite file, real handler core; time comes from a FixedClock the tests move across days,
restarts and zones, and the broadcast pacing runs on a virtual clock, so nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.scheduler import Outcome, Reminders, RunReport
from handlers.settings import CampaignSettings, Deadline, RemindersSettings
from handlers.types import Reply
from storage import houses, units, users
from storage import reminders as store
from storage.db import Database
from tests.images import jpeg
from tests.world import TZ, Person, World, build_world

NATIONAL_DAY = Deadline(
    name="Hoàn thành, bàn giao chào mừng Quốc khánh 02/9", date=date(2026, 9, 2), stage=3,
    about="Hoàn thành và bàn giao toàn bộ nhà trước Quốc khánh", audience=("officers", "volunteers"),
    offsets=(30, 14, 7, 3, 1, 0), at=time(8, 0),
)
COMMENDATION = Deadline(
    name="Nộp hồ sơ đề nghị khen thưởng", date=date(2026, 11, 20), stage=None,
    about="Hồ sơ khen thưởng tập thể, cá nhân gửi Ban Chỉ đạo tỉnh", audience=("officers",),
    offsets=(14, 7, 3, 1), at=time(8, 0),
)


def at(day: int, month: int, hour: int = 8, minute: int = 0, tz: ZoneInfo = TZ) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


@dataclass
class Phones:
    """Every person's phone: what reached it. Also plays the channel's answers."""

    got: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, Outcome] = field(default_factory=dict)
    hang_on_send: int | None = None    # the n-th send (1-based) never comes back
    stuck: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0

    async def send(self, channel: str, external_id: str, reply: Reply) -> Outcome:
        self.calls += 1
        if self.hang_on_send is not None and self.calls >= self.hang_on_send:
            self.stuck.set()
            await asyncio.Event().wait()
        outcome = self.answers.get(external_id, "sent")
        if outcome == "sent":
            self.got.setdefault(external_id, []).append(reply.text)
        return outcome

    def of(self, person: Person) -> list[str]:
        return self.got.get(person.user_id, [])

    def total(self) -> int:
        return sum(len(v) for v in self.got.values())


@dataclass
class VirtualTime:
    """Monotonic seconds that pass only when the bot sleeps: pacing is measured, never waited."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Campaign:
    world: World
    phones: Phones
    vt: VirtualTime
    tmp: Path
    reminders: Reminders = field(init=False)

    def __post_init__(self) -> None:
        self.reminders = self._reminders()

    def _reminders(self) -> Reminders:
        return Reminders(self.world.app.ctx, self.phones, monotonic=self.vt.monotonic, sleep=self.vt.sleep)

    @property
    def db(self) -> Database:
        return self.world.app.db

    async def run_at(self, when: datetime) -> RunReport:
        self.world.clock.set(when)
        return await self.reminders.run_due(self.world.clock.now())

    async def crash_during_send(self, when: datetime, send: int) -> None:
        """Run at `when` and kill the process while its `send`-th message is on the way."""
        self.reminders.in_flight = 1   # one send at a time, so "the n-th" is well defined
        self.phones.hang_on_send = send
        run = asyncio.create_task(self.run_at(when))
        await asyncio.wait_for(self.phones.stuck.wait(), 5)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        self.phones.hang_on_send = None
        self.phones.stuck.clear()

    def configure(self, **changes: object) -> None:
        """Edit the settings as a new config file would (applied now: use restart() to mimic one)."""
        app = self.world.app
        campaign = app.settings.campaign
        reminders = app.settings.reminders
        c_changes = {k: v for k, v in changes.items() if k in CampaignSettings.__dataclass_fields__}
        r_changes = {k: v for k, v in changes.items() if k in RemindersSettings.__dataclass_fields__}
        settings = replace(app.settings, campaign=replace(campaign, **c_changes),
                           reminders=replace(reminders, **r_changes))
        app.settings = settings
        app.ctx.settings = settings

    async def restart(self, **changes: object) -> None:
        """Stop the process (nothing in memory survives), reopen the same database file."""
        settings = self.world.app.settings
        await self.world.app.close()
        self.world.app = await App.open(settings, clock=self.world.clock,
                                        database=self.world.target(self.tmp), media_dir=self.tmp / "media")
        if changes:
            self.configure(**changes)
        self.reminders = self._reminders()
        await self.reminders.recover()

    async def report(self, person: Person, code: str, stage_words: str, seed: int) -> None:
        photos = [jpeg(seed * 10 + i, size=(320, 240)) for i in range(2)]
        await person.photos(*photos, caption=f"{code} {stage_words}")
        assert "Đã nhận báo cáo" in person.text, person.text

    async def set_stage(self, code: str, stage: int) -> None:
        house = await self.world.house(code)
        async with self.db.transaction():
            await houses.set_stage(self.db, house.id, stage, self.world.app.ctx.stamp())

    async def status(self, person: Person) -> str:
        user = await users.find(self.db, "test", person.user_id)
        assert user is not None
        return user.status


@pytest.fixture
async def campaign(tmp_path: Path) -> AsyncIterator[Campaign]:
    world = await build_world(tmp_path)
    c = Campaign(world, Phones(), VirtualTime(), tmp_path)
    c.configure(deadlines=(NATIONAL_DAY, COMMENDATION))
    yield c
    await c.world.app.close()


async def volunteer(c: Campaign, user_id: str = "10", unit: str = "MTU01", name: str = "Lan") -> Person:
    return await c.world.person(user_id, unit, "volunteer", name)


async def officer(c: Campaign, user_id: str = "50", unit: str = "MTU", name: str = "Hùng") -> Person:
    return await c.world.person(user_id, unit, "officer", name)


# --- deadline reminders ---------------------------------------------------------------------------

async def test_volunteer_is_reminded_of_their_unfinished_houses_at_8_once(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.report(lan, "MH-003", "hoàn thành", 2)
    await c.report(lan, "MH-002", "bàn giao", 3)   # done: not listed

    await c.run_at(at(26, 8, 7, 59))
    assert c.phones.of(lan) == []
    await c.run_at(at(26, 8, 8, 0))
    [text] = c.phones.of(lan)
    assert "Hạn chót 02/9, còn 7 ngày" in text
    assert "MH-001 – Nguyễn Văn An: Khởi công / đang thi công" in text
    assert "MH-003 – Trần Thị Bình: Hoàn thành" in text
    assert "MH-002" not in text and "MH-004" not in text   # done, and never reported by her
    assert "/baocao" in text and "/nhacnho_tat" in text
    for minute in (1, 5, 30):
        await c.run_at(at(26, 8, 8, minute))
    assert len(c.phones.of(lan)) == 1


async def test_offsets_cross_a_month_boundary(campaign: Campaign) -> None:
    c = campaign
    october = Deadline(name="Báo cáo kết quả tháng 9", date=date(2026, 10, 2), stage=2, about="",
                       audience=("volunteers",), offsets=(3, 1, 0), at=time(8, 0))
    c.configure(deadlines=(october,))
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    day = at(28, 9, 12)
    seen = []
    while day < at(4, 10, 12):   # every hour from 28/9 to 4/10
        await c.run_at(day)
        if len(c.phones.of(lan)) > len(seen):
            seen.append((day.strftime("%d/%m %H:%M"), c.phones.of(lan)[-1].split("\n")[1]))
        day += timedelta(hours=1)
    assert seen == [("29/09 08:00", "Hạn chót 02/10, còn 3 ngày."),
                    ("01/10 08:00", "Hạn chót là ngày mai, 02/10."),
                    ("02/10 08:00", "Các nhà bạn báo cáo chưa hoàn thành:")]
    assert c.phones.of(lan)[-1].startswith("⏰ Hôm nay, 02/10, là hạn chót")


async def test_quiet_hours_hold_a_reminder_until_morning_across_the_month(campaign: Campaign) -> None:
    c = campaign
    evening = replace(NATIONAL_DAY, name="Nghiệm thu nhà", date=date(2026, 9, 1), offsets=(1,),
                      at=time(21, 30))
    c.configure(deadlines=(evening,))
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)

    report = await c.run_at(at(31, 8, 21, 30))
    assert report.held == 1 and c.phones.of(lan) == []
    await c.run_at(at(31, 8, 23, 59))
    await c.run_at(at(1, 9, 6, 59))
    assert c.phones.of(lan) == []
    await c.run_at(at(1, 9, 7, 0))
    [text] = c.phones.of(lan)
    # Composed when sent: by then the deadline is today.
    assert text.startswith("⏰ Hôm nay, 01/9, là hạn chót: Nghiệm thu nhà")


async def test_a_held_reminder_whose_deadline_passed_overnight_is_dropped(campaign: Campaign) -> None:
    c = campaign
    late = replace(NATIONAL_DAY, name="Nộp danh sách", date=date(2026, 8, 31), offsets=(0,), at=time(22, 0))
    c.configure(deadlines=(late,))
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(31, 8, 22, 0))
    report = await c.run_at(at(1, 9, 7, 0))
    assert c.phones.total() == 0 and report.skipped == 1


async def test_officer_gets_the_figures_of_their_area(campaign: Campaign) -> None:
    c = campaign
    hung = await officer(c)   # district Mỹ Tú: quota 40, commune Mỹ Hương 25
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "bàn giao", 1)
    await c.report(lan, "MH-002", "bàn giao", 2)
    await c.run_at(at(26, 8))
    [text] = c.phones.of(hung)
    lines = text.split("\n")
    assert lines[0] == "⏰ Nhắc hạn: Hoàn thành, bàn giao chào mừng Quốc khánh 02/9"
    assert "Huyện Mỹ Tú: còn 38/40 nhà chưa bàn giao." in lines
    # 38 houses in 7 days; 2 handed over in the last week.
    assert "Cần 5,4 nhà/ngày để kịp hạn; 7 ngày qua đạt 0,3 nhà/ngày." in lines
    assert "Chậm nhất: Xã Mỹ Hương còn 23/25." in lines
    assert "/nhacnho_tat" not in text   # an officer's deadline reminder cannot be paused


async def test_officer_of_a_unit_that_finished_everything_gets_no_nudge(campaign: Campaign) -> None:
    c = campaign
    async with c.db.transaction():
        await units.upsert(c.db, "MTU01", "Xã Mỹ Hương", "MTU", 4)   # four houses, all of them
    for code in ("MH-001", "MH-002", "MH-003", "MH-004"):
        await c.set_stage(code, 3)
    done = await officer(c, "51", "MTU01", "Tâm")
    behind = await officer(c, "52", "KSA01", "Sơn")
    await c.run_at(at(26, 8))
    assert c.phones.of(done) == []
    assert "Xã An Lạc Tây: còn 30/30 nhà chưa bàn giao." in c.phones.of(behind)[0]
    tam = await users.find(c.db, "test", done.user_id)
    assert tam is not None
    row = [r for r in await store.rows_of(c.db, tam.id) if r["kind"] == "deadline"]
    assert [(r["state"], r["reason"]) for r in row] == [("skipped", "nothing_left")]


async def test_volunteer_with_nothing_left_gets_no_nudge(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "bàn giao", 1)
    await c.run_at(at(26, 8))
    assert c.phones.total() == 0


async def test_a_volunteer_yet_to_report_hears_how_far_their_area_is(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "bàn giao", 1)
    minh = await volunteer(c, "11", name="Minh")       # never reported on any house
    await c.run_at(at(26, 8))
    [text] = c.phones.of(minh)
    # Mỹ Hương's quota is 25, one house handed over: the same figure /tiendo gives.
    assert "Xã Mỹ Hương: còn 24/25 nhà chưa bàn giao." in text
    assert "Bạn chưa báo cáo nhà nào" in text and "/baocao" in text
    assert "MH-00" not in text                        # no household is named to him
    assert c.phones.of(lan) == []


async def test_a_newcomer_in_an_area_that_is_done_gets_nothing(campaign: Campaign) -> None:
    c = campaign
    async with c.db.transaction():  # a commune with no quota: its two houses are its target
        await units.upsert(c.db, "KSA02", "Xã Phong Nẫm", "KSA", None)
        unit = await units.by_code(c.db, "KSA02")
        assert unit is not None
        for code in ("PN-001", "PN-002"):
            await houses.upsert(c.db, code, unit.id, "Hộ Phong Nẫm", "poor", "new", None, None, None)
    minh = await volunteer(c, "11", unit="KSA02", name="Minh")
    await c.set_stage("PN-001", 3)
    await c.run_at(at(26, 8))                          # 7 days before: one house left
    assert "Xã Phong Nẫm: còn 1/2 nhà chưa bàn giao." in c.phones.of(minh)[0]
    await c.set_stage("PN-002", 3)
    await c.run_at(at(30, 8))                          # 3 days before: the commune is done
    assert len(c.phones.of(minh)) == 1


async def test_paperwork_deadline_reminds_officers_only(campaign: Campaign) -> None:
    c = campaign
    hung = await officer(c)
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(6, 11))
    assert c.phones.of(lan) == []
    [text] = c.phones.of(hung)
    assert "Nộp hồ sơ đề nghị khen thưởng" in text and "Hạn chót 20/11, còn 14 ngày." in text
    assert "Hồ sơ khen thưởng tập thể" in text


async def test_english_speakers_get_english(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await lan.say("/language en")
    await lan.photos(jpeg(1, size=(320, 240)), caption="MH-001 started")
    await c.run_at(at(26, 8))
    [text] = c.phones.of(lan)
    assert "Due 02/9, 7 days left." in text and "MH-001 – Nguyễn Văn An: Started / under construction" in text
    assert "/reminders_off" in text


# --- once, on time --------------------------------------------------------------------------------

async def test_a_crash_between_two_sends_repeats_nothing(campaign: Campaign) -> None:
    c = campaign
    people = [await volunteer(c, str(10 + i), name=f"TNV {i}") for i in range(3)]
    for i, p in enumerate(people):
        await c.report(p, f"MH-00{i + 1}", "khởi công", i + 1)
    await c.crash_during_send(at(26, 8), send=2)
    assert [len(c.phones.of(p)) for p in people] == [1, 0, 0]
    await c.restart()
    await c.run_at(at(26, 8, 8, 1))
    # The first is not sent again; the one cut off mid-send is not risked twice; the third goes.
    assert [len(c.phones.of(p)) for p in people] == [1, 0, 1]
    states = await store.states(c.db, "deadline:")
    assert states == {"sent": 2, "failed": 1}


async def test_a_restart_between_two_reminders_keeps_the_next_on_time(campaign: Campaign) -> None:
    c = campaign
    c.configure(stale_days=0)
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8))
    await c.restart()
    await c.run_at(at(26, 8, 9))
    await c.restart()
    for day in (27, 28, 29):
        await c.run_at(at(day, 8))
    await c.run_at(at(30, 8))
    texts = c.phones.of(lan)
    assert len(texts) == 2
    assert "còn 7 ngày" in texts[0] and "còn 3 ngày" in texts[1]


async def test_downtime_within_the_grace_period_sends_late_once(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8, 6, 0))            # the last run before the bot went down
    await c.restart()
    report = await c.run_at(at(26, 8, 15, 0))  # back seven hours after the send time
    assert report.sent == 1 and len(c.phones.of(lan)) == 1
    await c.run_at(at(26, 8, 15, 5))
    assert len(c.phones.of(lan)) == 1


async def test_downtime_past_the_grace_period_skips_what_is_stale(campaign: Campaign) -> None:
    c = campaign
    c.configure(grace_hours=2)
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8, 6, 0))
    await c.restart()
    report = await c.run_at(at(26, 8, 15, 0))
    assert report.missed >= 1 and c.phones.of(lan) == []
    occasion = await store.occasion(c.db, f"deadline:{NATIONAL_DAY.name}:2026-09-02:7")
    assert occasion is not None and occasion["outcome"] == "missed"
    await c.run_at(at(30, 8))                  # the next one comes as planned
    [text] = c.phones.of(lan)
    assert "còn 3 ngày" in text


async def test_what_was_left_open_by_a_long_outage_expires(campaign: Campaign) -> None:
    c = campaign
    c.configure(stale_days=0)
    people = [await volunteer(c, str(10 + i), name=f"TNV {i}") for i in range(3)]
    for i, p in enumerate(people):
        await c.report(p, f"MH-00{i + 1}", "khởi công", i + 1)
    # Planned at 08:00, then the bot died before anything arrived.
    await c.crash_during_send(at(26, 8), send=1)
    await c.restart()
    report = await c.run_at(at(27, 8, 9))   # back 25 hours later: yesterday's news
    assert c.phones.total() == 0 and report.skipped == 2
    assert await store.states(c.db, "deadline:") == {"failed": 1, "skipped": 2}


async def test_a_blocked_user_is_marked_and_skipped_next_time(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    minh = await volunteer(c, "11", name="Minh")
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.report(minh, "MH-002", "khởi công", 2)
    c.phones.answers[lan.user_id] = "blocked"
    report = await c.run_at(at(26, 8))
    assert report.blocked == 1 and report.sent == 1
    assert await c.status(lan) == "blocked"
    calls = c.phones.calls
    await c.run_at(at(30, 8))
    assert c.phones.calls == calls + 1     # only Minh: nothing is even tried for Lan
    assert len(c.phones.of(minh)) == 2
    # Writing to the bot again means they unblocked it: reminders resume.
    await lan.say("/nhacnho")
    del c.phones.answers[lan.user_id]
    await c.run_at(at(1, 9))
    assert len(c.phones.of(lan)) == 1 and "ngày mai" in c.phones.of(lan)[0]


async def test_a_failed_send_is_recorded_and_not_retried(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    c.phones.answers[lan.user_id] = "failed"
    report = await c.run_at(at(26, 8))
    assert report.failed == 1
    del c.phones.answers[lan.user_id]
    await c.run_at(at(26, 8, 8, 10))
    assert c.phones.of(lan) == [] and c.phones.calls == 1


async def test_a_rate_limited_send_is_not_counted_and_goes_later(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    c.phones.answers[lan.user_id] = "retry"
    report = await c.run_at(at(26, 8))
    assert report.retry == 1 and report.sent == 0
    assert await store.states(c.db, "deadline:") == {"pending": 1}
    del c.phones.answers[lan.user_id]
    await c.run_at(at(26, 8, 8, 5))
    assert len(c.phones.of(lan)) == 1


async def test_a_deadline_moved_in_the_config_reminds_nobody_twice(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8))
    assert "còn 7 ngày" in c.phones.of(lan)[0]
    # The province moves the date a week later; the bot is restarted with the new config at 10:00.
    # Fourteen days before 09/9 is today 08:00, still within the grace period: not a second message.
    moved = replace(NATIONAL_DAY, date=date(2026, 9, 9))
    await c.restart(deadlines=(moved, COMMENDATION))
    await c.run_at(at(26, 8, 10))
    assert len(c.phones.of(lan)) == 1
    for day, month in ((30, 8), (1, 9), (2, 9)):   # the old date's 3, 1 and 0 days: nothing
        await c.run_at(at(day, month))
    assert len(c.phones.of(lan)) == 2               # 02/9 is 7 days before the new date
    assert "Hạn chót 09/9, còn 7 ngày." in c.phones.of(lan)[1]


async def test_a_reminder_planned_for_the_old_date_is_not_sent_after_the_change(campaign: Campaign) -> None:
    c = campaign
    evening = replace(NATIONAL_DAY, offsets=(7,), at=time(22, 0))
    c.configure(deadlines=(evening,))
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8, 22, 0))    # held for the night
    await c.restart(deadlines=(replace(evening, date=date(2026, 9, 30)),))
    report = await c.run_at(at(27, 8, 7, 0))
    assert c.phones.of(lan) == [] and report.skipped == 1


async def test_the_campaign_time_zone_decides_when_8_00_is(campaign: Campaign) -> None:
    c = campaign
    tokyo = ZoneInfo("Asia/Tokyo")
    c.configure(timezone=tokyo)
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(datetime(2026, 8, 25, 22, 59, tzinfo=UTC))   # 07:59 in Tokyo, 05:59 in Hà Nội
    assert c.phones.of(lan) == []
    await c.run_at(datetime(2026, 8, 25, 23, 0, tzinfo=UTC))    # 08:00 on 26/8 in Tokyo
    assert "còn 7 ngày" in c.phones.of(lan)[0]


# --- stale work and digests -----------------------------------------------------------------------

async def test_a_house_without_news_for_a_week_nudges_its_last_reporter(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=())
    lan = await volunteer(c)
    minh = await volunteer(c, "11", name="Minh")
    await c.report(lan, "MH-001", "khởi công", 1)    # 20/8
    await c.report(minh, "MH-003", "khởi công", 2)
    c.world.clock.set(at(23, 8, 10))
    await c.report(minh, "MH-003", "khởi công", 3)   # Minh keeps his house up to date
    await c.run_at(at(26, 8))
    assert c.phones.total() == 0
    await c.run_at(at(27, 8))
    [text] = c.phones.of(lan)
    assert "MH-001 – Nguyễn Văn An: 7 ngày, báo cáo gần nhất 20/8" in text
    assert c.phones.of(minh) == []
    for day in range(28, 32):
        await c.run_at(at(day, 8))
    assert len(c.phones.of(lan)) == 1                # not every day
    await c.run_at(at(3, 9))
    assert len(c.phones.of(lan)) == 2 and "14 ngày" in c.phones.of(lan)[1]


async def test_a_report_before_the_nudge_goes_cancels_it(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=(), stale_time=time(21, 0))   # due at the start of quiet hours: held
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(27, 8, 21, 0))
    c.world.clock.set(at(27, 8, 22, 0))
    await c.report(lan, "MH-001", "hoàn thành", 2)
    await c.run_at(at(28, 8, 7, 0))
    assert c.phones.of(lan) == []


async def test_one_message_when_several_things_are_due_together(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    c.world.clock.set(at(19, 8, 9))
    await c.report(lan, "MH-001", "khởi công", 1)
    # 26/8 08:00: seven days before 02/9, and seven days without news of MH-001.
    await c.run_at(at(26, 8))
    [text] = c.phones.of(lan)
    assert "còn 7 ngày" in text and "MH-001 – Nguyễn Văn An: 7 ngày, báo cáo gần nhất 19/8" in text
    assert text.count("/nhacnho_tat") == 1


async def test_officers_daily_digest(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=())
    hung = await officer(c)
    other = await officer(c, "53", "KSA", "Bảo")
    lan = await volunteer(c)
    c.world.clock.set(at(26, 8, 10))
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.report(lan, "MH-002", "hoàn thành", 2)
    await c.run_at(at(26, 8, 17))
    [text] = c.phones.of(hung)
    assert text.startswith("📋 Tổng hợp ngày 26/8 – Huyện Mỹ Tú")
    assert "Báo cáo mới trong 24 giờ qua: 2 (khởi công 1, hoàn thành 1)." in text
    assert "Không có báo cáo nào chờ duyệt." in text
    assert c.phones.of(other) == []    # nothing happened in Kế Sách: no digest
    await c.run_at(at(27, 8, 17))
    assert len(c.phones.of(hung)) == 1


async def test_the_digest_counts_reports_waiting_and_flagged_oldest_first(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=())
    hung = await officer(c)
    lan = await volunteer(c)
    c.world.clock.set(at(26, 8, 10))
    await c.report(lan, "MH-001", "hoàn thành", 2)
    c.world.clock.set(at(26, 8, 11))
    await c.report(lan, "MH-002", "hoàn thành", 2)  # the same photos on another house: flagged
    await c.run_at(at(26, 8, 17))
    [text] = c.phones.of(hung)
    assert "Chờ duyệt: 1 báo cáo, 1 có cảnh báo; cũ nhất: số 2 lúc 11:00 26/08/2026 (/duyet)." in text


# --- /nhacnho ---------------------------------------------------------------------------------------

async def test_nhacnho_shows_what_is_coming(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    c.world.clock.set(at(26, 8, 9))
    await lan.say("/nhacnho")
    text = lan.text
    assert "Hoàn thành, bàn giao chào mừng Quốc khánh 02/9: hạn 02/9, lần nhắc tới 08:00 30/8." in text
    assert "khen thưởng" not in text          # an officers' deadline
    assert "Giờ yên lặng 21:00–07:00" in text
    assert "7 ngày" in text and "/nhacnho_tat" in text
    hung = await officer(c)
    await hung.say("/reminders")
    assert "Nộp hồ sơ đề nghị khen thưởng: hạn 20/11, lần nhắc tới 08:00 06/11." in hung.text
    assert "Tổng hợp hằng ngày lúc 17:00" in hung.text and "không tạm dừng được" in hung.text


async def test_a_volunteer_who_pauses_gets_nothing_until_they_resume(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    await lan.say("/nhacnho_tat")
    assert "Đã tạm dừng nhắc nhở" in lan.text
    await lan.say("/nhacnho tắt")
    assert "đã đang tạm dừng" in lan.text
    await c.run_at(at(26, 8))
    await c.run_at(at(27, 8))   # the stale-work nudge too
    assert c.phones.of(lan) == []
    await lan.say("/nhacnho")
    assert "Bạn đã tạm dừng nhắc nhở" in lan.text
    await lan.say("/nhacnho bat")
    assert "Bạn sẽ nhận lại nhắc nhở" in lan.text
    await c.run_at(at(30, 8))
    assert len(c.phones.of(lan)) == 1


async def test_an_officer_who_pauses_still_gets_deadline_reminders(campaign: Campaign) -> None:
    c = campaign
    hung = await officer(c)
    lan = await volunteer(c)
    await hung.say("/reminders_off")
    assert "Nhắc hạn gửi cán bộ phụ trách vẫn đến" in hung.text
    c.world.clock.set(at(26, 8, 7))
    await c.report(lan, "MH-001", "khởi công", 1)
    await c.run_at(at(26, 8, 8))
    await c.run_at(at(26, 8, 17))
    [text] = c.phones.of(hung)
    assert text.startswith("⏰ Nhắc hạn")   # the deadline, not the digest


async def test_nhacnho_with_a_word_it_does_not_know(campaign: Campaign) -> None:
    lan = await volunteer(campaign)
    await lan.say("/nhacnho ngay mai")
    assert "Không hiểu “ngay mai”" in lan.text


# --- one person on two channels ---------------------------------------------------------------------

async def linked_on_zalo(c: Campaign, person: Person, zalo_id: str) -> Person:
    """The same person's Zalo account, joined with a /lienket code made on their first account."""
    await person.say("/lienket")
    code = person.text.split("Mã liên kết: ")[1].split()[0]
    other = Person(c.world, zalo_id, person.name, channel="zalo")
    await other.say(f"/lienket {code}")
    assert "đã được liên kết" in other.text, other.text
    return other


async def test_a_person_on_two_channels_is_reminded_once_where_they_wrote_last(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    hung = await officer(c)
    await c.report(lan, "MH-001", "khởi công", 1)        # from her first account
    lan_zalo = await linked_on_zalo(c, lan, "z10")
    hung_zalo = await linked_on_zalo(c, hung, "z50")
    c.world.clock.set(at(21, 8, 9))
    await c.report(lan_zalo, "MH-003", "khởi công", 2)   # she has moved to Zalo
    await hung.say("/tiendo")                            # he still writes from his first account

    await c.run_at(at(26, 8))
    assert c.phones.of(lan) == [] and c.phones.of(hung_zalo) == []
    [to_lan] = c.phones.of(lan_zalo)
    # The houses she reported from either account.
    assert "MH-001 – Nguyễn Văn An" in to_lan and "MH-003 – Trần Thị Bình" in to_lan
    [to_hung] = c.phones.of(hung)
    assert "Huyện Mỹ Tú: còn 40/40 nhà chưa bàn giao." in to_hung


async def test_a_pause_on_either_account_holds_for_the_person(campaign: Campaign) -> None:
    c = campaign
    lan = await volunteer(c)
    await c.report(lan, "MH-001", "khởi công", 1)
    lan_zalo = await linked_on_zalo(c, lan, "z10")
    await lan.say("/nhacnho_tat")
    c.world.clock.set(at(21, 8, 9))
    await c.report(lan_zalo, "MH-003", "khởi công", 2)   # the account used last never paused
    await c.run_at(at(26, 8))
    await c.run_at(at(27, 8))          # seven days without news of MH-001 either
    assert c.phones.total() == 0


async def test_a_stale_nudge_reaches_the_person_once_with_both_accounts_houses(campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=())
    lan = await volunteer(c)
    lan_zalo = await linked_on_zalo(c, lan, "z10")
    await c.report(lan, "MH-001", "khởi công", 1)        # 20/8, from each account
    await c.report(lan_zalo, "MH-003", "khởi công", 2)
    await c.run_at(at(27, 8))
    assert c.phones.of(lan) == []
    [text] = c.phones.of(lan_zalo)
    assert "MH-001 – Nguyễn Văn An: 7 ngày" in text and "MH-003 – Trần Thị Bình: 7 ngày" in text
