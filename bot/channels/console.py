"""The terminal channel: the same handlers as the bot, typed at a prompt. Used by the demo."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from handlers.catalog import t
from handlers.core import Core
from handlers.turn import numbered
from handlers.types import LOCATION_KEY, Incoming, IncomingFile, Location, Reply, parse_command

CHANNEL = "console"
_IMAGE_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".heic": "image/heic"}


def render(reply: Reply) -> str:
    """Choices become a numbered list, "Hủy" as 0 and last; the answer is the number or the words."""
    lines = [reply.text]
    labels = {choice.key: choice for choice in reply.choices}
    # The dialog's numbering (handlers.turn.numbered): "Hủy" is 0 and listed last.
    for number, key in numbered(list(labels)):
        choice = labels[key]
        hint = "  (:loc VĨ_ĐỘ KINH_ĐỘ)" if choice.key == LOCATION_KEY else ""
        lines.append(f"  {number}. {choice.label}{hint}")
    lines.extend(f"  [ảnh] {path}" for path in reply.images)
    if reply.document:
        lines.append(f"  [tệp] {reply.document}")
    return "\n".join(lines)


def parse_line(line: str, user_id: str, name: str) -> Incoming | str:
    """A typed line to an Incoming, or an error string for a malformed console directive.

    :photo PATH... [-- caption]   images sent as photos (several = an album)
    :file PATH [-- caption]       an image sent as a file (the original is kept)
    :loc LAT LON                  a location
    """
    base = {"channel": CHANNEL, "user_id": user_id, "display_name": name}
    if line.startswith(":loc"):
        try:
            _, lat, lon = line.split()
            return Incoming(**base, location=Location(float(lat), float(lon)))
        except ValueError:
            return ":loc VĨ_ĐỘ KINH_ĐỘ, ví dụ :loc 9.6 105.97"
    if line.startswith((":photo", ":file")):
        as_document = line.startswith(":file")
        body, _, caption = line.partition(" -- ")
        try:
            paths = shlex.split(body)[1:]
        except ValueError as exc:
            return str(exc)
        if not paths:
            return ":photo ĐƯỜNG_DẪN [ĐƯỜNG_DẪN...] [-- chú thích]"
        files = []
        for raw in paths:
            path = Path(raw).expanduser()
            try:
                data: bytes | None = path.read_bytes()
                problem = None
            except OSError:
                data, problem = None, "download_failed"
            files.append(IncomingFile(data=data, as_document=as_document, filename=path.name,
                                      mime=_IMAGE_MIME.get(path.suffix.lower(), ""), problem=problem))
        return Incoming(**base, text=caption.strip(), files=tuple(files))
    command, args = parse_command(line)
    return Incoming(**base, text=line, command=command, args=args)


async def converse(core: Core, read: Callable[[str], str], write: Callable[[str], None],
                   personas: dict[str, tuple[str, str]], start: str) -> None:
    """Run a chat until :quit or end of input. personas: switch word -> (user id, display name)."""
    current = start
    while True:
        user_id, name = personas[current]
        try:
            line = read(f"[{current}]> ").strip()
        except EOFError:
            return
        if not line:
            continue
        if line in (":quit", ":q", ":thoat"):
            return
        if line.startswith(":") and line[1:] in personas:
            current = line[1:]
            write(t("vi", "console_switched", name=personas[current][1], persona=current))
            continue
        incoming = parse_line(line, user_id, name)
        if isinstance(incoming, str):
            write(incoming)
            continue
        for reply in await core.handle(incoming):
            write(_for_whom(reply, personas) + render(reply))


def _for_whom(reply: Reply, personas: dict[str, tuple[str, str]]) -> str:
    """A line naming the addressee of a message meant for another person; nothing for the sender's own.

    Everyone shares one screen here, so without it an approval notice reads as said to the officer."""
    if reply.to is None:
        return ""
    channel, user_id = reply.to
    for persona, (persona_id, name) in personas.items():
        if channel == CHANNEL and persona_id == user_id:
            return t("vi", "console_for", name=name, persona=persona) + "\n"
    return t("vi", "console_for_other", channel=channel, user=user_id) + "\n"
