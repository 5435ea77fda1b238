"""Bot API methods about the bot itself: identity, update delivery, webhook, commands, menu."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from tests.emulators.tgemu.params import ApiCall, ApiError
from tests.emulators.tgemu.registry import api

if TYPE_CHECKING:
    from tests.emulators.tgemu.server import BotApiEmulator

MAX_POLL_TIMEOUT = 50.0  # the cloud API never holds a long poll longer than this
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


@api("getMe")
def get_me(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    return {**emu.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


@api("logOut")
def log_out(emu: BotApiEmulator, call: ApiCall) -> bool:
    return True


@api("close")
def close(emu: BotApiEmulator, call: ApiCall) -> bool:
    return True


@api("getUpdates")
async def get_updates(emu: BotApiEmulator, call: ApiCall) -> list[dict[str, Any]]:
    if emu.webhook is not None:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    offset = call.get_int("offset", 0) or 0
    limit = min(max(call.get_int("limit", 100) or 100, 1), 100)
    timeout = min(max(call.get_float("timeout", 0.0) or 0.0, 0.0), MAX_POLL_TIMEOUT)
    queue = emu.updates
    ticket = queue.new_poll()
    emu.signal.fire()  # wake an older poll so it can notice it was superseded

    def ready() -> bool:
        queue.confirm(offset)  # updates may arrive (and be confirmed) while we wait
        return (queue.available() or queue.superseded(ticket) or emu.closing
                or call.client_gone())

    if not ready() and timeout > 0:
        emu.polling += 1
        try:
            await emu.signal.wait(ready, timeout)
        except TimeoutError:
            pass
        finally:
            emu.polling -= 1
    if queue.superseded(ticket):
        raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that "
                            "only one bot instance is running")
    return queue.take(limit)


@api("deleteWebhook")
def delete_webhook(emu: BotApiEmulator, call: ApiCall) -> bool:
    emu.webhook = None
    if call.get_bool("drop_pending_updates"):
        emu.updates.drop_all()
    return True


@api("setWebhook")
def set_webhook(emu: BotApiEmulator, call: ApiCall) -> bool:
    url = call.get_str("url") or ""
    if not url:
        return delete_webhook(emu, call)
    if not url.startswith("https://"):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    # Recorded only: nothing is POSTed there, but getUpdates now answers 409 as on Telegram.
    emu.webhook = {"url": url, "secret_token": call.get_str("secret_token")}
    if call.get_bool("drop_pending_updates"):
        emu.updates.drop_all()
    return True


@api("getWebhookInfo")
def get_webhook_info(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    return {"url": emu.webhook["url"] if emu.webhook else "", "has_custom_certificate": False,
            "pending_update_count": len(emu.updates.pending)}


def _commands_key(call: ApiCall) -> tuple[str, str]:
    scope = call.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), call.get_str("language_code") or ""


@api("setMyCommands")
def set_my_commands(emu: BotApiEmulator, call: ApiCall) -> bool:
    commands = call.get_json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        if not _COMMAND_RE.match(str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: command description must be non-empty")
    emu.commands[_commands_key(call)] = [
        {"command": c["command"], "description": c["description"]} for c in commands]
    return True


@api("getMyCommands")
def get_my_commands(emu: BotApiEmulator, call: ApiCall) -> list[dict[str, str]]:
    return emu.commands.get(_commands_key(call), [])


@api("deleteMyCommands")
def delete_my_commands(emu: BotApiEmulator, call: ApiCall) -> bool:
    emu.commands.pop(_commands_key(call), None)
    return True


@api("setChatMenuButton")
def set_chat_menu_button(emu: BotApiEmulator, call: ApiCall) -> bool:
    chat_id = call.get_int("chat_id")
    if chat_id is not None and chat_id not in emu.users:
        raise ApiError(400, "Bad Request: chat not found")
    emu.menu_buttons[chat_id] = call.get_json("menu_button") or {"type": "default"}
    return True


@api("getChatMenuButton")
def get_chat_menu_button(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    chat_id = call.get_int("chat_id")
    return emu.menu_buttons.get(chat_id) or emu.menu_buttons.get(None) or {"type": "commands"}
