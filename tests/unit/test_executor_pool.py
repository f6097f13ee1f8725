"""The local stack's executor pool: per-app limits, apps served in turn, retries of failures."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.domain.hooks import ClaimKey, ExecutionOrder
from chalicelib.local.executors import ExecutorPool


def order(app_id: str, n: int) -> ExecutionOrder:
    return ExecutionOrder("hook", app_id, ClaimKey.event(f"e{n}"), "USER_CREATED", "p", "h", "v")


class Gate:
    """Runs of ``held`` apps wait until released; every start is noted in order."""

    def __init__(self, held: set[str]) -> None:
        self.held, self.started = held, []  # type: ignore[var-annotated]
        self.changed = threading.Condition()
        self.open = False

    def run(self, order: ExecutionOrder) -> None:
        with self.changed:
            self.started.append((order.app_id, order.key.subject))
            self.changed.notify_all()
            if order.app_id in self.held:
                self.changed.wait_for(lambda: self.open)

    def wait(self, predicate: Any) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout=30)

    def release(self) -> None:
        with self.changed:
            self.open = True
            self.changed.notify_all()


def test_an_app_at_its_limit_waits_while_other_apps_run() -> None:
    gate = Gate({"noisy"})
    pool = ExecutorPool(gate.run, workers=4, per_app=2).start()
    try:
        for n in range(5):
            pool.send(order("noisy", n))
        assert gate.wait(lambda: len(gate.started) == 2)
        pool.send(order("quiet", 9))
        assert gate.wait(lambda: ("quiet", "e9") in gate.started)
        assert pool.running("noisy") == 2 and pool.backlog() == 3
    finally:
        gate.release()
        assert pool.wait_idle(30)
        pool.stop()
    assert len(gate.started) == 6


def test_apps_with_waiting_executions_are_served_in_turn() -> None:
    gate = Gate({"a", "b"})
    pool = ExecutorPool(gate.run, workers=1, per_app=1)
    for n in range(3):
        pool.send(order("a", n))
    pool.send(order("b", 10))
    pool.send(order("b", 11))
    pool.start()
    gate.release()
    assert pool.wait_idle(30)
    pool.stop()
    assert gate.started == [("a", "e0"), ("b", "e10"), ("a", "e1"), ("b", "e11"), ("a", "e2")]


def test_a_failed_execution_is_retried_then_given_up() -> None:
    attempts: list[str] = []

    def failing(order: ExecutionOrder) -> None:
        attempts.append(order.key.subject)
        raise RuntimeError("throttled")

    pool = ExecutorPool(failing, workers=2, per_app=1, attempts=3).start()
    pool.send(order("a", 1))
    assert pool.wait_idle(30)
    pool.stop()
    assert attempts == ["e1"] * 3 and pool.dead_lettered == 1


def test_a_given_up_execution_becomes_a_dead_letter_that_a_redrive_runs_again() -> None:
    from chalicelib.adapters.queues import MemoryDeadLetters
    from chalicelib.adapters.security import ManualClock

    runs: list[str] = []
    failing = {"e1"}

    def run(order: ExecutionOrder) -> None:
        runs.append(order.key.subject)
        if order.key.subject in failing:
            raise RuntimeError("throttled")

    letters = MemoryDeadLetters(ManualClock(0), lambda o: pool.send(o))
    pool = ExecutorPool(run, workers=1, per_app=1, attempts=2, dead_letter=letters.put).start()
    try:
        pool.send(order("a", 1))
        assert pool.wait_idle(30)
        [letter] = letters.letters("a", 10)
        assert letter.order == order("a", 1) and letters.letters("b", 10) == []
        failing.clear()
        assert not letters.redrive("b", letter.letter_id)  # another app's ID is no letter of it
        assert letters.redrive("a", letter.letter_id)
        assert pool.wait_idle(30)
        assert runs == ["e1", "e1", "e1"] and letters.letters("a", 10) == []
    finally:
        pool.stop()
