"""The stream pump: reads the events stream and hands Lambda-shaped batches to the
dispatcher, as the event source mapping does in AWS (which `chalice local` cannot)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("karakuri.local.pump")


class Reader(Protocol):
    def poll(self, limit: int = 100) -> list[dict[str, Any]]: ...


Batch = dict[str, Any]


class StreamPump:
    def __init__(self, reader: Reader, deliver: Callable[[Batch], Any], interval: float = 0.05) -> None:
        self._reader = reader
        self._deliver = deliver
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-stream-pump", daemon=True)
        self.delivered = 0

    def start(self) -> StreamPump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def pump_once(self) -> int:
        records = self._reader.poll()
        if not records:
            return 0
        result = self._deliver({"Records": records}) or {}
        for failure in result.get("batchItemFailures", []):
            # Locally a failed record is logged, not retried: there is no DLQ to fill.
            log.warning("record %s failed in the dispatcher", failure.get("itemIdentifier"))
        self.delivered += len(records)
        return len(records)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.pump_once()
            except Exception:
                log.exception("stream pump error; retrying")
                busy = 0
            if not busy:
                self._stop.wait(self._interval)
