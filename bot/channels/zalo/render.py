"""What goes out to Zalo: no buttons, so choices become a numbered list, read back by number."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.catalog import t
from handlers.turn import numbered
from handlers.types import LOCATION_KEY, Reply
from storage.numbers import whole

TEXT_LIMIT = 2000                       # sendMessage and captions: 1 to 2000 characters


def render(reply: Reply, lang: str) -> str:
    """The reply's text with its choices as a numbered list, answered with the number or the words.

    Numbers come from handlers.turn.numbered, as the dialog reads them: "Hủy" is 0 and last. The
    location choice, which nobody can act on from Zalo, is replaced by a sentence; the dialog offers
    it no number, so the others run without a gap.
    """
    lines = [reply.text] if reply.text else []
    labels = {choice.key: choice.label for choice in reply.choices}
    shown = numbered(list(labels), hidden=(LOCATION_KEY,))
    lines.extend(f"{number}. {labels[key]}" for number, key in shown)
    if len(shown) < len(reply.choices):
        lines.append(t(lang, "zalo_no_location"))
    if shown:
        lines.append(t(lang, "zalo_answer_hint", example=shown[0][0]))
    return "\n".join(lines)


def typed_choice(text: str, offered: Sequence[str]) -> str | None:
    """The key a typed number names among the offered keys, numbered as render() showed them.

    Only a list with the hidden location is numbered differently here than in the dialog, and only
    then is a key returned. A number not on that list comes back as the location, which the dialog
    answers by asking again; it never lands on a choice the person did not see under that number.
    """
    number = whole(text.strip())
    if LOCATION_KEY not in offered or number is None:
        return None
    return dict(numbered(offered, hidden=(LOCATION_KEY,))).get(number, LOCATION_KEY)
