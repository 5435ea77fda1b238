"""Files the officers' commands make to send once (charts, workbooks): kept a day, then swept."""

from __future__ import annotations

import time
from pathlib import Path

KEEP_SECONDS = 24 * 3600   # long enough to send again the same day, not the campaign's worth


def prune(folder: Path, pattern: str, keep_seconds: int = KEEP_SECONDS) -> None:
    """Remove the files of `folder` matching `pattern` untouched for longer than keep_seconds."""
    limit = time.time() - keep_seconds
    for old in folder.glob(pattern):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except FileNotFoundError:  # another worker swept it first
            pass
