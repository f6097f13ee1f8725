"""Devices over MQTT on the live local stack: the broker authenticates things by their token,
bridges their states to the same service as REST (firing triggers), delivers commands, and
turns connects and disconnects into THING_CONNECTED / THING_DISCONNECTED hooks."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from chalicelib import wiring
from chalicelib.domain.events import Caller
from chalicelib.domain.models import Principal
from chalicelib.local.broker import command_topic, state_topic
from chalicelib.local.server import LiveStack

CODE = r"""
function hot(params, context) { return {room: params.room}; }
function presence(params, context) { return params.thingID; }
"""
HOOKS = {
    "kiicloud://things": [
        {"when": "THING_CONNECTED", "what": "EXECUTE_SERVER_CODE", "endpoint": "presence"},
        {"when": "THING_DISCONNECTED", "what": "EXECUTE_SERVER_CODE", "endpoint": "presence"},
    ]
}


def _call(
    stack: LiveStack,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    content_type: str = "application/json",
) -> Any:
    data = (body if isinstance(body, str) else json.dumps(body)).encode() if body is not None else None
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{stack.base_url}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def _state(stack: LiveStack, target: str, token: str) -> Any:
    """The thing's current state, or None while it has none (404)."""
    try:
        return _call(stack, "GET", f"{target}/states", token=token)
    except urllib.error.HTTPError:
        return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    from app import app, dispatcher

    live = LiveStack(app, lambda batch: dispatcher(batch, None), tmp_path_factory.mktemp("devices"))
    yield live
    live.stop()
    wiring.reset()


@pytest.fixture(scope="module")
def setup(stack: LiveStack) -> dict[str, str]:
    services = wiring.container()
    credentials = stack.stack.credentials
    assert credentials is not None
    app_id = credentials.app_id
    admin = Caller(Principal("admin", app_id))
    version = services.servercode.deploy(admin, CODE)
    services.servercode.put_hooks(admin, version.version_id, json.dumps(HOOKS))
    services.servercode.set_current(admin, version.version_id)
    user = _call(
        stack, "POST", f"/api/apps/{app_id}/users", {"loginName": "devowner", "password": "pass1234"}
    )
    token = _call(
        stack, "POST", f"/api/apps/{app_id}/oauth2/token", {"username": "devowner", "password": "pass1234"}
    )["access_token"]
    onboarded = _call(
        stack,
        "POST",
        f"/thing-if/apps/{app_id}/onboardings",
        {"vendorThingID": "mqtt-dev", "thingPassword": "pw", "owner": f"user:{user['userID']}"},
        token,
        "application/vnd.kii.OnboardingWithVendorThingIDByOwner+json",
    )
    return {
        "app": app_id,
        "user": user["userID"],
        "token": token,
        "thing": onboarded["thingID"],
        "thingToken": onboarded["accessToken"],
    }


def _device(
    stack: LiveStack, app_id: str, thing_id: str, password: str
) -> tuple[mqtt.Client, list[Any], int]:
    received: list[Any] = []
    connected = threading.Event()
    outcome: dict[str, int] = {}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=thing_id, protocol=mqtt.MQTTv311)
    client.username_pw_set(app_id, password)

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        outcome["rc"] = reason.value if hasattr(reason, "value") else int(reason)
        connected.set()

    client.on_connect = on_connect
    client.on_message = lambda c, u, message: received.append(json.loads(message.payload))
    client.connect("127.0.0.1", stack.stack.settings.local_mqtt_port)
    client.loop_start()
    connected.wait(60)
    return client, received, outcome.get("rc", -1)


def _subscribe(client: mqtt.Client, topic: str) -> None:
    """Subscribes and waits for the broker's SUBACK."""
    acked = threading.Event()
    client.on_subscribe = lambda *args: acked.set()
    client.subscribe(topic, qos=0)
    assert acked.wait(60), "no SUBACK"


