"""What every handler may use: storage, the photo store, the clock, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.clock import Clock
from handlers.settings import Settings
from storage.db import Database
from storage.photos import PhotoStore
from storage.times import to_db


@dataclass
class Context:
    db: Database
    photos: PhotoStore
    clock: Clock
    settings: Settings

    def now(self) -> datetime:
        return self.clock.now()

    def stamp(self) -> str:
        """Now, as stored."""
        return to_db(self.clock.now())

    def local(self, stored: str | None) -> str:
        """A stored UTC time shown as people in the campaign read it: 08:30 21/11/2026."""
        if not stored:
            return ""
        return datetime.fromisoformat(stored).astimezone(self.clock.tz).strftime("%H:%M %d/%m/%Y")
