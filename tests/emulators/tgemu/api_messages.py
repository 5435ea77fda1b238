"""Bot API methods that put things in chats: send, edit, delete, callbacks, files."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.emulators.tgemu.files import MAX_DOWNLOAD, StoredFile, document_object
from tests.emulators.tgemu.markup import check_caption, check_message_text, check_reply_markup, format_text
from tests.emulators.tgemu.params import ApiCall, ApiError, Upload
from tests.emulators.tgemu.records import Sent
from tests.emulators.tgemu.registry import api

if TYPE_CHECKING:
    from tests.emulators.tgemu.server import BotApiEmulator
    from tests.emulators.tgemu.users import SimUser

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
MAX_ALBUM = 10


def chat_of(emu: BotApiEmulator, call: ApiCall, *, sending: bool = True) -> SimUser:
    raw = call.values.get("chat_id")
    if raw is None or raw == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    try:
        user = emu.users.get(int(raw))
    except (TypeError, ValueError):
        user = None  # "@username" addresses channels and groups, never private chats
    if user is None:
        raise ApiError(400, "Bad Request: chat not found")
    if sending and user.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if sending and not user.started:
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    return user


def _text(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    """The "text" (and "entities") of a Message, validated like Telegram does."""
    plain, entities = format_text(call.get_str("text") or "", call.get_str("parse_mode"),
                                  strict_ampersand=emu.strict_html,
                                  entities=call.get_json("entities"))
    check_message_text(plain)
    return {"text": plain, "entities": entities} if entities else {"text": plain}


def _caption(emu: BotApiEmulator, caption: str | None, parse_mode: str | None
             ) -> dict[str, Any]:
    plain, entities = format_text(caption or "", parse_mode, strict_ampersand=emu.strict_html)
    check_caption(plain)
    content: dict[str, Any] = {}
    if plain:
        content["caption"] = plain
    if entities:
        content["caption_entities"] = entities
    return content


def _markup(call: ApiCall) -> dict[str, Any] | None:
    markup = call.get_json("reply_markup")
    check_reply_markup(markup)
    return markup


def _reply_target(user: SimUser, call: ApiCall) -> dict[str, Any] | None:
    params = call.get_json("reply_parameters") or {}
    message_id = params.get("message_id") or call.get_int("reply_to_message_id")
    if not message_id:
        return None
    target = user.history.get(int(message_id))
    allow_missing = params.get("allow_sending_without_reply") or call.get_bool(
        "allow_sending_without_reply")
    if target is None and not allow_missing:
        raise ApiError(400, "Bad Request: message to be replied not found")
    if target is None:
        return None
    # Telegram does not nest replies: the quoted message carries no reply of its own.
    return {k: v for k, v in target.items() if k != "reply_to_message"}


def _deliver(emu: BotApiEmulator, user: SimUser, content: dict[str, Any],
             markup: dict[str, Any] | None, reply_to: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": user.new_message_id(), "from": emu.bot_user,
                               "chat": user.chat, "date": emu.unix_now(), **content}
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if markup and "inline_keyboard" in markup:
        message["reply_markup"] = markup  # only inline keyboards are echoed in a Message
    elif markup and "keyboard" in markup:
        user.reply_keyboard = markup  # stays under the input field until replaced or removed
    elif markup and markup.get("remove_keyboard"):
        user.reply_keyboard = None
    user.history[message["message_id"]] = message
    return message


def _record(emu: BotApiEmulator, call: ApiCall, user: SimUser | None,
            message: dict[str, Any] | None = None, **fields: Any) -> None:
    emu.record(Sent(
        method=call.method, chat_id=user.id if user else None, time=emu.clock(),
        params=dict(call.values),
        message_id=message["message_id"] if message else fields.pop("message_id", None),
        parse_mode=call.get_str("parse_mode"), message=copy.deepcopy(message), **fields,
    ), user)


@api("sendMessage")
def send_message(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    user = chat_of(emu, call)
    content = _text(emu, call)
    markup = _markup(call)
    message = _deliver(emu, user, content, markup, _reply_target(user, call))
    _record(emu, call, user, message, text=call.get_str("text"), reply_markup=markup)
    return message


def _media(emu: BotApiEmulator, ref: StoredFile | Upload, kind: str
           ) -> tuple[dict[str, Any], bytes, str | None]:
    """The Message field for a photo or document, and the bytes behind it."""
    if kind == "photo":
        if isinstance(ref, Upload):
            sizes = emu.files.photo_sizes(ref.data, recompress=emu.recompress_photos)
            return {"photo": sizes}, ref.data, ref.filename
        sizes = emu.files.photo_set(ref.file_id)
        if sizes is None:
            raise ApiError(400, "Bad Request: type of file mismatch")
        return {"photo": sizes}, ref.data, None
    if isinstance(ref, Upload):
        document = emu.files.document(ref.data, ref.filename, ref.content_type)
        return {"document": document}, ref.data, ref.filename
    if emu.files.photo_set(ref.file_id) is not None:
        raise ApiError(400, "Bad Request: type of file mismatch")
    return {"document": document_object(ref)}, ref.data, ref.file_name


def _send_file(emu: BotApiEmulator, call: ApiCall, kind: str) -> dict[str, Any]:
    user = chat_of(emu, call)
    ref = emu.files.resolve(call.get_file(kind), kind)
    caption = _caption(emu, call.get_str("caption"), call.get_str("parse_mode"))
    markup = _markup(call)
    reply_to = _reply_target(user, call)
    media, data, name = _media(emu, ref, kind)
    message = _deliver(emu, user, {**media, **caption}, markup, reply_to)
    _record(emu, call, user, message, caption=call.get_str("caption"), reply_markup=markup,
            file_bytes=data, file_name=name, uploaded=isinstance(ref, Upload))
    return message


@api("sendPhoto")
def send_photo(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    return _send_file(emu, call, "photo")


@api("sendDocument")
def send_document(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    return _send_file(emu, call, "document")


@api("sendMediaGroup")
def send_media_group(emu: BotApiEmulator, call: ApiCall) -> list[dict[str, Any]]:
    user = chat_of(emu, call)
    items = call.get_json("media")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "Bad Request: media to send are not specified")
    if len(items) > MAX_ALBUM:
        raise ApiError(400, "Bad Request: too much messages to send as an album")
    kinds = {item.get("type") for item in items if isinstance(item, dict)}
    if not kinds <= {"photo", "document"} or len(items) != sum(
            isinstance(item, dict) for item in items):
        raise ApiError(400, "Bad Request: can't parse InputMedia: unsupported media type")
    if len(kinds) > 1:
        raise ApiError(400, "Bad Request: document can't be mixed with other media types")
    reply_to = _reply_target(user, call)
    # Validate the whole album before anything is delivered: an album fails as a unit.
    prepared = []
    for item in items:
        ref = emu.files.resolve(call.file_ref(item.get("media")), item["type"])
        caption = _caption(emu, item.get("caption"), item.get("parse_mode"))
        prepared.append((item, ref, caption, *_media(emu, ref, item["type"])))
    group_id = emu.new_media_group_id()
    messages = []
    for item, ref, caption, media, data, name in prepared:
        message = _deliver(emu, user, {"media_group_id": group_id, **media, **caption}, None,
                           reply_to)
        _record(emu, call, user, message, caption=item.get("caption"), file_bytes=data,
                file_name=name, uploaded=isinstance(ref, Upload), media_group_id=group_id)
        messages.append(message)
    return messages


@api("sendLocation")
def send_location(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    user = chat_of(emu, call)
    lat, lon = call.get_float("latitude"), call.get_float("longitude")
    if lat is None or not -90 <= lat <= 90:
        raise ApiError(400, "Bad Request: wrong latitude")
    if lon is None or not -180 <= lon <= 180:
        raise ApiError(400, "Bad Request: wrong longitude")
    markup = _markup(call)
    message = _deliver(emu, user, {"location": {"latitude": lat, "longitude": lon}}, markup,
                       _reply_target(user, call))
    _record(emu, call, user, message, reply_markup=markup)
    return message


@api("sendChatAction")
def send_chat_action(emu: BotApiEmulator, call: ApiCall) -> bool:
    user = chat_of(emu, call)
    if call.get_str("action") not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    _record(emu, call, user)
    return True


def _editable(emu: BotApiEmulator, call: ApiCall) -> tuple[SimUser, dict[str, Any]]:
    user = chat_of(emu, call)
    message_id = call.require_int("message_id")
    current = user.history.get(message_id)
    if current is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    if current["from"]["id"] != emu.bot_id:
        raise ApiError(400, "Bad Request: message can't be edited")
    return user, current


def _apply_edit(emu: BotApiEmulator, call: ApiCall, user: SimUser, current: dict[str, Any],
                changes: dict[str, Any], markup: dict[str, Any] | None, **fields: Any
                ) -> dict[str, Any]:
    edited = {k: v for k, v in current.items()
              if k not in ("entities", "reply_markup", "edit_date")}
    edited.update(changes)
    if markup and "inline_keyboard" in markup:
        edited["reply_markup"] = markup
    if edited == {k: v for k, v in current.items() if k != "edit_date"}:
        raise ApiError(400, NOT_MODIFIED)
    edited["edit_date"] = emu.unix_now()
    user.history[current["message_id"]] = edited
    _record(emu, call, user, edited, reply_markup=markup, **fields)
    return edited


@api("editMessageText")
def edit_message_text(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any] | bool:
    if call.has("inline_message_id"):
        _record(emu, call, None, text=call.get_str("text"))
        return True
    user, current = _editable(emu, call)
    if "text" not in current:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    return _apply_edit(emu, call, user, current, _text(emu, call), _markup(call),
                       text=call.get_str("text"))


@api("editMessageReplyMarkup")
def edit_message_reply_markup(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any] | bool:
    if call.has("inline_message_id"):
        _record(emu, call, None, reply_markup=_markup(call))
        return True
    user, current = _editable(emu, call)
    # Only the keyboard changes here, so the text's entities must survive the edit.
    keep = {k: current[k] for k in ("entities",) if k in current}
    return _apply_edit(emu, call, user, current, keep, _markup(call))


@api("deleteMessage")
def delete_message(emu: BotApiEmulator, call: ApiCall) -> bool:
    user = chat_of(emu, call, sending=False)
    message_id = call.require_int("message_id")
    if user.history.pop(message_id, None) is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    _record(emu, call, user, message_id=message_id)
    return True


@api("answerCallbackQuery")
def answer_callback_query(emu: BotApiEmulator, call: ApiCall) -> bool:
    user_id = emu.close_callback(call.get_str("callback_query_id") or "")
    if user_id is None:
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                            "query ID is invalid")
    _record(emu, call, emu.users[user_id], text=call.get_str("text"))
    return True


@api("getFile")
def get_file(emu: BotApiEmulator, call: ApiCall) -> dict[str, Any]:
    stored = emu.files.get(call.get_str("file_id") or "")
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    if stored.file_size > MAX_DOWNLOAD:
        raise ApiError(400, "Bad Request: file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size, "file_path": stored.file_path}
