"""What arrives from Zalo: a webhook call's or getUpdates answer's event, as a ZaloEvent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"


@dataclass(frozen=True)
class ZaloEvent:
    event: str
    key: str                  # "zalo:<message_id>", the inbox and handled-updates key
    message_id: str
    chat_id: str
    chat_type: str
    user_id: str
    display_name: str
    text: str                 # the text, or an image's caption
    photo_url: str | None

    @property
    def is_image(self) -> bool:
        return self.event == IMAGE_EVENT


def unwrap(body: object) -> dict[str, Any] | None:
    """The event of a webhook call or getUpdates answer: flat, or wrapped in {"ok", "result"}."""
    if not isinstance(body, dict):
        return None
    if "event_name" not in body and isinstance(body.get("result"), dict):
        body = body["result"]
    assert isinstance(body, dict)
    return body if isinstance(body.get("event_name"), str) else None


def parse_event(body: object) -> ZaloEvent | None:
    """None for anything that is not a message event we can attribute to a person."""
    event = unwrap(body)
    if event is None:
        return None
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user_id = _text(sender.get("id")) or _text(chat.get("id"))
    chat_id = _text(chat.get("id")) or user_id
    if not user_id:
        return None
    message_id = _text(message.get("message_id"))
    if not message_id:
        # Not seen in practice; a stable key keeps a redelivery of such a message from counting twice.
        digest = hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        message_id = "h" + digest[:32]
    photo = _photo(message)
    text = _text(message.get("text")) or _text(message.get("caption"))
    return ZaloEvent(
        event=str(event["event_name"]), key=f"zalo:{message_id}", message_id=message_id, chat_id=chat_id,
        chat_type=_text(chat.get("chat_type")).upper() or "PRIVATE", user_id=user_id,
        # Clients of this API show the name as display_name, or as first_name as Telegram has it.
        display_name=(_text(sender.get("display_name")) or _text(sender.get("name"))
                      or _text(sender.get("first_name"))),
        text=text, photo_url=photo,
    )


def _photo(message: dict[str, Any]) -> str | None:
    """The image's URL. Older documents call it `photo`, newer ones `photo_url`; other clients of
    this API read `url`, or the first attachment's (`url`, or `payload.url`)."""
    for key in ("photo_url", "photo", "url"):
        if found := _text(message.get(key)):
            return found
    attachments = message.get("attachments")
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, dict) or item.get("type") not in (None, "image", "photo"):
            continue
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        if found := (_text(item.get("url")) or _text(item.get("photo_url")) or _text(payload.get("url"))):
            return found
    return None


def _text(value: object) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""

