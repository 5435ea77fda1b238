"""`chungtay run` stops whatever happens to one of its parts: every step runs, in bounded time."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.logs import WITHHELD
from bot.run import close_all


async def test_every_step_runs_when_one_fails_and_one_hangs(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    async def failing() -> None:
        done.append("reminders")
        raise RuntimeError("the database is locked by Nguyễn Văn A's report")

    async def hanging() -> None:
        done.append("channel")
        await asyncio.Event().wait()

    async def closing() -> None:
        done.append("database")

    started = time.monotonic()
    await close_all([("reminders", failing), ("channel telegram", hanging), ("database", closing)],
                    within=0.3, at_least=0.1)

    assert done == ["reminders", "channel", "database"]
    assert time.monotonic() - started < 2.0
    lines = [r.getMessage() for r in caplog.records]
    assert "stopping: reminders failed (RuntimeError); going on with the rest" in lines
    assert "stopping: channel telegram failed (TimeoutError); going on with the rest" in lines
    assert not any("Nguyễn" in line for line in lines)


def test_an_error_at_the_top_is_logged_without_its_text_and_the_process_ends(tmp_path: Path) -> None:
    """The Bot API cannot be reached at start: the process ends with one private log line, no
    traceback text with the URL (which carries the token), and nothing left running."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    token = "123456:AAHsecretsecretsecretsecret"
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{token}"\nbase_url = "http://127.0.0.1:{closed}/bot"\n'
                      '[storage]\ndatabase = "data.sqlite"\nmedia_dir = "media"\nphoto_processes = 0\n',
                      encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
                          capture_output=True, text=True, cwd=root, timeout=60)

    assert done.returncode == 1
    assert "stopped by an unexpected error" in done.stderr and WITHHELD in done.stderr
    assert token not in done.stderr + done.stdout and "AAHsecret" not in done.stderr
