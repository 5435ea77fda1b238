"""Helper processes for the photo pipeline.

Decoding runs in C, but everything around it holds the GIL, and a burst of albums decoded in
threads starved the thread that talks to SQLite: each of a report's ~25 statements waited for
the GIL, and a transaction that takes 5 ms alone took 100 ms (bench/ingest.py). In processes of
their own the decodes use the other cores without touching the bot's GIL.

One pool serves the whole process (every App, every event loop), started on first use. What runs
in it is named by the caller (storage/photos/pipeline.py), so this module imports none of the
pipeline: a worker finds that function by its module path, which the forkserver preloads.

The helpers run at a lower CPU priority than the bot (HELPER_NICENESS). A photo's decode is the
one part of a turn that can wait a few milliseconds; a turn's statements to the database, made
while it holds the one write lock, cannot, and every other turn waits behind them. At a lower
priority a helper still gets every core nobody else wants, and a share of a busy one (at 5, about
a quarter against the bot; at 10 the first album of a burst waited 100 ms longer for its decodes).
On the album burst with two workers on two cores the gain is small (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from storage.photos import spool
from storage.photos.records import PhotoRejected
from storage.photos.spool import process_alive

_R = TypeVar("_R")

HELPER_NICENESS = 5  # added to the bot's: a core goes to the bot first, the helpers after

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


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
            _pool = ProcessPoolExecutor(size, mp_context=context, initializer=_start_helper,
                                        initargs=(os.getpid(),))
            _pool_size = size
        return _pool


def _start_helper(bot_pid: int) -> None:
    os.nice(HELPER_NICENESS)
    _end_with(bot_pid)


def _end_with(pid: int) -> None:
    """First thing in every worker: end it when the bot's process ends, however that ends. After a
    SIGKILL nothing tells the workers, and they would wait for work forever, keeping the forkserver
    and the resource tracker alive with them (their pipes stay open while any worker holds them)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(0)
    except OSError:  # a kernel before 5.3: ask once a second instead
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while process_alive(pid):
                time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="end-with-bot", daemon=True).start()


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


async def run(size: int, job: Callable[..., _R], *args: object) -> _R:
    """job(*args) in a worker of a pool of `size`; `job` must be a module-level function (it is
    sent by name), and what it raises (PhotoRejected among it) comes back as itself. A large
    bytes argument travels as a file (storage/photos/spool.py)."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _pool_of(size)
        # Two calls a helper: the next file is on hand when it finishes one.
        async with spool.handed_over(args, at_once=2 * size) as sent:
            try:
                return await loop.run_in_executor(pool, _call, job, sent)
            except BrokenProcessPool:
                # A worker died (killed, out of memory): every photo it had in hand fails with
                # this. A new pool tries them once more; a photo that kills that one too is not one.
                _discard(pool)
                if attempt == 2:
                    raise PhotoRejected("corrupt") from None
    raise AssertionError("unreachable")


def _call(job: Callable[..., _R], args: tuple[object, ...]) -> _R:
    """In the worker: job with its spooled arguments read back."""
    return job(*spool.incoming(args))
