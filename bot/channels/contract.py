"""What every channel is to the rest of the bot, and the registry of the running ones.

A reply to the person who wrote goes out on the channel they wrote on; a reply addressed to someone
else (a review decision, a linked account's notice) and every reminder go through `Channels.send`,
which finds that person's channel by name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, Protocol

from handlers.types import Reply
from storage.photos.render import THUMB_SIDE

log = logging.getLogger(__name__)

# 'sent': delivered. 'blocked': the channel's own answer says the person blocked the bot.
# 'retry': certainly not delivered (refused for load), may be sent later.
# 'failed': not delivered or not known to be, never sent again.
Outcome = Literal["sent", "blocked", "failed", "retry"]


def small_size(sizes: Sequence[tuple[int, int]]) -> int | None:
    """Which of a platform's ready-made sizes of a photo (width, height), besides the largest that
    is fetched anyway, to fetch as its small copy (IncomingFile.small): the smallest that still
    fills a thumbnail. None: there is none, the thumbnail is made from the photo itself."""
    largest = max(range(len(sizes)), key=lambda i: max(sizes[i]), default=None)
    fitting = [i for i in range(len(sizes)) if i != largest and max(sizes[i]) >= THUMB_SIDE]
    return min(fitting, key=lambda i: max(sizes[i]), default=None)


class StartRefused(Exception):
    """A channel cannot start, for a reason it has already logged in one clear line."""


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, person: str, reply: Reply) -> Outcome: ...


class Channels:
    """The channels running in this process, by name."""

    def __init__(self) -> None:
        self._running: dict[str, Channel] = {}

    def add(self, channel: Channel) -> None:
        self._running[channel.name] = channel

    def remove(self, channel: Channel) -> None:
        if self._running.get(channel.name) is channel:
            del self._running[channel.name]

    def get(self, name: str) -> Channel | None:
        return self._running.get(name)

    async def send(self, channel: str, external_id: str, reply: Reply) -> Outcome:
        """Through the person's own channel; 'failed' when it is not running here, which says
        nothing about the person, so nobody is marked as having blocked the bot."""
        running = self._running.get(channel)
        if running is None:
            log.warning("no running channel %s to deliver a message to a person on it", channel)
            return "failed"
        try:
            return await running.send(external_id, reply)
        except Exception as exc:  # a channel's send answers an outcome; anything else is a failure
            log.warning("delivery on %s failed: %s", channel, type(exc).__name__)
            return "failed"