def _wait(predicate: Any, seconds: float = 60) -> Any:
    """Polls until ``predicate`` holds; the ceiling is generous, tests never fail on speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def test_a_device_with_a_wrong_token_is_refused(stack: LiveStack, setup: dict[str, str]) -> None:
    client, _, rc = _device(stack, setup["app"], setup["thing"], "not-the-token")
    client.loop_stop()
    assert rc != 0


def test_states_over_mqtt_fire_triggers_commands_arrive_and_presence_runs_hooks(
    stack: LiveStack, setup: dict[str, str]
) -> None:
    app_id, thing_id, owner_token = setup["app"], setup["thing"], setup["token"]
    target = f"/thing-if/apps/{app_id}/targets/thing:{thing_id}"
    hot = {"type": "range", "field": "temp", "lowerLimit": 30, "lowerIncluded": False}
    server_code = {
        "triggersWhat": "SERVER_CODE",
        "predicate": {"eventSource": "STATES", "triggersWhen": "CONDITION_FALSE_TO_TRUE", "condition": hot},
        "serverCode": {"endpoint": "hot", "parameters": {"room": "lab"}},
    }
    command = {
        "triggersWhat": "COMMAND",
        "predicate": {"eventSource": "STATES", "triggersWhen": "CONDITION_FALSE_TO_TRUE", "condition": hot},
        "command": {"actions": [{"fan": {"on": True}}], "issuer": f"user:{setup['user']}"},
    }
    code_trigger = _call(stack, "POST", f"{target}/triggers", server_code, owner_token)["triggerID"]
    _call(stack, "POST", f"{target}/triggers", command, owner_token)

    client, received, rc = _device(stack, app_id, thing_id, setup["thingToken"])
    assert rc == 0
    _subscribe(client, command_topic(app_id, thing_id))
    client.publish(state_topic(app_id, thing_id), json.dumps({"temp": 20}))
    assert _wait(lambda: _state(stack, target, owner_token) == {"temp": 20})
    client.publish(state_topic(app_id, thing_id), json.dumps({"temp": 35}))
    client.publish(state_topic(app_id, "th.someone-else"), json.dumps({"temp": 99}))  # not its topic

    results_path = f"{target}/triggers/{code_trigger}/results/server-code"
    results = _wait(lambda: _call(stack, "GET", results_path, token=owner_token)["triggerServerCodeResults"])
    assert [(r["succeeded"], r["returnedValue"]) for r in results] == [(True, {"room": "lab"})]
    pushed = _wait(lambda: received)
    assert pushed and pushed[0]["actions"] == [{"fan": {"on": True}}] and pushed[0]["commandID"]
    sent = _call(stack, "GET", f"{target}/commands/{pushed[0]['commandID']}", token=owner_token)
    assert sent["commandState"] == "DELIVERED"
    assert _call(stack, "GET", f"{target}/states", token=owner_token) == {"temp": 35}

    services = wiring.container()
    thing = _call(stack, "GET", f"/api/apps/{app_id}/things/{thing_id}", token=owner_token)
    assert thing["_online"] is True
    client.disconnect()
    client.loop_stop()
    assert _wait(
        lambda: not _call(stack, "GET", f"/api/apps/{app_id}/things/{thing_id}", token=owner_token)["_online"]
    )
    ran = _wait(
        lambda: (
            [
                e
                for _, e in services.execution_store.executions(app_id)
                if e.endpoint == "presence" and e.status == "SUCCESS"
            ]
            if len(
                [
                    e
                    for _, e in services.execution_store.executions(app_id)
                    if e.endpoint == "presence" and e.status == "SUCCESS"
                ]
            )
            >= 2
            else None
        )
    )
    assert sorted(e.trigger for e in ran) == ["THING_CONNECTED", "THING_DISCONNECTED"]
    assert all(e.result == {"returnedValue": thing_id} for e in ran)
