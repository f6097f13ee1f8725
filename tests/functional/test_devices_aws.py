"""The AWS side of devices, under moto: the device Lambda (IoT topic rules: states and
lifecycle events), the IoT custom authorizer, and commands published through IoT Core."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from tests.conftest import Kii
from tests.functional.test_thingif import BY_OWNER, tif


@pytest.fixture
def device(kii: Kii) -> dict[str, str]:
    user_id, token = kii.register("iotowner")
    body = tif(
        kii,
        "POST",
        "/onboardings",
        {"vendorThingID": "aws-dev", "thingPassword": "pw", "owner": f"user:{user_id}"},
        token,
        BY_OWNER,
    ).body
    return {"user": user_id, "token": token, "thing": body["thingID"], "thingToken": body["accessToken"]}


def test_the_device_lambda_takes_states_and_presence(kii: Kii, device: dict[str, str]) -> None:
    from app import device as handler

    app_id, thing_id = kii.app.app_id, device["thing"]
    assert handler({"temp": 31, "topic": f"karakuri/{app_id}/things/{thing_id}/state"}, None) == {
        "state": thing_id
    }
    assert tif(kii, "GET", f"/targets/thing:{thing_id}/states", token=device["token"]).body == {"temp": 31}
    kii.services.new_events()
    for event_type, at in (
        ("connected", 1000),
        ("connected", 1000),
        ("disconnected", 900),
        ("disconnected", 2000),
    ):
        handler(
            {"clientId": thing_id, "timestamp": at, "eventType": event_type, "principalIdentifier": app_id},
            None,
        )
    presence = [
        e.trigger for e in kii.services.new_events() if e.trigger in ("THING_CONNECTED", "THING_DISCONNECTED")
    ]
    assert presence == ["THING_CONNECTED", "THING_DISCONNECTED"]
    with pytest.raises(ValueError):
        handler({"topic": "somewhere/else"}, None)


def _mqtt_event(app_id: str, thing_id: str, token: str) -> dict[str, Any]:
    password = base64.b64encode(token.encode()).decode()
    return {
        "protocolData": {"mqtt": {"username": app_id, "password": password, "clientId": thing_id}},
        "awsAccountId": "123456789012",
    }


def test_the_iot_authorizer_gives_a_thing_its_own_topics_only(kii: Kii, device: dict[str, str]) -> None:
    from app import iot_authorizer

    app_id, thing_id = kii.app.app_id, device["thing"]
    granted = iot_authorizer(_mqtt_event(app_id, thing_id, device["thingToken"]), None)
    assert granted["isAuthenticated"] is True and granted["principalId"] == app_id
    [policy] = [json.loads(p) for p in granted["policyDocuments"]]
    resources = {s["Action"]: s["Resource"] for s in policy["Statement"]}
    arn = "arn:aws:iot:us-east-1:123456789012"
    assert resources["iot:Connect"] == f"{arn}:client/{thing_id}"
    assert resources["iot:Publish"] == [f"{arn}:topic/karakuri/{app_id}/things/{thing_id}/state"]
    assert resources["iot:Subscribe"] == [f"{arn}:topicfilter/karakuri/{app_id}/things/{thing_id}/commands"]
    assert resources["iot:Receive"] == [f"{arn}:topic/karakuri/{app_id}/things/{thing_id}/commands"]
    for event in (
        _mqtt_event(app_id, thing_id, "wrong"),
        _mqtt_event(app_id, thing_id, device["token"]),  # a user's token is not the thing's
        _mqtt_event(app_id, "th.other", device["thingToken"]),  # another client ID
    ):
        assert iot_authorizer(event, None)["isAuthenticated"] is False


def test_commands_are_published_through_iot_core(kii: Kii, device: dict[str, str]) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    settings = replace(kii.services.container.settings, iot_publish=True)
    services = wiring.build_for_aws(settings, kii.services.clock)
    # moto answers DescribeEndpoint with an account host it does not itself route; the
    # default data-plane host is the one it serves.
    services.thingif.publisher.describe_endpoint = lambda: None  # type: ignore[union-attr]
    wiring.use(services)
    body = {"actions": [{"beep": {}}], "issuer": f"user:{device['user']}"}
    sent = tif(kii, "POST", f"/targets/thing:{device['thing']}/commands", body, device["token"]).body
    state = tif(
        kii, "GET", f"/targets/thing:{device['thing']}/commands/{sent['commandID']}", token=device["token"]
    ).body
    assert state["commandState"] == "DELIVERED"
    published = iotdata_backends[DEFAULT_ACCOUNT_ID][settings.region].published_payloads
    [(topic, payload)] = [p for p in published if "commands" in p[0]]
    assert topic == f"karakuri/{kii.app.app_id}/things/{device['thing']}/commands"
    assert json.loads(payload) == {
        "commandID": sent["commandID"],
        "actions": [{"beep": {}}],
        "issuer": f"user:{device['user']}",
    }
