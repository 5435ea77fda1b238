"""The workbook's photo links: signed links that last [zalo] workbook_link_days when the bot serves
them (/xuat and `chungtay export --unit`), which the Zalo channel's picture-link server
opens; the photos/ folder's names otherwise."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from bot.app import App
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.webhook import WebServer
from bot.config import ConfigError, load_settings
from handlers.settings import ZaloSettings
from tests.channels.zalo_world import free_port
from tests.images import jpeg
from tests.test_officers_export import HEADER_ROW, PHOTOS, ROOT, progress_made
from tests.world import START, World, build_world

TOKEN = "1234567890:workbook-links"
DAYS = 30


@pytest.fixture
async def linked(tmp_path: Path) -> AsyncIterator[World]:
    """tests/world.py's campaign, opened as `chungtay run` opens it with a public address for Zalo."""
    plain = await build_world(tmp_path)
    await plain.app.close()
    port = free_port()
    zalo = ZaloSettings(token=TOKEN, listen="127.0.0.1", port=port,
                        public_base_url=f"http://127.0.0.1:{port}/media")
    settings = dataclasses.replace(plain.app.settings, zalo=zalo)
    app = await App.open(settings, clock=plain.clock, database=tmp_path / "world.sqlite",
                         media_dir=tmp_path / "media")
    yield World(app, plain.clock)
    await app.close()


def photo_cells(path: Path) -> list[list[Any]]:
    """Each report row's photo cells, 'Ảnh' and the link columns after it, under their headers."""
    sheet = openpyxl.load_workbook(path)["Báo cáo"]
    # 'Báo cáo' has no note above its header: one row higher than the summary's.
    rows = list(sheet.iter_rows(min_row=HEADER_ROW - 1, min_col=PHOTOS + 1))
    return [list(row) for row in rows]


class Moment:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_xuat_links_every_photo_with_links_the_channel_serves_for_the_workbook_days(
        linked: World) -> None:
    await progress_made(linked)
    hai = await linked.person("50", "MTU", role="officer")

    (reply,) = await hai.say("/xuat")

    assert reply.document is not None
    header, *rows = photo_cells(reply.document)
    assert [c.value for c in header] == ["Ảnh", "Ảnh 2"]  # MH-001 and MH-002 have two photos each
    links = [c.hyperlink.target for row in rows for c in row if c.hyperlink is not None]
    assert len(links) == 5  # every photo of the three reports: 2 + 2 + 1
    assert rows[0][1].value == "Ảnh 2" and rows[2][1].value is None  # MH-003 has one photo
    assert all(link.startswith("http://127.0.0.1:") and "/media/m/" in link for link in links)
    # Each link lasts the workbook's days from when it was made, not a chat link's hour.
    expiry = int((START + timedelta(days=DAYS)).timestamp())
    assert {int(link.split("/m/", 1)[1].split("/", 1)[0]) for link in links} == {expiry}
    media = linked.app.ctx.photos.media_dir
    names = [str(rows[0][0].value).split("\n")[i].rsplit("/", 1)[1] for i in (0, 1)]

    # The Zalo channel's own web server, built as `chungtay run` builds it, opens them.
    channel = ZaloChannel(linked.app)
    assert channel.links is not None and channel.links.ttl == 60 * 60
    moment = Moment(START.timestamp())
    channel.links.clock = moment
    server = WebServer([], channel.links)
    await server.start("127.0.0.1", linked.app.settings.zalo.port)
    try:
        async with httpx.AsyncClient() as client:
            moment.now += (DAYS - 1) * 24 * 3600  # a month on, the printed workbook still opens
            for link, name in zip(links[:2], names, strict=True):
                got = await client.get(link)
                assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
                (stored,) = media.rglob(name)
                assert got.content == stored.read_bytes()
            moment.now += 2 * 24 * 3600
            assert (await client.get(links[0])).status_code == 404
    finally:
        await server.stop()


async def test_without_a_public_address_xuat_names_the_photos_folder(world: World) -> None:
    await progress_made(world)
    assert world.app.ctx.workbook_links is None
    hai = await world.person("50", "MTU", role="officer")

    (reply,) = await hai.say("/xuat")

    assert reply.document is not None
    header, *rows = photo_cells(reply.document)
    assert [c.value for c in header] == ["Ảnh", "Ảnh 2"]
    first, second = rows[0]
    shown = str(first.value).split("\n")
    assert first.hyperlink.target == shown[0] and second.hyperlink.target == shown[1]
    assert all(name.startswith("photos/MH-001/") for name in shown)


async def test_a_photo_removed_since_keeps_its_name_as_the_link(linked: World) -> None:
    lan = await linked.person("10", "MTU01", name="Nguyễn Thị Lan")
    await lan.photos(jpeg(1), caption="MH-001 khởi công")
    for photo in linked.app.ctx.photos.media_dir.rglob("*.jpg"):
        photo.unlink()
    hai = await linked.person("50", "MTU", role="officer")

    (reply,) = await hai.say("/xuat")

    assert reply.document is not None
    header, row = photo_cells(reply.document)
    assert [c.value for c in header] == ["Ảnh"]
    assert row[0].hyperlink.target == row[0].value and str(row[0].value).startswith("photos/MH-001/")


def test_workbook_link_days_is_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[zalo]\nworkbook_link_days = 90\n", encoding="utf-8")
    assert load_settings(config, env={}).zalo.workbook_link_days == 90
    config.write_text("[zalo]\n", encoding="utf-8")
    assert load_settings(config, env={}).zalo.workbook_link_days == DAYS
    for wrong in ("0", "367", '"30"'):
        config.write_text(f"[zalo]\nworkbook_link_days = {wrong}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[zalo\] workbook_link_days"):
            load_settings(config, env={})


def test_the_example_config_says_how_long_workbook_links_last() -> None:
    example = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text(encoding="utf-8")
    assert f"workbook_link_days = {DAYS}" in example


async def test_the_command_line_signs_the_workbook_links_for_the_workbook_days(
        world: World, tmp_path: Path) -> None:
    await progress_made(world)
    config = tmp_path / "config.toml"
    config.write_text('[campaign]\nlanguage = "en"\n'
                      f'[storage]\ndatabase = "{world.database}"\nmedia_dir = "media"\n'
                      f'[zalo]\ntoken = "{TOKEN}"\npublic_base_url = "https://bot.example.vn/media"\n'
                      "workbook_link_days = 45\n", encoding="utf-8")
    out = tmp_path / "mytu.xlsx"

    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), "export",
                           "--unit", "MTU", "--format", "xlsx", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)

    assert done.returncode == 0, done.stderr
    made = time.time()
    header, *rows = photo_cells(out)
    assert [c.value for c in header] == ["Ảnh", "Ảnh 2"]
    links = [c.hyperlink.target for row in rows for c in row if c.hyperlink is not None]
    assert len(links) == 5 and all(link.startswith("https://bot.example.vn/media/m/") for link in links)
    # Made by the wall clock of the run just finished: 45 days on, give or take the run's minute.
    for link in links:
        expiry = int(link.split("/m/", 1)[1].split("/", 1)[0])
        assert abs(expiry - (made + 45 * 24 * 3600)) < 60
