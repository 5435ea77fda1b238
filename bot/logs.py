"""Logging that never writes the bot token nor what an exception's message may carry.

The HTTP clients put the token in every URL, and an exception's message can quote a URL, a value
read from the database or a line a person typed (a household's name). Messages of our own are
written without such values; tracebacks keep their frames and the exception's type, not its text.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from types import TracebackType

WITHHELD = "(message withheld: it may carry personal data or a secret)"


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<redacted>")
            record.msg, record.args = message, None
        return True


class PrivateFormatter(logging.Formatter):
    """Tracebacks as frames and exception types only; any secret left over is blanked."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def formatException(self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
                        | tuple[None, None, None]) -> str:
        kind, exc, tb = ei
        lines = ["Traceback (most recent call last):\n", *traceback.format_tb(tb)]
        lines.append(f"{kind.__name__ if kind else 'Exception'} {WITHHELD}")
        cause = exc.__cause__ or exc.__context__ if exc is not None else None
        if cause is not None:
            lines.append(f"\n(raised while handling {type(cause).__name__})")
        return "".join(lines)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text


def configure(secrets: list[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    handler.addFilter(RedactToken(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Every request URL carries the token; the request log adds nothing we need.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class Throttled:
    """A failure that repeats (a full disk, a flood of connections) logged once a minute with a
    count, not once each time: hundreds of lines a second would fill the disk and hide the rest."""

    def __init__(self, logger: logging.Logger, every: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.every = every
        self.clock = clock
        self._last: float | None = None
        self._since = 0

    def warning(self, message: str, *args: object) -> None:
        now = self.clock()
        self._since += 1
        if self._last is not None and now - self._last < self.every:
            return
        more = self._since - 1
        self.logger.warning(message + (f" ({more} more since the last such line)" if more else ""), *args)
        self._last, self._since = now, 0
