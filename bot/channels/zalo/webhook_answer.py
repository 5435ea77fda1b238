"""Whether Zalo's answer to setWebhook shows it took the webhook as asked.

What setWebhook answers is not settled by any document we can reach: clients of this API show
{"url", "updated_at"}, and some a `verification` field. A webhook Zalo did not take means a bot that
runs and hears nothing, so anything that says no stops the start; what cannot be read either way is
let through, so an answer shaped differently from what we expect does not keep the bot down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.contract import StartRefused
from bot.channels.zalo.api import ZaloError, ZaloNetworkError

# Words that, as the value of `verification` (or its `status`), say Zalo could not verify the URL.
NEGATIVE = frozenset({"false", "fail", "failed", "failure", "error", "invalid", "unverified",
                      "rejected", "refused", "denied", "unreachable"})
log = logging.getLogger(__name__)


class WebhookRefused(StartRefused):
    """Zalo refused the webhook, or answered with another one: the start cannot go on."""


async def register_webhook(call: Callable[[str, dict[str, Any] | None], Awaitable[Any]], url: str,
                           secret: str) -> None:
    """setWebhook, then its answer read; WebhookRefused, after one log line saying why, when Zalo
    refused it or answered with something else. `call` retries what is worth retrying."""
    try:
        answer = await call("setWebhook", {"url": url, "secret_token": secret})
        if not has_url(answer):  # not every client of this API shows the URL in the answer: ask
            answer = await call("getWebhookInfo", None)
    except ZaloError as exc:
        raise _refused(url, f"error {exc.code} ({_shown(exc.description, 120)})") from None
    except ZaloNetworkError as exc:
        raise _refused(url, f"no answer ({exc.kind})") from None
    problem = problem_with(answer, url)
    if problem is not None:
        raise _refused(url, problem)


def _refused(url: str, why: str) -> WebhookRefused:
    # The configured address is no secret (the token is never part of it) and tells what to fix.
    line = f"Zalo did not take the webhook {url}: {why}; the bot stops"
    log.error("%s", line)
    return WebhookRefused(line)


def problem_with(answer: Any, wanted: str) -> str | None:
    """Why the answer shows the webhook was not taken as `wanted`; None when nothing says so."""
    if not isinstance(answer, dict):
        return None
    url = answer.get("url")
    if url is not None and _normal(url) != _normal(wanted):
        return "Zalo answered with another webhook URL than [zalo] webhook_url"
    if "verification" in answer and _negative(answer["verification"]):
        return f"Zalo did not verify the webhook URL (verification: {_shown(answer['verification'])})"
    return None


def has_url(answer: Any) -> bool:
    return isinstance(answer, dict) and isinstance(answer.get("url"), str)


def _normal(url: object) -> str:
    return str(url).strip().rstrip("/")


def _negative(value: Any) -> bool:
    if isinstance(value, dict):
        inner = value.get("status", value.get("verified", value.get("ok")))
        return inner is not None and _negative(inner)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        return value.strip().lower() in NEGATIVE
    return False


def _shown(value: Any, limit: int = 60) -> str:
    """Short and printable: the value came from outside."""
    text = str(value)[:limit]
    return "".join(c if c.isprintable() else "?" for c in text)
