"""The Zalo adapter's pure parts: payload shapes in, numbered text out, and its [zalo] settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.textsplit import split_text
from bot.channels.zalo.events import parse_event
from bot.channels.zalo.render import TEXT_LIMIT, render, typed_choice
from bot.config import ConfigError, load_settings
from handlers.settings import ZaloSettings
from handlers.types import LOCATION_KEY, Choice, Reply
from tests.emulators.tgemu import utf16_len

ROOT = Path(__file__).resolve().parents[2]

# The documented sample, as Zalo's webhook sends it.
SAMPLE = {"ok": True, "result": {"message": {
    "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
    "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
    "text": "Xin chào", "message_id": "2d758cb5e222177a4e35", "date": 1750316131602},
    "event_name": "message.text.received"}}


def test_a_wrapped_and_a_flat_event_read_the_same() -> None:
    wrapped = parse_event(SAMPLE)
    flat = parse_event(SAMPLE["result"])
    assert wrapped == flat
    assert wrapped is not None
    assert wrapped.key == "zalo:2d758cb5e222177a4e35" and wrapped.user_id == "6ede9afa66b88fe6d6a9"
    assert wrapped.text == "Xin chào" and wrapped.display_name == "Ted" and wrapped.chat_type == "PRIVATE"


@pytest.mark.parametrize("field", ["photo_url", "photo"])
def test_an_image_is_read_from_either_field_with_its_caption(field: str) -> None:
    event = {"event_name": "message.image.received", "message": {
        "from": {"id": "a1"}, "chat": {"id": "a1", "chat_type": "PRIVATE"}, "message_id": "m1",
        field: "https://photo-zalo.zdn.vn/x.jpg", "caption": "MH-001 hoàn thành", "date": 1}}
    parsed = parse_event(event)
    assert parsed is not None and parsed.is_image
    assert parsed.photo_url == "https://photo-zalo.zdn.vn/x.jpg" and parsed.text == "MH-001 hoàn thành"


@pytest.mark.parametrize("message", [
    {"url": "https://photo-zalo.zdn.vn/x.jpg"},
    {"attachments": [{"type": "image", "payload": {"url": "https://photo-zalo.zdn.vn/x.jpg"}}]},
    {"attachments": [{"type": "sticker", "payload": {"url": "https://s.zdn.vn/s"}},
                     {"type": "photo", "url": "https://photo-zalo.zdn.vn/x.jpg"}]},
    {"photo_url": "https://photo-zalo.zdn.vn/x.jpg", "url": "https://elsewhere.vn/y.jpg"},
])
def test_an_image_is_read_from_url_or_attachments_when_photo_fields_are_absent(
        message: dict[str, object]) -> None:
    event = {"event_name": "message.image.received", "message": {
        "from": {"id": "a1", "first_name": "Lan"}, "chat": {"id": "a1"}, "message_id": "m1", **message}}
    parsed = parse_event(event)
    assert parsed is not None and parsed.photo_url == "https://photo-zalo.zdn.vn/x.jpg"
    assert parsed.display_name == "Lan"


@pytest.mark.parametrize(("sender", "name"), [
    ({"id": "a1", "first_name": "Lan"}, "Lan"),
    ({"id": "a1", "display_name": "Ted", "first_name": "Lan"}, "Ted"),
    ({"id": "a1"}, ""),
])
def test_the_senders_name_falls_back_to_first_name(sender: dict[str, str], name: str) -> None:
    parsed = parse_event({"event_name": "message.text.received", "message": {
        "from": sender, "chat": {"id": "a1"}, "message_id": "m1", "text": "x"}})
    assert parsed is not None and parsed.display_name == name


def test_an_image_without_any_url_has_none() -> None:
    parsed = parse_event({"event_name": "message.image.received", "message": {
        "from": {"id": "a1"}, "chat": {"id": "a1"}, "message_id": "m1",
        "attachments": ["x", {"type": "image"}, {"type": "image", "payload": "no"}]}})
    assert parsed is not None and parsed.photo_url is None


@pytest.mark.parametrize("body", [
    None, [], "x", {}, {"ok": True}, {"ok": True, "result": {"event_name": "x"}},
    {"event_name": "message.text.received", "message": "nope"},
    {"event_name": "message.text.received", "message": {"text": "no sender"}},
])
def test_what_is_not_a_message_event_is_none(body: object) -> None:
    assert parse_event(body) is None


def test_a_message_without_an_id_still_gets_a_stable_key() -> None:
    event = {"event_name": "message.sticker.received",
             "message": {"from": {"id": "a1"}, "chat": {"id": "a1"}}}
    first, again = parse_event(event), parse_event(dict(event))
    assert first is not None and again is not None and first.key == again.key
    assert first.chat_type == "PRIVATE"


def test_the_shown_choices_are_numbered_from_1_cancel_0_and_a_location_is_a_sentence() -> None:
    reply = Reply("Gửi vị trí?", choices=(Choice(LOCATION_KEY, "📍 Gửi vị trí"), Choice("skip", "Bỏ qua"),
                                          Choice("cancel", "Hủy")))
    text = render(reply, "vi")
    assert text.splitlines()[:3] == ["Gửi vị trí?", "1. Bỏ qua", "0. Hủy"]
    assert "Gửi vị trí\n" not in text and "2." not in text
    assert "gửi mã nhà, hoặc một ảnh chụp tại nhà" in text and "ví dụ: 1" in text
    english = render(reply, "en")
    assert "send the house code, or a photo taken at the house" in english and "e.g. 1" in english
    assert render(Reply("Chỉ chữ"), "vi") == "Chỉ chữ"
    # A location in the middle: the numbers still run without a gap.
    middle = Reply("?", choices=(Choice("a", "A"), Choice(LOCATION_KEY, "📍"), Choice("b", "B")))
    assert render(middle, "vi").splitlines()[1:3] == ["1. A", "2. B"]


@pytest.mark.parametrize(("typed", "offered", "key"), [
    # Numbered as shown: the location, never shown, takes no number.
    ("1", [LOCATION_KEY, "skip", "cancel"], "skip"),
    (" 0 ", [LOCATION_KEY, "skip", "cancel"], "cancel"),
    ("1", ["a", LOCATION_KEY, "b"], "a"),
    ("2", ["a", LOCATION_KEY, "b"], "b"),
    # Not on the shown list, where the dialog's own count would find a choice: asked again.
    ("2", [LOCATION_KEY, "skip", "cancel"], LOCATION_KEY),
    ("3", [LOCATION_KEY, "skip", "cancel"], LOCATION_KEY),
    ("4", [LOCATION_KEY, "skip", "cancel"], LOCATION_KEY),
    # Nothing to correct: the dialog reads these itself, as on every other list.
    ("1", ["send", "cancel"], None),
    ("1", [], None),
    ("Bỏ qua", [LOCATION_KEY, "skip", "cancel"], None),
    ("²", [LOCATION_KEY, "skip", "cancel"], None),
])
def test_a_typed_number_is_read_as_it_was_shown(typed: str, offered: list[str], key: str | None) -> None:
    assert typed_choice(typed, offered) == key


def test_splitting_keeps_every_character_and_the_limit() -> None:
    text = "dòng ngắn\n" * 150 + "🏠" * 1500 + "\n\n" + "a" * 2500
    pieces = split_text(text, TEXT_LIMIT)
    assert all(0 < utf16_len(p) <= TEXT_LIMIT for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("", TEXT_LIMIT) == [] and split_text("  \n ", TEXT_LIMIT) == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_has_zalo_off() -> None:
    s = load_settings(ROOT / "config.example.toml", env={})
    assert s.zalo == ZaloSettings()
    assert s.zalo.base_url == "https://bot-api.zaloplatforms.com/bot" and s.zalo.link_ttl_minutes == 60


def test_zalo_settings_and_the_token_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, """
[zalo]
token = "1234567890:fromfileAAAAAAAA"
webhook_url = "https://bot.example.vn/zalo/hook"
webhook_secret = "s3cret-value_ok"
port = 9000
public_base_url = "https://bot.example.vn/media/"
link_ttl_minutes = 30
""")
    s = load_settings(path, env={"CHUNGTAY_ZALO_TOKEN": "987654321:fromenvBBBBBBBB"})
    z = s.zalo
    assert z.token == "987654321:fromenvBBBBBBBB" and z.port == 9000 and z.link_ttl_minutes == 30
    assert z.public_base_url == "https://bot.example.vn/media" and z.webhook_secret == "s3cret-value_ok"
    assert s.telegram.token == ""


@pytest.mark.parametrize(("text", "key"), [
    ('token = "has space in it"', "[zalo] token"),
    ('token = "abc/../../evil"', "[zalo] token"),
    ('webhook_url = "https://x.vn/h"', "[zalo] webhook_secret"),
    ('webhook_url = "https://x.vn/h"\nwebhook_secret = "short"', "[zalo] webhook_secret"),
    (f'webhook_url = "https://x.vn/h"\nwebhook_secret = "{"a" * 257}"', "[zalo] webhook_secret"),
    ('webhook_url = "ftp://x.vn/h"\nwebhook_secret = "long-enough"', "[zalo] webhook_url"),
    ('public_base_url = "bot.example.vn"', "[zalo] public_base_url"),
    ('public_base_url = "https://x.vn/?a=1"', "[zalo] public_base_url"),
    ("link_ttl_minutes = 0", "[zalo] link_ttl_minutes"),
    ("port = 70000", "[zalo] port"),
    ('colour = "blue"', "[zalo] colour"),
])
def test_zalo_mistakes_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[zalo]\n{text}\n"), env={})
    assert caught.value.key == key
