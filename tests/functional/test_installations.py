"""Push installations: create, read, list, delete, with INSTALLATION_* events."""

from __future__ import annotations

import pytest

from tests.conftest import Kii

CREATION = "application/vnd.kii.InstallationCreationRequest+json"


def test_user_installs_reads_lists_and_deletes(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    kii.services.new_events()
    created = kii.call(
        "POST",
        "/installations",
        {"deviceType": "ANDROID", "installationRegistrationID": "fcm-1", "development": "false"},
        token,
        content_type=CREATION,
    )
    assert created.status == 201 and created.body["installationRegistrationID"] == "fcm-1"
    installation_id = created.body["installationID"]
    got = kii.call("GET", f"/installations/{installation_id}", token=token).body
    assert got["userID"] == user_id and got["deviceType"] == "ANDROID" and got["development"] is False
    listed = kii.call("GET", f"/installations?userID={user_id}", token=token).body["installations"]
    assert [i["installationID"] for i in listed] == [installation_id]
    assert kii.call("DELETE", "/installations/ANDROID:fcm-1", token=token).status == 204
    assert (
        kii.call("GET", f"/installations/{installation_id}", token=token).body["errorCode"]
        == "INSTALLATION_NOT_FOUND"
    )
    events = kii.services.new_events()
    assert [e.trigger for e in events] == ["INSTALLATION_CREATED", "INSTALLATION_DELETED"]
    assert events[0].params == {
        "installationID": installation_id,
        "deviceType": "ANDROID",
        "userID": user_id,
        "uri": f"kiicloud://installations/{installation_id}",
    }


def test_mqtt_installation_gets_a_generated_registration_id(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/installations", {"deviceType": "MQTT", "development": True}, token)
    assert reply.status == 201 and reply.body["installationRegistrationID"]


def test_admin_installs_for_a_thing(kii: Kii) -> None:
    thing = kii.call("POST", "/things", {"_vendorThingID": "d1", "_password": "pw"}).body
    reply = kii.call(
        "POST", "/installations", {"deviceType": "MQTT", "thingID": thing["_thingID"]}, kii.admin_token()
    )
    assert reply.status == 201
    assert kii.services.new_events()[-1].params["thingID"] == thing["_thingID"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"deviceType": "WINDOWS", "installationRegistrationID": "x"}, 400, "INVALID_INPUT_DATA"),
        ({"deviceType": "IOS"}, 400, "INVALID_INPUT_DATA"),
        (
            {"deviceType": "IOS", "installationRegistrationID": "x", "development": "maybe"},
            400,
            "INVALID_INPUT_DATA",
        ),
    ],
)
def test_bad_installation_is_refused(kii: Kii, body: dict[str, object], status: int, code: str) -> None:
    _, token = kii.register("alice")
    kii.services.new_events()
    reply = kii.call("POST", "/installations", body, token)
    assert (reply.status, reply.body["errorCode"]) == (status, code)
    assert kii.services.new_events() == []


def test_duplicate_registration_id_and_foreign_access(kii: Kii) -> None:
    _, token = kii.register("alice")
    _, other = kii.register("bob")
    body = {"deviceType": "IOS", "installationRegistrationID": "apns-1"}
    installation_id = kii.call("POST", "/installations", body, token).body["installationID"]
    dup = kii.call("POST", "/installations", body, token)
    assert (dup.status, dup.body["errorCode"]) == (409, "INSTALLATION_ALREADY_EXISTS")
    denied = kii.call("DELETE", f"/installations/{installation_id}", token=other)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
    anonymous = kii.call("POST", "/installations", {"deviceType": "MQTT"})
    assert (anonymous.status, anonymous.body["errorCode"]) == (401, "UNAUTHORIZED")
