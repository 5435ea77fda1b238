"""Playing a Telegram user in a private chat with the bot."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tests.emulators.tgemu.markup import inline_buttons, utf16_len
from tests.emulators.tgemu.params import ApiError
from tests.emulators.tgemu.records import Sent
from tests.emulators.tgemu.updates import arrival

if TYPE_CHECKING:
    from tests.emulators.tgemu.server import BotApiEmulator

# How clients detect a leading command, "/start" or "/start@some_bot" (tdlib's rule).
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")

MessageRef = Sent | dict[str, Any] | int


class SimUser:
    """A user and their private chat (same id).  ``send_*`` enqueue an Update at once and
    return it; ``next_message`` awaits what the bot sends back."""

    def __init__(self, emu: BotApiEmulator, user_id: int, first_name: str, *,
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = None, started: bool = True) -> None:
        self.emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        # False until the user first writes: bots cannot start a conversation.
        self.started = started
        self.messages: list[Sent] = []  # everything the bot sent here, in order
        self.reply_keyboard: dict[str, Any] | None = None  # the custom keyboard now shown
        self.history: dict[int, dict[str, Any]] = {}  # current state of each live message
        self._last_message_id = 0
        self._read = 0
        # Set when the bot sends here: next_message wakes for this user's messages only, not for
        # every call the emulator answers (hundreds of users waiting at once made the emulator's
        # wake-ups, not the bot, the cost of a benchmark's burst).
        self.arrived = asyncio.Event()

    def __repr__(self) -> str:
        return f"SimUser({self.id}, {self.first_name!r})"

    @property
    def user(self) -> dict[str, Any]:
        fields = {"last_name": self.last_name, "username": self.username,
                  "language_code": self.language_code}
        return {"id": self.id, "is_bot": False, "first_name": self.first_name,
                **{k: v for k, v in fields.items() if v is not None}}

    @property
    def chat(self) -> dict[str, Any]:
        fields = {"last_name": self.last_name, "username": self.username}
        return {"id": self.id, "type": "private", "first_name": self.first_name,
                **{k: v for k, v in fields.items() if v is not None}}

    def new_message_id(self) -> int:
        # Both sides of a private chat draw message ids from one sequence.
        self._last_message_id += 1
        return self._last_message_id

    # -- the user acts ---------------------------------------------------------------

    def _send(self, content: dict[str, Any], reply_to: MessageRef | None = None
              ) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self.new_message_id(), "from": self.user,
                                   "chat": self.chat, "date": self.emu.unix_now(), **content}
        if reply_to is not None:
            target = self.current(reply_to)
            message["reply_to_message"] = {k: v for k, v in target.items()
                                           if k != "reply_to_message"}
        self.history[message["message_id"]] = message
        self.started = True
        return self.emu.inject_raw_update({"message": copy.deepcopy(message)})

    def send_text(self, text: str, *, reply_to: MessageRef | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        command = _COMMAND_RE.match(text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_len(command.group(0))}]
        return self._send(content, reply_to)

    def upload_photo(self, data: bytes) -> list[dict[str, Any]]:
        """What the client and Telegram's servers do before the message exists: the PhotoSizes."""
        try:
            return self.emu.files.photo_sizes(data, recompress=self.emu.recompress_photos)
        except ApiError:
            raise ValueError("send_photo needs image bytes Pillow can open") from None

    def send_photo(self, data: bytes | list[dict[str, Any]], caption: str | None = None,
                   media_group_id: str | None = None) -> dict[str, Any]:
        """data: image bytes, or the PhotoSizes of an earlier upload_photo."""
        sizes = data if isinstance(data, list) else self.upload_photo(data)
        content: dict[str, Any] = {"photo": sizes}
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption:
            content["caption"] = caption
        return self._send(content)

    def send_album(self, images: Sequence[bytes | list[dict[str, Any]]], caption: str | None = None
                   ) -> list[dict[str, Any]]:
        """One update per photo, sharing a media_group_id; clients put the caption first."""
        group_id = self.emu.new_media_group_id()
        return [self.send_photo(data, caption if i == 0 else None, media_group_id=group_id)
                for i, data in enumerate(images)]

    def send_document(self, data: bytes, file_name: str, mime_type: str | None = None,
                      caption: str | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"document": self.emu.files.document(data, file_name,
                                                                       mime_type)}
        if caption:
            content["caption"] = caption
        return self._send(content)

    def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._send({"location": {"latitude": latitude, "longitude": longitude}})

    def send_contact(self, phone_number: str, first_name: str | None = None, *,
                     last_name: str | None = None, user_id: int | None = None
                     ) -> dict[str, Any]:
        """A shared contact; pass ``user_id=u.id`` for "share my phone number" buttons."""
        contact: dict[str, Any] = {"phone_number": phone_number,
                                   "first_name": first_name or self.first_name}
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        return self._send({"contact": contact})

    def press(self, message: MessageRef, data: str, *, check: bool = True) -> dict[str, Any]:
        """Press the inline button carrying ``data`` on a message the bot sent.

        With ``check`` the button must be on the message as it is now (after edits), which
        is all a real client can press.
        """
        current = self.current(message)
        if current["from"]["id"] != self.emu.bot_id:
            raise ValueError(f"message {current['message_id']} was not sent by the bot")
        buttons = inline_buttons(current.get("reply_markup"))
        if check and data not in [d for _, d in buttons]:
            raise ValueError(f"no button with data {data!r} on message "
                             f"{current['message_id']}; buttons: {buttons}")
        query = {"id": self.emu.open_callback(self.id), "from": self.user,
                 "message": copy.deepcopy(current),
                 "chat_instance": str(-7_000_000_000_000_000_000 + self.id), "data": data}
        return self.emu.inject_raw_update({"callback_query": query})

    def click(self, label: str) -> dict[str, Any]:
        """Press the button labelled ``label`` on the newest bot message that shows it."""
        for message_id in sorted(self.history, reverse=True):
            current = self.history[message_id]
            if current["from"]["id"] != self.emu.bot_id:
                continue
            for text, data in inline_buttons(current.get("reply_markup")):
                if text == label and data is not None:
                    return self.press(message_id, data)
        raise ValueError(f"no button {label!r}; last buttons: {self.last_buttons()}")

    # -- what the user sees ----------------------------------------------------------

    def current(self, message: MessageRef) -> dict[str, Any]:
        """The message as it is now in the chat (after edits); LookupError if deleted."""
        if isinstance(message, Sent):
            message_id = message.message_id
        elif isinstance(message, dict):
            message_id = message["message_id"]
        else:
            message_id = message
        if message_id not in self.history:
            raise LookupError(f"message {message_id} is not in chat {self.id}")
        return self.history[message_id]

    async def next_message(self, timeout: float = 5.0) -> Sent:
        """The next message the bot sent here that this method has not returned yet."""
        if not await arrival(lambda: len(self.messages), self._read, self.arrived, timeout):
            await self.emu.wait_for(lambda: len(self.messages) > self._read, 0,
                                    what=f"a new message from the bot to {self!r}")
        self._read += 1
        return self.messages[self._read - 1]

    def unread(self) -> list[Sent]:
        """Messages next_message has not returned yet, marking them read (no waiting)."""
        fresh, self._read = self.messages[self._read:], len(self.messages)
        return fresh

    def reply_buttons(self) -> list[str]:
        """Labels of the reply keyboard the bot currently shows (ReplyKeyboardMarkup)."""
        if self.reply_keyboard is None:
            return []
        return [b if isinstance(b, str) else b.get("text", "")
                for row in self.reply_keyboard.get("keyboard", []) for b in row]

    def last_buttons(self) -> list[tuple[str, str | None]]:
        """(text, callback_data) of the inline keyboard on the bot's newest live message."""
        for message_id in sorted(self.history, reverse=True):
            current = self.history[message_id]
            if current["from"]["id"] == self.emu.bot_id:
                return inline_buttons(current.get("reply_markup"))
        return []
