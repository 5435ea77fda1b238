"""What the pipeline hands back: a stored photo's record, or the reason it was refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


class PhotoRejected(Exception):
    """The bytes cannot become a stored photo; `reason` is a stable code shown to the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str              # of the bytes as received
    normalized: str          # paths relative to the media dir; see PhotoStore.path()
    thumb: str
    original: str | None     # only when the sender's file was to be kept as sent
    width: int               # of the normalized image, after EXIF rotation
    height: int
    taken_at: str | None     # camera-local, naive ISO: phones don't reliably record the zone
    lat: float | None
    lon: float | None
    # the scene hash of the stored thumbnail as hex (storage/photos/hashing.py), None when the
    # picture has too little detail to be told from another one
    phash: str | None

    def to_dict(self) -> dict[str, object]:
        # dataclasses.asdict's result, without its deepcopy of each value: every field is a str,
        # a number or None. A draft holds each photo's dict, and asdict was a measurable part of
        # an album's turn on the event loop.
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> StoredPhoto:
        return cls(
            sha256=_req(d, "sha256", str),
            normalized=_req(d, "normalized", str),
            thumb=_req(d, "thumb", str),
            original=_opt(d, "original", str),
            width=_req(d, "width", int),
            height=_req(d, "height", int),
            taken_at=_opt(d, "taken_at", str),
            lat=_opt_float(d, "lat"),
            lon=_opt_float(d, "lon"),
            # A draft saved before scene hashes holds the old 64-bit number: no hash, not a crash.
            phash=d["phash"] if isinstance(d.get("phash"), str) else None,
        )


_FIELDS = tuple(f.name for f in dataclasses.fields(StoredPhoto))


def _req(d: Mapping[str, object], key: str, kind: type[_T]) -> _T:
    value = d[key]
    # bool is an int subclass; a True where a number belongs is a bug upstream, not a 1.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"StoredPhoto.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _opt(d: Mapping[str, object], key: str, kind: type[_T]) -> _T | None:
    return None if d.get(key) is None else _req(d, key, kind)


def _opt_float(d: Mapping[str, object], key: str) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"StoredPhoto.{key}: expected float, got {type(value).__name__}")
    return float(value)
