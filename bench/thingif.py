"""Thing-IF, two measurements:

1. In the live local stack (what `make run` runs: HTTP server, MQTT broker, stream pump,
   dispatcher): from a device's MQTT state publish to the start of its trigger's server code
   (the execution's claim time), for publishes 200 ms apart, every other one crossing the
   trigger's edge.
2. Trigger evaluation throughput, in-process moto: one thing with 100 STATES triggers; one
   state event through the dispatcher handler, none of the triggers firing (evaluation only),
   against the same event with no triggers.

    .venv/bin/python bench/thingif.py [--publishes 60] [--events 30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from common import clock, percentiles, save, summary

CODE = "function hot(params, context) { return 1; }"


def mqtt_latency(publishes: int) -> dict[str, dict[str, float]]:
    import paho.mqtt.client as mqtt

    from app import app, dispatcher
    from chalicelib import wiring
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal
    from chalicelib.local.broker import state_topic
    from chalicelib.local.server import LiveStack

    with tempfile.TemporaryDirectory() as state:
        stack = LiveStack(app, lambda batch: dispatcher(batch, None), Path(state))
        try:
            services = wiring.container()
            credentials = stack.stack.credentials
            assert credentials is not None
            app_id = credentials.app_id
            admin = Caller(Principal("admin", app_id))
            version = services.servercode.deploy(admin, CODE)
            services.servercode.set_current(admin, version.version_id)
            thing, _ = services.things.register(
                admin, {"_vendorThingID": "bench-dev", "_password": "pw"}, False
            )
            token = services.auth.issue(app_id, "thing", thing.thing_id, with_refresh=False).access_token
            trigger = services.thingif.create_trigger(
                admin,
                f"thing:{thing.thing_id}",
                {
                    "triggersWhat": "SERVER_CODE",
                    "predicate": {
                        "eventSource": "STATES",
                        "triggersWhen": "CONDITION_FALSE_TO_TRUE",
                        "condition": {"type": "eq", "field": "on", "value": True},
                    },
                    "serverCode": {"endpoint": "hot"},
                },
            )
            connected = threading.Event()
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=thing.thing_id)
            client.username_pw_set(app_id, token)
            client.on_connect = lambda *args: connected.set()
            client.connect("127.0.0.1", stack.stack.settings.local_mqtt_port)
            client.loop_start()
            assert connected.wait(10)
            sent: list[int] = []
            for n in range(publishes * 2):
                on = n % 2 == 1  # every other publish crosses false -> true
                if on:
                    sent.append(int(time.time() * 1000))
                client.publish(state_topic(app_id, thing.thing_id), json.dumps({"on": on, "n": n}), qos=1)
                time.sleep(0.2)  # a device reporting 5 times a second: latency, not saturation
            deadline = time.monotonic() + 30
            ran: list[Any] = []
            while time.monotonic() < deadline and len(ran) < publishes:
                ran = [e for _, e in services.execution_store.executions(app_id) if e.trigger == "THING_IF"]
                time.sleep(0.2)
            client.loop_stop()
            client.disconnect()
            ran.sort(key=lambda e: e.started_at)
            assert len(ran) == publishes, (len(ran), publishes, trigger.trigger_id)
            latencies = [float(e.started_at - at) for e, at in zip(ran, sent, strict=True)]
            occurred = [int(e.event_id.split("-")[0]) for e in ran]
            stored = [float(o - at) for o, at in zip(occurred, sent, strict=True)]
            dispatched = [float(e.started_at - o) for e, o in zip(ran, occurred, strict=True)]
        finally:
            stack.stop()
            wiring.reset()
    return {
        "MQTT state publish -> trigger's server code start (live local stack)": percentiles(latencies),
        "  of which: publish -> state stored (its event)": percentiles(stored),
        "  of which: state stored -> server code start": percentiles(dispatched),
    }


def evaluation_throughput(events: int) -> dict[str, dict[str, float]]:
    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.dispatcher import hooks
    from chalicelib.domain.events import Caller
    from chalicelib.domain.models import Principal
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    moto_patches.install()
    samples: dict[str, list[float]] = {}
    with mock_aws():
        base = replace(config.Settings(), scrypt_log2_n=4, data_table="tif-data", events_table="tif-events")
        arns = wiring.provision_tables(base, table_definitions())
        services = wiring.build_for_aws(base)
        reader = wiring.stream_reader(base, str(arns["events"]))
        app_id = services.apps.create("tif").app_id
        admin = Caller(Principal("admin", app_id))
        things = {}
        for label, count in (("100 triggers", 100), ("no triggers", 0)):
            thing, _ = services.things.register(
                admin, {"_vendorThingID": f"dev-{count}", "_password": "pw"}, False
            )
            things[label] = thing.thing_id
            for n in range(count):
                services.thingif.create_trigger(
                    admin,
                    f"thing:{thing.thing_id}",
                    {
                        "triggersWhat": "COMMAND",
                        "predicate": {
                            "eventSource": "STATES",
                            "triggersWhen": "CONDITION_FALSE_TO_TRUE",
                            "condition": {
                                "type": "and",
                                "clauses": [
                                    {"type": "range", "field": "temp", "lowerLimit": 1000 + n},
                                    {"type": "eq", "field": "mode", "value": "auto"},
                                ],
                            },
                        },
                        "command": {"actions": [{"fan": {"on": True}}], "issuer": "user:bench"},
                    },
                )
        reader.poll(10_000)

        def record(label: str, n: int) -> dict[str, Any]:
            services.thingif.put_state(admin, f"thing:{things[label]}", {"temp": n % 50, "mode": "auto"})
            [event] = reader.poll(10)
            return event

        for label in things:
            hooks.dispatch(
                {"Records": [record(label, 0)]},
                services.executions,
                services.hooks,
                services.thingif,
                services.records,
            )
        for n in range(events):
            for label in things:
                batch = {"Records": [record(label, n + 1)]}
                samples.setdefault(f"one state event, {label}", []).append(
                    clock(
                        partial(
                            hooks.dispatch,
                            batch,
                            services.executions,
                            services.hooks,
                            services.thingif,
                            services.records,
                        )
                    )
                )
    wiring.reset()
    return {label: summary(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publishes", type=int, default=60)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()
    results = evaluation_throughput(args.events)
    with_triggers = results["one state event, 100 triggers"]["median_ms"]
    without = results["one state event, no triggers"]["median_ms"]
    per_trigger = (with_triggers - without) / 100
    results["evaluation per trigger (difference / 100)"] = {"median_ms": per_trigger, "p95_ms": per_trigger}
    results.update(mqtt_latency(args.publishes))
    print(
        f"thing-if, publishes={args.publishes}, events={args.events}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores"
    )
    print(f"{'':72} {'median ms':>10} {'p95 ms':>8}")
    for label, row in results.items():
        print(f"{label:72} {row['median_ms']:10.3f} {row['p95_ms']:8.3f}")
        if "p99_ms" in row:
            print(f"{'':72} p99 {row['p99_ms']:.1f} ms, max {row['max_ms']:.1f} ms")
    print(f"trigger evaluations per second, one thing with 100 triggers: {100 / (with_triggers / 1000):.0f}")
    save("thingif", results)


if __name__ == "__main__":
    main()
