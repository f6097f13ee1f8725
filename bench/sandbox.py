"""Server code in sandbox worker processes against the in-process execution it replaced, side by
side in one run (interleaved), on js2py and QuickJS, under the same in-process moto:

1. a trivial endpoint, warm: Executor.run through a worker vs. the same Executor over an
   in-process program kept warm (what karakuri did before workers) — interleaved with the
   other rows (the worker sleeps between its executions and must be woken), and back to back;
2. the per-execution realm cost: ``reset`` (fresh top-level state) of a warm program, in-process;
3. the first execution of a new version: a worker forked from the zygote and the file loaded,
   vs. loading the program in-process;
4. the zygote's start (once) and a worker's start (fork + a one-line file);
5. the server while server code runs away: a plain GET /users/me, idle and while an endless
   loop runs in a worker (median of each, and the ratio).

    .venv/bin/python bench/sandbox.py [--runs 200]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from typing import Any

from common import clock, save, summary

CODE = r"""
function trivial(params, context) { return 1; }
function spin(params, context) { while (true) {} }
"""
ENGINES = ("js2py", "quickjs")


class InProcess:
    """The execution path before sandbox workers: a warm program in the server's interpreter."""

    memory_bytes = 0

    def __init__(self, engine: Any, prelude: str) -> None:
        self.engine, self.prelude = engine, prelude
        self.programs: dict[tuple[str, str], Any] = {}

    def ready(self) -> None:
        pass

    @contextlib.contextmanager
    def program(self, app_id: str, version_id: str, source: str, seconds: float) -> Iterator[Any]:
        key = (app_id, version_id)
        if key not in self.programs:
            self.programs[key] = self.engine.load((self.prelude, source), None)
        yield self.programs[key]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.domain.events import Caller, Causation
    from chalicelib.domain.models import Principal
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions
    from chalicelib.runtime.executor import PRELUDE, Executor, Invocation
    from chalicelib.runtime.host import Host

    moto_patches.install()
    samples: dict[str, list[float]] = {}
    once: dict[str, float] = {}
    with mock_aws():
        settings = replace(config.Settings(), scrypt_log2_n=4, data_table="sb-data", events_table="sb-events")
        wiring.provision_tables(settings, table_definitions())
        container = wiring.build_for_aws(settings)
        wiring.use(container)
        app = container.apps.create("bench")
        host = Host(container.auth, container.users, container.groups, container.objects, container.things)
        anonymous = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        sandboxes = {}
        for name in ENGINES:
            sandbox = wiring.sandbox(replace(settings, script_engine=name))
            started = time.perf_counter()
            sandbox.ready()
            once[f"zygote start: {name}"] = (time.perf_counter() - started) * 1000
            sandboxes[name] = sandbox
        executors = {}
        for name in ENGINES:
            executors[f"worker: {name}"] = Executor(sandboxes[name], host, 60)
            executors[f"in-process: {name}"] = Executor(
                InProcess(wiring.script_engine(name), PRELUDE), host, 60
            )

        def run(label: str, endpoint: str = "trivial", version: str = "v1", source: str = CODE) -> None:
            outcome = executors[label].run(
                Invocation(
                    app.app_id, app.app_key, "http://localhost/api", version, source, endpoint, {}, anonymous
                )
            )
            assert outcome.succeeded, outcome.error_message

        def first(label: str) -> None:
            marker = secrets.token_hex(8)
            run(label, version=marker, source=f"// {marker}\n{CODE}")

        for label in executors:  # warm up
            for _ in range(5):
                run(label)
        programs = {name: wiring.script_engine(name).load((PRELUDE, CODE), None) for name in ENGINES}
        for _ in range(args.runs):
            for name in ENGINES:
                for where in ("worker", "in-process"):
                    label = f"{where}: {name}"
                    samples.setdefault(f"trivial, warm, {label}", []).append(clock(partial(run, label)))
                samples.setdefault(f"realm reset (fresh top-level state): {name}", []).append(
                    clock(partial(programs[name].reset, None))
                )
        for name in ENGINES:  # back to back: one path at a time, as a busy app's executions come
            for where in ("worker", "in-process"):
                label = f"{where}: {name}"
                samples[f"trivial, back to back, {label}"] = [
                    clock(partial(run, label)) for _ in range(args.runs)
                ]
        for _ in range(max(10, args.runs // 10)):
            for name in ENGINES:
                for where in ("worker", "in-process"):
                    label = f"{where}: {name}"
                    samples.setdefault(f"first execution of a new version, {label}", []).append(
                        clock(partial(first, label))
                    )
                sandbox = sandboxes[name]
                samples.setdefault(f"worker start (fork + load a one-line file): {name}", []).append(
                    clock(partial(_start_worker, sandbox, app.app_id))
                )

        with Client(wiring_app()) as client:
            token = _token(client, app)
            for name in ENGINES:
                idle = [_get_me(client, app.app_id, token) for _ in range(args.runs)]
                busy: list[float] = []
                runaway = threading.Thread(
                    target=lambda name=name: _runaway(executors[f"worker: {name}"], app, anonymous)
                )
                runaway.start()
                while runaway.is_alive():
                    busy.append(_get_me(client, app.app_id, token))
                runaway.join()
                once[f"GET /users/me idle median: {name}"] = statistics.median(idle)
                once[f"GET /users/me median while code spins: {name}"] = statistics.median(busy)
        wiring.close_sandboxes()
        wiring.reset()

    results: dict[str, Any] = {label: summary(values) for label, values in samples.items()}
    print(
        f"sandbox workers, runs={args.runs}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, in-process moto"
    )
    print(f"{'':66} {'median ms':>10} {'p95 ms':>8} {'ratio':>7}")
    for label, row in results.items():
        ratio = ""
        if ", worker: " in label:
            base = results[label.replace(", worker: ", ", in-process: ")]["median_ms"]
            ratio = f"{row['median_ms'] / base:6.2f}x"
        print(f"{label:66} {row['median_ms']:10.3f} {row['p95_ms']:8.3f} {ratio:>7}")
    for name in ENGINES:
        idle = once[f"GET /users/me idle median: {name}"]
        busy = once[f"GET /users/me median while code spins: {name}"]
        print(
            f"GET /users/me median: idle {idle:.2f} ms, while {name} code spins {busy:.2f} ms"
            f" ({busy / idle:.2f}x)"
        )
        print(f"zygote start: {name} {once[f'zygote start: {name}']:.0f} ms (once per process)")
    results["once"] = once
    save("sandbox", results)


def wiring_app() -> Any:
    from app import app

    return app


def _token(client: Any, app: Any) -> str:
    body = {"loginName": f"u{secrets.token_hex(4)}", "password": "pass1234"}
    reply = client.http.post(
        f"/api/apps/{app.app_id}/users",
        headers={"Content-Type": "application/vnd.kii.RegistrationAndAuthorizationRequest+json"},
        body=json.dumps(body),
    )
    return str(json.loads(reply.body)["_accessToken"])


def _get_me(client: Any, app_id: str, token: str) -> float:
    started = time.perf_counter()
    reply = client.http.get(f"/api/apps/{app_id}/users/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    return (time.perf_counter() - started) * 1000


def _runaway(executor: Any, app: Any, caller: Any) -> None:
    from chalicelib.runtime.executor import Executor, Invocation

    spinning = Executor(executor.sandbox, executor.host, 3)
    outcome = spinning.run(
        Invocation(app.app_id, app.app_key, "http://localhost/api", "v1", CODE, "spin", {}, caller)
    )
    assert outcome.error_code == "EXECUTION_TIMEOUT"


def _start_worker(sandbox: Any, app_id: str) -> None:
    marker = secrets.token_hex(8)
    worker = sandbox._spawn((app_id, marker), f"// {marker}\n", time.monotonic() + 60)
    worker.close()


if __name__ == "__main__":
    main()
