"""`chungtay ARGS` with a profiler the benchmark switches on and off: SIGUSR1 starts cProfile on
the event loop thread (its CPU time only: time.thread_time), SIGUSR2 stops it and writes the stats
to the file named by BENCH_PROFILE. Used by bench/ingest.py --profile for `chungtay run` as its
own process, where the event loop thread's CPU is what a burst of albums waits for.

    BENCH_PROFILE=out.prof python bench/profiled_run.py --config c.toml run
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_profile = cProfile.Profile(time.thread_time)


def _start(_sig: int, _frame: FrameType | None) -> None:
    # Python runs signal handlers in the main thread, the event loop's: that is the one profiled.
    _profile.enable()


def _stop(_sig: int, _frame: FrameType | None) -> None:
    _profile.disable()
    _profile.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    sys.argv = ["chungtay", *sys.argv[1:]]
    runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
