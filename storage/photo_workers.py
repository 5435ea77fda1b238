"""Moved to storage/photos/workers.py; this name stays only until bot/run.py imports from there."""

from storage.photos.workers import warm

__all__ = ["warm"]
