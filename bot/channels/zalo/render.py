"""What goes out to Zalo: no buttons, so choices become a numbered list, read back by number."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.catalog import t
from handlers.types import LOCATION_KEY, Reply
from storage.numbers import whole

TEXT_LIMIT = 2000                       # sendMessage and captions: 1 to 2000 characters


def render(reply: Reply, lang: str) -> str:
    """The reply's text with its choices as a numbered list, answered with the number or the words.

    The location choice, which nobody can act on from Zalo, is replaced by a sentence; the others are
    numbered 1 to n as shown, and a typed number is read back the same way (typed_choice).
    """
    lines = [reply.text] if reply.text else []
    shown = [c for c in reply.choices if c.key != LOCATION_KEY]
    lines.extend(f"{number}. {choice.label}" for number, choice in enumerate(shown, 1))
    if len(shown) < len(reply.choices):
        lines.append(t(lang, "zalo_no_location"))
    if shown:
        lines.append(t(lang, "zalo_answer_hint", example=1))
    return "\n".join(lines)


def typed_choice(text: str, offered: Sequence[str]) -> str | None:
    """The key a typed number names among the offered keys, counted as render() numbered them.

    The dialog reads a number as a position among everything it offered, the location included; the
    two countings differ only when the location was offered, and only then is a choice returned.
    A number past the shown list but within the offered one would land on a choice the person never
    saw under it (cancelling, say): it comes back as the location, and the dialog asks again.
    """
    typed = text.strip()
    number = whole(typed)
    if LOCATION_KEY not in offered or number is None:
        return None
    shown = [key for key in offered if key != LOCATION_KEY]
    if 1 <= number <= len(shown):
        return shown[number - 1]
    return LOCATION_KEY if 1 <= number <= len(offered) else None

