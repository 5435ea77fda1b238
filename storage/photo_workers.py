"""Helper processes for the photo pipeline.

Decoding runs in C, but everything around it holds the GIL, and a burst of albums decoded in
threads starved the thread that talks to SQLite: each of a report's ~25 statements waited for
the GIL, and a transaction that takes 5 ms alone took 100 ms (bench/ingest.py). In processes of
their own the decodes use the other cores without touching the bot's GIL.

One pool serves the whole process (every App, every event loop), started on first use.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
# The stores a worker has built, by their settings: built once, not per photo.
_stores: dict[tuple[Any, ...], Any] = {}


def _pool_of(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=False)
            # forkserver, not fork: the bot has threads (SQLite, HTTP) that a fork would copy
            # mid-lock. The server preloads Pillow once; each worker forks from it ready.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["storage.photos"])
            _pool = ProcessPoolExecutor(size, mp_context=context)
            _pool_size = size
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=False)


def warm(size: int) -> None:
    """Start the workers now, so the first photos after start do not wait for them."""
    pool = _pool_of(size)
    list(pool.map(int, range(size)))


def _process(spec: tuple[Any, ...], data: bytes, keep_original: bool) -> Any:
    from storage.photos import PhotoStore

    store = _stores.get(spec)
    if store is None:
        media_dir, max_pixels, max_bytes, long_side, thumb_side = spec
        store = _stores[spec] = PhotoStore(media_dir, max_pixels=max_pixels, max_bytes=max_bytes,
                                           long_side=long_side, thumb_side=thumb_side)
    return store.process(data, keep_original=keep_original)


async def process(size: int, spec: tuple[Any, ...], data: bytes, keep_original: bool) -> Any:
    """PhotoStore(*spec).process(data) in a worker; PhotoRejected comes back as itself."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _pool_of(size)
        try:
            return await loop.run_in_executor(pool, _process, spec, data, keep_original)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): every photo it had in hand fails with this.
            # A new pool tries them once more; a photo that kills that one too is not a photo.
            _discard(pool)
            if attempt == 2:
                from storage.photos import PhotoRejected

                raise PhotoRejected("corrupt") from None
    raise AssertionError("unreachable")
