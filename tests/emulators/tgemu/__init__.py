"""tgemu: a local Telegram Bot API emulator for end-to-end tests and benchmarks.

    async with BotApiEmulator(token="123:ABC", bot_username="chungtay_test_bot") as emu:
        app = emu.configure(Application.builder(), plain_http=True).build()
        lan = emu.user(1001, first_name="Lan", language_code="vi")
        lan.send_text("/start ABC123")
        reply = await lan.next_message(timeout=5)
"""

from tests.emulators.tgemu.client import plain_http_request
from tests.emulators.tgemu.faults import Stats
from tests.emulators.tgemu.markup import parse_html, utf16_len
from tests.emulators.tgemu.params import ApiError
from tests.emulators.tgemu.records import Sent
from tests.emulators.tgemu.server import BotApiEmulator, ErrorAnswer
from tests.emulators.tgemu.users import SimUser

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "ErrorAnswer",
    "Sent",
    "SimUser",
    "Stats",
    "parse_html",
    "plain_http_request",
    "utf16_len",
]
