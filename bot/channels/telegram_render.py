"""Fitting replies into Telegram's limits: 4096 per message, 1024 per caption, 64-byte buttons."""

from __future__ import annotations

import html

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units: an emoji can count as two."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Escape for HTML and cut into pieces that each fit, on line breaks where possible.

    Escaping happens per piece, so no piece ends inside an entity such as &amp;.
    """
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _hard_wrap(line, limit):
            candidate = part if not current else current + "\n" + part
            if utf16_len(html.escape(candidate, quote=False)) <= limit:
                current = candidate
            else:
                if current:
                    pieces.append(current)
                current = part
    if current or not pieces:
        pieces.append(current)
    return [html.escape(p, quote=False) for p in pieces if p.strip()] or [html.escape(" ")]


def _hard_wrap(line: str, limit: int) -> list[str]:
    """A single line longer than the limit is cut by characters (worst case: every one escaped)."""
    if utf16_len(html.escape(line, quote=False)) <= limit:
        return [line]
    out, current = [], ""
    for ch in line:
        if utf16_len(html.escape(current + ch, quote=False)) > limit:
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    return out


def callback_ok(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= CALLBACK_LIMIT


def button_rows(labels: list[str]) -> list[list[int]]:
    """Indexes of buttons per row: short labels two to a row, long ones alone, so none is cut off."""
    rows: list[list[int]] = []
    pending: list[int] = []
    for i, text in enumerate(labels):
        if len(text) > 18:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([i])
        else:
            pending.append(i)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    return rows
