"""How times are stored: UTC ISO text, so they compare as strings."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_db(when: datetime) -> str:
    """Stored times are UTC ISO text so they compare as strings."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).astimezone(tz)
