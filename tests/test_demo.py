"""The terminal demo, played as someone trying the product would: type, switch persona, quit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.demo import run_demo
from handlers.settings import Settings

Line = str | Callable[[str], str]


async def play(lines: list[Line], database: Path) -> str:
    """Type each line at the prompt; a callable line is made from what the screen shows so far."""
    said: list[str] = []
    script = iter(lines)

    def read(prompt: str) -> str:
        line = next(script, None)
        if line is None:
            raise EOFError
        return line("\n".join(said)) if callable(line) else line

    await run_demo(Settings(), database, read, said.append)
    return "\n".join(said)


def send_two_sample_photos(screen: str) -> str:
    photos = [line.strip() for line in screen.splitlines() if line.strip().endswith(".jpg")][:2]
    assert len(photos) == 2, screen
    return f":photo {photos[0]} {photos[1]} -- MTU01-001 hoàn thành"


async def test_the_demo_files_a_report_and_shows_the_drive_against_its_deadline(tmp_path: Path) -> None:
    out = await play([send_two_sample_photos, ":canbo", "/tiendo", ":quit"], tmp_path / "demo.sqlite")
    # The drive is played from 20/8/2023, two weeks before its deadline.
    assert "Đã nhận báo cáo số 1: nhà MTU01-001, Hoàn thành, 2 ảnh, lúc 09:00 20/08/2023" in out, out
    assert "Chỉ tiêu: 1.200 nhà" in out and "02/9" in out and "còn 13 ngày" in out, out
    assert "Cần bàn giao thêm 1.200 nhà: 92,3 nhà/ngày" in out
