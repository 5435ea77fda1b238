"""Invite and link codes are short enough to read aloud over the phone, so guessing them must not
pay: an account that sent too many wrong codes in the last hour is told to wait and nothing is
looked up; so is everyone on a channel whose accounts together sent too many (someone trying from
many accounts), which the log says once. Every wrong or refused code is in the audit log."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from handlers.catalog import t
from handlers.context import Context
from handlers.types import Incoming, Reply
from storage import audit, wrong_codes
from storage.times import to_db

WINDOW = timedelta(hours=1)
KEEP = timedelta(days=1)
log = logging.getLogger(__name__)


async def waiting(ctx: Context, inc: Incoming, lang: str, actor_id: int | None) -> list[Reply] | None:
    """The answer for an account that must wait before trying a code again, or None."""
    now = ctx.now()
    since = to_db(now - WINDOW)
    limits = ctx.settings.join
    mine = await wrong_codes.by_account(ctx.db, inc.channel, inc.user_id, since)
    if len(mine) >= limits.wrong_codes_per_hour:
        # Free again when the oldest wrong code that counts leaves the window.
        free_at = datetime.fromisoformat(mine[len(mine) - limits.wrong_codes_per_hour]) + WINDOW
        why, minutes = "account", _minutes(free_at - now)
    elif await wrong_codes.on_channel(ctx.db, inc.channel, since) >= limits.wrong_codes_per_channel_hour:
        why, minutes = "channel", _minutes(WINDOW)
    else:
        return None
    await audit.log(ctx.db, to_db(now), actor_id, "code.refused", "code", None,
                    {"channel": inc.channel, "account": inc.user_id, "why": why})
    return [Reply(t(lang, "code_wait" if why == "account" else "code_wait_all", minutes=minutes))]


async def wrong(ctx: Context, inc: Incoming, kind: str, code: str, actor_id: int | None) -> None:
    """Count a code that matched nothing usable (kind: 'invite' or 'link')."""
    now = ctx.now()
    await wrong_codes.note(ctx.db, inc.channel, inc.user_id, to_db(now), to_db(now - KEEP))
    await audit.log(ctx.db, to_db(now), actor_id, "code.wrong", kind, None,
                    {"channel": inc.channel, "account": inc.user_id, "code": code[:32]})
    limit = ctx.settings.join.wrong_codes_per_channel_hour
    if await wrong_codes.on_channel(ctx.db, inc.channel, to_db(now - WINDOW)) == limit:
        log.warning("%d wrong codes on %s in an hour, from many accounts: someone may be guessing; "
                    "codes on that channel wait until the count falls", limit, inc.channel)


def _minutes(left: timedelta) -> int:
    return max(1, math.ceil(left.total_seconds() / 60))
