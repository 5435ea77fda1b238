"""Examples in the bot's texts are real house codes of the person's own unit, so one copied from a
message works as it is; a unit with no houses yet gets the same text without an example."""

from __future__ import annotations

from typing import Any

from handlers.turn import Turn
from storage import houses


async def with_example(turn: Turn, key: str, **values: Any) -> str:
    """The message `key` with {example} a house code of the person's unit, or "<key>_no_example"."""
    code = await houses.example_code(turn.ctx.db, await turn.own_unit())
    if code is None:
        return turn.t(f"{key}_no_example", **values)
    return turn.t(key, example=code, **values)
