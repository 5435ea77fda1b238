"""The terminal demo, played as someone trying the product would: type, switch persona, quit."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image

from bot.demo import run_demo, sample_photos
from handlers.settings import Settings
from storage.photos.hashing import same_scene, scene_hash

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


def test_the_sample_photos_are_different_pictures_taken_before_now(tmp_path: Path) -> None:
    now = datetime(2023, 8, 20, 9, 0)
    photos = sample_photos(tmp_path, now)
    assert len(photos) >= 3
    hashes, taken = [], []
    for path in photos:
        with Image.open(path) as img:
            thumb = img.copy()
            thumb.thumbnail((320, 320))  # what the bot hashes: its stored thumbnail
            hashes.append(scene_hash(thumb))
            stamp = img.getexif().get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal]
            taken.append(datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S"))
    for a, b in itertools.combinations(hashes, 2):
        assert not same_scene(a, b)
    assert all(now.replace(hour=7) < when < now for when in taken) and taken == sorted(taken)


async def test_all_sample_photos_make_one_report_with_no_duplicate_warning(tmp_path: Path) -> None:
    def send_all(screen: str) -> str:
        photos = [line.strip() for line in screen.splitlines() if line.strip().endswith(".jpg")]
        return f":photo {' '.join(photos)} -- MTU01-001 hoàn thành"

    out = await play([send_all, ":quit"], tmp_path / "demo.sqlite")
    assert "Đã nhận báo cáo số 1: nhà MTU01-001, Hoàn thành, 3 ảnh" in out, out
    assert "trùng" not in out.lower(), out


async def test_a_message_for_someone_else_says_whom_it_is_for(tmp_path: Path) -> None:
    out = await play([send_two_sample_photos, ":canbo", "/sua MTU01-001", "Khởi công / đang thi công",
                      "nhầm nhà", ":quit"], tmp_path / "demo.sqlite")
    told = out[out.index("📨"):]
    assert told.startswith("📨 Gửi tới Nguyễn Thị Lan (tình nguyện viên, Xã Mỹ Hương) — gõ :tnv"), out
    assert "MTU01-001" in told.splitlines()[1]
    # The officer's own answers carry no such line: only the notice does.
    assert out.count("📨") == 1


async def test_a_demo_kept_in_a_file_keeps_its_photos_beside_it(tmp_path: Path) -> None:
    database = tmp_path / "thu" / "demo.sqlite"
    database.parent.mkdir()
    await play([send_two_sample_photos, ":quit"], database)
    kept = sorted((tmp_path / "thu" / "demo-media").rglob("*.jpg"))
    assert len(kept) >= 2
    # Opened again, the house shows its report's photos from there.
    again = await play([":canbo", "/nha MTU01-001", ":quit"], database)
    shown = [Path(line) for line in re.findall(r"\[ảnh\] (\S+)", again)]
    assert len(shown) == 2 and all(p.is_file() and tmp_path / "thu" / "demo-media" in p.parents
                                   for p in shown), again


async def test_the_examples_the_demo_gives_are_codes_of_its_own_houses(tmp_path: Path) -> None:
    out = await play(["/baocao", ":quit"], tmp_path / "demo.sqlite")
    example = re.search(r"ví dụ ([\w-]+)", out)
    assert example is not None and example.group(1).startswith("MTU01-"), out
    shipped = (Path(__file__).parent.parent / "bot" / "demo" / "houses.csv").read_text("utf-8")
    assert f"\n{example.group(1)}," in shipped
