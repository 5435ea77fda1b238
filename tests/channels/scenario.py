"""A small language for chat scenarios, played on Telegram or Zalo from one description.

A scenario is a list of steps by named people; each person is put on a channel when it is played.
What differs between channels stays here: on Telegram a choice is a button press (or a reply-
keyboard button, which sends its label), on Zalo it is typing the number the list shows; several
photos are an album on Telegram and separate messages on Zalo; a picture arrives as an upload on
Telegram and as a URL Zalo fetched on Zalo.

    await play([Join("lan", "MTU01"), Say("lan", "/baocao MH-001"), Expect("lan", "bước nào")],
               {"lan": ZaloSide(zalo_bot)})
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from tests.channels.telegram_world import Bot as TelegramBot
from tests.channels.zalo_world import ZaloBot
from tests.emulators.tgemu import SimUser
from tests.emulators.zaloemu import ZaloUser
from tests.images import jpeg

READ_AHEAD = 12  # messages an Expect may pass over before it gives up


@dataclass(frozen=True)
class Join:
    who: str
    unit: str
    role: str = "volunteer"


@dataclass(frozen=True)
class Say:
    who: str
    text: str


@dataclass(frozen=True)
class Choose:
    """Pick the choice with this label from the newest question."""

    who: str
    label: str


@dataclass(frozen=True)
class Photos:
    """Send pictures together (test images by seed), the caption with the first."""

    who: str
    seeds: tuple[int, ...]
    caption: str | None = None


@dataclass(frozen=True)
class Expect:
    """Read on until a message holds every fragment."""

    who: str
    fragments: tuple[str, ...]

    def __init__(self, who: str, *fragments: str) -> None:
        object.__setattr__(self, "who", who)
        object.__setattr__(self, "fragments", fragments)


@dataclass(frozen=True)
class ExpectPicture:
    """Read on until a picture arrives, of this format ("png", "jpeg")."""

    who: str
    kind: str


@dataclass(frozen=True)
class ExpectList:
    """Read on until a message holds the fragment; its choices must be these labels, in this order.
    On Zalo each must also carry its number: the others from 1 as listed, "Hủy" 0 (and last)."""

    who: str
    fragment: str
    labels: tuple[str, ...]


Step = Join | Say | Choose | Photos | Expect | ExpectPicture | ExpectList
BACK_OUT = "Hủy"
_NUMBERED = re.compile(r"^(\d+)\. (.+)$")


@dataclass(frozen=True)
class Seen:
    text: str
    picture: str | None  # the picture's format, None for text
    choices: tuple[tuple[int | None, str], ...] = ()  # (number shown, or None for a button; label)


class Side(Protocol):
    """One channel, as the people on it use it."""

    name: str

    async def join(self, who: str, unit: str, role: str) -> None: ...
    def say(self, who: str, text: str) -> None: ...
    def choose(self, who: str, label: str) -> None: ...
    def photos(self, who: str, images: list[bytes], caption: str | None) -> None: ...
    async def read(self, who: str) -> Seen: ...


def _format(data: bytes | None) -> str | None:
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as img:
        return (img.format or "").lower()


class TelegramSide:
    name = "telegram"

    def __init__(self, bot: TelegramBot, first_id: int = 7000) -> None:
        self.bot = bot
        self.people: dict[str, SimUser] = {}
        self._next_id = first_id

    def _user(self, who: str) -> SimUser:
        if who not in self.people:
            self._next_id += 1
            self.people[who] = self.bot.emu.user(self._next_id, first_name=who.capitalize())
        return self.people[who]

    async def join(self, who: str, unit: str, role: str) -> None:
        await self.bot.join(self._user(who), unit, role)

    def say(self, who: str, text: str) -> None:
        self._user(who).send_text(text)

    def choose(self, who: str, label: str) -> None:
        user = self._user(who)
        if label in user.reply_buttons():  # a reply keyboard's button sends its label as text
            user.send_text(label)
            return
        try:
            user.click(label)  # the newest message that shows this button
        except ValueError:
            raise AssertionError(f"{who} sees no button {label!r}") from None

    def photos(self, who: str, images: list[bytes], caption: str | None) -> None:
        user = self._user(who)
        if len(images) == 1:
            user.send_photo(images[0], caption)
        else:
            user.send_album(images, caption)

    async def read(self, who: str) -> Seen:
        sent = await self._user(who).next_message()
        picture = _format(sent.file_bytes) if sent.kind == "photo" else None
        markup = sent.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        buttons = tuple((None, b if isinstance(b, str) else str(b.get("text", "")))
                        for row in rows for b in row)
        return Seen(sent.text or sent.caption or "", picture, buttons)


class ZaloSide:
    name = "zalo"

    def __init__(self, bot: ZaloBot) -> None:
        self.bot = bot
        self.people: dict[str, ZaloUser] = {}

    def _user(self, who: str) -> ZaloUser:
        if who not in self.people:
            self.people[who] = self.bot.emu.user(display_name=who.capitalize())
        return self.people[who]

    async def join(self, who: str, unit: str, role: str) -> None:
        await self.bot.join(self._user(who), unit, role)

    def say(self, who: str, text: str) -> None:
        self._user(who).send_text(text)

    def choose(self, who: str, label: str) -> None:
        self._user(who).choose(label)

    def photos(self, who: str, images: list[bytes], caption: str | None) -> None:
        self._user(who).send_photos(images, caption)

    async def read(self, who: str) -> Seen:
        sent = await self._user(who).next_message()
        listed = tuple((int(m[1]), m[2]) for line in sent.text.split("\n") if (m := _NUMBERED.match(line)))
        return Seen(sent.text, sent.photo_type if sent.is_photo else None, listed)


async def play(steps: Sequence[Step], sides: dict[str, Side]) -> None:
    """Play the steps; each person acts on the side given for them."""
    for number, step in enumerate(steps, 1):
        side = sides[step.who]
        where = f"step {number} ({step}) on {side.name}"
        if isinstance(step, Join):
            await side.join(step.who, step.unit, step.role)
        elif isinstance(step, Say):
            side.say(step.who, step.text)
        elif isinstance(step, Choose):
            side.choose(step.who, step.label)
        elif isinstance(step, Photos):
            side.photos(step.who, [jpeg(seed) for seed in step.seeds], step.caption)
        elif isinstance(step, Expect | ExpectPicture | ExpectList):
            await _expect(side, step, where)


def _listed_as_asked(seen: Seen, step: ExpectList, where: str) -> None:
    labels = tuple(label for _, label in seen.choices)
    assert labels == step.labels, f"{where}: the choices were {seen.choices}"
    numbers = [number for number, _ in seen.choices]
    if any(number is not None for number in numbers):  # a numbered list, as Zalo shows it
        others = [label for label in step.labels if label != BACK_OUT]
        wanted = [(n, label) for n, label in enumerate(others, 1)]
        wanted += [(0, BACK_OUT)] if BACK_OUT in step.labels else []
        assert list(seen.choices) == wanted, f"{where}: numbered {seen.choices}"


async def _expect(side: Side, step: Expect | ExpectPicture | ExpectList, where: str) -> None:
    passed: list[str] = []
    for _ in range(READ_AHEAD):
        try:
            seen = await side.read(step.who)
        except TimeoutError:
            break
        if isinstance(step, Expect) and all(f in seen.text for f in step.fragments):
            return
        if isinstance(step, ExpectPicture) and seen.picture == step.kind:
            return
        if isinstance(step, ExpectList) and step.fragment in seen.text:
            _listed_as_asked(seen, step, where)
            return
        passed.append(f"[{seen.picture}] {seen.text[:120]}" if seen.picture else seen.text[:160])
    raise AssertionError(f"{where}: not seen; passed over: {passed}")
