"""What the bot did, and what the emulator's webhook calls were answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sent:
    """One message the bot sent: text, or a photo the emulator fetched from the bot's URL."""

    method: str
    chat_id: str
    time: float
    message_id: str
    text: str = ""                       # the text, or a photo's caption
    photo_url: str | None = None
    photo_bytes: bytes | None = field(default=None, repr=False)
    photo_type: str | None = None

    @property
    def is_photo(self) -> bool:
        return self.method == "sendPhoto"


@dataclass(frozen=True)
class WebhookCall:
    """One delivery to the bot's webhook and how the bot answered it."""

    key: str              # the message_id delivered ("" for a malformed body)
    status: int           # HTTP status the bot answered; 0 when the connection failed
    started: float
    answered: float
    body: dict[str, Any] = field(repr=False, compare=False)
