"""What a reminder says: a deadline's, the officers' daily digest, a nudge about stale work.

Figures come from storage.progress, the same rollup /tiendo shows, so a reminder never disagrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.catalog import GOALS, STAGES, label, t
from handlers.context import Context
from handlers.contributions.reminder import awards_text
from handlers.evidence_texts import waiting_line
from handlers.figures import PACE_DAYS, day_month, num, pace_since
from handlers.settings import Deadline
from storage import progress, units
from storage import reminders as store
from storage.codes import Stage
from storage.reminders import Item, Recipient
from storage.times import from_db

HOUSES_LISTED = 15       # a volunteer's reminder lists at most this many houses
BEHIND_LISTED = 3        # sub-units named as most behind


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
        if d.kind == "awards":
            head = _deadline_head(lang, d, days)
            return Composed(await awards_text(ctx, head, person.unit_id, lang, now), pausable=False)
        if d.stage is None:  # paperwork: nothing to count, the date is the message
            return Composed(_deadline_head(lang, d, days), pausable=False)
        fig, lines = await _area(ctx, d, days, person, now)
        if not lines:
            return Composed(None, "nothing_left")
        lines.append(t(lang, "rem_officer_pace", need=num(fig.left / max(days, 1), lang, None),
                       pace=num(fig.done_last_week / PACE_DAYS, lang, None)))
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
    _, lines = await _area(ctx, d, days, person, now)
    if not lines:
        return Composed(None, "nothing_left")
    return Composed("\n".join([*lines, t(person.lang, "rem_newcomer_hint")]))


async def _area(ctx: Context, d: Deadline, days: int, person: Recipient,
                now: datetime) -> tuple[Figures, list[str]]:
    """The deadline and how many houses of the person's area have yet to reach its stage; no lines
    when none have."""
    assert d.stage is not None
    fig = await officer_figures(ctx, person.unit_id, d.stage, now)
    if fig.left == 0:
        return fig, []
    lang = person.lang
    return fig, [_deadline_head(lang, d, days),
                 t(lang, "rem_officer_left", unit=fig.unit_name, left=fig.left, target=fig.target,
                   stage=label(GOALS, d.stage, lang))]


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
    review = await waiting_line(ctx, lang, person.unit_path) if waiting else None
    lines.append(review or t(lang, "rem_digest_no_review"))
    return Composed("\n".join(lines))


def join_messages(lang: str, parts: list[Composed]) -> str:
    """Several reminders due together for one person go as one message, not a burst."""
    text = "\n\n".join(p.text for p in parts if p.text)
    if any(p.pausable for p in parts):
        text += "\n\n" + t(lang, "rem_pause_hint")
    return text
