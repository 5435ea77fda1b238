"""Server-side text rules of the Bot API: HTML entity parsing, lengths, inline keyboards.

The HTML parser follows tdlib's ``parse_html`` (what api.telegram.org runs) closely enough to
reject the same inputs with the same wording, so a bot that passes here does not 400 in
production.  One deliberate difference: a bare ``&`` that starts no entity is an error in
strict mode (Telegram keeps it literally), because it almost always means user input was
not escaped, and the same input with a ``<`` would fail for real.
"""

from __future__ import annotations

import re
from typing import Any

from tests.emulators.tgemu.params import ApiError

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
})
_SIMPLE_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")
_SPACE = " \t\r\n\v\0"
_URL_RE = re.compile(r"^(?:(?:https?|tg)://\S+|[\w-]+(?:\.[\w-]+)+(?:[/?#:]\S*)?)$")
# Button fields that make an inline button do something; a button with none is rejected.
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


class EntityParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    # tdlib reports positions as byte offsets into the UTF-8 source text.
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    match = _ENTITY_RE.match(text, i)
    if not match:
        return None
    hex_code, dec_code, name = match.groups()
    if name is not None:
        if name not in _NAMED:
            return None
        return _NAMED[name], match.end()
    code = int(hex_code, 16) if hex_code is not None else int(dec_code)
    if code == 0 or code >= 0x10FFFF or len(match.group(0)) > 10:
        return None
    if 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code), match.end()


