"""The stream pump: reads the events stream and hands Lambda-shaped batches to the
dispatcher, as the event source mapping does in AWS (which `chalice local` cannot).

Records are routed by app to one worker per app, each delivering its app's batches in order:
a slow endpoint of one app delays that app's hooks only, never another app's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("karakuri.local.pump")


class Reader(Protocol):
    def poll(self, limit: int = 100) -> list[dict[str, Any]]: ...


Batch = dict[str, Any]


def app_of(record: dict[str, Any]) -> str:
    image = record.get("dynamodb", {}).get("NewImage", {})
    value = image.get("appID", {})
    return str(value.get("S", "")) if isinstance(value, dict) else ""


class _AppWorker:
    def __init__(self, app_id: str, deliver: Callable[[Batch], Any]) -> None:
        self.queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
        self._deliver = deliver
        self.thread = threading.Thread(target=self._run, name=f"karakuri-hooks-{app_id}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (records := self.queue.get()) is not None:
            try:
                result = self._deliver({"Records": records}) or {}
            except Exception:
                log.exception("dispatcher error")
                continue
            for failure in result.get("batchItemFailures", []):
                # Locally a failed record is logged, not retried: there is no DLQ to fill.
                log.warning("record %s failed in the dispatcher", failure.get("itemIdentifier"))


class StreamPump:
    def __init__(self, reader: Reader, deliver: Callable[[Batch], Any], interval: float = 0.02) -> None:
        self._reader = reader
        self._deliver = deliver
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-stream-pump", daemon=True)
        self._workers: dict[str, _AppWorker] = {}
        self.delivered = 0

    def start(self) -> StreamPump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for worker in self._workers.values():
            worker.queue.put(None)

    def pump_once(self) -> int:
        records = self._reader.poll()
        by_app: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_app.setdefault(app_of(record), []).append(record)
        for app_id, batch in by_app.items():
            worker = self._workers.get(app_id)
            if worker is None:
                worker = self._workers[app_id] = _AppWorker(app_id, self._deliver)
            worker.queue.put(batch)
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
