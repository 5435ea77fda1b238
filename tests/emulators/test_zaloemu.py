"""The Zalo emulator itself, called as the bot calls it: its answers are what the adapter relies on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.emulators.zaloemu import ZaloEmulator
from tests.images import jpeg

TOKEN = "1234567890:emulator-self-test"


@pytest.fixture
async def emu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator(token=TOKEN) as e:
        yield e


async def call(emu: ZaloEmulator, method: str, token: str = TOKEN, **params: object) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{emu.base_url}{token}/{method}", json=params, timeout=10)


async def test_identity_and_a_wrong_token(emu: ZaloEmulator) -> None:
    me = (await call(emu, "getMe")).json()
    assert me["ok"] and me["result"]["id"] == "1234567890"
    wrong = await call(emu, "getMe", token="1234567890:nope")
    assert wrong.status_code == 401 and wrong.json()["ok"] is False
    assert (await call(emu, "getmessages")).json()["error_code"] == 404


@pytest.mark.parametrize(("style", "status"), [("http", 408), ("body", 200)])
async def test_an_empty_poll_is_408_and_a_message_comes_one_per_call(style: str, status: int) -> None:
    async with ZaloEmulator(token=TOKEN, empty_poll=style) as emu:
        empty = await call(emu, "getUpdates", timeout=0)
        assert empty.status_code == status and empty.json()["error_code"] == 408
        lan = emu.user(display_name="Lan")
        lan.send_text("một")
        lan.send_text("hai")
        first = (await call(emu, "getUpdates", timeout=1)).json()["result"]
        second = (await call(emu, "getUpdates", timeout=1)).json()["result"]
        assert first["event_name"] == "message.text.received" and first["message"]["text"] == "một"
        assert second["message"]["text"] == "hai" and "update_id" not in second
        assert first["message"]["chat"]["chat_type"] == "PRIVATE" and first["message"]["date"] > 10**12


async def test_sending_keeps_zalos_limits(emu: ZaloEmulator) -> None:
    lan = emu.user(display_name="Lan")
    ok = await call(emu, "sendMessage", chat_id=lan.id, text="x" * 2000)
    assert ok.json()["ok"] and lan.messages[-1].text == "x" * 2000
    for text in ("", "x" * 2001, "🏠" * 1001):
        assert (await call(emu, "sendMessage", chat_id=lan.id, text=text)).json()["error_code"] == 400
    assert (await call(emu, "sendMessage", chat_id="nobody", text="x")).json()["ok"] is False
    unreachable = await call(emu, "sendPhoto", chat_id=lan.id, photo="http://127.0.0.1:9/none.jpg")
    assert unreachable.json()["ok"] is False
    url = emu.host_photo(jpeg(1))
    sent = await call(emu, "sendPhoto", chat_id=lan.id, photo=url, caption="Ảnh")
    assert sent.json()["ok"] and lan.messages[-1].photo_type == "jpeg"
    assert (await call(emu, "sendChatAction", chat_id=lan.id, action="upload_photo")).json()["ok"] is False
    emu.block(lan.id)
    assert (await call(emu, "sendMessage", chat_id=lan.id, text="x")).json()["error_code"] == 403


async def test_a_webhook_needs_its_secret_and_stops_polling(emu: ZaloEmulator) -> None:
    bad = await call(emu, "setWebhook", url="https://bot.example.vn/h", secret_token="short")
    assert bad.json()["error_code"] == 400
    assert (await call(emu, "setWebhook", url="https://bot.example.vn/h")).json()["ok"] is False
    ok = await call(emu, "setWebhook", url="https://bot.example.vn/h", secret_token="long-enough")
    assert ok.json()["result"]["url"] == "https://bot.example.vn/h"
    assert (await call(emu, "getWebhookInfo")).json()["result"]["url"] == "https://bot.example.vn/h"
    assert (await call(emu, "getUpdates", timeout=0)).json()["ok"] is False
    await call(emu, "deleteWebhook")
    assert (await call(emu, "getWebhookInfo")).json()["result"]["url"] == ""


async def test_photo_links_expire(emu: ZaloEmulator) -> None:
    url = emu.host_photo(jpeg(1))
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).content == jpeg(1)
        emu.expire_photos()
        assert (await client.get(url)).status_code == 403


@pytest.mark.parametrize("url", [
    "http://bot.example.vn/h", "https://localhost/h", "https://LOCALHOST.:8443/h", "https://api.localhost/h",
    "https://127.0.0.1/h", "https://10.0.0.5/h", "https://172.16.3.4/h", "https://192.168.1.2:8443/h",
    "https://169.254.1.1/h", "https://[::1]/h", "https://[fd00::1]/h", "https://0.0.0.0/h", "ftp://x.vn/h",
    "https:///h",
])
async def test_a_webhook_must_be_a_public_https_address(emu: ZaloEmulator, url: str) -> None:
    refused = (await call(emu, "setWebhook", url=url, secret_token="long-enough")).json()
    assert refused["ok"] is False and refused["error_code"] == 400
    assert emu.webhook is None


@pytest.mark.parametrize("url", ["https://bot.example.vn/h", "https://14.225.1.2:8443/h",
                                 "https://[2001:4860::8888]/h"])
async def test_a_public_https_webhook_is_taken(emu: ZaloEmulator, url: str) -> None:
    assert (await call(emu, "setWebhook", url=url, secret_token="long-enough")).json()["ok"] is True


async def test_the_webhook_answer_can_be_shaped_otherwise(emu: ZaloEmulator) -> None:
    emu.webhook_answer = {"url": None, "verification": "failed"}
    answer = (await call(emu, "setWebhook", url="https://bot.example.vn/h",
                         secret_token="long-enough")).json()
    assert "url" not in answer["result"] and answer["result"]["verification"] == "failed"


async def test_a_sender_can_be_named_by_first_name_and_a_photo_be_an_attachment() -> None:
    async with ZaloEmulator(token=TOKEN, name_field="first_name", photo_field="attachments") as emu:
        lan = emu.user(display_name="Lan")
        lan.send_photo(jpeg(1))
        event = (await call(emu, "getUpdates", timeout=1)).json()["result"]
        message = event["message"]
        assert message["from"]["first_name"] == "Lan" and "display_name" not in message["from"]
        url = message["attachments"][0]["payload"]["url"]
        async with httpx.AsyncClient() as client:
            assert (await client.get(url)).content == jpeg(1)
