"""What does not decide a receipt's words happens after the receipt: the thumbnails' files. It is
noted in the report's own commit, so `chungtay run` killed between the receipt and the files
writes them at its next start, once, and nothing of the report is lost or doubled."""

from __future__ import annotations

import asyncio
import io
import signal
from pathlib import Path

from storage.db import Database
from tests.channels.telegram_world import TOKEN
from tests.channels.test_telegram_process import count, invite, log_of, prepare, start
from tests.emulators.tgemu import BotApiEmulator
from tests.images import scene

RESUMED = "wrote 2 thumbnails left from before the restart"


def telegram_photo(seed: int) -> bytes:
    buf = io.BytesIO()
    scene(seed, (1280, 960)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


async def thumbs_of(tmp: Path) -> list[Path]:
    db = await Database.open(tmp / "world.sqlite")
    try:
        rows = await db.fetchall("SELECT thumb FROM photos ORDER BY position")
        return [tmp / "media" / r[0] for r in rows]
    finally:
        await db.close()


async def stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 60) == 0


async def test_thumbnails_left_by_a_sigkill_after_the_receipt_are_written_once_at_restart(
        tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        config = await prepare(tmp_path, emu)
        proc = await start(config)
        lan = emu.user(4001, "Lan")
        lan.send_text(f"/start {await invite(tmp_path, 'MTU01')}")
        assert "Bạn đã tham gia" in ((await lan.next_message(timeout=60)).text or "")
        uploads = [lan.upload_photo(telegram_photo(seed)) for seed in (11, 12)]

        # The receipt reaches Lan, but the bot is never told it went out: it is caught right
        # between the receipt and the work left for after it.
        emu.hold_answers("sendMessage")
        lan.send_album(uploads, "MH-001 hoàn thành")
        assert "Đã nhận báo cáo" in ((await lan.next_message(timeout=60)).text or "")
        thumbs = await thumbs_of(tmp_path)
        assert len(thumbs) == 2 and not any(t.exists() for t in thumbs)
        assert await count(tmp_path, "pending_thumbs") == 2
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        emu.release_answers("sendMessage")

        proc = await start(config)
        await emu.wait_for(lambda: all(t.exists() for t in thumbs), timeout=60,
                           what="the thumbnails written after the restart")
        for thumb, sizes in zip(thumbs, uploads, strict=True):
            small = emu.files.get(sizes[1]["file_id"])
            assert small is not None and thumb.read_bytes() == small.data
        # The album was handled once: one report, one receipt, nothing replayed.
        lan.send_text("/baocao MH-002")
        assert "MH-002" in ((await lan.next_message(timeout=60)).text or "")
        assert await count(tmp_path, "reports") == 1
        assert await count(tmp_path, "pending_thumbs") == 0
        await stop(proc)

        # Once: a later start finds nothing left to do.
        proc = await start(config)
        lan.send_text("/huy")
        await lan.next_message(timeout=60)
        await stop(proc)
        assert log_of(config).count(RESUMED) == 1
        assert [m.text for m in lan.messages].count(None) == 0
        assert sum("Đã nhận báo cáo" in (m.text or "") for m in lan.messages) == 1
