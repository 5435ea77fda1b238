"""A flood of idle connections on Zalo's webhook port must not stop the bot for anyone: not the
Zalo messages that come after it, nor a Telegram album sent meanwhile."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys
from pathlib import Path

import pytest

from bot.channels.zalo import webhook
from tests.channels.telegram_world import TOKEN as TELEGRAM_TOKEN
from tests.channels.test_telegram_process import invite, log_of
from tests.channels.zalo_world import HOOK_PATH, SECRET, free_port
from tests.channels.zalo_world import TOKEN as ZALO_TOKEN
from tests.emulators.tgemu import BotApiEmulator
from tests.emulators.zaloemu import ZaloEmulator
from tests.images import jpeg
from tests.world import build_world

ROOT = Path(__file__).resolve().parents[2]
FLOOD = 1_100
# What a small rented server gives a service unless told otherwise.
BOT_FILES = 1024


def _as_on_a_server() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (BOT_FILES, BOT_FILES))


async def test_idle_connections_by_the_thousand_stop_nobody(tmp_path: Path) -> None:
    # Our side of the flood needs its own descriptors.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FLOOD + 500 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FLOOD + 500, hard))
    async with BotApiEmulator(token=TELEGRAM_TOKEN) as tg, ZaloEmulator(token=ZALO_TOKEN) as zl:
        world = await build_world(tmp_path)
        await world.app.close()
        port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{TELEGRAM_TOKEN}"\nbase_url = "{tg.base_url}"\n'
            f'base_file_url = "{tg.base_file_url}"\n'
            f'[zalo]\ntoken = "{ZALO_TOKEN}"\nbase_url = "{zl.base_url}"\n'
            f'webhook_url = "https://bot.example.vn{HOOK_PATH}"\nwebhook_secret = "{SECRET}"\n'
            f'listen = "127.0.0.1"\nport = {port}\n'
            '[storage]\ndatabase = "world.sqlite"\nmedia_dir = "media"\n',
            encoding="utf-8")
        zl.deliver_to = f"http://127.0.0.1:{port}{HOOK_PATH}"
        codes = [await invite(tmp_path, "MTU01") for _ in range(2)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHUNGTAY_")}
        with (tmp_path / "bot.log").open("ab") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "--config", str(config), "run", cwd=ROOT, env=env,
                stdout=log, stderr=log, preexec_fn=_as_on_a_server)
        flood: list[asyncio.StreamWriter] = []
        try:
            await zl.wait_for(lambda: zl.webhook is not None, timeout=30, what="setWebhook")
            lan = tg.user(1001, first_name="Lan")
            lan.send_text(f"/start {codes[0]}")
            assert "tham gia" in ((await lan.next_message(timeout=30)).text or "")

            # Connections that say nothing, no secret, no request line: held open.
            for _ in range(FLOOD):
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    break  # refused outright is as good as closed
                flood.append(writer)

            minh = zl.user(display_name="Minh")
            minh.send_text(f"/start {codes[1]}")
            assert "tham gia" in (await minh.next_message(timeout=30)).text
            lan.send_album([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
            receipt = (await lan.next_message(timeout=30)).text or ""
            assert "Đã nhận báo cáo số 1" in receipt, receipt
            assert proc.returncode is None
        finally:
            for writer in flood:
                writer.close()
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 60)
        logged = log_of(config)
        # The flood is said, once a minute at most, not once a connection.
        assert 1 <= logged.count("closing idle ones") <= 2, logged[-3000:]
        assert "Too many open files" not in logged and "Traceback" not in logged


async def test_slow_or_silent_connections_are_closed_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without these bounds a connection that sends nothing, or its headers or body a byte at a
    time, held its descriptor for an hour."""
    monkeypatch.setattr(webhook, "IDLE_WITHIN", 0.3)
    monkeypatch.setattr(webhook, "BODY_WITHIN", 0.3)
    stored: list[dict[str, object]] = []

    async def accept(body: dict[str, object]) -> None:
        stored.append(body)

    server = webhook.WebServer([webhook.webhook_route("/hook", "secret-123", accept)], None)
    await server.start("127.0.0.1", 0)
    try:
        for sent in (b"", b"POST /hook HTTP/1.1\r\nHost: bot\r\n",
                     b"POST /hook HTTP/1.1\r\nHost: bot\r\nX-Bot-Api-Secret-Token: secret-123\r\n"
                     b"Content-Length: 100\r\n\r\n{"):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(sent)
            answer = await asyncio.wait_for(reader.read(), 10)  # the bot closes; we only wait
            writer.close()
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:60]
    finally:
        await server.stop()
    assert stored == []
