"""zaloemu: a local Zalo Bot API emulator for end-to-end tests and benchmarks.

    async with ZaloEmulator(token="1234567890:test-token") as emu:
        # point the bot at emu.base_url; for webhook mode tell the emulator where it listens:
        emu.deliver_to = "http://127.0.0.1:8444/zalo/hook"
        lan = emu.user(display_name="Lan")
        lan.send_text("/start ABC123")
        reply = await lan.next_message(timeout=5)

What it reproduces, from the Zalo Bot Platform's documents: one update per getUpdates call with no
update id and no offset, and error 408 when nothing arrived; webhook calls carrying
X-Bot-Api-Secret-Token, flat or wrapped in {"ok", "result"}; events message.text/image/sticker/
unsupported.received with hex ids, millisecond dates and PRIVATE chats; images as URLs (photo_url,
or photo in older documents) that stop working; sendMessage texts of 1 to 2000 characters; sendPhoto
taking a URL, which the emulator fetches as Zalo does; no buttons, edits, uploads or getFile.
"""

from tests.emulators.zaloemu.records import Sent
from tests.emulators.zaloemu.server import ApiError, ZaloEmulator
from tests.emulators.zaloemu.users import ZaloUser

__all__ = ["ApiError", "Sent", "ZaloEmulator", "ZaloUser"]
