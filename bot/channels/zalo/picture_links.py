"""Signed, expiring links to files under the media directory, and the aiohttp handler serving them.

Zalo sends a picture only by fetching it from a URL, so the chart and house photos a reply carries
are put behind links like ``<base>/m/<expiry>/<signature>/<path>``. The signature is an HMAC over
the expiry and the path: a link cannot be guessed, altered or extended, and stops working at its
expiry. Anything wrong is a plain 404, the same as a missing file, so probing learns nothing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlparse

from aiohttp import web

from handlers.settings import ZaloSettings
from storage.numbers import whole

PREFIX = "m"
_SIG_BYTES = 18  # 144 bits, 24 characters of base64url
_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8", ".zip": "application/zip",
}
_DOWNLOADS = {".xlsx", ".csv", ".zip"}


def derive_key(secret: str, purpose: str = "media-links") -> bytes:
    """A key of its own for signing links, so a link never reveals anything about the secret."""
    return hmac.new(secret.encode(), f"chungtay {purpose} v1".encode(), hashlib.sha256).digest()


class MediaLinks:
    def __init__(self, key: bytes, media_dir: Path, base_url: str, ttl_seconds: int, *,
                 clock: Callable[[], float] = time.time) -> None:
        if len(key) < 16:
            raise ValueError("the signing key is too short")
        self.key = key
        self.root = Path(media_dir).resolve()
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl_seconds
        self.clock = clock

    @property
    def route_prefix(self) -> str:
        """The path the web server answers under: the base URL's own path, then /m/."""
        return urlparse(self.base_url).path.rstrip("/") + f"/{PREFIX}/"

    def _sign(self, expiry: int, rel: str) -> str:
        mac = hmac.new(self.key, f"{expiry}\n{rel}".encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def url_for(self, path: Path) -> str:
        """A link to a file under the media directory; ValueError for anything outside it."""
        resolved = Path(path).resolve()
        rel = resolved.relative_to(self.root).as_posix()  # ValueError when outside
        if not resolved.is_file():
            raise ValueError("not a file")
        return self._link(rel)

    def url_for_stored(self, rel: str) -> str:
        """A link to a file by the name the database keeps for it (relative to the media directory);
        ValueError when there is no such file. One stat instead of resolving the whole path: a
        workbook links hundreds of thousands of photos, and serving a link checks it in full anyway."""
        pure = PurePosixPath(rel)
        inside = bool(rel) and not pure.is_absolute() and ".." not in pure.parts
        if not (inside and self.root.joinpath(*pure.parts).is_file()):
            raise ValueError("not a stored file")
        return self._link(rel)

    def _link(self, rel: str) -> str:
        expiry = int(self.clock()) + self.ttl
        quoted = "/".join(quote(part, safe="") for part in rel.split("/"))
        return f"{self.base_url}/{PREFIX}/{expiry}/{self._sign(expiry, rel)}/{quoted}"

    def resolve(self, tail: str) -> Path | None:
        """The file a request path after the prefix names, or None: expired, forged, or not a file."""
        parts = tail.split("/", 2)
        expiry = whole(parts[0]) if len(parts) == 3 else None
        if expiry is None:
            return None
        signature, rel = parts[1], unquote(parts[2])
        if expiry < self.clock():
            return None
        if not hmac.compare_digest(signature.encode(), self._sign(expiry, rel).encode()):
            return None
        pure = PurePosixPath(rel)
        if not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel or "\0" in rel:
            return None
        path = self.root.joinpath(*pure.parts).resolve()
        try:
            path.relative_to(self.root)  # a symlink pointing out of the media directory
        except ValueError:
            return None
        return path if path.is_file() else None


def workbook_links(settings: ZaloSettings, media_dir: Path,
                   clock: Callable[[], float] = time.time) -> Callable[[Path], str] | None:
    """Signed links for a workbook's photos, valid [zalo] workbook_link_days rather than a chat's
    link_ttl_minutes: the workbook is printed and forwarded, and read days later. They are signed
    with the channel's key, so the Zalo channel's web server serves them; None when nothing would
    (no public address, or no Zalo channel to run the server)."""
    if not (settings.public_base_url and settings.token):
        return None
    links = MediaLinks(derive_key(settings.token), media_dir, settings.public_base_url,
                       settings.workbook_link_days * 24 * 3600, clock=clock)
    return lambda path: links.url_for_stored(path.relative_to(media_dir).as_posix())


def serve(links: MediaLinks) -> web.RouteTableDef:
    """GET/HEAD of a signed link under links.route_prefix. Never lists a directory, never says why a
    link failed."""
    routes = web.RouteTableDef()
    prefix = links.route_prefix

    @routes.get(prefix + "{tail:.+}")  # HEAD too, answered without the body
    async def picture(request: web.Request) -> web.Response:
        # The raw path, unquoted once by resolve(): the router's decoded copy would be unquoted twice.
        raw = request.rel_url.raw_path
        path = links.resolve(raw[len(prefix):]) if raw.startswith(prefix) else None
        data = None
        if path is not None:
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError:
                data = None
        if data is None or path is None:
            return web.Response(status=404, text="not found")
        suffix = path.suffix.lower()
        headers = {"Content-Type": _TYPES.get(suffix, "application/octet-stream"),
                   "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300",
                   "Referrer-Policy": "no-referrer"}
        if suffix in _DOWNLOADS:
            headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
        return web.Response(body=data, headers=headers)

    return routes
