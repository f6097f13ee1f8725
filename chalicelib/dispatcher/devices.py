"""Devices: what a thing sends over MQTT, mapped onto the services (docs/devices.md).

One bridge serves both transports: the local broker's plugins call it directly, and in AWS
the IoT topic rules invoke the device Lambda with the state message or the lifecycle event.
A device acts as itself (a thing principal, causation ``device``); its state goes through the
same service as ``PUT …/states``; presence events may come twice or out of order and are
ordered by their timestamps.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import values
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.errors import KiiError
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.devices")

STATE_TOPIC = re.compile(r"^karakuri/([^/]+)/things/([^/]+)/state$")


@dataclass
class DeviceBridge:
    services: Container

    @staticmethod
    def _caller(app_id: str, thing_id: str) -> Caller:
        return Caller(Principal("thing", app_id, thing_id), Causation("device"))

    def authenticate(self, app_id: str, thing_id: str, token: str) -> bool:
        try:
            principal = self.services.auth.authenticate(app_id, f"Bearer {token}")
        except KiiError:
            return False
        return principal.kind == "thing" and principal.id == thing_id

    def state(self, app_id: str, thing_id: str, payload: bytes | str | dict[str, Any]) -> None:
        body = payload if isinstance(payload, dict) else values.loads(payload)
        self.services.thingif.put_state(self._caller(app_id, thing_id), f"thing:{thing_id}", body)

    def presence(self, app_id: str, thing_id: str, connected: bool, at_ms: int) -> None:
        self.services.things.set_presence(self._caller(app_id, thing_id), thing_id, connected, at_ms)


def handle_iot_event(event: dict[str, Any], services: Container) -> dict[str, Any]:
    """The device Lambda: a state message (the rule adds ``topic``) or an AWS IoT lifecycle
    event (``eventType`` connected/disconnected, ``clientId`` = thingID, ``username`` = appID
    as the custom authorizer sets it, ``timestamp`` in ms)."""
    bridge = DeviceBridge(services)
    if event.get("eventType") in ("connected", "disconnected"):
        app_id = str(event.get("principalIdentifier") or event.get("username") or "")
        bridge.presence(
            app_id, str(event["clientId"]), event["eventType"] == "connected", int(event["timestamp"])
        )
        return {"presence": event["eventType"]}
    match = STATE_TOPIC.match(str(event.get("topic", "")))
    if match is None:
        raise ValueError(f"not a device message: topic {event.get('topic')!r}")
    state = {k: v for k, v in event.items() if k != "topic"}
    bridge.state(match.group(1), match.group(2), state)
    return {"state": match.group(2)}


def authorize(event: dict[str, Any], services: Container) -> dict[str, Any]:
    """The AWS IoT custom authorizer: an MQTT client whose client ID is a thingID, username an
    appID and password that thing's access token gets a policy for its own topics only."""
    import base64

    mqtt = (event.get("protocolData") or {}).get("mqtt") or {}
    thing_id, app_id = str(mqtt.get("clientId") or ""), str(mqtt.get("username") or "")
    try:
        token = base64.b64decode(mqtt.get("password") or "").decode()
    except (ValueError, UnicodeDecodeError):
        token = ""
    denied = {
        "isAuthenticated": False,
        "principalId": "denied",
        "disconnectAfterInSeconds": 300,
        "refreshAfterInSeconds": 300,
        "policyDocuments": [],
    }
    if not (thing_id and app_id and token) or not DeviceBridge(services).authenticate(
        app_id, thing_id, token
    ):
        return denied
    arn = f"arn:aws:iot:{services.settings.region}:{event.get('awsAccountId', '*')}"
    base = f"karakuri/{app_id}/things/{thing_id}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{arn}:client/{thing_id}"},
            {"Effect": "Allow", "Action": "iot:Publish", "Resource": f"{arn}:topic/{base}/state"},
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{arn}:topicfilter/{base}/commands"},
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": f"{arn}:topic/{base}/commands"},
        ],
    }
    return {
        "isAuthenticated": True,
        "principalId": app_id,  # lifecycle events carry it as principalIdentifier
        "disconnectAfterInSeconds": 86400,
        "refreshAfterInSeconds": 3600,
        "policyDocuments": [json.dumps(policy)],
    }
