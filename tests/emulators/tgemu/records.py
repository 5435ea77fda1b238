"""What the bot did, as recorded by the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.emulators.tgemu.markup import inline_buttons

# Methods whose success puts a new message in the chat (what a user would "receive").
MESSAGE_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendLocation",
})


@dataclass
class Sent:
    """One action of the bot: a message sent (one per album item), an edit, a deletion, ...

    ``text``/``caption`` are exactly what the bot sent (markup included); ``plain`` is what
    the user sees.  ``message`` is the Message object returned to the bot at that time.
    """

    method: str
    chat_id: int | None
    time: float
    params: dict[str, Any] = field(repr=False)
    message_id: int | None = None
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    file_name: str | None = None
    uploaded: bool = False  # file_bytes came in this request (not a re-sent file_id)
    media_group_id: str | None = None
    message: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def is_message(self) -> bool:
        return self.method in MESSAGE_METHODS

    @property
    def kind(self) -> str:
        """"text", "photo", "document", "location", ... or the method name for non-messages."""
        if self.message:
            for key in ("text", "photo", "document", "location"):
                if key in self.message:
                    return key
        return self.method

    @property
    def plain(self) -> str:
        if not self.message:
            return self.text or self.caption or ""
        return self.message.get("text") or self.message.get("caption") or ""

    def buttons(self) -> list[tuple[str, str | None]]:
        return inline_buttons(self.reply_markup)
