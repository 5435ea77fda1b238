"""`chungtay run` as a real process against the emulator: SIGKILL mid-dialog, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.photos import PhotoStore
from storage.photos import files as photo_files
from storage.times import to_db
from tests.channels.telegram_world import TOKEN
from tests.emulators.tgemu import BotApiEmulator, SimUser
from tests.images import jpeg
from tests.world import build_world

ROOT = Path(__file__).resolve().parents[2]


async def prepare(tmp: Path, emu: BotApiEmulator) -> Path:
    world = await build_world(tmp)
    await world.app.close()
    config = tmp / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
        f'base_file_url = "{emu.base_file_url}"\n'
        '[storage]\ndatabase = "world.sqlite"\nmedia_dir = "media"\n',
        encoding="utf-8",
    )
    return config


async def start(config: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "CHUNGTAY_TELEGRAM_TOKEN"}
    # The log goes to a file: a pipe nobody reads would block the bot once it filled up.
    log = (config.parent / "bot.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run",
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )


def log_of(config: Path) -> str:
    return (config.parent / "bot.log").read_text(encoding="utf-8", errors="replace")


async def invite(tmp: Path, unit: str) -> str:
    from storage import invites, units

    db = await Database.open(tmp / "world.sqlite")
    try:
        found = await units.by_code(db, unit)
        assert found is not None
        async with db.transaction():
            # Made now: the process runs on the real clock, and invites expire.
            return await invites.create(db, found.id, "volunteer", to_db(datetime.now(UTC)), 30)
    finally:
        await db.close()


async def count(tmp: Path, table: str) -> int:
    db = await Database.open(tmp / "world.sqlite")
    try:
        return int(await db.scalar(f"SELECT count(*) FROM {table}"))
    finally:
        await db.close()


async def photo_nobody_kept(tmp: Path) -> list[Path]:
    """A photo received three days ago whose report was never sent: its files, aged on disk."""
    photo = PhotoStore(tmp / "media").process(jpeg(9))
    db = await Database.open(tmp / "world.sqlite")
    try:
        async with db.transaction():
            await photo_files.note(db, [photo.sha256], to_db(datetime.now(UTC) - timedelta(days=3)))
    finally:
        await db.close()
    files = sorted((tmp / "media").glob(f"??/{photo.sha256}.*"))
    then = time.time() - 3 * 86400
    for f in files:
        os.utime(f, (then, then))
    assert len(files) == 2
    return files


async def text_of(user: SimUser, timeout: float = 30) -> str:
    return (await user.next_message(timeout=timeout)).text or ""


async def test_sigkill_mid_dialog_then_restart(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        config = await prepare(tmp_path, emu)
        code = await invite(tmp_path, "MTU01")
        proc = await start(config)
        try:
            lan = emu.user(1001, first_name="Lan")
            lan.send_text(f"/start {code}")
            assert "tham gia" in await text_of(lan)
            lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
            assert "Đã nhận báo cáo số 1" in await text_of(lan)
            lan.send_text("/baocao MH-001")
            await text_of(lan)
            lan.click("Hoàn thành")
            await text_of(lan)
            photo = lan.send_photo(jpeg(3))
            # Killed the moment the bot has fetched the photo: handled or not, it must not be lost.
            await emu.wait_for(lambda: not emu.pending_updates or emu.is_confirmed(photo["update_id"]))
            proc.kill()
            await proc.wait()
            first_run_messages = len(lan.messages)

            proc = await start(config)
            lan.send_photo(jpeg(4))
            await emu.wait_for(lambda: any("Đã nhận 2 ảnh" in (m.text or "")
                                           for m in lan.messages[first_run_messages:]), timeout=20)
            lan.unread()
            lan.click("Xong")
            await text_of(lan)
            assert "Bỏ qua" in lan.reply_buttons()
            lan.send_text("Bỏ qua")  # a reply-keyboard button sends its label
            await text_of(lan)
            lan.click("Gửi báo cáo")
            assert "Đã nhận báo cáo số 2" in await text_of(lan)
        except BaseException:
            print(log_of(config))
            raise
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert await count(tmp_path, "reports") == 2
    assert await count(tmp_path, "photos") == 4  # the album's two and the dialog's two, none twice


async def test_sigterm_finishes_and_closes(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        config = await prepare(tmp_path, emu)
        code = await invite(tmp_path, "MTU01")
        leftover = await photo_nobody_kept(tmp_path)
        proc = await start(config)
        lan = emu.user(1001, first_name="Lan")
        lan.send_text(f"/start {code}")
        assert "tham gia" in await text_of(lan)
        # At start the bot deletes the files of photos no report kept (bot/housekeeping.py).
        await emu.wait_for(lambda: not any(f.exists() for f in leftover), timeout=20,
                           what="the unused photo's files to be deleted")
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=20)
        log = log_of(config)
        assert proc.returncode == 0, log
        assert "stopping" in log
        assert TOKEN not in log and "Lan" not in log and "Traceback" not in log
        assert "deleted 2 files of photos no report kept" in log
        assert emu.pending_updates == []  # everything fetched was confirmed on the way out
    assert await count(tmp_path, "users") == 1
