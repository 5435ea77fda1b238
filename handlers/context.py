"""What every handler may use: storage, the photo store, the clock, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
    # A lasting signed link to a file under the media directory (ValueError for anything else), set
    # by the wiring in bot/ when a web server serves them: a workbook's photos open from the file.
    # None: the workbook names its photos in a photos/ folder, as the ZIP with photos holds them.
    workbook_links: Callable[[Path], str] | None = None

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
