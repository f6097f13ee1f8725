"""Push delivery in the dispatcher, in-process moto:

1. what every object event now costs when its bucket has no subscribers (one Query), beside one
   moto ``get_item``;
2. a message to a topic with N subscribers, each with one MQTT installation: the whole fan-out
   (subscribers, installations, the delivery record check and write, the publish to a recording
   publisher), per message and per installation.

    .venv/bin/python bench/push.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import platform
from dataclasses import replace
from functools import partial
from typing import Any

from common import clock, save, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.adapters.push import RecordingPublisher
    from chalicelib.adapters.table import Key
    from chalicelib.domain.events import Caller, Trigger, new_event
    from chalicelib.domain.models import Principal
    from chalicelib.domain.push import Subscriber, Target
    from chalicelib.domain.scopes import Scope
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    moto_patches.install()
    results: dict[str, Any] = {"machine": platform.machine(), "load_average": os.getloadavg()}
    with mock_aws():
        settings = replace(
            config.Settings(), scrypt_log2_n=4, data_table="bench-data", events_table="bench-events"
        )
        wiring.provision_tables(settings, table_definitions())
        services = wiring.build_for_aws(settings)
        app_id = services.apps.create("bench").app_id
        admin = Caller(Principal("admin", app_id))
        scope = Scope(app_id, "app")
        object_event = new_event(
            admin,
            Trigger.DATA_OBJECT_CREATED,
            {"bucketID": "quiet", "objectID": "o1", "objectScope": scope.object_scope(), "uri": "x"},
            services.clock.now_ms(),
        )
        mqtt = RecordingPublisher()
        quiet = [clock(lambda: services.push.deliver(object_event, mqtt)) for _ in range(args.rounds)]
        get = [clock(lambda: services.table.get("data", Key("NOPE", "NOPE"))) for _ in range(args.rounds)]
        results["object_event_without_subscribers"] = summary(quiet)
        results["baseline_get_item"] = summary(get)
        for count in (1, 10, 100):
            topic_id = f"t{count}"
            services.push.create_topic(admin, scope, topic_id)
            target = Target("topic", scope, topic_id)
            for i in range(count):
                user, _ = services.users.register(
                    Caller(Principal("anonymous", app_id)),
                    {"loginName": f"u{count}-{i}", "password": "pass1234"},
                    False,
                )
                services.installations.create(admin, {"deviceType": "MQTT", "userID": user.user_id})
                services.push.topics.subscribe(target, Subscriber("user", user.user_id), 0)
            samples = []
            for _ in range(max(3, args.rounds // max(1, count // 10))):
                push_id = services.push.send(admin, scope, topic_id, {"data": {"m": 1}})
                event = new_event(admin, Trigger.PUSH_MESSAGE_SENT, {}, services.clock.now_ms())
                event = replace(
                    event,
                    event_id=push_id,
                    params={
                        "topicID": topic_id,
                        "uri": f"kiicloud://topics/{topic_id}",
                        "objectScope": scope.object_scope(),
                        "message": {"data": {"m": 1}},
                    },
                    occurred_at=services.clock.now_ms(),
                )
                samples.append(clock(partial(services.push.deliver, event, mqtt)))
            per = summary(samples)
            results[f"message_to_{count}_installations"] = {
                **per,
                "per_installation_ms": per["median_ms"] / count,
            }
    save("push", results)
    for name, figures in results.items():
        print(name, figures)


if __name__ == "__main__":
    main()
