"""The local stream pump: per-app workers, so a slow app never holds up another app's hooks."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.local.pump import StreamPump


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
    delivered: dict[str, float] = {}
    release = threading.Event()
    started = time.monotonic()

    def deliver(batch: dict[str, Any]) -> dict[str, Any]:
        app_id = batch["Records"][0]["dynamodb"]["NewImage"]["appID"]["S"]
        if app_id == "slow":
            release.wait(5)
        delivered.setdefault(app_id, time.monotonic() - started)
        return {"batchItemFailures": []}

    pump = StreamPump(
        _Reader([[_record("slow", 1), _record("fast", 2)], [_record("fast", 3)]]), deliver, safety_poll=0.01
    )
    pump.start()
    try:
        deadline = time.monotonic() + 3
        while "fast" not in delivered and time.monotonic() < deadline:
            time.sleep(0.01)
        assert delivered.get("fast", 99) < 1.0 and "slow" not in delivered
    finally:
        release.set()
        time.sleep(0.05)
        pump.stop()
    assert "slow" in delivered and pump.delivered == 3


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
    assert done.wait(3)
    pump.stop()
    assert seen == ["1", "2", "3", "4"]


def test_the_scheduler_ticker_ticks_on_period_boundaries() -> None:
    from chalicelib.local.ticker import Ticker

    ticks: list[float] = []
    ticker = Ticker(lambda: ticks.append(time.time()), period=0.2, offset=0.0).start()
    time.sleep(0.75)
    ticker.stop()
    assert 2 <= len(ticks) <= 4
    assert all(abs((t % 0.2) - 0.0) < 0.05 or abs((t % 0.2) - 0.2) < 0.05 for t in ticks)


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
