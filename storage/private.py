"""Files that hold personal data (the database, its backups, exports, photos) are readable by the
bot's own account only: beneficiaries are poor households, and a shared server has other users.

Modes are set explicitly rather than left to the umask, because the umask is the caller's: a
library call, a test or a service manager may run with 022.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
# For a deployment whose web server (another account) serves the media folder itself.
SHARED_FILE_MODE = 0o644
SHARED_DIR_MODE = 0o755


def make_dirs(path: Path, mode: int = DIR_MODE) -> None:
    """`path` and any missing parents; the ones made here get `mode`, whatever the umask."""
    missing = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    path.mkdir(parents=True, exist_ok=True)
    for made in missing:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(made, mode)


def create_file(path: Path) -> None:
    """A new empty file only its owner can read; FileExistsError when there is one already."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def restrict(*paths: Path, mode: int = FILE_MODE) -> None:
    """Tighten files or folders made before (by an older version, or by hand) that exist."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_mode & 0o777 != mode:
                os.chmod(path, mode)


def replace_file(target: Path, data: bytes, mode: int, *, durable: bool = False) -> None:
    """`target` holds `data`, given `mode`: written beside it and renamed, so a reader sees the old
    file or the whole new one, never half. durable: on disk before the rename (a photo a receipt
    counts on), not only in the page cache."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
