"""Devices: what a thing sends over MQTT, mapped onto the services (docs/devices.md).

One bridge serves both transports: the local broker's plugins call it directly, and in AWS
the IoT topic rules invoke the device Lambda with the state message, the lifecycle event or
an API-over-MQTT request. A device acts as itself (a thing principal, causation ``device``);
its state goes through the same service as ``PUT …/states``; presence events may come twice
or out of order and are ordered by their timestamps.

Three kinds of MQTT client (the same locally and in AWS):
- today's scheme: client ID = thingID, username = appID, password = the thing's token;
- Kii's: client ID = an MQTT installation's ``mqttTopic``, username and password from its
  ``mqtt-endpoint`` (or the onboarding's ``mqttEndpoint``);
- anonymous, for onboarding over MQTT: client ID ``anonymous`` (or ``anonymous…``), username
  ``type=oauth2&client_id={appID}``, password ``client_secret={appKey}``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from chalicelib.dispatcher import mqtt_api
from chalicelib.domain import values
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.errors import KiiError
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.devices")

STATE_TOPIC = re.compile(r"^karakuri/([^/]+)/things/([^/]+)/state$")
ANONYMOUS_CLIENT = re.compile(r"^anonymous[A-Za-z0-9_-]{0,40}$")


@dataclass(frozen=True)
class Device:
    """An authenticated MQTT client: its app, the thing it is (None: a user's installation or
    an anonymous client) and its Kii topic (``mqttTopic``), if it connected Kii's way."""

    app_id: str
    thing_id: str | None = None
    topic: str | None = None
    expires_at: int | None = None  # when its credentials stop being valid (ms)

    @property
    def anonymous(self) -> bool:
        return self.thing_id is None and self.topic is None


def may_request(device: Device, client_id: str, topic: str) -> bool:
    """API over MQTT: a client sends requests on ``p/{its client ID}/…``; an anonymous one
    only onboarding, also on Kii's shared ``p/anonymous/…``."""
    if device.anonymous:
        match = mqtt_api.REQUEST_TOPIC.match(topic)
        return (
            match is not None
            and match.group(1) in ("anonymous", client_id)
            and match.group(2) == f"thing-if/apps/{device.app_id}/onboardings"
        )
    return device.topic is not None and topic.startswith(f"p/{client_id}/")


def may_receive(device: Device, client_id: str, topic: str) -> bool:
    """A client subscribes to (and receives) its own topics only: its mqttTopic and its
    answers ``p/{client ID}/…``, or, in today's scheme, its command topic."""
    if device.topic is not None and topic == device.topic:
        return True
    if (device.topic is not None or device.anonymous) and topic.startswith(f"p/{client_id}/"):
        return True  # wildcards after the prefix stay under it (client IDs hold none)
    if device.topic is None and device.thing_id is not None:
        return topic == f"karakuri/{device.app_id}/things/{device.thing_id}/commands"
    return False


def may_publish_state(device: Device, topic: str) -> bool:
    return device.thing_id is not None and topic == f"karakuri/{device.app_id}/things/{device.thing_id}/state"


@dataclass
class DeviceBridge:
    services: Container
    api: mqtt_api.Api | None = None  # the Chalice app, for API over MQTT

    @staticmethod
    def _caller(app_id: str, thing_id: str) -> Caller:
        return Caller(Principal("thing", app_id, thing_id), Causation("device"))

    def authenticate(self, app_id: str, thing_id: str, token: str) -> bool:
        try:
            principal = self.services.auth.authenticate(app_id, f"Bearer {token}")
        except KiiError:
            return False
        return principal.kind == "thing" and principal.id == thing_id

    def connect(self, client_id: str, username: str, password: str) -> Device | None:
        """The device these CONNECT credentials authenticate, or None."""
        if not (client_id and username and password):
            return None
        if username.startswith("type=oauth2&"):
            return self._anonymous(client_id, username)
        if "/" in username:
            found = self.services.installations.authenticate_mqtt(username, client_id, password)
            if found is None:
                return None
            installation, expires_at = found
            thing_id = installation.owner_id if installation.owner_kind == "thing" else None
            return Device(installation.app_id, thing_id, installation.registration_id, expires_at)
        return Device(username, client_id) if self.authenticate(username, client_id, password) else None

    def _anonymous(self, client_id: str, username: str) -> Device | None:
        """Kii's anonymous onboarding client. The app key is not checked, as for the anonymous
        token grant (kii-rest-api.md §1.4); the app must exist. Its client ID must start with
        ``anonymous``, so that it can never take over a device's client ID."""
        app_id = (parse_qs(username).get("client_id") or [""])[0]
        if not ANONYMOUS_CLIENT.match(client_id) or not app_id:
            return None
        try:
            self.services.auth.app(app_id)
        except KiiError:
            return None
        return Device(app_id)

    def request(self, topic: str, payload: bytes) -> tuple[mqtt_api.ApiRequest, bytes] | None:
        """Serves an API-over-MQTT request through the REST routes: the request and the answer,
        or None for a message that is no request."""
        if self.api is None:
            return None
        try:
            request = mqtt_api.parse(topic, payload)
        except mqtt_api.NotARequest:
            return None
        return request, mqtt_api.serve(self.api, request)

    def state(self, app_id: str, thing_id: str, payload: bytes | str | dict[str, Any]) -> None:
        body = payload if isinstance(payload, dict) else values.loads(payload)
        self.services.thingif.put_state(self._caller(app_id, thing_id), f"thing:{thing_id}", body)

    def presence(self, app_id: str, thing_id: str, connected: bool, at_ms: int) -> None:
        self.services.things.set_presence(self._caller(app_id, thing_id), thing_id, connected, at_ms)


