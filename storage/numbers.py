"""Whole numbers typed by people or carried in a request, read in one place.

`str.isdigit()` is true for '²' and '٣', and `int()` refuses the first and reads the second; a
run of thousands of digits makes `int()` raise too. Only ASCII digits, and not too many, count.
"""

from __future__ import annotations

import re

_WHOLE = re.compile(r"[0-9]{1,18}")   # below 2**63: fits every column and every comparison


def whole(text: str) -> int | None:
    """The number `text` spells in ASCII digits (no sign, no spaces), or None."""
    return int(text) if _WHOLE.fullmatch(text) else None
