"""What a channel hands to the handlers, and what the handlers hand back. No channel in here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.photos import StoredPhoto

# A photo stored (with its thumbnail's bytes when still to write), or the reason it was refused.
Prepared = tuple[StoredPhoto, bytes | None] | str


@dataclass(frozen=True)
class IncomingFile:
    """An image sent as a photo or as a file. data is None when the channel could not fetch it."""

    data: bytes | None
    as_document: bool = False
    filename: str = ""
    mime: str = ""
    problem: str | None = None  # "too_large" | "download_failed" when data is None
    # The platform's own smaller copy of the same photo (about a thumbnail's size), when it makes
    # one (Telegram does): the thumbnail and the hash come from it and `data` is never decoded.
    small: bytes | None = None
    # The photo already stored, or why it was refused, when the channel had the core prepare it
    # ahead (Core.prepare) while the chat waited for the rest of a group of photos.
    prepared: Prepared | None = None


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Incoming:
    channel: str
    user_id: str                     # the person's id on that channel
    display_name: str = ""
    text: str = ""
    command: str | None = None       # "baocao" for "/baocao@bot x", lower case
    args: str = ""
    files: tuple[IncomingFile, ...] = ()
    location: Location | None = None
    choice: str | None = None        # key of a pressed button
    # Ids of the channel updates this message was made of (an album is several), so a
    # redelivered or replayed update is recognised and changes nothing.
    update_keys: tuple[str, ...] = ()
    lang_hint: str | None = None
    unsupported: str | None = None   # a kind of message the bot cannot read (sticker, voice, ...)
    album: str | None = None         # photos sent together (a Telegram media group), by its id


def parse_command(text: str) -> tuple[str | None, str]:
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None, ""
    head, _, rest = stripped.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        return None, ""
    return name, rest.strip()


# A choice with this key asks for the person's location (a location button where the channel has one).
LOCATION_KEY = "@location"


@dataclass(frozen=True)
class Choice:
    key: str      # short and ASCII: it travels as callback data (64 bytes at most)
    label: str


# Reply.meta key: an async callable returning the reply to send instead, run by the core after the
# turn's transaction commits. Slow work (a chart, a workbook) must not hold the one writer lock
# every other message waits for; it reads nothing it did not gather in the turn, or opens its own.
AFTER_COMMIT = "after_commit"
# Reply.meta key: (officer, lang) — the person's command menu changes (they joined, or switched
# language); channels with a menu show officers the officers' commands, everyone else the rest.
MENU = "menu"


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    images: tuple[Path, ...] = ()           # sent as an album after the text
    document: Path | None = None
    document_name: str | None = None
    to: tuple[str, str] | None = None       # (channel, user id) when not the sender
    meta: dict[str, object] = field(default_factory=dict, compare=False)
