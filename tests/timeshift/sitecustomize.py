"""Python's ``time.sleep`` under Debian's faketime (the Makefile puts this directory on
PYTHONPATH, so every Python process of the suite loads it; outside faketime it does nothing).

libfaketime 0.9.10 wraps ``clock_nanosleep`` and answers EINVAL to the absolute monotonic
deadline that ``time.sleep`` passes when FAKETIME_DONT_FAKE_MONOTONIC is set (and without that
setting every timed wait sleeps for months or spins). ``select`` takes a relative timeout,
which libfaketime leaves alone.
"""

from __future__ import annotations

import os

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    import select
    import time

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = _sleep
