"""The officers' workbook with the area's photos in one ZIP: `<name>.xlsx` and
`photos/<house code>/<file>`, the workbook's links pointing at the photos beside it."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import private
from storage.db import Database
from storage.export.contributions import AwardBasis
from storage.export.workbook import WorkbookCounts, export_workbook
from storage.models import Unit
from storage.sheets.writers import written_aside

# A local file header and a central directory entry, with their names: what the ZIP adds per file.
_ENTRY_BYTES = 200


@dataclass(frozen=True)
class PhotoBook:
    counts: WorkbookCounts
    photos: int
    size: int            # bytes of the ZIP


class TooLarge(Exception):
    """The ZIP would be over the limit; nothing was kept."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size, self.limit = size, limit


async def export_with_photos(db: Database, out: Path, tz: ZoneInfo, within: Unit, campaign: str,
                             generated: datetime, media_dir: Path,
                             limit: int | None = None, awards: AwardBasis | None = None) -> PhotoBook:
    """Write the ZIP to `out` (aside and renamed); with `limit`, raise TooLarge instead when the
    workbook and photos come to more bytes, found before packing anything."""
    out = Path(out)
    private.make_dirs(out.parent)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".book-") as tmp:
        book = Path(tmp) / (out.stem + ".xlsx")
        used: list[tuple[str, str]] = []
        counts = await export_workbook(db, book, tz, within, campaign, generated, photos_used=used,
                                       awards=awards)
        files: dict[str, Path] = {}
        for stored, shown in used:
            path = Path(media_dir) / stored
            if shown not in files and path.is_file():  # a photo removed since stays a dead link
                files[shown] = path
        size = book.stat().st_size + sum(p.stat().st_size + _ENTRY_BYTES for p in files.values())
        if limit is not None and size > limit:
            raise TooLarge(size, limit)
        # Stored, not deflated: photos are JPEG and the workbook is a ZIP already.
        with written_aside(out) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED,
                                                            allowZip64=True) as packed:
            packed.write(book, book.name)
            for shown, path in files.items():
                packed.write(path, shown)
        size = out.stat().st_size
    if limit is not None and size > limit:
        out.unlink()
        raise TooLarge(size, limit)
    return PhotoBook(counts, len(files), size)
