"""Figures and dates as people read them, and the window a pace is measured over, for /tiendo and
reminders alike: a reminder never shows a number /tiendo would write differently."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.times import to_db

PACE_DAYS = 7   # a pace is houses a day over the last week, today included


def pace_since(now: datetime) -> str:
    """First day (UTC, as progress_daily keys it) of the pace window."""
    return to_db(now - timedelta(days=PACE_DAYS - 1))[:10]


def num(n: float, lang: str, digits: int | None = 0) -> str:
    """1.200 and 40,5 in Vietnamese; 1,200 and 40.5 in English. digits=None: one decimal, none when
    the value is that close to whole (a pace of 2 rather than 2,0)."""
    if digits is None:
        digits = 0 if abs(n - round(n)) < 0.05 else 1
    text = f"{n:,.{digits}f}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def day_month(d: date) -> str:
    """02/9, as plans and people write it."""
    return f"{d.day:02d}/{d.month}"


def when_text(moment: datetime) -> str:
    """08:00 26/8."""
    return f"{moment:%H:%M} {day_month(moment.date())}"
