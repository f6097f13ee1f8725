"""The scheduler tick of the local stack: what the Chalice ``schedule`` (an EventBridge rule)
does in AWS, once a minute, a second after the minute starts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("karakuri.local.ticker")


def seconds_to_next_tick(now: float, period: float, offset: float) -> float:
    """From ``now`` (epoch seconds) to the next moment ``offset`` seconds into a period."""
    return period - (now - offset) % period


class Ticker:
    def __init__(self, tick: Callable[[], Any], period: float = 60.0, offset: float = 1.0) -> None:
        self._tick = tick
        self._period, self._offset = period, offset
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-scheduler", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(seconds_to_next_tick(time.time(), self._period, self._offset)):
            try:
                self._tick()
            except Exception:
                log.exception("scheduler tick failed")
