"""The image and only the image of a JPEG kept without re-encoding.

A photo that already is small, upright and free of metadata is stored as it came, byte for byte:
re-encoding would cost time and quality. But a file can carry more than its image: text in
application segments, or a web page or an archive after the end marker, which every viewer
ignores and a served file would still deliver. So the kept copy is rebuilt from the segments a
decoder needs, in their order, up to the end marker.
"""

from __future__ import annotations

import re
import struct

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP14 = 0xE0, 0xEE
# Markers that stand alone, with no length: restart markers and the padding byte's marker.
_STANDALONE = {*range(0xD0, 0xD8), 0x01}


def _needed(marker: int, payload: bytes) -> bool:
    """Application segments say nothing the decoder needs, except JFIF's density (harmless) and
    Adobe's colour transform (it decides how the components are read); comments go too."""
    if marker == APP0:
        return payload.startswith(b"JFIF\x00")
    if marker == APP14:
        return payload.startswith(b"Adobe")
    return not (0xE1 <= marker <= 0xEF or marker == 0xFE)


# A marker's 0xFF: one followed by neither a stuffed 0x00, a fill byte nor a restart marker.
_MARKER = re.compile(rb"\xff(?=[^\x00\xff\xd0-\xd7])")


def _scan_end(data: bytes, start: int) -> int:
    """Where the entropy-coded data starting at `start` ends: the next marker that is neither a
    stuffed 0xFF00 nor a restart marker. A photo's scan holds hundreds of stuffed bytes: one
    search in C, not a step of Python for each (a millisecond a photo, bench/ingest.py)."""
    found = _MARKER.search(data, start)
    if found is None:
        raise ValueError("no marker after the scan")
    return found.start()


def trimmed(data: bytes) -> bytes | None:
    """The JPEG's decoder-relevant segments from start to end marker, or None when the layout is
    not what it should be (the caller then re-encodes instead)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    i = 2
    try:
        while True:
            if data[i] != 0xFF:
                return None
            while data[i + 1] == 0xFF:  # fill bytes before a marker
                i += 1
            marker = data[i + 1]
            if marker == EOI:
                out.append(b"\xff\xd9")
                return b"".join(out)
            if marker in _STANDALONE or marker == SOI:
                return None
            (length,) = struct.unpack_from(">H", data, i + 2)
            if length < 2 or i + 2 + length > len(data):
                return None
            end = i + 2 + length
            if marker == SOS:
                end = _scan_end(data, end)
                out.append(data[i:end])
            elif _needed(marker, data[i + 4:end]):
                out.append(data[i:end])
            i = end
    except (IndexError, ValueError, struct.error):
        return None  # cut short before its end marker
