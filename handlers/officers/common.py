"""What the officers' commands share: the officer's scope, finding a unit, numbers, fitting a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from handlers.figures import num
from handlers.settings import Deadline
from handlers.turn import Turn
from handlers.types import Reply
from storage import houses, units
from storage.codes import Stage
from storage.models import House, Unit
from storage.textfold import clip
from storage.times import to_db

HOUSE_CHOICES = 8   # houses (units) listed when a name matches several
# Telegram refuses a message over 4096 characters; leave room for what a channel adds.
TEXT_LIMIT = 3800


async def find_unit(turn: Turn, query: str, command: str) -> tuple[Unit | None, list[Reply]]:
    """The officer's own unit, or the one named (code, or name typed with or without diacritics)
    inside it. A unit outside the officer's area is 'not found', never 'not yours'."""
    own = await turn.own_unit()
    query = query.strip()
    if not query:
        return own, []
    refusal = turn.query_too_long(query)
    if refusal:
        return None, [refusal]
    found = await units.search(turn.ctx.db, own, query, limit=HOUSE_CHOICES)
    exact = [u for u in found if u.code.lower() == query.lower()]
    if exact:
        return exact[0], []
    if len(found) == 1:
        return found[0], []
    shown = clip(query, 40)
    if not found:
        return None, [Reply(turn.t("off_unit_not_found", query=shown, unit=own.name))]
    lines = [turn.t("off_unit_many", query=shown)]
    lines += [f"• {u.code} – {u.name}" for u in found]
    lines.append(turn.t("off_unit_pick", command=command, code=found[0].code))
    return None, [Reply("\n".join(lines))]


async def find_house(turn: Turn, query: str, names: tuple[str, str]) -> tuple[House | None, list[Reply]]:
    """One house of the officer's area by code or household head's name. Another area's houses
    get the same answer as houses that do not exist: they are not this officer's to know about."""
    refusal = turn.query_too_long(query)
    if refusal:
        return None, [refusal]
    own = await turn.own_unit()
    count, found = await houses.search(turn.ctx.db, own, query, HOUSE_CHOICES)
    shown = clip(query, 40)
    if count == 0:
        return None, [Reply(turn.t("off_house_not_found", query=shown, unit=own.name))]
    if count == 1:
        return found[0], []
    lines = [turn.t("off_house_many", count=count, query=shown)]
    lines += [f"• {h.code} – {clip(h.household_head, 40)}" for h in found]
    if count > len(found):
        lines.append(turn.t("off_house_many_more", more=count - len(found)))
    command = names[1] if turn.lang == "en" else names[0]
    lines.append(turn.t("off_house_pick", command=command, code=found[0].code))
    return None, [Reply("\n".join(lines))]


def pct(part: int, whole: int | None, lang: str) -> str:
    if not whole:
        return "—"
    return num(100.0 * part / whole, lang, 1) + "%"


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def fit(lines: list[str], more: str = "", limit: int = TEXT_LIMIT) -> str:
    """Join lines, dropping whole lines from the end (then saying so with `more`) to stay in limit."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = len(more) + 1
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, more] if more else kept)


@dataclass(frozen=True)
class Target:
    """The deadline progress is measured against, seen from today."""

    deadline: Deadline | None
    stage: int            # the stage houses must reach; completed when no deadline names one
    days_left: int        # negative once it has passed

    @property
    def passed(self) -> bool:
        return self.deadline is not None and self.days_left < 0


def target(turn: Turn) -> Target:
    """The next deadline about houses (one with a stage); the last one, if all have passed."""
    today = turn.ctx.now().date()
    about_houses = sorted((d for d in turn.ctx.settings.campaign.deadlines if d.stage), key=lambda d: d.date)
    upcoming = [d for d in about_houses if d.date >= today]
    chosen = upcoming[0] if upcoming else (about_houses[-1] if about_houses else None)
    if chosen is None:
        return Target(None, Stage.COMPLETED, 0)
    assert chosen.stage is not None
    return Target(chosen, chosen.stage, (chosen.date - today).days)


def end_of_day(turn: Turn, day: date) -> str:
    """The last moment of a local day, as stored (UTC text), for 'by this date' comparisons."""
    local = datetime.combine(day, datetime.max.time(), tzinfo=turn.ctx.clock.tz)
    return to_db(local)
