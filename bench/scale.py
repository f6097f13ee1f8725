"""A scale model of hooks on AWS: the real stream consumer (``dispatcher/hooks.dispatch``) and
the real executor (``Executions.execute``) over the in-memory table, N simulated apps with
Poisson arrivals, through in-process executions queues with a concurrency limit.

- Each arrival is a real object write (its event lands in the table's stream); a consumer
  thread hands new records to the dispatcher in batches, as the event source mapping does.
- Hook durations: the quiet apps' hook is measured first on the real runner (a sandboxed
  js2py hook that writes one object); the noisy app's hooks run 15 s (code that loops until
  near Kii's deadline). Runs are simulated by a runner that sleeps that long, time-scaled by
  ``--scale`` (0.1: a simulated second takes 0.1 s), so a minute of traffic takes 6 s.
- Three queues: ``fifo`` (one queue, first come first served: a standard queue without
  message groups), ``groups`` (per-app queues, the app with the fewest executions in flight
  served first, no per-app cap: the model of an SQS fair queue with the app as message group)
  and ``capped`` (the local executor pool: the same, each app at most ``--per-app`` at once).
- Reported per configuration: start latency (event written -> hook starts) per app class,
  p50/p95/p99/max in simulated seconds, and executions per simulated second; then the measured
  per-step costs and table/queue calls behind the AWS projection in BENCHMARKS.md.

    .venv/bin/python bench/scale.py [--apps 20] [--rate 1.0] [--seconds 60] [--scale 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import threading
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any

from common import percentiles, save

NOISY_SECONDS = 15.0
CODE = """
function h(params, context, done) {
  var obj = context.getAppAdminContext().bucketWithName('seen').createObject();
  obj.set('objectID', params.objectID);
  obj.save().then(function () { done(1); }, function (e) { done(String(e)); });
}
"""
CONFIG = {
    "kiicloud://buckets/hooked": [
        {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "h"}
    ]
}


class CountingTable:
    """The table port, counting calls by operation (what each step costs in AWS calls)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            thread = threading.current_thread().name
            step = "executor" if "executor" in thread else "consumer" if thread == "consumer" else "write"
            with self.lock:
                self.calls[f"{step}:{name}"] += 1
            return found(*args, **kwargs)

        return counted


def _deploy(services: Any, app_id: str) -> None:
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal

    admin = Caller(Principal("admin", app_id))
    version = services.servercode.deploy(admin, CODE)
    services.servercode.set_current(admin, version.version_id)
    services.servercode.put_hooks(admin, version.version_id, json.dumps(CONFIG))


def measure_hook(runs: int) -> float:
    """The quiet apps' hook on the real runner (sandboxed js2py, one object write), median ms."""
    from chalicelib import config, wiring
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal

    services = wiring.build_in_memory(replace(config.Settings(), scrypt_log2_n=4))
    app_id = services.apps.create("measure").app_id
    _deploy(services, app_id)
    caller = Caller(Principal("anonymous", app_id))
    samples = []
    for n in range(runs + 3):
        started = time.perf_counter()
        outcome = services.runner.execute(caller, "current", "h", {"objectID": str(n)}, "http://x/api")
        assert outcome.succeeded, outcome.error_message
        if n >= 3:  # warm: worker forked, program loaded
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


class SimulatedRunner:
    """Runs a hook by sleeping its duration (time-scaled); notes when each one started."""

    def __init__(self, durations: dict[str, float], scale: float) -> None:
        self.durations, self.scale = durations, scale
        self.started: dict[str, float] = {}
        self.slept_ms = 0.0
        self.lock = threading.Lock()

    def execute(self, caller: Any, ref: str, endpoint: str, params: Any, base_url: str, **kwargs: Any) -> Any:
        from chalicelib.runtime.executor import Outcome

        now = time.perf_counter()
        with self.lock:
            self.started[str(params["objectID"])] = now
        seconds = self.durations[caller.app_id] * self.scale
        time.sleep(seconds)
        with self.lock:
            self.slept_ms += (time.perf_counter() - now) * 1000
        return Outcome(str(kwargs.get("execution_id")), body={"returnedValue": 1})


