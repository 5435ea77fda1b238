"""One incoming message being answered: who, what they sent, their dialog state, the catalog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.catalog import t_on
from handlers.context import Context
from handlers.limits import QUERY_CHARS, too_long
from handlers.types import Choice, Incoming, Reply
from storage import dialogs, units
from storage.models import Unit, User
from storage.numbers import whole
from storage.photos import StoredPhoto
from storage.textfold import fold

# The choice that backs out of a question: always number 0 and listed last, on every channel that
# numbers its lists, so a habit of typing "0" to leave never lands on something else.
BACK_OUT = ("cancel", "keep")


def numbered(keys: Sequence[str], hidden: Sequence[str] = ()) -> list[tuple[int, str]]:
    """The number of each offered choice, in the order a numbered list shows them.

    The others count from 1 in the order offered, so a question asked again shows the same
    numbers; the back-out choice is 0 and comes last. A choice a channel cannot show takes no number.
    """
    rest = [key for key in keys if key not in BACK_OUT and key not in hidden]
    return [*enumerate(rest, 1), *((0, key) for key in keys if key in BACK_OUT)]


@dataclass
class Turn:
    ctx: Context
    user: User
    inc: Incoming
    photos: list[StoredPhoto] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    state: str = "idle"
    draft: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.user.lang

    def t(self, key: str, **values: Any) -> str:
        return t_on(self.inc.channel, self.lang, key, **values)

    async def load(self) -> None:
        self.state, self.draft = await dialogs.load(self.ctx.db, self.user.id)

    def go(self, state: str, draft: dict[str, Any] | None = None) -> None:
        """Move the dialog on. Saved by save() at the end of the turn, in the same transaction."""
        self.state = state
        if draft is not None:
            self.draft = draft
        if state == "idle":
            self.draft = {}

    async def save(self) -> None:
        await dialogs.save(self.ctx.db, self.user.id, self.state, self.draft, self.ctx.stamp())

    async def own_unit(self) -> Unit:
        """The unit the person belongs to: what they may see is it and what lies below it."""
        unit = await units.get(self.ctx.db, self.user.unit_id)
        assert unit is not None
        return unit

    def query_too_long(self, query: str) -> Reply | None:
        return too_long(self, query, QUERY_CHARS)

    def ask(self, text: str, choices: list[Choice]) -> Reply:
        """A question with choices; remembered so the person may also type a choice's number or words."""
        self.draft["offered"] = [[c.key, c.label] for c in choices]
        return Reply(text=text, choices=tuple(choices))

    def chosen(self) -> str | None:
        """The key of the choice made by a button or by typing its number or its words."""
        offered = self.draft.get("offered") or []
        keys = [k for k, _ in offered]
        if self.inc.choice is not None:
            return self.inc.choice if self.inc.choice in keys else None
        typed = fold(self.inc.text)
        if not typed or self.inc.command:
            return None
        number = whole(typed)
        if number is not None:
            return dict(numbered(keys)).get(number)
        for key, text in offered:
            if typed == fold(text):
                return key
        return None

    def stray_number(self) -> bool:
        """A number typed while a list is on offer that names none of its choices: the list is shown
        again rather than the number being read as a search, a note or another step's choice."""
        if self.inc.command or self.inc.choice is not None or not self.draft.get("offered"):
            return False
        return whole(self.inc.text.strip()) is not None and self.chosen() is None

    def stale_press(self) -> bool:
        """A button from an older message: its choice is no longer on offer."""
        return self.inc.choice is not None and self.chosen() is None


Handler = Callable[[Turn], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A command: its names, what answers it, who may use it, how the menu shows it."""

    names: tuple[str, ...]       # Vietnamese first (shown in the menu), then aliases such as English
    handler: Handler
    officers_only: bool = False
    menu: tuple[str, str] | None = None   # (Vietnamese, English) description for the command menu
