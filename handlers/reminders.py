"""What a person will be reminded of and when, and pausing or resuming nudges (/nhacnho).

When each reminder falls due is pure arithmetic (settings and an aware `now` in, datetimes out), so
bot/scheduler.py can decide what is due with any clock; what it says is handlers/reminder_texts.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from handlers.figures import day_month, when_text

# bot/scheduler.py reads the composing from here too, as rules.compose and the rest.
from handlers.reminder_texts import Composed as Composed
from handlers.reminder_texts import compose as compose
from handlers.reminder_texts import join_messages as join_messages
from handlers.settings import Deadline, Settings
from handlers.turn import Command, Turn
from handlers.types import Reply
from storage import reminders as store
from storage.reminders import Recipient
from storage.textfold import fold

# --- one person, one copy -------------------------------------------------------------------------

def by_person(people: Iterable[Recipient]) -> list[list[Recipient]]:
    """Accounts of one person (linked with /lienket) that share a role and a unit would be told the
    same thing: they form one group. Unlinked accounts are groups of one."""
    groups: dict[tuple[int, str, int], list[Recipient]] = {}
    for p in people:
        groups.setdefault((p.person or p.user_id, p.role, p.unit_id), []).append(p)
    return list(groups.values())


def last_used(group: list[Recipient]) -> Recipient:
    """The account of a group the person wrote from last; a pause on any of them holds for the group."""
    chosen = max(group, key=lambda p: (p.last_seen, p.user_id))
    return replace(chosen, paused=any(p.paused for p in group))


def one_per_person(people: Iterable[Recipient]) -> list[Recipient]:
    return sorted((last_used(g) for g in by_person(people)), key=lambda p: p.user_id)


# --- when things fall due -------------------------------------------------------------------------

@dataclass(frozen=True)
class Occasion:
    """One scheduled moment: a deadline's offset, a day's digest, a day's stale-work check."""

    key: str
    kind: str                      # deadline | digest | stale
    at: datetime                   # aware, in the campaign's zone
    valid_until: datetime          # after this the message says nothing useful any more
    deadline: Deadline | None = None
    offset: int | None = None

    @property
    def local_day(self) -> date:
        return self.at.date()


def local(settings: Settings, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=settings.campaign.timezone)


def deadline_topic(deadline: Deadline) -> str:
    return f"deadline:{deadline.name}"


def deadline_occasions(settings: Settings) -> list[Occasion]:
    out = []
    for d in settings.campaign.deadlines:
        end = local(settings, d.date + timedelta(days=1), time(0, 0))
        for offset in d.offsets:
            at = local(settings, d.date - timedelta(days=offset), d.at)
            out.append(Occasion(f"deadline:{d.name}:{d.date.isoformat()}:{offset}", "deadline", at, end,
                                deadline=d, offset=offset))
    return out


def daily_occasions(settings: Settings, day: date) -> list[Occasion]:
    rs = settings.reminders
    out = []
    if rs.digest_time is not None:
        at = local(settings, day, rs.digest_time)
        out.append(Occasion(f"digest:{day.isoformat()}", "digest", at, at + timedelta(days=1)))
    if rs.stale_days > 0:
        at = local(settings, day, rs.stale_time)
        out.append(Occasion(f"stale:{day.isoformat()}", "stale", at, at + timedelta(days=1)))
    return out


def occasions_until(settings: Settings, now: datetime) -> list[Occasion]:
    """Every deadline occasion up to now, and the daily ones of yesterday and today, by time."""
    today = now.astimezone(settings.campaign.timezone).date()
    found = [o for o in deadline_occasions(settings) if o.at <= now]
    for day in (today - timedelta(days=1), today):
        found += [o for o in daily_occasions(settings, day) if o.at <= now]
    return sorted(found, key=lambda o: (o.at, o.key))


def next_reminder(settings: Settings, deadline: Deadline, now: datetime) -> datetime | None:
    times = [o.at for o in deadline_occasions(settings) if o.deadline == deadline and o.at > now]
    return min(times, default=None)