class FifoQueue:
    """One queue, first come first served, ``workers`` at once."""

    def __init__(self, run: Any, workers: int) -> None:
        self.run, self.items = run, queue.Queue()  # type: ignore[var-annotated]
        self.threads = [
            threading.Thread(target=self._work, name=f"executor-{n}", daemon=True) for n in range(workers)
        ]

    def start(self) -> FifoQueue:
        for thread in self.threads:
            thread.start()
        return self

    def send(self, order: Any) -> None:
        self.items.put(order)

    def _work(self) -> None:
        while (order := self.items.get()) is not None:
            self.run(order)
            self.items.task_done()

    def drain(self) -> None:
        self.items.join()

    def stop(self) -> None:
        for _ in self.threads:
            self.items.put(None)


def simulate(
    kind: str,
    concurrency: int,
    apps: int,
    rate: float,
    seconds: float,
    scale: float,
    quiet_ms: float,
    per_app: int,
    noisy_every: float | None,
) -> dict[str, Any]:
    """``noisy_every`` None: every app is quiet (the throughput runs)."""
    from chalicelib import config, wiring
    from chalicelib.adapters.events import MemoryRecordParser
    from chalicelib.adapters.table import MemoryTable
    from chalicelib.dispatcher import hooks
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal
    from chalicelib.domain.scopes import Scope
    from chalicelib.local.executors import ExecutorPool

    table = CountingTable(MemoryTable())
    services = wiring.build(
        replace(config.Settings(), scrypt_log2_n=4),
        table,
        records=MemoryRecordParser(),  # type: ignore[arg-type]
    )
    app_ids = [services.apps.create(f"app{n}").app_id for n in range(apps)]
    noisy = app_ids[0]
    for app_id in app_ids:
        _deploy(services, app_id)
    durations = {a: quiet_ms / 1000 for a in app_ids} | {noisy: NOISY_SECONDS}
    runner = SimulatedRunner(durations, scale)
    services.use_runner(runner)
    executed_ms: list[float] = []

    def run(order: Any) -> None:
        started = time.perf_counter()
        services.executions.execute(order)
        executed_ms.append((time.perf_counter() - started) * 1000)

    pool: Any = (
        FifoQueue(run, concurrency)
        if kind == "fifo"
        # "groups": fewest in flight first, no per-app cap: the model of SQS fair queues
        else ExecutorPool(run, workers=concurrency, per_app=per_app if kind == "capped" else concurrency)
    )
    backlog = noisy_every is None  # throughput: executors start once every event is enqueued
    if not backlog:
        pool.start()
    services.queue = pool
    executions = services.executions
    del table.inner.stream[:]
    table.calls.clear()

    # arrivals: Poisson per quiet app; the noisy app floods: three at once every ``noisy_every``
    rng = random.Random(7)
    arrivals: list[tuple[float, str]] = []
    if noisy_every is None:
        durations[noisy] = quiet_ms / 1000
    for app_id in app_ids[1:] if noisy_every is not None else app_ids:
        at = rng.expovariate(rate)
        while at < seconds:
            arrivals.append((at, app_id))
            at += rng.expovariate(rate)
    at = 0.0
    while noisy_every is not None and at < seconds:
        arrivals.extend((at, noisy) for _ in range(3))
        at += noisy_every
    arrivals.sort()

    written: dict[str, tuple[str, float]] = {}
    consumer_ms: list[float] = []
    done = threading.Event()

    def consume() -> None:  # the event source mapping: batches of new stream records
        seen = 0
        while not done.is_set() or seen < len(table.inner.stream):
            records = table.inner.stream[seen : seen + 100]
            if not records:
                time.sleep(0.005)
                continue
            seen += len(records)
            started = time.perf_counter()
            result = hooks.dispatch(
                {"Records": records}, executions, services.hooks, services.thingif, services.records
            )
            consumer_ms.append((time.perf_counter() - started) * 1000 / len(records))
            assert result == {"batchItemFailures": []}, result

    consumer = threading.Thread(target=consume, name="consumer")
    consumer.start()
    start = time.perf_counter()
    for at, app_id in arrivals:
        delay = start + at * scale - time.perf_counter()
        if delay > 0 and not backlog:
            time.sleep(delay)
        admin = Caller(Principal("admin", app_id))
        obj = services.objects.create(admin, Scope(app_id, "app"), "hooked", {"n": 1}, None)
        written[obj.object_id] = (app_id, time.perf_counter())
    done.set()
    consumer.join()
    finished_at = time.perf_counter()
    if backlog:
        start = finished_at
        pool.start()
    if kind == "fifo":
        pool.drain()
    else:
        pool.wait_idle(600)
    elapsed = (time.perf_counter() - start) / scale
    pool.stop()

    latency: dict[str, list[float]] = {"quiet": [], "noisy": []}
    for object_id, (app_id, at_wall) in written.items():
        began = runner.started.get(object_id)
        assert began is not None, f"{object_id} never ran"
        latency["noisy" if app_id == noisy else "quiet"].append((began - at_wall) / scale * 1000)
    steps = dict(table.calls)
    return {
        "queue": kind,
        "concurrency": concurrency,
        "executions": len(written),
        "throughput_per_s": len(written) / elapsed,  # with a backlog: the executors' drain rate
        "arrivals_per_s": len(arrivals) / seconds,
        "drain_after_last_arrival_s": (time.perf_counter() - finished_at) / scale,
        "quiet_start_latency_ms": percentiles(latency["quiet"]),
        "noisy_start_latency_ms": percentiles(latency["noisy"]),
        "consumer_ms_per_record": sum(consumer_ms) / len(consumer_ms),
        # the executor's own work per execution (start, finish, the queue), without the hook
        "executor_overhead_ms": (sum(executed_ms) - runner.slept_ms) / len(executed_ms),
        "table_calls_per_execution": {k: round(v / len(written), 2) for k, v in sorted(steps.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1.0, help="events per second per quiet app")
    parser.add_argument("--seconds", type=float, default=60.0, help="simulated seconds of traffic")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--per-app", type=int, default=3, help="fair: executions of one app at once")
    parser.add_argument("--noisy-every", type=float, default=5.0, help="seconds between the noisy bursts")
    parser.add_argument("--concurrency", default="4,8,16,32")
    parser.add_argument("--only", choices=("latency", "throughput"), help="run one of the two parts")
    args = parser.parse_args()

    quiet_ms = measure_hook(20)
    print(f"measured quiet hook (js2py, one object write): {quiet_ms:.1f} ms; noisy hook {NOISY_SECONDS} s")
    results: dict[str, Any] = {"quiet_hook_ms": quiet_ms, "runs": [], "load": os.getloadavg()[0]}
    for concurrency in [int(c) for c in args.concurrency.split(",")] if args.only != "throughput" else []:
        for kind in ("fifo", "groups", "capped"):
            row = simulate(
                kind,
                concurrency,
                args.apps,
                args.rate,
                args.seconds,
                args.scale,
                quiet_ms,
                args.per_app,
                args.noisy_every,
            )
            results["runs"].append(row)
            q, n = row["quiet_start_latency_ms"], row["noisy_start_latency_ms"]
            print(
                f"{kind:6} C={concurrency:3}  quiet p50 {q['median_ms']:8.0f} p99 {q['p99_ms']:8.0f} "
                f"max {q['max_ms']:8.0f} ms  "
                f"noisy p50 {n['median_ms']:8.0f} p99 {n['p99_ms']:8.0f} ms  "
                f"consumer {row['consumer_ms_per_record']:.2f} ms/record",
                flush=True,
            )
    if results["runs"]:
        print(json.dumps(results["runs"][-1]["table_calls_per_execution"], indent=1))
    # Throughput vs concurrency: every app quiet, a backlog of 3,000 executions enqueued before
    # the executors start, in real time (scale 1), so the per-execution overhead is measured,
    # not scaled.
    results["throughput"] = []
    for concurrency in [int(c) for c in args.concurrency.split(",")] if args.only != "latency" else []:
        row = simulate(
            "capped", concurrency, args.apps, 3000 / args.apps, 1.0, 1.0, quiet_ms, concurrency, None
        )
        results["throughput"].append(row)
        ideal = concurrency * 1000 / quiet_ms
        print(
            f"throughput C={concurrency:3}: {row['throughput_per_s']:7.1f} exec/s "
            f"(ideal C/hook = {ideal:7.1f}); consumer {row['consumer_ms_per_record']:.2f} ms/record, "
            f"executor overhead {row['executor_overhead_ms']:.2f} ms/execution",
            flush=True,
        )
    results["load_after"] = os.getloadavg()[0]
    save("scale" if not args.only else f"scale-{args.only}", results)


if __name__ == "__main__":
    main()
