"""The stream pump: reads the events stream and hands Lambda-shaped batches to the
dispatcher, as the event source mapping does in AWS (which `chalice local` cannot).

The pump sleeps until a write wakes it (``wake``: the embedded moto signals every write,
moto_patches.on_write), with a slow poll as a safety net; every safety poll also checks that
the stream's iterators are not stuck (StreamReader.poll(verify=True)). ``health()`` reports
what it has seen, for ``GET /local/health``.

Records are routed by app to one worker per app, each delivering its app's batches in order
to the dispatcher, which only claims and enqueues; the executions themselves run in the
executor pool (local/executors.py), where each app has its own limit, so a slow endpoint of
one app delays that app's hooks only, never another app's.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("karakuri.local.pump")


class Reader(Protocol):
    def poll(self, limit: int = 100, verify: bool = False) -> list[dict[str, Any]]: ...


Batch = dict[str, Any]


def app_of(record: dict[str, Any]) -> str:
    image = record.get("dynamodb", {}).get("NewImage", {})
    value = image.get("appID", {})
    return str(value.get("S", "")) if isinstance(value, dict) else ""


class _AppWorker:
    def __init__(self, app_id: str, deliver: Callable[[Batch], Any]) -> None:
        self.queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
        self.pending = 0  # records handed to this worker and not yet through the dispatcher
        self._counting = threading.Lock()
        self._deliver = deliver
        self.thread = threading.Thread(target=self._run, name=f"karakuri-hooks-{app_id}", daemon=True)
        self.thread.start()

    def count(self, records: int) -> None:
        with self._counting:
            self.pending += records

    def _run(self) -> None:
        while (records := self.queue.get()) is not None:
            try:
                result = self._deliver({"Records": records}) or {}
            except Exception:
                log.exception("dispatcher error")
                continue
            finally:
                self.count(-len(records))
            for failure in result.get("batchItemFailures", []):
                # Locally a failed record is logged, not retried: there is no DLQ to fill.
                log.warning("record %s failed in the dispatcher", failure.get("itemIdentifier"))


class StreamPump:
    def __init__(
        self,
        reader: Reader,
        deliver: Callable[[Batch], Any],
        wake: threading.Event | None = None,
        safety_poll: float = 2.0,
        batch_window: float = 0.02,
    ) -> None:
        self._reader = reader
        self._batch_window = batch_window
        self._deliver = deliver
        self._wake = wake or threading.Event()
        self._safety_poll = safety_poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-stream-pump", daemon=True)
        self._workers: dict[str, _AppWorker] = {}
        self.delivered = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.last_record_at: float | None = None

    def start(self) -> StreamPump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for worker in self._workers.values():
            worker.queue.put(None)

    def pump_once(self, verify: bool = False) -> int:
        records = self._reader.poll(verify=verify)
        by_app: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_app.setdefault(app_of(record), []).append(record)
        for app_id, batch in by_app.items():
            worker = self._workers.get(app_id)
            if worker is None:
                worker = self._workers[app_id] = _AppWorker(app_id, self._deliver)
            worker.count(len(batch))
            worker.queue.put(batch)
        self.delivered += len(records)
        if records:
            self.last_record_at = time.time()
        return len(records)

    def backlog(self) -> int:
        """Batches handed to app workers and not yet delivered."""
        return sum(worker.queue.qsize() for worker in self._workers.values())

    def _recent_error(self, seconds: float = 60.0) -> bool:
        return self.last_error_at is not None and time.time() - self.last_error_at < seconds

    def health(self) -> dict[str, Any]:
        stream = getattr(self._reader, "health", None)
        problems = [p for p in (self.last_error, getattr(stream, "last_problem", None)) if p]
        return {
            "status": "ok" if self._thread.is_alive() and not self._recent_error() else "degraded",
            "running": self._thread.is_alive(),
            "delivered": self.delivered,
            "backlog": self.backlog(),
            "pendingRecords": sum(worker.pending for worker in list(self._workers.values())),
            "lastRecordAt": self.last_record_at,
            "pumpErrors": self.errors,
            "streamErrors": getattr(stream, "errors", 0),
            "stuckShardsRecovered": getattr(stream, "stuck", 0),
            "lastProblem": problems[-1] if problems else None,
        }

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                busy = self.pump_once()
                if busy:
                    # Under load, let writes gather for a moment: fewer, fuller reads (AWS's
                    # event source mapping polls a shard about four times a second).
                    self._stop.wait(self._batch_window)
                else:
                    # Nothing new: wait for a write, or check the stream after a while anyway.
                    if self._wake.wait(self._safety_poll) or self._stop.is_set():
                        continue
                    self.pump_once(verify=True)
            except Exception as error:
                self.errors += 1
                self.last_error, self.last_error_at = f"stream pump error: {error}", time.time()
                log.exception("stream pump error; retrying")
                self._stop.wait(self._safety_poll)