def in_quiet_hours(settings: Settings, moment: datetime) -> bool:
    rs = settings.reminders
    now = moment.astimezone(settings.campaign.timezone).time()
    if rs.quiet_start == rs.quiet_end:
        return False
    if rs.quiet_start < rs.quiet_end:
        return rs.quiet_start <= now < rs.quiet_end
    return now >= rs.quiet_start or now < rs.quiet_end  # the night wraps past midnight


def quiet_hours_end(settings: Settings, moment: datetime) -> datetime:
    """The first end of quiet hours after this moment."""
    moment = moment.astimezone(settings.campaign.timezone)
    end = local(settings, moment.date(), settings.reminders.quiet_end)
    return end if end > moment else local(settings, moment.date() + timedelta(days=1),
                                          settings.reminders.quiet_end)

# --- /nhacnho -------------------------------------------------------------------------------------

_PAUSE_WORDS = {"tat", "off", "pause", "tam dung", "dung", "stop"}
_RESUME_WORDS = {"bat", "on", "resume", "tiep tuc", "mo", "start"}


async def show(turn: Turn) -> list[Reply]:
    """/nhacnho [tắt|bật]: what the person will receive, or pause / resume."""
    word = fold(turn.inc.args)
    if word in _PAUSE_WORDS:
        return await pause(turn)
    if word in _RESUME_WORDS:
        return await resume(turn)
    if word:
        return [Reply(turn.t("rem_bad_arg", arg=turn.inc.args[:40]))]
    ctx, user = turn.ctx, turn.user
    settings, now = ctx.settings, ctx.now()
    rs = settings.reminders
    role = "officers" if user.is_officer else "volunteers"
    lines = [turn.t("rem_view_head")]
    today = now.astimezone(settings.campaign.timezone).date()
    mine = [d for d in settings.campaign.deadlines if role in d.audience and d.date >= today]
    for d in sorted(mine, key=lambda d: d.date):
        upcoming = next_reminder(settings, d, now)
        if upcoming is None:
            lines.append(turn.t("rem_view_deadline_done", name=d.name, date=day_month(d.date)))
        else:
            lines.append(turn.t("rem_view_deadline", name=d.name, date=day_month(d.date),
                                next=when_text(upcoming)))
    if not mine:
        lines.append(turn.t("rem_view_no_deadline"))
    if user.is_officer and rs.digest_time is not None:
        lines.append(turn.t("rem_view_digest", time=rs.digest_time.strftime("%H:%M")))
    if rs.stale_days > 0:
        lines.append(turn.t("rem_view_stale", days=rs.stale_days, time=rs.stale_time.strftime("%H:%M")))
    if not user.is_officer and any(d.stage is not None for d in mine):
        lines.append(turn.t("rem_view_volunteer_rule"))
    if rs.quiet_start != rs.quiet_end:
        lines.append(turn.t("rem_view_quiet", start=rs.quiet_start.strftime("%H:%M"),
                            end=rs.quiet_end.strftime("%H:%M")))
    paused = await store.is_paused(ctx.db, user.id)
    lines.append(turn.t("rem_view_paused" if paused else "rem_view_active"))
    if user.is_officer:
        lines.append(turn.t("rem_view_officer_note"))
    return [Reply("\n".join(lines))]


async def pause(turn: Turn) -> list[Reply]:
    if await store.is_paused(turn.ctx.db, turn.user.id):
        return [Reply(turn.t("rem_already_paused"))]
    await store.set_paused(turn.ctx.db, turn.user.id, True, turn.ctx.stamp())
    return [Reply(turn.t("rem_paused_officer" if turn.user.is_officer else "rem_paused"))]


async def resume(turn: Turn) -> list[Reply]:
    if not await store.is_paused(turn.ctx.db, turn.user.id):
        return [Reply(turn.t("rem_already_active"))]
    await store.set_paused(turn.ctx.db, turn.user.id, False, turn.ctx.stamp())
    return [Reply(turn.t("rem_resumed"))]


COMMANDS: list[Command] = [
    Command(("nhacnho", "reminders"), show,
            menu=("Nhắc nhở: xem, tạm dừng, nhận lại", "Reminders: see, pause, resume")),
    # Bare commands, so the hint inside a reminder is one tap in Telegram and plain text elsewhere.
    Command(("nhacnho_tat", "reminders_off"), pause),
    Command(("nhacnho_bat", "reminders_on"), resume),
]
