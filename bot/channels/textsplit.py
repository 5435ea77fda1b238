"""Cutting a long text into messages that fit a platform's limit, counted in UTF-16 units as
Telegram and Zalo count them (an emoji can count as two)."""

from __future__ import annotations

from collections.abc import Callable


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = utf16_len) -> list[str]:
    """Pieces that each measure at most `limit`, cut at line breaks where possible; blank pieces are
    left out (neither platform sends an empty message). `measure` is how the platform will count a
    piece, e.g. after escaping it."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _hard_wrap(line, limit, measure):
            candidate = part if not current else current + "\n" + part
            if measure(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current)
                current = part
    if current.strip():
        pieces.append(current)
    return pieces


def _hard_wrap(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """A single line longer than the limit is cut by characters."""
    if measure(line) <= limit:
        return [line]
    out, current = [], ""
    for ch in line:
        if measure(current + ch) > limit:
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    return out
