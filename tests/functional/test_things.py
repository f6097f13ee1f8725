"""Things: registration, login, lookup, fields, status, owners, deletion and their events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kii

WITH_TOKEN = "application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json"


def _register(kii: Kii, vid: str = "dev-1", **fields: Any) -> dict[str, Any]:
    reply = kii.call(
        "POST",
        "/things",
        {"_vendorThingID": vid, "_password": "thingPass1", **fields},
        content_type=WITH_TOKEN,
    )
    assert reply.status == 201, reply.body
    return dict(reply.body)


def _thing_login(kii: Kii, vid: str, password: str = "thingPass1") -> Any:
    return kii.call(
        "POST",
        "/api/oauth2/token",
        {"username": f"VENDOR_THING_ID:{vid}", "password": password},
        content_type="application/vnd.kii.OauthTokenRequest+json",
        headers={"X-Kii-AppID": kii.app.app_id},
    )


def test_thing_registers_anonymously_and_gets_a_token(kii: Kii) -> None:
    body = _register(kii, _thingType="thermometer", _firmwareVersion="1.0", location="lab", _numberField1=3)
    assert body["_thingID"].startswith("th.") and body["_accessToken"]
    assert body["_vendorThingID"] == "dev-1" and body["location"] == "lab" and body["_disabled"] is False
    assert "_password" not in body
    me = kii.call("GET", f"/things/{body['_thingID']}", token=body["_accessToken"])
    assert me.status == 200 and me.body["_thingType"] == "thermometer"
    [event] = kii.services.new_events()
    assert (event.trigger, event.params["thingID"], event.actor.kind) == (
        "THING_CREATED",
        body["_thingID"],
        "anonymous",
    )


def test_registration_without_token_and_duplicate_vendor_id(kii: Kii) -> None:
    plain = kii.call(
        "POST",
        "/things",
        {"_vendorThingID": "dev-1", "_password": "pw"},
        content_type="application/vnd.kii.ThingRegistrationRequest+json",
    )
    assert plain.status == 201 and "_accessToken" not in plain.body
    again = kii.call(
        "POST", "/things", {"_vendorThingID": "dev-1", "_password": "pw"}, content_type=WITH_TOKEN
    )
    assert (again.status, again.body["errorCode"]) == (409, "THING_ALREADY_EXISTS")


@pytest.mark.parametrize(
    "body",
    [
        {"_password": "pw"},
        {"_vendorThingID": "dev 1", "_password": "pw"},
        {"_vendorThingID": "d1"},
        {"_vendorThingID": "d1", "_password": "pw", "_numberField1": "x"},
        {"_vendorThingID": "d1", "_password": "pw", "_layoutPosition": "TOP"},
        {"_vendorThingID": "d1", "_password": "pw", "_unknown": 1},
    ],
)
def test_invalid_thing_registration_is_invalid_input_data(kii: Kii, body: dict[str, Any]) -> None:
    reply = kii.call("POST", "/things", body, content_type=WITH_TOKEN)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert kii.services.new_events() == []


def test_thing_logs_in_with_vendor_thing_id(kii: Kii) -> None:
    body = _register(kii)
    reply = _thing_login(kii, "dev-1")
    assert reply.status == 200 and reply.body["id"] == body["_thingID"] and reply.body["access_token"]
    assert _thing_login(kii, "dev-1", "wrong").body["errorCode"] == "invalid_grant"


def test_owner_flow_and_owner_events(kii: Kii) -> None:
    thing = _register(kii)
    thing_id, thing_token = thing["_thingID"], thing["_accessToken"]
    user_id, token = kii.register("owner")
    _, stranger = kii.register("stranger")
    assert kii.call("GET", f"/things/{thing_id}", token=stranger).status == 403
    kii.services.new_events()
    assert (
        kii.call(
            "PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token, content_type=None
        ).status
        == 204
    )
    assert kii.call("HEAD", f"/things/{thing_id}/ownership/user:{user_id}", token=token).status == 204
    assert kii.call("HEAD", f"/things/{thing_id}/ownership/USER:nobody", token=token).status == 404
    dup = kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token)
    assert (dup.status, dup.body["errorCode"]) == (409, "THING_OWNERSHIP_ALREADY_EXISTS")
    assert kii.call("GET", "/things/VENDOR_THING_ID:dev-1", token=token).body["_thingID"] == thing_id
    group_id = kii.create_group(token)
    assert kii.call("PUT", f"/things/{thing_id}/ownership/group:{group_id}", None, thing_token).status == 204
    assert kii.call("GET", f"/things/{thing_id}/ownership", token=token).body == {
        "users": [user_id],
        "groups": [group_id],
    }
    assert kii.call("DELETE", f"/things/{thing_id}/ownership/group:{group_id}", token=token).status == 204
    triggers = [
        (e.trigger, e.params.get("userID") or e.params.get("groupID"))
        for e in kii.services.new_events()
        if e.trigger.startswith("THING")
    ]
    assert triggers == [
        ("THING_USER_OWNER_ADDED", user_id),
        ("THING_GROUP_OWNER_ADDED", group_id),
        ("THING_GROUP_OWNER_REMOVED", group_id),
    ]


def test_ownership_by_post_checks_the_thing_password(kii: Kii) -> None:
    thing_id = _register(kii)["_thingID"]
    user_id, token = kii.register("owner")
    wrong = kii.call(
        "POST", f"/things/{thing_id}/ownership", {"userID": user_id, "thingPassword": "bad"}, token
    )
    assert (wrong.status, wrong.body["errorCode"]) == (401, "WRONG_PASSWORD")
    right = kii.call(
        "POST",
        f"/things/{thing_id}/ownership",
        {"userID": user_id, "thingPassword": "thingPass1"},
        token,
        content_type="application/vnd.kii.ThingOwnershipRequest+json",
    )
    assert right.status == 204


def test_user_cannot_make_someone_else_an_owner(kii: Kii) -> None:
    thing_id = _register(kii)["_thingID"]
    other_id, _ = kii.register("other")
    _, token = kii.register("myself")
    reply = kii.call("PUT", f"/things/{thing_id}/ownership/user:{other_id}", None, token)
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_stranger_cannot_take_over_a_thing_without_its_password(kii: Kii) -> None:
    thing = _register(kii)
    thing_id, thing_token = thing["_thingID"], thing["_accessToken"]
    owner_id, owner = kii.register("owner")
    stranger_id, stranger = kii.register("stranger")
    assert kii.call("PUT", f"/things/{thing_id}/ownership/user:{owner_id}", None, thing_token).status == 204
    kii.call("POST", f"/things/{thing_id}/buckets/secrets/objects", {"pin": 1234}, thing_token)
    claim = kii.call("PUT", f"/things/{thing_id}/ownership/user:{stranger_id}", None, stranger)
    assert (claim.status, claim.body["errorCode"]) == (403, "UNAUTHORIZED")
    evict = kii.call("DELETE", f"/things/{thing_id}/ownership/user:{owner_id}", token=stranger)
    assert (evict.status, evict.body["errorCode"]) == (403, "UNAUTHORIZED")
    read = kii.call(
        "POST",
        f"/things/{thing_id}/buckets/secrets/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        stranger,
    )
    assert (read.status, read.body["errorCode"]) == (403, "UNAUTHORIZED")
    disable = kii.call("PUT", f"/things/{thing_id}/status", {"disabled": True}, stranger)
    assert (disable.status, disable.body["errorCode"]) == (403, "UNAUTHORIZED")
    assert kii.call("GET", f"/things/{thing_id}/ownership", token=owner).body == {
        "users": [owner_id],
        "groups": [],
    }


def test_becoming_an_owner_by_post_without_the_password_is_refused(kii: Kii) -> None:
    thing_id = _register(kii)["_thingID"]
    user_id, token = kii.register("owner")
    reply = kii.call("POST", f"/things/{thing_id}/ownership", {"userID": user_id}, token)
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


def _thing_with_two_owners(kii: Kii) -> tuple[str, str, str, str, str]:
    """A thing, its token, and two user owners: (thingID, thing token, first, its token, second)."""
    thing = _register(kii)
    thing_id, thing_token = thing["_thingID"], thing["_accessToken"]
    first_id, first = kii.register("first")
    second_id, _ = kii.register("second")
    for user_id in (first_id, second_id):
        kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token)
    return thing_id, thing_token, first_id, first, second_id


def test_owner_cannot_remove_another_owner(kii: Kii) -> None:
    thing_id, _, _, first, second_id = _thing_with_two_owners(kii)
    reply = kii.call("DELETE", f"/things/{thing_id}/ownership/user:{second_id}", token=first)
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_owner_may_give_up_ownership_and_the_thing_may_remove_an_owner(kii: Kii) -> None:
    thing_id, thing_token, first_id, first, second_id = _thing_with_two_owners(kii)
    assert kii.call("DELETE", f"/things/{thing_id}/ownership/user:{first_id}", token=first).status == 204
    assert (
        kii.call("DELETE", f"/things/{thing_id}/ownership/user:{second_id}", token=thing_token).status == 204
    )


def test_app_admin_adds_an_owner_without_the_password(kii: Kii) -> None:
    thing_id = _register(kii)["_thingID"]
    user_id, _ = kii.register("owner")
    reply = kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, kii.admin_token())
    assert reply.status == 204


def test_app_without_required_password_lets_a_user_claim_a_thing(kii: Kii) -> None:
    kii.services.container.apps.require_password_for_thing_ownership(kii.app.app_id, False)
    thing_id = _register(kii)["_thingID"]
    user_id, token = kii.register("owner")
    other_id, _ = kii.register("other")
    assert kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, token).status == 204
    someone_else = kii.call("PUT", f"/things/{thing_id}/ownership/user:{other_id}", None, token)
    assert (someone_else.status, someone_else.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_fields_update_status_and_delete(kii: Kii) -> None:
    thing = _register(kii, location="lab")
    thing_id, thing_token = thing["_thingID"], thing["_accessToken"]
    user_id, token = kii.register("owner")
    kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token)
    kii.services.new_events()
    full = kii.call("GET", f"/things/{thing_id}", token=token).body
    patched = kii.call(
        "PATCH",
        f"/things/{thing_id}",
        {**full, "location": "office", "_productName": "p"},
        token,
        content_type="application/vnd.kii.ThingUpdateRequest+json",
    )
    assert patched.status == 204
    got = kii.call("GET", f"/things/{thing_id}", token=thing_token).body
    assert got["location"] == "office" and got["_productName"] == "p" and got["_vendorThingID"] == "dev-1"
    assert kii.call("PUT", f"/things/{thing_id}/status", {"disabled": True}, token).status == 204
    assert kii.call("GET", f"/things/{thing_id}/status", token=token).body == {"disabled": True}
    assert _thing_login(kii, "dev-1").body["errorCode"] == "THING_DISABLED"
    assert kii.call("GET", f"/things/{thing_id}", token=thing_token).body["errorCode"] == "THING_DISABLED"
    assert kii.call("PUT", f"/things/{thing_id}/status", {"disabled": False}, token).status == 204
    assert kii.call("DELETE", f"/things/{thing_id}", token=token).status == 204
    assert kii.call("GET", f"/things/{thing_id}", token=token).body["errorCode"] == "THING_NOT_FOUND"
    assert [e.trigger for e in kii.services.new_events()] == [
        "THING_FIELDS_UPDATED",
        "THING_DISABLED",
        "THING_ENABLED",
        "THING_DELETED",
    ]


def test_thing_scope_bucket_is_the_things_and_its_owners(kii: Kii) -> None:
    thing = _register(kii)
    thing_id, thing_token = thing["_thingID"], thing["_accessToken"]
    user_id, token = kii.register("owner")
    _, stranger = kii.register("stranger")
    kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token)
    created = kii.call("POST", f"/things/{thing_id}/buckets/readings/objects", {"t": 21}, thing_token)
    assert created.status == 201
    object_id = created.body["objectID"]
    assert (
        kii.call("GET", f"/things/{thing_id}/buckets/readings/objects/{object_id}", token=token).status == 200
    )
    denied = kii.call("GET", f"/things/{thing_id}/buckets/readings/objects/{object_id}", token=stranger)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
    event = next(e for e in kii.services.events() if e.trigger == "DATA_OBJECT_CREATED")
    assert event.params["objectScope"] == {
        "appID": kii.app.app_id,
        "type": "APP_AND_THING",
        "thingID": thing_id,
    }
    assert event.params["uri"] == f"kiicloud://things/{thing_id}/buckets/readings/objects/{object_id}"
    assert (event.actor.kind, event.actor.id) == ("thing", thing_id)


def test_vendor_thing_id_route_for_thing_if(kii: Kii) -> None:
    thing = _register(kii)
    reply = kii.call(
        "GET", f"/things/{thing['_thingID']}/vendor-thing-id", token=thing["_accessToken"], content_type=None
    )
    assert reply.body == {"_vendorThingID": "dev-1"}


def test_presence_events_are_ordered_by_time_and_deduplicated() -> None:
    from chalicelib import wiring
    from chalicelib.domain.events import Caller, Causation
    from chalicelib.domain.models import Principal

    services = wiring.build_in_memory()
    app_id = services.apps.create("presence").app_id
    anyone = Caller(Principal("anonymous", app_id))
    thing, _ = services.things.register(anyone, {"_vendorThingID": "p-1", "_password": "pw"}, False)
    device = Caller(Principal("thing", app_id, thing.thing_id), Causation("device"))
    presence = services.things.set_presence
    outcomes = [
        presence(device, thing.thing_id, True, 10),  # connected: news
        presence(device, thing.thing_id, True, 20),  # the same again (AWS may repeat): no event
        presence(device, thing.thing_id, False, 15),  # older than what is known: ignored
        presence(device, thing.thing_id, False, 30),  # disconnected: news
        presence(device, thing.thing_id, False, 30),  # delivered twice: ignored
    ]
    assert outcomes == [True, False, False, True, False]
    triggers = [
        e.trigger
        for e in (services.records.parse(r) for r in services.table.stream)
        if e and e.trigger.startswith("THING_")
    ]
    assert triggers == ["THING_CREATED", "THING_CONNECTED", "THING_DISCONNECTED"]
    stored = services.things.get(Caller(Principal("admin", app_id)), thing.thing_id)
    assert (stored.online, stored.online_modified_at) == (False, 30)
