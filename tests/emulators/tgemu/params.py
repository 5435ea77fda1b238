"""One Bot API call as the emulator sees it: typed access to its parameters and uploads.

Clients may send JSON bodies (typed values), form-urlencoded or multipart bodies (every value
a string; python-telegram-bot JSON-encodes lists and objects such as reply_markup into them).
The getters accept both, the way the real server does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer in Telegram's shape: {"ok": false, "error_code", "description"}."""

    def __init__(self, status: int, description: str, retry_after: float | None = None
                 ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str
    content_type: str


@dataclass
class ApiCall:
    method: str
    values: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)
    # Lets a long poll give up early once the client has hung up.
    client_gone: Callable[[], bool] = lambda: False

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None or name in self.uploads

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise ApiError(400, f"Bad Request: invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None

    def require_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise ApiError(400, f"Bad Request: {name} is empty")
        return value

    def file_ref(self, value: Any) -> Upload | str | None:
        """An uploaded part (directly or via "attach://name"), else the file_id/URL string."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, "Bad Request: can't parse InputMedia: media not found")
            return upload
        return value if isinstance(value, str) and value else None

    def get_file(self, name: str) -> Upload | str | None:
        if name in self.uploads:
            return self.uploads[name]
        return self.file_ref(self.values.get(name))