class _HtmlParser:
    """One pass over the source, producing plain text and entities (UTF-16 offsets)."""

    def __init__(self, text: str, strict_ampersand: bool) -> None:
        self.src = text
        self.strict = strict_ampersand
        self.i = 0
        self.out: list[str] = []
        self.pos16 = 0
        # open tags: (name, argument, utf16 offset where it started, index into self.out)
        self.stack: list[tuple[str, str, int, int]] = []
        self.entities: list[dict[str, Any]] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else ""

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.i < len(src):
            c = src[self.i]
            if c == "&":
                self.ampersand()
            elif c == "<":
                if self.at(self.i + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                nxt = min((p for p in (src.find("&", self.i), src.find("<", self.i)) if p >= 0),
                          default=len(src))
                self.emit(src[self.i:nxt])
                self.i = nxt
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        for entity in self.entities:
            entity.pop("_language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def ampersand(self) -> None:
        decoded = _decode_entity(self.src, self.i)
        if decoded is not None:
            self.emit(decoded[0])
            self.i = decoded[1]
            return
        if self.strict:
            raise EntityParseError(
                f"bare '&' at byte offset {_byte_offset(self.src, self.i)} must be written "
                "as &amp; (tgemu strict mode; Telegram would keep it literally)")
        self.emit("&")
        self.i += 1

    def skip_space(self) -> None:
        while self.at(self.i) and self.at(self.i) in _SPACE:
            self.i += 1

    def start_tag(self) -> None:
        begin = self.i
        where = f"at byte offset {_byte_offset(self.src, begin)}"
        self.i += 1
        while self.at(self.i) and self.at(self.i) not in _SPACE and self.at(self.i) != ">":
            self.i += 1
        if not self.at(self.i):
            raise EntityParseError(f"Unclosed start tag {where}")
        name = self.src[begin + 1:self.i].lower()
        if name not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" {where}')
        argument = ""
        while self.at(self.i) != ">":
            self.skip_space()
            if self.at(self.i) == ">":
                break
            attr_begin = self.i
            while self.at(self.i) and self.at(self.i) not in _SPACE + "=>":
                self.i += 1
            attr = self.src[attr_begin:self.i].lower()
            if not attr:
                raise EntityParseError(f'Empty attribute name in the tag "{name}" {where}')
            self.skip_space()
            if self.at(self.i) != "=":
                if name == "blockquote" and attr == "expandable":
                    argument = "expandable"
                    continue
                raise EntityParseError("Expected equal sign in declaration of an attribute "
                                       f'of the tag "{name}" {where}')
            self.i += 1
            self.skip_space()
            if not self.at(self.i):
                raise EntityParseError(f'Unclosed start tag "{name}" {where}')
            value = self.attribute_value()
            if not self.at(self.i):
                raise EntityParseError(f"Unclosed start tag {where}")
            if (name, attr) in (("a", "href"), ("tg-emoji", "emoji-id")):
                argument = value
            elif name == "code" and attr == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif name == "span" and attr == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
        if name == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        self.i += 1
        self.stack.append((name, argument, self.pos16, len(self.out)))

    def attribute_value(self) -> str:
        quote = self.at(self.i)
        if quote not in ("'", '"'):
            token_begin = self.i
            while self.at(self.i).isascii() and (self.at(self.i).isalnum()
                                                 or self.at(self.i) in ".-"):
                self.i += 1
            if self.at(self.i) and self.at(self.i) not in _SPACE + ">":
                raise EntityParseError("Unexpected end of name token at byte offset "
                                f"{_byte_offset(self.src, token_begin)}")
            return self.src[token_begin:self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.at(self.i) and self.at(self.i) != quote:
            decoded = _decode_entity(self.src, self.i) if self.at(self.i) == "&" else None
            if decoded is not None:
                value.append(decoded[0])
                self.i = decoded[1]
            else:
                value.append(self.at(self.i))
                self.i += 1
        if self.at(self.i) == quote:
            self.i += 1
        return "".join(value)

    def end_tag(self) -> None:
        begin = self.i
        where = f"at byte offset {_byte_offset(self.src, begin)}"
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag {where}")
        self.i += 2
        while self.at(self.i) and self.at(self.i) not in _SPACE and self.at(self.i) != ">":
            self.i += 1
        end_name = self.src[begin + 2:self.i].lower()
        self.skip_space()
        if self.at(self.i) != ">":
            raise EntityParseError(f"Unclosed end tag {where}")
        self.i += 1
        name, argument, start16, out_index = self.stack.pop()
        if end_name and end_name != name:
            raise EntityParseError(
                f'Unmatched end tag {where}, expected "</{name}>", found "</{end_name}>"')
        if self.pos16 > start16:
            self.add_entity(name, argument, start16, self.pos16 - start16,
                            "".join(self.out[out_index:]))

    def add_entity(self, name: str, argument: str, offset: int, length: int, inner: str) -> None:
        entity: dict[str, Any] = {"offset": offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if name == "a":
            url = argument or inner
            if not _URL_RE.match(url):
                return  # tdlib drops links it cannot recognise and keeps the text
            if "://" not in url:
                url = f"http://{url}"
            entity.update(type="text_link", url=url)
        elif name == "pre":
            # <pre><code class="language-x"> collapses into one pre entity with a language.
            if same_span and last is not None and last.get("_language"):
                self.entities.pop()
                entity.update(type="pre", language=last["_language"])
            else:
                entity.update(type="pre")
        elif name == "code" and argument:
            if same_span and last is not None and last["type"] == "pre":
                self.entities.pop()
                entity.update(type="pre", language=argument)
            else:
                entity.update(type="code", _language=argument)
        elif name == "blockquote":
            entity["type"] = "expandable_blockquote" if argument else "blockquote"
        elif name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        else:
            entity["type"] = _SIMPLE_ENTITY[name]
        self.entities.append(entity)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and MessageEntity dicts for ``text``; raises EntityParseError like tdlib."""
    return _HtmlParser(text, strict_ampersand).run()


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims surrounding whitespace after parsing; entities are clipped to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[:len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def format_text(text: str, parse_mode: str | None, *, strict_ampersand: bool,
                entities: list[dict[str, Any]] | None = None
                ) -> tuple[str, list[dict[str, Any]]]:
    """What the recipient sees: ``text`` after parse_mode, trimmed, with its entities."""
    if parse_mode and parse_mode.lower() == "html":
        try:
            plain, parsed = parse_html(text, strict_ampersand=strict_ampersand)
        except EntityParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        return _strip(plain, parsed)
    # Markdown modes are passed through unparsed: the emulator only vouches for HTML.
    return _strip(text, list(entities or []))


def check_message_text(plain: str) -> None:
    if not plain:
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")


def check_caption(plain: str) -> None:
    if utf16_len(plain) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")


def check_reply_markup(markup: Any) -> None:
    """Reject what Telegram rejects in reply_markup; inline keyboards are checked in depth."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                            "field \"inline_keyboard\" must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                    "Field \"text\" must be of type String")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                    "Text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                if not 1 <= size <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def inline_buttons(markup: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    """(text, callback_data) for each inline button, row by row."""
    if not markup:
        return []
    return [(button.get("text", ""), button.get("callback_data"))
            for row in markup.get("inline_keyboard", []) for button in row]
