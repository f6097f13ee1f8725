"""The local stack's executor pool: what the executions queue (SQS) and the executor Lambda are
in AWS, in process.

Orders wait in a queue per app. At most ``workers`` executions run at once, each app at most
``per_app`` of them (the sandbox's worker processes per app), and a free worker serves the
waiting app with the fewest executions running (in turn among equals: what SQS fair queues
do for message groups), so one app's flood or slow code cannot delay another app's
executions: it only waits for its own. An infrastructure failure sends the order back, as SQS
redelivers a failed message, up to ``attempts`` times; then it is logged and handed to
``dead_letter`` (the stack's dead-letter list, which the app admin can redrive).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.hooks import ExecutionOrder

log = logging.getLogger("karakuri.local.executors")


@dataclass
class _Queued:
    order: ExecutionOrder
    attempt: int = 1


class ExecutorPool:
    def __init__(
        self,
        run: Callable[[ExecutionOrder], Any],
        workers: int = 16,
        per_app: int = 4,
        attempts: int = 3,
        dead_letter: Callable[[ExecutionOrder], Any] | None = None,
    ) -> None:
        self._run = run
        self._dead_letter = dead_letter
        self.workers, self.per_app, self.attempts = max(1, workers), max(1, per_app), attempts
        self._changed = threading.Condition()
        self._pending: dict[str, deque[_Queued]] = {}
        self._turns: deque[str] = deque()  # apps with pending orders, in the order they are served
        self._running: dict[str, int] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.ran = 0
        self.dead_lettered = 0

    def start(self) -> ExecutorPool:
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"karakuri-executor-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    # --- ExecutionQueue ---------------------------------------------------------------------------
    def send(self, order: ExecutionOrder) -> None:
        self._put(_Queued(order))

    def _put(self, queued: _Queued) -> None:
        app_id = queued.order.app_id
        with self._changed:
            if app_id not in self._pending:
                self._pending[app_id] = deque()
                self._turns.append(app_id)
            self._pending[app_id].append(queued)
            self._changed.notify()

    # --- state ------------------------------------------------------------------------------------
    def backlog(self) -> int:
        with self._changed:
            return sum(len(q) for q in self._pending.values())

    def running(self, app_id: str | None = None) -> int:
        with self._changed:
            return self._running.get(app_id, 0) if app_id else sum(self._running.values())

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing waits and nothing runs (tests, the stack's shutdown)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._pending and not any(self._running.values()), timeout
            )

    # --- workers ----------------------------------------------------------------------------------
    def _next(self) -> _Queued | None:
        """The oldest order of the waiting app with the fewest executions running (the first
        in turn among equals), skipping apps at their limit (the lock is held). Fewest running
        first is fairness in time, not only in turns: an app whose executions are slow holds
        more workers, so it is served after the apps that hold none."""
        chosen: str | None = None
        for app_id in self._turns:
            running = self._running.get(app_id, 0)
            if running < self.per_app and (chosen is None or running < self._running.get(chosen, 0)):
                chosen = app_id
        if chosen is None:
            return None
        self._turns.remove(chosen)
        pending = self._pending[chosen]
        queued = pending.popleft()
        if pending:
            self._turns.append(chosen)
        else:
            del self._pending[chosen]
        self._running[chosen] = self._running.get(chosen, 0) + 1
        return queued

    def _work(self) -> None:
        while True:
            with self._changed:
                queued = None
                while not self._stopping and (queued := self._next()) is None:
                    self._changed.wait()
                if queued is None:
                    return
            try:
                self._run(queued.order)
                self.ran += 1
            except Exception:
                self._failed(queued)
            finally:
                with self._changed:
                    self._running[queued.order.app_id] -= 1
                    self._changed.notify_all()

    def _failed(self, queued: _Queued) -> None:
        order = queued.order
        if queued.attempt < self.attempts:
            log.warning(
                "execution %s of app %s was interrupted; retrying", order.key, order.app_id, exc_info=True
            )
            self._put(_Queued(order, queued.attempt + 1))
        else:
            self.dead_lettered += 1
            log.exception(
                "execution %s of app %s failed %d times; given up", order.key, order.app_id, queued.attempt
            )
            if self._dead_letter is not None:
                self._dead_letter(order)
