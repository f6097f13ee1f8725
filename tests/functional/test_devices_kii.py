"""A device as Kii's embedded SDK drives it, on the live local stack: chunked request bodies,
MQTT 3.1 (`MQIsdp`) with client ID = mqttTopic and the mqtt-endpoint's credentials, commands
on its own topic, and Kii's API over MQTT (onboarding, states, action results)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from chalicelib import wiring
from chalicelib.local.server import LiveStack

BY_OWNER = "application/vnd.kii.OnboardingWithVendorThingIDByOwner+json"
BY_THING = "application/vnd.kii.OnboardingWithVendorThingIDByThing+json"
TRAIT_STATE = "application/vnd.kii.MultipleTraitState+json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    from app import app, dispatcher

    live = LiveStack(app, lambda batch: dispatcher(batch, None), tmp_path_factory.mktemp("kii-devices"))
    yield live
    live.stop()
    wiring.reset()


def _http(
    stack: LiveStack, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One request over a raw socket, as ebisu sends it: an absolute-form request line,
    ``Connection: close`` and, with a body, ``Transfer-Encoding: chunked`` (chunks of 7 bytes)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    lines = [
        f"{method} {stack.base_url}{path} HTTP/1.1",
        f"Host: 127.0.0.1:{stack.port}",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body is not None:
        lines.append("Transfer-Encoding: chunked")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    if body is not None:
        for i in range(0, len(data), 7):
            chunk = data[i : i + 7]
            raw += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        raw += b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as connection:
        connection.sendall(raw)
        received = b""
        while block := connection.recv(65536):
            received += block
    head, _, payload = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    response_headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), response_headers, json.loads(payload) if payload else None


def _json(token: str | None = None, content_type: str = "application/json") -> dict[str, str]:
    return {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}


class Device:
    """A paho client speaking MQTT 3.1, collecting what arrives per topic."""

    def __init__(self, stack: LiveStack, client_id: str, username: str, password: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.arrived = threading.Condition()
        self.connected = threading.Event()
        self.rc = -1
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv31
        )
        self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", stack.stack.settings.local_mqtt_port)
        self.client.loop_start()
        assert self.connected.wait(60), "no CONNACK"

    def _on_connect(self, c: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.rc = reason.value if hasattr(reason, "value") else int(reason)
        self.connected.set()

    def _on_message(self, c: Any, userdata: Any, message: Any) -> None:
        with self.arrived:
            self.messages.append((message.topic, bytes(message.payload)))
            self.arrived.notify_all()

    def subscribe(self, topic: str) -> list[int]:
        """The SUBACK's return codes (0x80: refused)."""
        acked, codes = threading.Event(), []

        def on_subscribe(c: Any, userdata: Any, mid: Any, reasons: Any, properties: Any) -> None:
            codes.extend(r.value if hasattr(r, "value") else int(r) for r in reasons)
            acked.set()

        self.client.on_subscribe = on_subscribe
        self.client.subscribe(topic, qos=0)
        assert acked.wait(60), "no SUBACK"
        return codes

    def next_on(self, topic: str, seconds: float = 60) -> bytes:
        """The first message not yet taken on ``topic``."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while True:
                for index, (on, payload) in enumerate(self.messages):
                    if on == topic:
                        del self.messages[index]
                        return payload
                left = deadline - time.monotonic()
                assert left > 0, f"nothing on {topic}"
                self.arrived.wait(left)

    def call(
        self, topic: str, method: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, dict[str, str], Any]:
        """One API-over-MQTT request and its answer (on the same topic, to this client)."""
        head = "\n".join([method, *(f"{k}: {v}" for k, v in headers.items())])
        payload = f"{head}\n\n".encode() + (json.dumps(body).encode() if body is not None else b"")
        self.client.publish(topic, payload, qos=0)
        answer = self.next_on(topic)
        head_bytes, _, raw = answer.partition(b"\r\n\r\n")
        status, *lines = head_bytes.decode().split("\r\n")
        parsed = {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}
        return int(status), parsed, json.loads(raw) if raw else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _wait(predicate: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    return predicate()


@pytest.fixture(scope="module")
def owner(stack: LiveStack) -> dict[str, str]:
    credentials = stack.stack.credentials
    assert credentials is not None
    app_id = credentials.app_id
    status, _, user = _http(
        stack, "POST", f"/api/apps/{app_id}/users", {"loginName": "kiiowner", "password": "pass1234"}, _json()
    )
    assert status == 201, user
    status, _, token = _http(  # the token request, chunked
        stack,
        "POST",
        "/api/oauth2/token",
        {"username": "kiiowner", "password": "pass1234"},
        {**_json(), "X-Kii-AppID": app_id, "X-Kii-AppKey": credentials.app_key},
    )
    assert status == 200, token
    return {
        "app": app_id,
        "appKey": credentials.app_key,
        "user": user["userID"],
        "token": token["access_token"],
    }


def test_a_kii_device_over_mqtt31_gets_a_rest_command_on_its_topic_and_reports_done(
    stack: LiveStack, owner: dict[str, str]
) -> None:
    app_id = owner["app"]
    status, _, anonymous = _http(  # ebisu's anonymous token for onboarding by the thing, chunked
        stack,
        "POST",
        f"/api/apps/{app_id}/oauth2/token",
        {"grant_type": "client_credentials", "client_id": app_id, "client_secret": "dummy"},
        _json(),
    )
    assert status == 200, anonymous
    status, _, onboarded = _http(
        stack,
        "POST",
        f"/thing-if/apps/{app_id}/onboardings",
        {"vendorThingID": "ebisu-1", "thingPassword": "pw"},
        _json(anonymous["access_token"], BY_THING),
    )
    assert status == 200, onboarded
    thing_id, thing_token = onboarded["thingID"], onboarded["accessToken"]
    target = f"/thing-if/apps/{app_id}/targets/thing:{thing_id}"
    status, _, _ = _http(
        stack, "PUT", f"{target}/states", {"Lamp": {"power": False}}, _json(thing_token, TRAIT_STATE)
    )
    assert status == 201  # the state upload, chunked
    status, _, installed = _http(
        stack,
        "POST",
        f"/api/apps/{app_id}/installations",
        {"deviceType": "MQTT", "development": "false"},
        _json(thing_token, "application/vnd.kii.InstallationCreationRequest+json"),
    )
    assert status == 201, installed
    status, headers, endpoint = _http(
        stack,
        "GET",
        f"/api/apps/{app_id}/installations/{installed['installationID']}/mqtt-endpoint",
        headers={"Authorization": f"Bearer {thing_token}"},
    )
    assert status == 200 and headers["x-mqtt-ttl"] == str(endpoint["X-MQTT-TTL"]), endpoint
    topic = endpoint["mqttTopic"]
    assert (
        topic == installed["installationRegistrationID"]
        and endpoint["portTCP"] == stack.stack.settings.local_mqtt_port
    )

    refused = Device(stack, topic, endpoint["username"], "not-the-password")
    refused.close()
    assert refused.rc != 0
    # A device that reconnects at once keeps its rights: the old session's end is not the new one's.
    Device(stack, topic, endpoint["username"], endpoint["password"]).close()
    device = Device(stack, topic, endpoint["username"], endpoint["password"])
    try:
        assert device.rc == 0
        assert device.subscribe(topic) == [0]
        assert device.subscribe(onboarded_topic_of_someone_else(stack, owner)) == [0x80]
        status, _, _ = _http(  # the owner takes the thing, then commands it over REST
            stack,
            "PUT",
            f"/api/apps/{app_id}/things/{thing_id}/ownership/user:{owner['user']}",
            None,
            {"Authorization": f"Bearer {thing_token}"},
        )
        assert 200 <= status < 300
        command = {"actions": [{"Lamp": [{"turnPower": True}]}], "issuer": f"user:{owner['user']}"}
        status, _, sent = _http(
            stack,
            "POST",
            f"{target}/commands",
            command,
            _json(owner["token"], "application/vnd.kii.CommandCreationRequest+json"),
        )
        assert status == 201, sent
        pushed = json.loads(device.next_on(topic))
        assert pushed == {"commandID": sent["commandID"], **command}
        results = {"actionResults": [{"Lamp": [{"turnPower": {"succeeded": True}}]}]}
        status, _, _ = _http(
            stack,
            "PUT",
            f"{target}/commands/{sent['commandID']}/action-results",
            results,
            _json(thing_token, "application/vnd.kii.CommandResultsUpdateRequest+json"),
        )
        assert status == 204
        _, _, stored = _http(
            stack,
            "GET",
            f"{target}/commands/{sent['commandID']}",
            headers={"Authorization": f"Bearer {owner['token']}"},
        )
        assert stored["commandState"] == "DONE"
    finally:
        device.close()


def onboarded_topic_of_someone_else(stack: LiveStack, owner: dict[str, str]) -> str:
    status, _, other = _http(
        stack,
        "POST",
        f"/thing-if/apps/{owner['app']}/onboardings",
        {"vendorThingID": "other-dev", "thingPassword": "pw", "owner": f"user:{owner['user']}"},
        _json(owner["token"], BY_OWNER),
    )
    assert status == 200, other
    return str(other["mqttEndpoint"]["mqttTopic"])


def test_a_bad_chunked_body_is_a_kii_400(stack: LiveStack, owner: dict[str, str]) -> None:
    raw = (
        f"POST /api/apps/{owner['app']}/oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as connection:
        connection.sendall(raw)
        received = b""
        while block := connection.recv(65536):
            received += block
    assert received.startswith(b"HTTP/1.") and b" 400 " in received.split(b"\r\n")[0]
    assert b'"INVALID_INPUT_DATA"' in received


def test_api_over_mqtt31_onboards_uploads_states_that_fire_triggers_and_reports_results(
    stack: LiveStack, owner: dict[str, str]
) -> None:
    app_id = owner["app"]
    onboarding = f"p/anonymous/thing-if/apps/{app_id}/onboardings"
    anonymous = Device(
        stack, "anonymous", f"type=oauth2&client_id={app_id}", f"client_secret={owner['appKey']}"
    )
    try:
        assert anonymous.rc == 0
        assert anonymous.subscribe(f"p/someone/thing-if/apps/{app_id}/onboardings") == [0x80]
        status, headers, onboarded = anonymous.call(
            onboarding,
            "POST",
            {"Content-Type": BY_THING, "X-Kii-RequestID": "anonymous"},
            {"vendorThingID": "mqtt-only", "thingPassword": "pw"},
        )
        assert (status, headers["X-Kii-RequestID"]) == (200, "anonymous"), onboarded
    finally:
        anonymous.close()
    endpoint, thing_id, token = onboarded["mqttEndpoint"], onboarded["thingID"], onboarded["accessToken"]
    topic = endpoint["mqttTopic"]
    device = Device(stack, topic, endpoint["username"], endpoint["password"])
    try:
        assert device.rc == 0 and device.subscribe(topic) == [0]
        base = f"p/{topic}/thing-if/apps/{app_id}/targets/thing:{thing_id}"
        auth = {"Authorization": f"Bearer {token}", "X-Kii-RequestID": topic}
        status, _, _ = device.call(
            f"p/{topic}/thing-if/apps/{app_id}/things/{thing_id}/firmware-version",
            "PUT",
            {**auth, "Content-Type": "application/vnd.kii.ThingFirmwareVersionUpdateRequest+json"},
            {"firmwareVersion": "1.0"},
        )
        assert status == 204
        # The thing's owner registers a COMMAND trigger on its state, over REST.
        _http(
            stack,
            "PUT",
            f"/api/apps/{app_id}/things/{thing_id}/ownership/user:{owner['user']}",
            None,
            {"Authorization": f"Bearer {token}"},
        )
        trigger = {
            "triggersWhat": "COMMAND",
            "predicate": {
                "eventSource": "STATES",
                "triggersWhen": "CONDITION_FALSE_TO_TRUE",
                "condition": {"type": "eq", "alias": "Lamp", "field": "power", "value": True},
            },
            "command": {"actions": [{"Lamp": [{"blink": 3}]}], "issuer": f"user:{owner['user']}"},
        }
        status, _, _ = _http(
            stack,
            "POST",
            f"/thing-if/apps/{app_id}/targets/thing:{thing_id}/triggers",
            trigger,
            _json(owner["token"]),
        )
        assert status == 201
        for power, expected in ((False, 201), (True, 204)):
            status, headers, _ = device.call(
                f"{base}/states", "PUT", {**auth, "Content-Type": TRAIT_STATE}, {"Lamp": {"power": power}}
            )
            assert (status, headers["X-Kii-RequestID"]) == (expected, topic)
        fired = json.loads(device.next_on(topic))  # the trigger's command, on the thing's topic
        assert fired["actions"] == [{"Lamp": [{"blink": 3}]}]
        status, _, _ = device.call(
            f"{base}/commands/{fired['commandID']}/action-results",
            "PUT",
            {**auth, "Content-Type": "application/vnd.kii.CommandResultsUpdateRequest+json"},
            {"actionResults": [{"Lamp": [{"blink": {"succeeded": True}}]}]},
        )
        assert status == 204
        status, _, command = device.call(f"{base}/commands/{fired['commandID']}", "GET", auth)
        assert (status, command["commandState"]) == (200, "DONE") and command["firedByTriggerID"]
        status, _, state = device.call(f"{base}/states", "GET", auth)
        assert (status, state) == (200, {"Lamp": {"power": True}})
        status, _, refused = device.call(f"{base}/states", "GET", {})
        assert status in (401, 403) and refused["errorCode"]
    finally:
        device.close()
