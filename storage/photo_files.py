"""Moved to storage/photos/files.py; this name stays only until handlers/core.py imports from there."""

from storage.photos.files import forget, in_reports, note, older_than

__all__ = ["forget", "in_reports", "note", "older_than"]
