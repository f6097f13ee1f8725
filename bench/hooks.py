"""Server hooks, two measurements:

1. Dispatcher cost per event, in-process moto: one stream record (a DATA_OBJECT_CREATED whose
   bucket has a trivial hook) through the dispatcher Lambda's handler — parse, activation
   lookup, claim, run, record — on js2py and on QuickJS, interleaved with one moto
   ``put_item`` of an item of the same size as the baseline.
2. Latency in the live local stack (what `make run` runs: Chalice's HTTP server, the stream
   pump, the dispatcher): from the start of an API write to the start of its hook
   (the execution's claim time), for sequential writes.

    .venv/bin/python bench/hooks.py [--events 60] [--writes 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import urllib.request
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from common import clock, percentiles, save, summary

CODE = "function h(params, context) { return 1; }"
CONFIG = {
    "kiicloud://buckets/hooked": [
        {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "h"}
    ]
}


def _deploy(services: Any, app_id: str) -> None:
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal

    admin = Caller(Principal("admin", app_id))
    version = services.servercode.deploy(admin, CODE)
    services.servercode.set_current(admin, version.version_id)
    services.servercode.put_hooks(admin, version.version_id, json.dumps(CONFIG))


def dispatcher_cost(events: int) -> dict[str, dict[str, float]]:
    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.dispatcher import hooks
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal
    from chalicelib.domain.scopes import Scope
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    moto_patches.install()
    samples: dict[str, list[float]] = {}
    with mock_aws():
        base = replace(
            config.Settings(), scrypt_log2_n=4, data_table="bench-data", events_table="bench-events"
        )
        arns = wiring.provision_tables(base, table_definitions())
        containers = {
            engine: wiring.build_for_aws(replace(base, script_engine=engine))
            for engine in ("js2py", "quickjs")
        }
        first = containers["js2py"]
        client = wiring.aws_client("dynamodb", base)
        reader = wiring.stream_reader(base, str(arns["events"]))
        apps = {engine: first.apps.create(engine).app_id for engine in containers}
        for engine, app_id in apps.items():
            _deploy(containers[engine], app_id)
        reader.poll(1000)  # what the set-up wrote

        def record_for(engine: str) -> dict[str, Any]:
            app_id = apps[engine]
            admin = Caller(Principal("admin", app_id))
            first.objects.create(admin, Scope(app_id, "app"), "hooked", {"n": 1}, None)
            [record] = reader.poll(10)
            return record

        for engine in containers:  # warm: engine loaded, program pooled, config parsed
            hooks.dispatch(
                {"Records": [record_for(engine)]},
                containers[engine].executions,
                containers[engine].hooks,
                containers[engine].thingif,
                containers[engine].records,
            )
        for n in range(events):
            for engine, services in containers.items():
                batch = {"Records": [record_for(engine)]}
                result: dict[str, Any] = {}

                def run(
                    batch: dict[str, Any] = batch, services: Any = services, result: dict[str, Any] = result
                ) -> None:
                    result.update(
                        hooks.dispatch(
                            batch, services.executions, services.hooks, services.thingif, services.records
                        )
                    )

                samples.setdefault(f"dispatch one event, trivial hook: {engine}", []).append(clock(run))
                assert result == {"batchItemFailures": []}, result
            item = {"pk": {"S": f"BENCH#{n}"}, "sk": {"S": "#"}, "payload": {"S": "x" * 300}}
            samples.setdefault("moto put_item (baseline)", []).append(
                clock(partial(client.put_item, TableName=base.data_table, Item=item))
            )
        for engine, services in containers.items():
            ran = [e for _, e in services.execution_store.executions(apps[engine])]
            assert len(ran) == events + 1 and all(e.status == "SUCCESS" for e in ran)
    wiring.reset()
    return {label: summary(values) for label, values in samples.items()}


def live_latency(writes: int) -> dict[str, dict[str, float]]:
    from app import app, dispatcher
    from chalicelib import wiring
    from chalicelib.local.server import LiveStack

    def call(url: str, body: Any, headers: dict[str, str]) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    with tempfile.TemporaryDirectory() as state:
        stack = LiveStack(app, lambda batch: dispatcher(batch, None), Path(state))
        try:
            services = wiring.container()
            credentials = stack.stack.credentials
            assert credentials is not None
            _deploy(services, credentials.app_id)
            api = f"{stack.base_url}/api/apps/{credentials.app_id}"
            token = call(
                f"{api}/oauth2/token",
                {"client_id": credentials.client_id, "client_secret": credentials.client_secret},
                {"Content-Type": "application/json"},
            )["access_token"]
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            started: dict[str, int] = {}
            for _ in range(writes):
                t0 = int(time.time() * 1000)
                created = call(f"{api}/buckets/hooked/objects", {"n": 1}, headers)
                started[created["objectID"]] = t0
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            latencies: list[float] = []
            ran: list[Any] = []
            while time.monotonic() < deadline:
                ran = [e for _, e in services.execution_store.executions(credentials.app_id)]
                if len(ran) >= writes:
                    break
                time.sleep(0.2)
            by_object = {_object_of(services, e): e.started_at for e in ran}
            for object_id, t0 in started.items():
                latencies.append(float(by_object[object_id] - t0))
        finally:
            stack.stop()
            wiring.reset()
    return {"API write -> hook start (live local stack)": percentiles(latencies)}


def _object_of(services: Any, execution: Any) -> str:
    """The object an execution's event was about, from the event item."""
    from chalicelib.adapters.table import Key

    item = services.table.get("events", Key(f"EVENT#{execution.event_id}", "#EVENT"))
    return str(json.loads(item["params"])["objectID"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--writes", type=int, default=100)
    args = parser.parse_args()
    results = dispatcher_cost(args.events)
    baseline = results["moto put_item (baseline)"]["median_ms"]
    results.update(live_latency(args.writes))
    print(
        f"hooks, events={args.events}, writes={args.writes}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, in-process moto"
    )
    print(f"{'':48} {'median ms':>10} {'p95 ms':>8} {'x put_item':>11}")
    for label, row in results.items():
        ratio = f"{row['median_ms'] / baseline:10.1f}x" if "p99_ms" not in row else ""
        print(f"{label:48} {row['median_ms']:10.2f} {row['p95_ms']:8.2f} {ratio:>11}")
        if "p99_ms" in row:
            print(f"{'':48} p99 {row['p99_ms']:.1f} ms, max {row['max_ms']:.1f} ms")
    save("hooks", results)


if __name__ == "__main__":
    main()
