"""Signed, expiring links to the media directory: what they serve and everything they refuse."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.channels.zalo.picture_links import MediaLinks, derive_key
from bot.channels.zalo.webhook import WebServer
from tests.images import png


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "charts").mkdir(parents=True)
    (root / "charts" / "tien-do.png").write_bytes(png(1))
    (root / "exports").mkdir()
    (root / "exports" / "tien-do-MTU.xlsx").write_bytes(b"PK\x03\x04 workbook")
    (tmp_path / "secret.txt").write_text("not for anyone")
    return root


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
async def served(media: Path, clock: Clock) -> AsyncIterator[tuple[MediaLinks, httpx.AsyncClient]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    links = MediaLinks(derive_key("1234567890:token"), media, f"http://127.0.0.1:{port}/pub", 3600,
                       clock=clock)
    server = WebServer([], links)
    await server.start("127.0.0.1", port)
    async with httpx.AsyncClient() as client:
        yield links, client
    await server.stop()


async def test_a_link_serves_its_file_until_it_expires(served: tuple[MediaLinks, httpx.AsyncClient],
                                                       media: Path, clock: Clock) -> None:
    links, client = served
    url = links.url_for(media / "charts" / "tien-do.png")
    got = await client.get(url)
    assert got.status_code == 200 and got.content == png(1)
    assert got.headers["Content-Type"] == "image/png" and got.headers["X-Content-Type-Options"] == "nosniff"
    head = await client.head(url)
    assert head.status_code == 200 and head.content == b""
    clock.now += 3599
    assert (await client.get(url)).status_code == 200
    clock.now += 2
    assert (await client.get(url)).status_code == 404


async def test_a_workbook_is_a_download(served: tuple[MediaLinks, httpx.AsyncClient], media: Path) -> None:
    links, client = served
    got = await client.get(links.url_for(media / "exports" / "tien-do-MTU.xlsx"))
    assert got.status_code == 200 and got.content.startswith(b"PK")
    assert got.headers["Content-Disposition"] == 'attachment; filename="tien-do-MTU.xlsx"'


async def test_forged_altered_and_extended_links_are_404(served: tuple[MediaLinks, httpx.AsyncClient],
                                                         media: Path) -> None:
    links, client = served
    url = links.url_for(media / "charts" / "tien-do.png")
    prefix = url[: url.index("/pub/m/") + 7]
    expiry, signature, rel = url[len(prefix):].split("/", 2)
    assert rel == "charts/tien-do.png"
    attempts = [
        f"{prefix}{int(expiry) + 3600}/{signature}/{rel}",                   # a longer life
        f"{prefix}{expiry}/{signature}/exports/tien-do-MTU.xlsx",            # another file
        f"{prefix}{expiry}/{signature[:-1]}{'B' if signature[-1] == 'A' else 'A'}/{rel}",  # altered
        f"{prefix}{expiry}/{'A' * len(signature)}/{rel}",
        f"{prefix}{expiry}/{rel}",                                           # no signature
        f"{prefix}",
        f"{prefix}{expiry}/{signature}/",
        f"{prefix}abc/{signature}/{rel}",
        f"{prefix}\u00b2/{signature}/{rel}",                                 # '²' is a digit to isdigit()
        f"{prefix}{'9' * 5000}/{signature}/{rel}",                           # too many for int()
    ]
    for bad in attempts:
        got = await client.get(bad)
        assert got.status_code == 404, bad
        assert b"tien-do" not in got.content


async def test_nothing_outside_the_media_directory_nor_a_directory(
        served: tuple[MediaLinks, httpx.AsyncClient], media: Path, clock: Clock) -> None:
    links, client = served
    with pytest.raises(ValueError):
        links.url_for(media.parent / "secret.txt")
    with pytest.raises(ValueError):
        links.url_for(media / "charts")  # a directory is never listed
    with pytest.raises(ValueError):
        links.url_for(media / "charts" / "gone.png")
    # A signature made for a path that climbs out is still refused when served.
    expiry = int(clock()) + 60
    for rel in ("../secret.txt", "charts/../../secret.txt", "charts", "/etc/passwd", "charts/"):
        forged = f"{links.base_url}/m/{expiry}/{links._sign(expiry, rel)}/{rel}"
        assert (await client.get(forged)).status_code == 404, rel
    # Nor through a symlink that points out of the media directory.
    os.symlink(media.parent / "secret.txt", media / "charts" / "link.png")
    rel = "charts/link.png"
    forged = f"{links.base_url}/m/{expiry}/{links._sign(expiry, rel)}/{rel}"
    assert (await client.get(forged)).status_code == 404


def test_links_are_unguessable_and_keys_differ_by_secret(media: Path, clock: Clock) -> None:
    a = MediaLinks(derive_key("token-a-0123456789"), media, "https://x.vn", 60, clock=clock)
    b = MediaLinks(derive_key("token-b-0123456789"), media, "https://x.vn", 60, clock=clock)
    path = media / "charts" / "tien-do.png"
    assert a.url_for(path) != b.url_for(path)
    signature = a.url_for(path).split("/")[-3]
    assert len(signature) >= 24
    assert "token" not in a.url_for(path)
    with pytest.raises(ValueError):
        MediaLinks(b"short", media, "https://x.vn", 60)


def test_a_base_url_with_a_path_gets_its_route(media: Path) -> None:
    links = MediaLinks(derive_key("token-0123456789"), media, "https://bot.example.vn/chungtay/", 60)
    assert links.route_prefix == "/chungtay/m/"
    assert links.url_for(media / "charts" / "tien-do.png").startswith("https://bot.example.vn/chungtay/m/")
