"""What reaches the log when something fails: where it failed, never what it was about."""

from __future__ import annotations

import io
import logging

from bot.logs import PrivateFormatter, RedactToken

TOKEN = "123456:AAF-secret-token"
# Data, as it would come from the database or a message: never in a line of code a traceback shows.
HOUSEHOLD = "Nguyễn Văn An"
URL = f"https://api.telegram.org/bot{TOKEN}/getFile"


def logger_into(buffer: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(PrivateFormatter("%(levelname)s %(name)s: %(message)s", [TOKEN]))
    handler.addFilter(RedactToken([TOKEN]))
    log = logging.getLogger(f"test-logs-{id(buffer)}")
    log.handlers[:] = [handler]
    log.propagate = False
    return log


def failing_lookup(household: str, url: str) -> None:
    try:
        {}[household]
    except KeyError as exc:
        raise RuntimeError(f"{url} failed for {household}") from exc


def test_a_traceback_keeps_its_frames_and_loses_its_message() -> None:
    buffer = io.StringIO()
    log = logger_into(buffer)
    try:
        failing_lookup(HOUSEHOLD, URL)
    except RuntimeError:
        log.exception("export of unit %s failed", "MTU")
    text = buffer.getvalue()
    assert "export of unit MTU failed" in text
    assert "failing_lookup" in text and "RuntimeError" in text and "KeyError" in text
    assert HOUSEHOLD not in text and TOKEN not in text


def test_a_secret_in_a_plain_message_is_blanked() -> None:
    buffer = io.StringIO()
    logger_into(buffer).warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    assert TOKEN not in buffer.getvalue() and "<redacted>" in buffer.getvalue()
