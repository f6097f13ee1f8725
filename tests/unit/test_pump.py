"""The local stream pump: per-app workers, so a slow app never holds up another app's hooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.local.pump import StreamPump

CEILING = 60.0  # seconds: room for a busy machine, not a speed expectation


def _record(app_id: str, n: int) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "dynamodb": {"SequenceNumber": str(n), "NewImage": {"appID": {"S": app_id}}},
    }


class _Reader:
    def __init__(self, batches: list[list[dict[str, Any]]]) -> None:
        self.batches = batches

    def poll(self, limit: int = 100, verify: bool = False) -> list[dict[str, Any]]:
        return self.batches.pop(0) if self.batches else []


def test_a_slow_app_does_not_delay_another_apps_batches() -> None:
    """The fast app's batches are delivered while the slow app's first batch is still held."""
    delivered: list[str] = []
    release = threading.Event()

    def deliver(batch: dict[str, Any]) -> dict[str, Any]:
        app_id = batch["Records"][0]["dynamodb"]["NewImage"]["appID"]["S"]
        if app_id == "slow":
            release.wait(CEILING)
        delivered.append(app_id)
        return {"batchItemFailures": []}

    pump = StreamPump(
        _Reader([[_record("slow", 1), _record("fast", 2)], [_record("fast", 3)]]), deliver, safety_poll=0.01
    )
    pump.start()
    try:
        assert _until(lambda: delivered.count("fast") == 2)
        assert "slow" not in delivered  # still held: the fast app did not wait for it
    finally:
        release.set()
        assert _until(lambda: len(delivered) == 3)
        pump.stop()
    assert sorted(delivered) == ["fast", "fast", "slow"] and pump.delivered == 3


def _until(condition: Callable[[], bool]) -> bool:
    """Waits for ``condition`` (a readiness wait with a generous ceiling, not a speed check)."""
    deadline = time.monotonic() + CEILING
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_one_apps_batches_stay_in_order() -> None:
    seen: list[str] = []
    done = threading.Event()

    def deliver(batch: dict[str, Any]) -> None:
        seen.extend(r["dynamodb"]["SequenceNumber"] for r in batch["Records"])
        if len(seen) == 4:
            done.set()

    pump = StreamPump(
        _Reader([[_record("a", 1), _record("a", 2)], [_record("a", 3)], [_record("a", 4)]]),
        deliver,
        safety_poll=0.01,
    )
    pump.start()
    assert done.wait(CEILING)
    pump.stop()
    assert seen == ["1", "2", "3", "4"]


def test_the_scheduler_ticks_a_second_after_each_minute_starts() -> None:
    from chalicelib.local.ticker import seconds_to_next_tick

    assert seconds_to_next_tick(120.0, period=60.0, offset=1.0) == 1.0
    assert seconds_to_next_tick(121.0, period=60.0, offset=1.0) == 60.0  # a tick is due now: the next
    assert seconds_to_next_tick(150.5, period=60.0, offset=1.0) == 30.5
    assert seconds_to_next_tick(180.9, period=60.0, offset=1.0) == pytest.approx(0.1)


def test_the_ticker_goes_on_after_a_failing_tick_and_stops_when_asked() -> None:
    from chalicelib.local.ticker import Ticker

    ticks: list[int] = []

    def tick() -> None:
        ticks.append(len(ticks))
        if len(ticks) == 1:
            raise RuntimeError("the first tick fails")

    ticker = Ticker(tick, period=0.05, offset=0.0).start()
    try:
        assert _until(lambda: len(ticks) >= 3)
    finally:
        ticker.stop()
    stopped = len(ticks)
    assert not ticker._thread.is_alive() and len(ticks) == stopped


def test_the_pump_sleeps_until_a_write_wakes_it() -> None:
    """Idle, the pump waits on its wake event (the safety poll here is a minute away)."""
    polls: list[bool] = []
    batches: list[list[dict[str, Any]]] = []

    class Reader:
        def poll(self, limit: int = 100, verify: bool = False) -> list[dict[str, Any]]:
            polls.append(verify)
            return batches.pop(0) if batches else []

    delivered = threading.Event()
    wake = threading.Event()
    pump = StreamPump(Reader(), lambda batch: delivered.set(), wake, safety_poll=60).start()
    try:
        deadline = time.monotonic() + 30
        while not polls and time.monotonic() < deadline:
            time.sleep(0.01)
        idle = len(polls)
        batches.append([_record("a", 1)])
        wake.set()
        assert delivered.wait(30)
        assert idle == 1 and polls[0] is False
    finally:
        pump.stop()
