"""What a person will be reminded of, and pausing or resuming nudges.

Also what a reminder says and when each one falls due: the arithmetic here is pure (settings and an
aware `now` in, datetimes out), so bot/scheduler.py can decide what is due with any clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers.catalog import GOALS, STAGES, label, t
from handlers.context import Context
from handlers.figures import PACE_DAYS, num, pace_since
from handlers.settings import Deadline, Settings
from handlers.turn import Command, Turn
from handlers.types import Reply
from storage import progress, units
from storage import reminders as store
from storage.codes import Stage
from storage.reminders import Item, Recipient
from storage.textfold import fold
from storage.times import from_db

HOUSES_LISTED = 15       # a volunteer's reminder lists at most this many houses
BEHIND_LISTED = 3        # sub-units named as most behind


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


# --- how dates read -------------------------------------------------------------------------------

def day_month(d: date) -> str:
    """02/9, as plans and people write it."""
    return f"{d.day:02d}/{d.month}"


def when_text(moment: datetime) -> str:
    """08:00 26/8."""
    return f"{moment:%H:%M} {day_month(moment.date())}"


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


# --- what a reminder says -------------------------------------------------------------------------

@dataclass(frozen=True)
class Composed:
    """The text to send, or why nothing is sent."""

    text: str | None
    reason: str | None = None
    pausable: bool = True


@dataclass(frozen=True)
class Figures:
    """An officer's area against a deadline's stage."""

    unit_name: str
    target: int            # houses that must reach the stage: the quota, else the houses listed
    done: int              # houses that have
    done_last_week: int    # houses that got there in the last 7 days
    behind: list[tuple[str, int, int]]  # sub-units: (name, houses left, target), most behind first

    @property
    def left(self) -> int:
        return max(0, self.target - self.done)


def _target(node: progress.Node) -> int:
    return node.quota if node.quota is not None else node.tally.registered


async def officer_figures(ctx: Context, unit_id: int, stage: int, now: datetime) -> Figures:
    """From storage.progress, the same rollup /tiendo shows, so a reminder never disagrees with it."""
    unit = await units.get(ctx.db, unit_id)
    assert unit is not None
    data = await progress.rollup(ctx.db, unit, stage, pace_since(now), PACE_DAYS)
    behind = []
    for child in data.children:
        target, done = _target(child), child.tally.reached(stage)
        if target > done:
            behind.append((child.unit.name, target - done, target))
    behind.sort(key=lambda b: (-b[1] / b[2], -b[1], b[0]))
    node = data.node
    return Figures(unit.name, _target(node), node.tally.reached(stage), node.recent,
                   behind[:BEHIND_LISTED])


async def compose(ctx: Context, item: Item, person: Recipient, now: datetime) -> Composed:
    if item.kind == "deadline":
        return await _compose_deadline(ctx, item, person, now)
    if person.paused:
        return Composed(None, "paused")
    if item.kind == "digest":
        return await _compose_digest(ctx, item, person, now)
    if item.kind == "stale":
        return await _compose_stale(ctx, item, person, now)
    return Composed(None, "unknown_kind")


def _find_deadline(ctx: Context, payload: dict[str, Any]) -> Deadline | None:
    for d in ctx.settings.campaign.deadlines:
        if d.name == payload["deadline"]:
            if d.date.isoformat() == payload["date"] and payload["offset"] in d.offsets:
                return d
            return None
    return None


def _deadline_head(lang: str, d: Deadline, days: int) -> str:
    key = "rem_deadline_today" if days == 0 else "rem_deadline_tomorrow" if days == 1 else "rem_deadline_days"
    head = t(lang, key, name=d.name, date=day_month(d.date), days=days)
    return f"{head}\n{d.about}" if d.about else head


async def _compose_deadline(ctx: Context, item: Item, person: Recipient, now: datetime) -> Composed:
    d = _find_deadline(ctx, item.payload)
    if d is None:
        return Composed(None, "config_changed")
    today = now.astimezone(ctx.settings.campaign.timezone).date()
    days = (d.date - today).days
    if days < 0:
        return Composed(None, "expired")
    lang = person.lang
    if person.is_officer:
        if d.stage is None:  # paperwork: nothing to count, the date is the message
            return Composed(_deadline_head(lang, d, days), pausable=False)
        fig = await officer_figures(ctx, person.unit_id, d.stage, now)
        if fig.left == 0:
            return Composed(None, "nothing_left")
        stage = label(GOALS, d.stage, lang)
        lines = [_deadline_head(lang, d, days),
                 t(lang, "rem_officer_left", unit=fig.unit_name, left=fig.left, target=fig.target,
                   stage=stage),
                 t(lang, "rem_officer_pace", need=num(fig.left / max(days, 1), lang, None),
                   pace=num(fig.done_last_week / PACE_DAYS, lang, None))]
        if fig.behind:
            names = "; ".join(t(lang, "rem_behind_unit", name=n, left=left, target=target)
                              for n, left, target in fig.behind)
            lines.append(t(lang, "rem_officer_behind", units=names))
        return Composed("\n".join(lines), pausable=False)
    if person.paused:
        return Composed(None, "paused")
    if d.stage is None:
        return Composed(_deadline_head(lang, d, days))
    houses = await store.reported_houses(ctx.db, person.user_id, person.unit_path, d.stage)
    if not houses:
        if await store.has_reported(ctx.db, person.user_id, person.unit_path):
            return Composed(None, "nothing_left")  # their houses are there: they did their part
        return await _compose_newcomer(ctx, d, days, person, now)
    lines = [_deadline_head(lang, d, days),
             t(lang, "rem_volunteer_houses", stage=label(GOALS, d.stage, lang))]
    lines += [t(lang, "rem_house_line", code=h.code, head=h.household_head,
                current=label(STAGES, h.stage, lang)) for h in houses[:HOUSES_LISTED]]
    if len(houses) > HOUSES_LISTED:
        lines.append(t(lang, "rem_more_houses", count=len(houses) - HOUSES_LISTED))
    lines.append(t(lang, "rem_report_hint"))
    return Composed("\n".join(lines))


async def _compose_newcomer(ctx: Context, d: Deadline, days: int, person: Recipient,
                            now: datetime) -> Composed:
    """A volunteer who has reported nothing yet has no houses of their own to list: they hear how
    far their area is from the deadline, from the same rollup as /tiendo."""
    assert d.stage is not None
    fig = await officer_figures(ctx, person.unit_id, d.stage, now)
    if fig.left == 0:
        return Composed(None, "nothing_left")
    lang = person.lang
    lines = [_deadline_head(lang, d, days),
             t(lang, "rem_officer_left", unit=fig.unit_name, left=fig.left, target=fig.target,
               stage=label(GOALS, d.stage, lang)),
             t(lang, "rem_newcomer_hint")]
    return Composed("\n".join(lines))


async def _compose_stale(ctx: Context, item: Item, person: Recipient, now: datetime) -> Composed:
    tz = ctx.settings.campaign.timezone
    wanted = {int(h): at for h, at in item.payload["houses"]}
    current = await store.houses(ctx.db, list(wanted), person.unit_path)
    # A house reported on since the check, or moved on, needs no nudge any more.
    still = [h for h in current if h.stage == Stage.STARTED and h.last_report_at == wanted[h.id]]
    if not still:
        return Composed(None, "nothing_left")
    lang, today = person.lang, now.astimezone(tz).date()
    lines = [t(lang, "rem_stale_head")]
    for h in still[:HOUSES_LISTED]:
        last = from_db(h.last_report_at or "", tz).date()
        lines.append(t(lang, "rem_stale_line", code=h.code, head=h.household_head,
                       days=(today - last).days, date=day_month(last)))
    if len(still) > HOUSES_LISTED:
        lines.append(t(lang, "rem_more_houses", count=len(still) - HOUSES_LISTED))
    lines.append(t(lang, "rem_stale_hint"))
    return Composed("\n".join(lines))


async def _compose_digest(ctx: Context, item: Item, person: Recipient, now: datetime) -> Composed:
    new = await store.new_reports(ctx.db, person.unit_path, item.payload["since"], item.payload["until"])
    waiting = await store.waiting_review(ctx.db, person.unit_path)
    if not new and not waiting:
        return Composed(None, "nothing_left")
    unit = await units.get(ctx.db, person.unit_id)
    lang = person.lang
    until = from_db(item.payload["until"], ctx.settings.campaign.timezone)
    lines = [t(lang, "rem_digest_head", date=day_month(until.date()), unit=unit.name if unit else "")]
    if new:
        detail = ", ".join(t(lang, "rem_digest_stage", stage=label(GOALS, s, lang), count=n)
                           for s, n in sorted(new.items()))
        lines.append(t(lang, "rem_digest_new", count=sum(new.values()), detail=detail))
    else:
        lines.append(t(lang, "rem_digest_no_new"))
    lines.append(t(lang, "rem_digest_review", count=waiting) if waiting else t(lang, "rem_digest_no_review"))
    return Composed("\n".join(lines))


def join_messages(lang: str, parts: list[Composed]) -> str:
    """Several reminders due together for one person go as one message, not a burst."""
    text = "\n\n".join(p.text for p in parts if p.text)
    if any(p.pausable for p in parts):
        text += "\n\n" + t(lang, "rem_pause_hint")
    return text


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
