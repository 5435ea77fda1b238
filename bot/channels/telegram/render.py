"""Fitting replies into Telegram's limits: 4096 per message, 64-byte buttons, keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.channels.textsplit import split_text, utf16_len
from handlers.types import LOCATION_KEY, Reply

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64


def _escaped_len(text: str) -> int:
    return utf16_len(html.escape(text, quote=False))


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Escape for HTML and cut into pieces that each fit, on line breaks where possible.

    Escaping happens per piece, so no piece ends inside an entity such as &amp;.
    """
    pieces = split_text(text, limit, _escaped_len)
    return [html.escape(p, quote=False) for p in pieces] or [html.escape(" ")]


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


def markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if any(c.key == LOCATION_KEY for c in reply.choices):
        # A location can only be asked for with a reply keyboard; its other buttons send their
        # label as text, which the dialog accepts like a pressed choice.
        rows = [[KeyboardButton(c.label, request_location=True)]
                for c in reply.choices if c.key == LOCATION_KEY]
        rows.append([KeyboardButton(c.label) for c in reply.choices if c.key != LOCATION_KEY])
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if not reply.choices:
        return None
    for choice in reply.choices:
        if not callback_ok(choice.key):
            raise ValueError(f"callback data over 64 bytes: {choice.key[:20]}...")
    labels = [c.label for c in reply.choices]
    rows = [[InlineKeyboardButton(labels[i][:64], callback_data=reply.choices[i].key) for i in row]
            for row in button_rows(labels)]
    return InlineKeyboardMarkup(rows)
