"""A large file reaches the photo helpers as a private file of the bot's (storage/photos/spool.py):
stored as before, never left behind, readable by the bot's account only."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from storage.photos import PhotoRejected, PhotoStore
from storage.photos import spool as photo_spool
from tests.images import scene

ROOT = Path(__file__).resolve().parent.parent


def large_jpeg(seed: int) -> bytes:
    """A phone-sized file (grainy, high quality), over the size that goes through a file."""
    size = (2000, 1500)
    img = Image.blend(scene(seed, size), Image.effect_noise(size, 40).convert("RGB"), 0.3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert len(data) > photo_spool.SPOOL_ABOVE
    return data


def spool_folders(top: Path) -> list[Path]:
    return sorted(p for p in top.iterdir() if p.name.startswith("chungtay-spool-"))


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process's temporary folder, for its spool, under the test's own."""
    top = tmp_path / "tmp"
    top.mkdir()
    monkeypatch.setenv("TMPDIR", str(top))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    monkeypatch.setattr(photo_spool, "_folder", None)
    return top


async def test_a_large_file_is_stored_by_the_helpers_as_by_a_thread_and_no_copy_is_left(
    tmp_path: Path, own_tmp: Path
) -> None:
    data = large_jpeg(3)
    threads = PhotoStore(tmp_path / "threads")
    helpers = PhotoStore(tmp_path / "helpers", processes=2)
    in_helper = await helpers.process_async(data, keep_original=True)
    assert in_helper == await threads.process_async(data, keep_original=True)
    for name in (in_helper.normalized, in_helper.thumb, in_helper.original or ""):
        assert helpers.path(name).read_bytes() == threads.path(name).read_bytes()
    assert helpers.path(in_helper.original or "").read_bytes() == data
    [folder] = spool_folders(own_tmp)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert list(folder.iterdir()) == []


async def test_a_large_file_the_helpers_refuse_leaves_no_copy(own_tmp: Path, tmp_path: Path) -> None:
    helpers = PhotoStore(tmp_path / "helpers", processes=2)
    not_an_image = b"%PDF-1.7\n" + os.urandom(photo_spool.SPOOL_ABOVE + 1)
    with pytest.raises(PhotoRejected) as refused:
        await helpers.process_async(not_an_image, keep_original=True)
    assert refused.value.reason == "not_image"
    for folder in spool_folders(own_tmp):
        assert list(folder.iterdir()) == []


async def test_a_copy_still_being_written_when_its_photo_is_given_up_is_removed(
    own_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn cancelled (the bot stopping, a chat taken over) while its file is being written."""
    started, go_on, written = threading.Event(), threading.Event(), threading.Event()
    write = photo_spool._write

    def held_write(path: str, data: bytes) -> None:
        started.set()
        go_on.wait(10)
        write(path, data)
        written.set()

    monkeypatch.setattr(photo_spool, "_write", held_write)

    async def hand_over() -> None:
        async with photo_spool.handed_over((b"x" * (photo_spool.SPOOL_ABOVE + 1),), at_once=1):
            raise AssertionError("not reached: given up while writing")

    turn = asyncio.create_task(hand_over())
    assert await asyncio.to_thread(started.wait, 10)
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn
    [folder] = spool_folders(own_tmp)
    go_on.set()  # the write ends after the turn has gone
    assert await asyncio.to_thread(written.wait, 10)
    deadline = time.monotonic() + 10
    while list(folder.iterdir()) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # for the loop to learn the thread is done, not for time
    assert list(folder.iterdir()) == []


_SPOOL_THEN_WAIT = """
import asyncio, os, sys
from storage.photos import spool

async def main():
    async with spool.handed_over((os.urandom(spool.SPOOL_ABOVE + 1),), at_once=1) as sent:
        print(sent[0].path, flush=True)
        sys.stdin.read()  # the helper has it in hand

asyncio.run(main())
"""


def test_a_copy_left_by_a_killed_bot_is_removed_by_the_next(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}

    def spooling() -> tuple[subprocess.Popen[str], Path]:
        bot = subprocess.Popen([sys.executable, "-c", _SPOOL_THEN_WAIT], cwd=ROOT, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert bot.stdout is not None
        return bot, Path(bot.stdout.readline().strip())

    first, left = spooling()
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert left.is_file()  # killed with a photo in hand: nothing could remove it
    assert left.stat().st_mode & 0o777 == 0o600
    second, kept = spooling()
    try:
        assert not left.parent.exists()
        assert kept.is_file()  # the running bot's own are its to remove
    finally:
        assert second.stdin is not None
        second.stdin.close()
        second.wait(timeout=30)
    assert spool_folders(tmp_path) == []  # gone with the process that made it
