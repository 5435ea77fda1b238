"""Folding Vietnamese text so that what people type without diacritics still matches."""

from __future__ import annotations

import unicodedata

_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'nguyen van duc'; whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().split())


def clip(text: str, limit: int) -> str:
    """Shorten for display, never splitting inside a character."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
