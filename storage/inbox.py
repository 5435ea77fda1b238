"""Updates stored on arrival, before the channel confirms them; replayed if never handled."""

from __future__ import annotations

from collections.abc import Sequence

from storage import claims
from storage.db import Database

# What an update that cannot be stored leaves behind in its place: its key, handled, and this.
PUT_ASIDE = '{"put_aside": "not storable as UTF-8"}'


def _storable(payload: str) -> bool:
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:  # half a surrogate pair, which a stranger's client can send
        return False
    return True


async def store(db: Database, channel: str, items: Sequence[tuple[str, str]], at: str,
                chats: Sequence[str] | None = None, *, cut: bool = False) -> list[str]:
    """items: (key, JSON payload). A redelivered update is already there and stays as it was.

    chats: each item's chat, given by a receiver that leaves the handling to workers
    (storage/claims.py); the single process handles what it stores itself and gives none.
    cut: the platform had more to give than this batch (claims.enqueue).

    An update that cannot be stored is put aside: recorded by its key as handled, so it is
    neither retried forever nor able to hold back the others of its batch. Returns those keys.
    """
    if not items:
        return []
    good: list[tuple[str, str]] = []
    aside: list[str] = []
    for key, payload in items:
        if _storable(payload):
            good.append((key, payload))
        else:
            aside.append(key)
    # Short: a batch of arrivals, stored in the COMMIT the chat turns waiting for the lock share.
    async with db.transaction(short=True):
        await db.executemany(
            "INSERT INTO inbox (key, channel, payload, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(key, channel, payload, at) for key, payload in good]
            + [(key, channel, PUT_ASIDE, at) for key in aside],
        )
        await db.executemany("INSERT INTO handled_updates (key, handled_at) VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING",
                             [(key, at) for key in aside])
        if chats is not None:
            await claims.enqueue(db, channel, [(key, chat) for (key, payload), chat
                                               in zip(items, chats, strict=True) if key not in aside],
                                 cut=cut)
    return aside


async def unhandled(db: Database, channel: str) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT i.key, i.payload FROM inbox i LEFT JOIN handled_updates h ON h.key = i.key "
        "WHERE i.channel = ? AND h.key IS NULL ORDER BY i.received_at, i.rowid",
        (channel,),
    )
    return [(r[0], r[1]) for r in rows]


async def prune(db: Database, before: str) -> int:
    """Forget handled updates older than `before`; the reports they made stay."""
    async with db.transaction():
        removed = await db.execute_rowcount(
            "DELETE FROM inbox WHERE received_at < ? AND key IN (SELECT key FROM handled_updates)",
            (before,),
        )
    return removed


async def store_new(db: Database, channel: str, items: Sequence[tuple[str, str]], at: str,
                    chats: Sequence[str] | None = None) -> set[str]:
    """Like store, and says which keys were new: neither in the inbox nor handled already.

    For channels that may deliver one message twice (Zalo's webhook), so a duplicate is dropped at
    the door instead of being fetched and handled again.
    """
    if not items:
        return set()
    keys = list(dict.fromkeys(key for key, _ in items))
    marks = ",".join("?" * len(keys))
    async with db.transaction(short=True):
        rows = await db.fetchall(
            f"SELECT key FROM inbox WHERE key IN ({marks}) "
            f"UNION SELECT key FROM handled_updates WHERE key IN ({marks})",
            [*keys, *keys],
        )
        known = {r[0] for r in rows}
        fresh = [(key, payload) for key, payload in dict(items).items()
                 if key not in known and _storable(payload)]
        await db.executemany(
            "INSERT INTO inbox (key, channel, payload, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(key, channel, payload, at) for key, payload in fresh],
        )
        if chats is not None:
            chat_of = dict(zip((key for key, _ in items), chats, strict=True))
            await claims.enqueue(db, channel, [(key, chat_of[key]) for key, _ in fresh])
    return {key for key, _ in fresh}
