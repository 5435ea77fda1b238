"""Failed sends to Zalo, and when they make a person unreachable.

Zalo's documents reachable from here do not say what its 403 means: the person blocked the bot, or
has not written for a while, or something about the bot's account. So one answer never marks
anyone. Every failed send is recorded with Zalo's code and words (storage/send_failures.py), and a
person is marked unreachable (the BLOCKED status, which the reminders skip) only after
UNREACHABLE_AFTER refusals on UNREACHABLE_DAYS different days with no message from them in between.
A message from them makes them reachable again (handlers/core.py), and only refusals after it count.
"""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.channels.zalo.api import ZaloError, ZaloNetworkError
from bot.channels.zalo.inbox import CHANNEL
from bot.channels.zalo.pause import ZaloPaused
from storage import send_failures
from storage.times import to_db

REFUSAL_CODES = frozenset({403})    # the answers that may mean the person is out of reach
UNREACHABLE_AFTER = 3               # refusals since their last message...
UNREACHABLE_DAYS = 2                # ...on at least this many different days (campaign time)
KEEP = timedelta(days=30)           # failures kept this long, to decide and to look into a complaint
NETWORK_CODE = 0                    # recorded for a send that got no answer at all


async def unreachable_after(app: App, person: str, exc: Exception) -> bool:
    """Record a failed send to `person`; True when the refusals so far make them unreachable."""
    if isinstance(exc, ZaloPaused):
        return False  # never sent: nothing failed
    if isinstance(exc, ZaloError):
        code, description = exc.code, exc.description
    elif isinstance(exc, ZaloNetworkError):
        code, description = NETWORK_CODE, exc.kind
    else:
        return False  # our own state (a stopped channel), not an answer about the person
    now = app.ctx.now()
    day = now.astimezone(app.ctx.clock.tz).date().isoformat()
    async with app.db.transaction():
        await send_failures.record(app.db, CHANNEL, person, code, description, to_db(now), day)
    if code not in REFUSAL_CODES:
        return False
    count, days = await send_failures.since_last_message(app.db, CHANNEL, person, REFUSAL_CODES)
    return count >= UNREACHABLE_AFTER and days >= UNREACHABLE_DAYS


def refusal(exc: BaseException) -> bool:
    """Zalo refused this chat, or refuses for load: sending anything more now would be refused too."""
    return isinstance(exc, ZaloError) and (exc.code in REFUSAL_CODES or exc.code == 429)


async def prune(app: App) -> None:
    async with app.db.transaction():
        await send_failures.prune(app.db, to_db(app.ctx.now() - KEEP))
