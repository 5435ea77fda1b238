"""Playing a Zalo user in a private chat with the bot."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tests.emulators.tgemu.updates import arrival
from tests.emulators.zaloemu.records import Sent

if TYPE_CHECKING:
    from tests.emulators.zaloemu.server import ZaloEmulator

_NUMBERED = re.compile(r"^(\d+)\. (.+)$")


class ZaloUser:
    """A user and their private chat (same id). ``send_*`` deliver an event at once (to the
    webhook or the getUpdates queue) and return the body; ``next_message`` awaits the bot's answer."""

    def __init__(self, emu: ZaloEmulator, user_id: str, display_name: str) -> None:
        self.emu = emu
        self.id = user_id
        self.display_name = display_name
        self.blocked = False
        self.messages: list[Sent] = []
        self._read = 0
        # Set when the bot sends here: next_message wakes for this user's messages only, not for
        # every call the emulator answers (fifty users waiting at once made the emulator's
        # wake-ups a cost the bot's event loop paid in a benchmark's burst).
        self.arrived = asyncio.Event()

    def __repr__(self) -> str:
        return f"ZaloUser({self.id}, {self.display_name!r})"

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"from": {"id": self.id, self.emu.name_field: self.display_name, "is_bot": False},
                "chat": {"id": self.id, "chat_type": "PRIVATE"},
                "message_id": self.emu.new_message_id(), "date": self.emu.ms_now(), **content}

    def _send(self, event_name: str, wrapped: bool | None, **content: Any) -> dict[str, Any]:
        event = {"event_name": event_name, "message": self._message(**content)}
        return self.emu.emit(event, wrapped=wrapped)

    # -- the user acts ---------------------------------------------------------------

    def send_text(self, text: str, *, wrapped: bool | None = None) -> dict[str, Any]:
        return self._send("message.text.received", wrapped, text=text)

    def send_photo(self, data: bytes, caption: str | None = None, *, field: str | None = None,
                   wrapped: bool | None = None) -> dict[str, Any]:
        key, url = field or self.emu.photo_field, self.emu.host_photo(data)
        content: dict[str, Any] = {key: url}
        if key == "attachments":
            content = {key: [{"type": "image", "payload": {"url": url}}]}
        if caption:
            content["caption"] = caption
        return self._send("message.image.received", wrapped, **content)

    def send_photos(self, images: Sequence[bytes], caption: str | None = None) -> list[dict[str, Any]]:
        """Several photos picked at once: Zalo has no albums, so one message each, the caption on
        the first."""
        return [self.send_photo(data, caption if i == 0 else None) for i, data in enumerate(images)]

    def send_sticker(self) -> dict[str, Any]:
        return self._send("message.sticker.received", None, sticker="bf6b3f8e0f5c4a2b",
                          url="https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=1")

    def send_unsupported(self) -> dict[str, Any]:
        """A file, a location or a contact: Zalo passes on only that something was sent."""
        return self._send("message.unsupported.received", None)

    # -- what the user sees ----------------------------------------------------------

    async def next_message(self, timeout: float = 5.0) -> Sent:
        """The next message the bot sent here that this method has not returned yet."""
        if not await arrival(lambda: len(self.messages), self._read, self.arrived, timeout):
            await self.emu.wait_for(lambda: len(self.messages) > self._read, 0,
                                    what=f"a new message from the bot to {self!r}")
        self._read += 1
        return self.messages[self._read - 1]

    def unread(self) -> list[Sent]:
        fresh, self._read = self.messages[self._read:], len(self.messages)
        return fresh

    def choices(self) -> dict[str, str]:
        """label -> number of the newest message that lists numbered choices."""
        for sent in reversed(self.messages):
            found = {m.group(2): m.group(1) for line in sent.text.split("\n")
                     if (m := _NUMBERED.match(line))}
            if found:
                return found
        return {}

    def choose(self, label: str) -> dict[str, Any]:
        """Answer a numbered list the way a person would: by typing the number of ``label``."""
        numbers = self.choices()
        if label not in numbers:
            raise ValueError(f"no choice {label!r}; last choices: {numbers}")
        return self.send_text(numbers[label])
