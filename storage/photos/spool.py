"""A large file for a photo helper handed over as a private file, not through the pool's pipe.

ProcessPoolExecutor pickles a call's arguments into a pipe that holds 64 KiB: a 4 MB photo sent as
a file crossed it in some 60 turns of both processes, 6.3 ms of CPU per file in the bot's thread
that feeds the pipe, and 9-12 ms in the helper against 4-5 ms for reading it from a file
(BENCHMARKS.md, "Files to the photo helpers without the pipe"). Small photos (an album's, ~200 kB)
still go through the pipe, where they cost less than a file's open, write and removal.

The files lie in a folder of this process's own, readable by the bot's account only (they hold
beneficiaries' photos); the bot's process removes each once the helper has answered, whatever the
answer, and the folder at exit. A folder left by a process that was killed is removed by the next
process of the same account that spools.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from storage import private

SPOOL_ABOVE = 1 << 20  # bytes
_PREFIX = "chungtay-spool-"

_lock = threading.Lock()
_folder: str | None = None
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


@dataclass(frozen=True)
class Spooled:
    """Stands for the bytes in `path` among a helper's arguments."""

    path: str


@asynccontextmanager
async def handed_over(args: tuple[object, ...], at_once: int) -> AsyncIterator[tuple[object, ...]]:
    """args with each large bytes written to a file and replaced by its Spooled, the files removed
    on leaving. At most `at_once` calls with such files at a time (per event loop): a burst of
    hundreds waits with its bytes in memory, as it would for the pipe, and the folder holds only
    what the helpers are about to read, so it stays in the page cache and never reaches the disk.
    Where the temporary folder cannot be written, args as they were (the pipe still carries them)."""
    if not any(_large(arg) for arg in args):
        yield args
        return
    async with _slots(at_once):
        made: list[object] = []
        try:
            for arg in args:
                made.append(await _spool(arg) if _large(arg) else arg)
            sent = tuple(made)
        except OSError:
            sent = args
        try:
            yield sent
        finally:
            _discard(made)


def _slots(at_once: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _per_loop.get(loop)
    if slots is None:
        slots = _per_loop[loop] = asyncio.Semaphore(at_once)
    return slots


def incoming(args: tuple[object, ...]) -> tuple[object, ...]:
    """In the helper: args with each Spooled read back into its bytes."""
    return tuple(_read(arg.path) if isinstance(arg, Spooled) else arg for arg in args)


def _discard(args: list[object]) -> None:
    for arg in args:
        if isinstance(arg, Spooled):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(arg.path)


def _large(arg: object) -> bool:
    return isinstance(arg, bytes | bytearray) and len(arg) > SPOOL_ABOVE


async def _spool(data: bytes) -> Spooled:
    path = os.path.join(_own_folder(), uuid.uuid4().hex)
    writing = asyncio.ensure_future(asyncio.to_thread(_write, path, data))
    try:
        await asyncio.shield(writing)
    except asyncio.CancelledError:
        # The thread writes on: the file goes once it is written, not when the bot stops.
        writing.add_done_callback(lambda _: _discard([Spooled(path)]))
        raise
    return Spooled(path)


def _write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private.FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _own_folder() -> str:
    global _folder
    with _lock:
        if _folder is None or not os.path.isdir(_folder):
            _sweep_left_behind()
            # mkdtemp makes it readable by this account only (0700).
            _folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
            atexit.register(shutil.rmtree, _folder, True)
        return _folder


def _sweep_left_behind() -> None:
    """Folders of this account's processes that are gone (killed while a helper had a file)."""
    top = tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(top):
            pid = _pid_of(entry.name)
            if pid is None or pid == os.getpid() or process_alive(pid):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid():
                    shutil.rmtree(entry.path, ignore_errors=True)


def _pid_of(name: str) -> int | None:
    if not name.startswith(_PREFIX):
        return None
    pid = name[len(_PREFIX):].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
