"""karakuri: a Kii Cloud-compatible backend. Composition only: the Chalice app, its
blueprints and its Lambda entry points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Rate

from chalicelib import config, wiring
from chalicelib.api import (
    bodies,
    buckets,
    console,
    groups,
    http,
    installations,
    notifications,
    oauth,
    scopes,
    servercode,
    tasks,
    thingif,
    things,
    topics,
    users,
)
from chalicelib.dispatcher import devices, hooks, schedule
from chalicelib.dispatcher import executor as runs
from chalicelib.dispatcher import tasks as scheduled_tasks

# Chalice needs a literal stream ARN at import time; infra/template.json replaces it with
# the events table's real stream (Fn::GetAtt) when `chalice package --merge-template` runs.
EVENTS_STREAM_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/karakuri-events/stream/merged"

app = Chalice(app_name="karakuri")
http.binary_everywhere(app)  # object bodies are bytes of any content type
# Chalice owns the "karakuri" logger (its app name); every chalicelib logger is a child of it.
app.log.setLevel(config.settings().log_level)


@app.middleware("all")
def telemetry(event: Any, get_response: Any) -> Any:
    """Every entry point's logs and metrics (docs/operations.md)."""
    return wiring.observe(event, get_response)


for blueprint in (
    oauth.bp,
    users.bp,
    groups.bp,
    things.bp,
    buckets.bp,
    bodies.bp,
    installations.bp,
    notifications.bp,
    servercode.bp,
    tasks.bp,
    thingif.bp,
    topics.bp,
    scopes.bp,
    console.bp,
):
    app.register_blueprint(blueprint)


@app.on_dynamodb_record(
    stream_arn=EVENTS_STREAM_PLACEHOLDER, batch_size=100, starting_position="TRIM_HORIZON", name="dispatcher"
)
def dispatcher(event: Any) -> dict[str, Any]:
    """The events stream: resolves, claims and enqueues executions (docs/hooks.md)."""
    batch = event.to_dict() if hasattr(event, "to_dict") else event
    services = wiring.container()
    return hooks.dispatch(
        batch,
        services.executions,
        services.hooks,
        services.thingif,
        services.records,
        _remaining(event),
        push=services.push,
    )


@app.lambda_function(name="executor")
def executor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The executions queue: runs hooks, scheduled jobs and Thing-IF triggers (docs/hooks.md)."""
    return runs.run_messages(event, wiring.container().executions, _remaining(context))


def _remaining(source: Any) -> Callable[[], int] | None:
    """The Lambda context's clock (of a Chalice event, or the context itself); None outside."""
    context = getattr(source, "context", source)
    return getattr(context, "get_remaining_time_in_millis", None)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="scheduler")
def scheduler(event: Any) -> dict[str, Any]:
    """Schedule-based hooks: the jobs due this minute (docs/hooks.md), and the scheduled tasks
    due (docs/server-code.md)."""
    return tick(_remaining(event))


def tick(remaining: Callable[[], int] | None = None) -> dict[str, Any]:
    services = wiring.container()
    done = schedule.tick(services.executions, services.hooks, services.thingif)
    return {**done, "tasks": scheduled_tasks.run_due(services.tasks, app, remaining)}


@app.lambda_function(name="device")
def device(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS IoT topic rules: device states, API over MQTT and lifecycle (presence) events
    (docs/devices.md)."""
    return devices.handle_iot_event(event, wiring.container(), app)


@app.lambda_function(name="iot_authorizer")
def iot_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The AWS IoT custom authorizer: things connect with their Kii token or mqtt-endpoint."""
    return devices.authorize(event, wiring.container())


if config.settings().embedded_stack:
    from chalicelib.local import apps, demo, gateway_patches, health
    from chalicelib.local.stack import start_embedded_stack

    gateway_patches.install()
    app.register_blueprint(health.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(apps.bp)
    start_embedded_stack(lambda batch: dispatcher(batch, None), tick, api=app)
else:
    import sys

    from chalicelib.local.hints import chalice_deploy_refusal, plain_chalice_local_hint

    if refusal := chalice_deploy_refusal(sys.argv):
        raise SystemExit(refusal)
    if hint := plain_chalice_local_hint(sys.argv):
        print(hint, file=sys.stderr, flush=True)
