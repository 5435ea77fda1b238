"""Files the bot makes to send (charts, workbooks, invite cards, photos side by side): kept a day,
then swept."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from storage.private import replace_file

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


def made_once(folder: Path, name: str, sweep: str, make: Callable[[], bytes], mode: int) -> Path:
    """`folder/name`, made by `make()` unless it is there from before (then kept another day). The
    older files matching `sweep` go; the new one is written aside and renamed, so whoever reads it
    (a channel uploading it, the picture links) sees the whole file or none. `mode`: the media
    folder's file mode (private, or readable by a web server that serves the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists():
        os.utime(target)
        return target
    prune(folder, sweep)
    replace_file(target, make(), mode)
    return target
