"""`chungtay run` with only a Zalo token, as a real process against the Zalo emulator: the webhook is
registered, reports arrive, a kill in the middle loses nothing, SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.channels.test_telegram_process import count, invite, log_of
from tests.channels.zalo_world import HOOK_PATH, SECRET, TOKEN, free_port
from tests.emulators.zaloemu import ZaloEmulator, ZaloUser
from tests.images import jpeg
from tests.world import build_world

ROOT = Path(__file__).resolve().parents[2]


async def prepare(tmp: Path, emu: ZaloEmulator) -> tuple[Path, int]:
    world = await build_world(tmp)
    await world.app.close()
    port = free_port()
    config = tmp / "config.toml"
    config.write_text(
        f'[zalo]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
        f'webhook_url = "https://bot.example.vn{HOOK_PATH}"\nwebhook_secret = "{SECRET}"\n'
        f'listen = "127.0.0.1"\nport = {port}\npublic_base_url = "http://127.0.0.1:{port}/media"\n'
        '[storage]\ndatabase = "world.sqlite"\nmedia_dir = "media"\n',
        encoding="utf-8",
    )
    emu.deliver_to = f"http://127.0.0.1:{port}{HOOK_PATH}"
    return config, port


async def start(config: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUNGTAY_")}
    # The child writes to its own copy of the file handle; ours is closed once it has one.
    with (config.parent / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(config), "run",
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )


async def text_of(user: ZaloUser, timeout: float = 30) -> str:
    return (await user.next_message(timeout=timeout)).text


async def test_run_with_zalo_only_kill_restart_and_sigterm(tmp_path: Path) -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        config, _ = await prepare(tmp_path, emu)
        code = await invite(tmp_path, "MTU01")
        proc = await start(config)
        try:
            await emu.wait_for(lambda: emu.webhook is not None, timeout=30, what="setWebhook")
            assert emu.webhook is not None and emu.webhook["secret_token"] == SECRET
            lan = emu.user(display_name="Lan")
            lan.send_text(f"/start {code}")
            assert "tham gia" in await text_of(lan)
            lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
            assert "Đã nhận báo cáo số 1" in await text_of(lan)
            lan.send_text("/baocao MH-001")
            await text_of(lan)
            lan.choose("Hoàn thành")
            await text_of(lan)
            lan.send_photo(jpeg(3))
            # Killed the moment the bot has answered the webhook: the photo is on disk, handled or not.
            await emu.delivered()
            proc.kill()
            await proc.wait()
            seen = len(lan.messages)

            proc = await start(config)
            # Handled before the kill or replayed after it, the photo counts once.
            await emu.wait_for(lambda: any("Đã nhận 1 ảnh" in m.text for m in lan.messages),
                               timeout=30, what="the photo's answer")
            lan.unread()
            lan.send_photo(jpeg(4))
            await emu.wait_for(lambda: any("Đã nhận 2 ảnh" in m.text for m in lan.messages[seen:]),
                               timeout=30, what="the second photo")
            lan.unread()
            lan.choose("Xong")
            await text_of(lan)
            lan.choose("Bỏ qua")
            await text_of(lan)
            lan.choose("Gửi báo cáo")
            assert "Đã nhận báo cáo số 2" in await text_of(lan)
            assert sum("Đã nhận 1 ảnh" in m.text for m in lan.messages) == 1
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), timeout=20)
            log = log_of(config)
            assert proc.returncode == 0, log
            assert "Zalo webhook listening" in log and "stopping" in log
            assert TOKEN not in log and SECRET not in log and "Lan" not in log
            assert "Unclosed" not in log  # aiohttp's word for a session or connector left open
        except BaseException:
            print(log_of(config))
            raise
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert await count(tmp_path, "reports") == 2
    assert await count(tmp_path, "photos") == 4


async def test_a_refused_webhook_ends_the_process_with_one_line(tmp_path: Path) -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        config, _ = await prepare(tmp_path, emu)
        emu.webhook_answer = {"verification": "failed"}
        proc = await start(config)
        assert await asyncio.wait_for(proc.wait(), 60) == 1
    logged = log_of(config)
    assert "did not verify the webhook URL" in logged
    assert "Traceback" not in logged and "unexpected error" not in logged
