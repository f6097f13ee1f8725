"""Kii's MQTT model over REST and on AWS (under moto): the onboarding's mqttEndpoint and the
MQTT installation Kii creates with it, `mqtt-endpoint` for the installation's owner only,
credentials valid for one client ID and topic until their TTL, the IoT custom authorizer's
per-installation policy, commands on the installation's mqttTopic, and API over MQTT
through the device Lambda."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.dispatcher import mqtt_api
from tests.conftest import Kii
from tests.functional.test_thingif import BY_OWNER, BY_THING, tif

CREATION = "application/vnd.kii.InstallationCreationRequest+json"
ENDPOINT_FIELDS = {
    "installationID",
    "username",
    "password",
    "mqttTopic",
    "host",
    "portTCP",
    "portSSL",
    "portWS",
    "portWSS",
    "X-MQTT-TTL",
}
TTL_MS = 7 * 24 * 3600 * 1000


@pytest.fixture
def owner(kii: Kii) -> tuple[str, str]:
    return kii.register("mqttowner")


def _onboard(kii: Kii, owner: tuple[str, str]) -> dict[str, Any]:
    user_id, token = owner
    body = {"vendorThingID": "kii-dev", "thingPassword": "pw", "owner": f"user:{user_id}"}
    reply = tif(kii, "POST", "/onboardings", body, token, BY_OWNER)
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def onboarded(kii: Kii, owner: tuple[str, str]) -> dict[str, Any]:
    return _onboard(kii, owner)


def _endpoint(kii: Kii, installation_id: str, token: str) -> Any:
    return kii.call("GET", f"/installations/{installation_id}/mqtt-endpoint", token=token)


def _authorize(client_id: str, username: str, password: str) -> dict[str, Any]:
    from app import iot_authorizer

    event = {
        "protocolData": {
            "mqtt": {
                "username": username,
                "password": base64.b64encode(password.encode()).decode(),
                "clientId": client_id,
            }
        },
        "awsAccountId": "123456789012",
    }
    return dict(iot_authorizer(event, None))


def test_onboarding_answers_an_mqtt_endpoint_of_the_things_own_mqtt_installation(
    kii: Kii, owner: tuple[str, str], onboarded: dict[str, Any]
) -> None:
    endpoint = onboarded["mqttEndpoint"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert len(endpoint["username"].encode()) <= 63 and len(endpoint["host"].encode()) <= 63
    assert len(endpoint["mqttTopic"].encode()) <= 63 and len(endpoint["password"].encode()) <= 127
    assert endpoint["portTCP"] == kii.services.container.settings.local_mqtt_port
    assert endpoint["X-MQTT-TTL"] == TTL_MS // 1000
    thing_token = onboarded["accessToken"]
    installation = kii.call("GET", f"/installations/{endpoint['installationID']}", token=thing_token).body
    assert installation["thingID"] == onboarded["thingID"] and installation["deviceType"] == "MQTT"
    assert installation["installationRegistrationID"] == endpoint["mqttTopic"]
    assert "INSTALLATION_CREATED" in [e.trigger for e in kii.services.new_events()]

    again = _onboard(kii, owner)["mqttEndpoint"]
    assert (again["installationID"], again["mqttTopic"]) == (
        endpoint["installationID"],
        endpoint["mqttTopic"],
    )
    assert again["password"] != endpoint["password"]
    assert "INSTALLATION_CREATED" not in [e.trigger for e in kii.services.new_events()]


def test_mqtt_endpoint_is_for_the_installations_owner_only(
    kii: Kii, owner: tuple[str, str], onboarded: dict[str, Any]
) -> None:
    thing_token = onboarded["accessToken"]
    created = kii.call("POST", "/installations", {"deviceType": "MQTT"}, thing_token, content_type=CREATION)
    assert created.status == 201
    installation_id = created.body["installationID"]
    reply = _endpoint(kii, installation_id, thing_token)
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "application/vnd.kii.MQTTEndpointResponse+json"
    assert set(reply.body) == ENDPOINT_FIELDS
    assert reply.headers["x-mqtt-ttl"] == str(reply.body["X-MQTT-TTL"])
    assert reply.body["mqttTopic"] == created.body["installationRegistrationID"]

    _, owner_token = owner  # the thing's owner does not own its installation
    refused = _endpoint(kii, installation_id, owner_token)
    assert (refused.status, refused.body["errorCode"]) == (403, "UNAUTHORIZED")
    missing = _endpoint(kii, "no-such-installation", thing_token)
    assert (missing.status, missing.body["errorCode"]) == (404, "INSTALLATION_NOT_FOUND")
    android = kii.call(
        "POST",
        "/installations",
        {"deviceType": "ANDROID", "installationRegistrationID": "fcm-9"},
        owner_token,
        content_type=CREATION,
    ).body["installationID"]
    not_mqtt = _endpoint(kii, android, owner_token)
    assert (not_mqtt.status, not_mqtt.body["errorCode"]) == (404, "MQTT_ENDPOINT_NOT_FOUND")


def test_an_mqtt_installation_never_takes_a_client_chosen_topic(kii: Kii, owner: tuple[str, str]) -> None:
    _, token = owner
    reply = kii.call(
        "POST",
        "/installations",
        {"deviceType": "MQTT", "installationRegistrationID": "someone-elses-topic"},
        token,
        content_type=CREATION,
    )
    assert reply.status == 201 and reply.body["installationRegistrationID"] != "someone-elses-topic"


def test_the_authorizer_takes_endpoint_credentials_for_their_client_id_until_the_ttl(
    kii: Kii, onboarded: dict[str, Any]
) -> None:
    endpoint, thing_id, app_id = onboarded["mqttEndpoint"], onboarded["thingID"], kii.app.app_id
    topic, username, password = endpoint["mqttTopic"], endpoint["username"], endpoint["password"]
    granted = _authorize(topic, username, password)
    assert granted["isAuthenticated"] is True and granted["principalId"] == app_id
    assert granted["disconnectAfterInSeconds"] == 86400
    [policy] = [json.loads(p) for p in granted["policyDocuments"]]
    resources = {s["Action"]: s["Resource"] for s in policy["Statement"]}
    arn = "arn:aws:iot:us-east-1:123456789012"
    assert resources["iot:Connect"] == f"{arn}:client/{topic}"
    assert resources["iot:Subscribe"] == [f"{arn}:topicfilter/{topic}", f"{arn}:topicfilter/p/{topic}/*"]
    assert resources["iot:Receive"] == [f"{arn}:topic/{topic}", f"{arn}:topic/p/{topic}/*"]
    assert resources["iot:Publish"] == [
        f"{arn}:topic/karakuri/{app_id}/things/{thing_id}/state",
        f"{arn}:topic/p/{topic}/*",
    ]
    for client_id, user, secret in (
        (topic, username, "wrong"),
        ("another-client", username, password),  # credentials of one client ID only
        (topic, f"{app_id}/another-installation", password),
        (topic, app_id, password),  # today's scheme wants the thing's token
    ):
        assert _authorize(client_id, user, secret)["isAuthenticated"] is False

    kii.services.clock.advance(TTL_MS - 1000)
    assert _authorize(topic, username, password)["disconnectAfterInSeconds"] == 300
    kii.services.clock.advance(1000)
    assert _authorize(topic, username, password)["isAuthenticated"] is False
    fresh = _endpoint(kii, endpoint["installationID"], onboarded["accessToken"]).body
    assert fresh["password"] != password
    assert _authorize(topic, username, fresh["password"])["isAuthenticated"] is True


def test_the_authorizer_lets_anonymous_clients_onboard_and_nothing_else(
    kii: Kii, onboarded: dict[str, Any]
) -> None:
    app_id = kii.app.app_id
    username = f"type=oauth2&client_id={app_id}"
    granted = _authorize("anonymous-7", username, f"client_secret={kii.app.app_key}")
    assert granted["isAuthenticated"] is True
    [policy] = [json.loads(p) for p in granted["policyDocuments"]]
    resources = {s["Action"]: s["Resource"] for s in policy["Statement"]}
    arn = "arn:aws:iot:us-east-1:123456789012"
    assert resources["iot:Publish"] == [
        f"{arn}:topic/p/anonymous/thing-if/apps/{app_id}/onboardings",
        f"{arn}:topic/p/anonymous-7/thing-if/apps/{app_id}/onboardings",
    ]
    assert resources["iot:Receive"] == [f"{arn}:topic/p/anonymous-7/*"]
    # an anonymous client cannot take a device's client ID, nor name a missing app
    assert _authorize(onboarded["mqttEndpoint"]["mqttTopic"], username, "x")["isAuthenticated"] is False
    assert _authorize("anonymous", "type=oauth2&client_id=nosuchapp", "x")["isAuthenticated"] is False


def _iot_services(kii: Kii) -> tuple[Any, list[tuple[str, bytes]]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    settings = replace(kii.services.container.settings, iot_publish=True)
    services = wiring.build_for_aws(settings, kii.services.clock)
    services.thingif.publisher.describe_endpoint = lambda: None  # type: ignore[union-attr]
    wiring.use(services)
    return services, iotdata_backends[DEFAULT_ACCOUNT_ID][settings.region].published_payloads


def test_commands_are_published_to_the_installations_mqtt_topic_through_iot_core(
    kii: Kii, owner: tuple[str, str], onboarded: dict[str, Any]
) -> None:
    _, published = _iot_services(kii)
    user_id, token = owner
    body = {"actions": [{"Fan": [{"turnPower": True}]}], "issuer": f"user:{user_id}"}
    sent = tif(kii, "POST", f"/targets/thing:{onboarded['thingID']}/commands", body, token)
    assert sent.status == 201
    topic = onboarded["mqttEndpoint"]["mqttTopic"]
    [payload] = [p for t, p in published if t == topic]
    assert json.loads(payload) == {"commandID": sent.body["commandID"], **body}
    assert any(t.endswith(f"/things/{onboarded['thingID']}/commands") for t, _ in published)  # today's


def _request(method: str, headers: dict[str, str], body: Any = None) -> bytes:
    head = "\r\n".join([method, *(f"{k}: {v}" for k, v in headers.items())])
    return f"{head}\r\n\r\n".encode() + (json.dumps(body).encode() if body is not None else b"")


def _answer(payload: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = payload.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status), headers, json.loads(body) if body else None


def test_api_over_mqtt_through_the_device_lambda_onboards_and_uploads_states(kii: Kii) -> None:
    from app import device

    services, published = _iot_services(kii)
    app_id = kii.app.app_id
    onboarding = f"p/anonymous/thing-if/apps/{app_id}/onboardings"
    request = _request(
        "POST",
        {"Content-Type": BY_THING, "X-Kii-RequestID": "r1"},
        {"vendorThingID": "over-mqtt", "thingPassword": "pw"},
    )

    def event(topic: str, payload: bytes, client_id: str) -> dict[str, Any]:
        return {"payload": base64.b64encode(payload).decode(), "topic": topic, "clientId": client_id}

    assert device(event(onboarding, request, "anonymous-1"), None) == {
        "request": f"/thing-if/apps/{app_id}/onboardings"
    }
    [(topic, payload)] = published[-1:]
    assert topic == f"p/anonymous-1/thing-if/apps/{app_id}/onboardings"
    status, headers, body = _answer(payload)
    assert (status, headers["X-Kii-RequestID"]) == (200, "r1")
    assert body["thingID"] and body["accessToken"] and set(body["mqttEndpoint"]) == ENDPOINT_FIELDS
    # The rule also hands the Lambda its own answer: ignored, as is a request on another's topic.
    assert device(event(topic, payload, "anonymous-1"), None) == {"request": "ignored"}
    mqtt_topic, thing_id = body["mqttEndpoint"]["mqttTopic"], body["thingID"]
    states = f"p/{mqtt_topic}/thing-if/apps/{app_id}/targets/thing:{thing_id}/states"
    upload = _request(
        "PUT",
        {
            "Authorization": f"Bearer {body['accessToken']}",
            "Content-Type": "application/vnd.kii.MultipleTraitState+json",
        },
        {"Lamp": {"power": True}},
    )
    assert device(event(states, upload, "another-client"), None) == {"request": "ignored"}
    kii.services.new_events()
    device(event(states, upload, mqtt_topic), None)
    topic, payload = published[-1]
    assert topic == states and _answer(payload)[0] == 201
    assert services.thingif.store.state(app_id, thing_id).state == {"Lamp": {"power": True}}
    assert [e.trigger for e in kii.services.new_events()] == ["TIF_STATE_UPDATED"]
    anonymous = _request("GET", {}, None)  # no token: the REST answer, 401
    device(event(states, anonymous, mqtt_topic), None)
    assert _answer(published[-1][1])[0] in (401, 403)


def test_mqtt_api_routes_a_path_as_api_gateway_does() -> None:
    from app import app

    routes = tuple(app.routes)
    found = mqtt_api.match_route(routes, "/thing-if/apps/a1/things/th.x/thing-type")
    assert found == (
        "/thing-if/apps/{appID}/things/{thingID}/{field}",
        {"appID": "a1", "thingID": "th.x", "field": "thing-type"},
    )
    assert mqtt_api.match_route(routes, "/thing-if/apps/a1/onboardings") == (
        "/thing-if/apps/{appID}/onboardings",
        {"appID": "a1"},
    )
    assert mqtt_api.match_route(routes, "/nowhere") is None
    with pytest.raises(mqtt_api.NotARequest):
        mqtt_api.parse("p/x/thing-if/apps/a1/onboardings", b"200\r\n\r\n{}")
    with pytest.raises(mqtt_api.NotARequest):
        mqtt_api.parse("p/x/thing-if/apps/a1/onboardings", b"BREW\n\n{}")
    parsed = mqtt_api.parse("p/x/api/apps/a1/users/me?disable_cache=1", b"get\nAuthorization: Bearer t\n\n")
    assert (parsed.method, parsed.path, parsed.query, parsed.headers) == (
        "GET",
        "/api/apps/a1/users/me",
        {"disable_cache": "1"},
        {"Authorization": "Bearer t"},
    )


def test_lifecycle_events_of_a_kii_model_client_are_its_things_presence(
    kii: Kii, onboarded: dict[str, Any]
) -> None:
    from app import device

    topic, app_id = onboarded["mqttEndpoint"]["mqttTopic"], kii.app.app_id
    kii.services.new_events()
    event = {"clientId": topic, "timestamp": 1000, "eventType": "connected", "principalIdentifier": app_id}
    assert device(event, None) == {"presence": "connected"}
    connected = [e for e in kii.services.new_events() if e.trigger == "THING_CONNECTED"]
    assert [e.params["thingID"] for e in connected] == [onboarded["thingID"]]
    anonymous = {**event, "clientId": "anonymous-1"}
    assert device(anonymous, None) == {"presence": "ignored"}
