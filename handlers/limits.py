"""Every limit on the text a person sends, in one place. Each is stated to the person by the one
catalog sentence "too_long", so a note, a search and a reason are refused the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.types import Reply

if TYPE_CHECKING:
    from handlers.turn import Turn

# Telegram's own limit on one message: nothing longer is read at all, at any step.
MESSAGE_CHARS = 4096
# A house or unit search: a code or a few words of a name; more is a paste gone wrong, and each
# search folds and matches the whole text.
QUERY_CHARS = 100
# An officer's reason for returning a report or correcting a house: it goes to the volunteer in
# one message, with the report's number and house around it.
REASON_CHARS = 500
# A caption is read only for its first words, as a house code and a stage: a caption is a few
# words, and a long one is a note that was sent in the wrong place.
CAPTION_WORDS = 12


def note_chars(turn: Turn) -> int:
    """A report's note: the one limit a campaign sets for itself ([report] max_note_chars)."""
    return turn.ctx.settings.report.max_note_chars


def too_long(turn: Turn, text: str, limit: int) -> Reply | None:
    """The refusal of a text over `limit` characters, or None when it fits."""
    if len(text) <= limit:
        return None
    return Reply(turn.t("too_long", length=len(text), limit=limit))