def handle_iot_event(
    event: dict[str, Any], services: Container, api: mqtt_api.Api | None = None
) -> dict[str, Any]:
    """The device Lambda: a state message (the rule adds ``topic``), an API-over-MQTT request
    (the rule sends ``payload`` base64-encoded, ``topic`` and ``clientId``), or an AWS IoT
    lifecycle event (``eventType`` connected/disconnected, ``clientId`` = thingID or
    mqttTopic, ``principalIdentifier`` = the appID as the custom authorizer sets it,
    ``timestamp`` in ms)."""
    bridge = DeviceBridge(services, api)
    if event.get("eventType") in ("connected", "disconnected"):
        app_id = str(event.get("principalIdentifier") or event.get("username") or "")
        client_id = str(event["clientId"])
        thing_id = client_id if client_id.startswith("th.") else _thing_of_topic(services, app_id, client_id)
        if thing_id is None:
            return {"presence": "ignored"}
        bridge.presence(app_id, thing_id, event["eventType"] == "connected", int(event["timestamp"]))
        return {"presence": event["eventType"]}
    if str(event.get("topic", "")).startswith("p/") and "payload" in event:
        return _api_request(bridge, event)
    match = STATE_TOPIC.match(str(event.get("topic", "")))
    if match is None:
        raise ValueError(f"not a device message: topic {event.get('topic')!r}")
    state = {k: v for k, v in event.items() if k != "topic"}
    bridge.state(match.group(1), match.group(2), state)
    return {"state": match.group(2)}


def _thing_of_topic(services: Container, app_id: str, topic: str) -> str | None:
    installation = services.installations.installations.find(app_id, "MQTT", topic)
    if installation is None or installation.owner_kind != "thing":
        return None
    return installation.owner_id


def _api_request(bridge: DeviceBridge, event: dict[str, Any]) -> dict[str, Any]:
    """The answer goes back through the IoT data plane to ``p/{client ID}/…``, which only that
    client may subscribe to; the topic rule's own answers come back here and are ignored."""
    client_id, topic = str(event.get("clientId") or ""), str(event["topic"])
    payload = base64.b64decode(str(event["payload"]))
    match = mqtt_api.REQUEST_TOPIC.match(topic)
    if mqtt_api.is_answer(payload) or match is None or match.group(1) not in ("anonymous", client_id):
        return {"request": "ignored"}
    served = bridge.request(topic, payload)
    publisher = bridge.services.thingif.publisher
    if served is None or publisher is None:
        return {"request": "ignored"}
    request, answer = served
    publisher.publish_topic(request.answer_topic(client_id), answer)
    return {"request": request.path}


def authorize(event: dict[str, Any], services: Container) -> dict[str, Any]:
    """The AWS IoT custom authorizer: any of the three kinds of client (module docstring)
    gets a policy for its own topics only; a Kii-model client until its password expires."""
    mqtt = (event.get("protocolData") or {}).get("mqtt") or {}
    client_id, username = str(mqtt.get("clientId") or ""), str(mqtt.get("username") or "")
    try:
        password = base64.b64decode(mqtt.get("password") or "").decode()
    except (ValueError, UnicodeDecodeError):
        password = ""
    device = DeviceBridge(services).connect(client_id, username, password)
    if device is None:
        return {
            "isAuthenticated": False,
            "principalId": "denied",
            "disconnectAfterInSeconds": 300,
            "refreshAfterInSeconds": 300,
            "policyDocuments": [],
        }
    arn = f"arn:aws:iot:{services.settings.region}:{event.get('awsAccountId', '*')}"
    seconds = 86400
    if device.expires_at is not None:
        seconds = max(300, min(seconds, (device.expires_at - services.clock.now_ms()) // 1000))
    policy = {"Version": "2012-10-17", "Statement": _statements(arn, client_id, device)}
    return {
        "isAuthenticated": True,
        "principalId": device.app_id,  # lifecycle events carry it as principalIdentifier
        "disconnectAfterInSeconds": seconds,
        "refreshAfterInSeconds": min(seconds, 3600),
        "policyDocuments": [json.dumps(policy)],
    }


def _statements(arn: str, client_id: str, device: Device) -> list[dict[str, Any]]:
    """The topics of :func:`may_request`, :func:`may_receive` and :func:`may_publish_state`
    as an IoT policy (``*`` in a resource matches across levels)."""
    publish: list[str] = []
    receive: list[str] = []
    if device.thing_id is not None:
        publish.append(f"karakuri/{device.app_id}/things/{device.thing_id}/state")
    if device.anonymous:
        onboardings = f"thing-if/apps/{device.app_id}/onboardings"
        publish += [f"p/anonymous/{onboardings}", f"p/{client_id}/{onboardings}"]
        receive.append(f"p/{client_id}/*")
    elif device.topic is not None:
        publish.append(f"p/{client_id}/*")
        receive += [device.topic, f"p/{client_id}/*"]
    else:
        receive.append(f"karakuri/{device.app_id}/things/{device.thing_id}/commands")
    return [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{client_id}"},
        {"Effect": "Allow", "Action": "iot:Publish", "Resource": [f"{arn}:topic/{t}" for t in publish]},
        {
            "Effect": "Allow",
            "Action": "iot:Subscribe",
            "Resource": [f"{arn}:topicfilter/{t}" for t in receive],
        },
        {"Effect": "Allow", "Action": "iot:Receive", "Resource": [f"{arn}:topic/{t}" for t in receive]},
    ]
