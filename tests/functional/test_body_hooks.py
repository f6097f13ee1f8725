"""Body hooks: DATA_OBJECT_BODY_UPDATED / _DELETED / _PUBLISHED run with Kii's object params,
in every bucket scope, from the same event outbox as the other object events."""

from __future__ import annotations

from tests.conftest import Kii
from tests.functional.test_hooks import BUCKET_PATHS, _entries, deploy, executions

BODIES = ["DATA_OBJECT_BODY_UPDATED", "DATA_OBJECT_BODY_DELETED", "DATA_OBJECT_BODY_PUBLISHED"]


def test_body_triggers_run_their_endpoint_with_kiis_params_in_every_scope(kii: Kii) -> None:
    kii.services.dispatch()
    admin = kii.admin_token()
    deploy(kii, admin, {path: _entries(BODIES) for path in BUCKET_PATHS})
    user_id, token = kii.register("alice")
    group_id = kii.create_group(token)
    thing = kii.call(
        "POST",
        "/things",
        {"_vendorThingID": "dev-1", "_password": "thingPass1"},
        token,
        content_type="application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json",
    ).body
    scopes = (
        ("", token, {"appID": kii.app.app_id, "type": "APP"}),
        (f"/users/{user_id}", token, {"appID": kii.app.app_id, "type": "APP_AND_USER", "userID": user_id}),
        (
            f"/groups/{group_id}",
            token,
            {"appID": kii.app.app_id, "type": "APP_AND_GROUP", "groupID": group_id},
        ),
        (
            f"/things/{thing['_thingID']}",
            thing["_accessToken"],
            {"appID": kii.app.app_id, "type": "APP_AND_THING", "thingID": thing["_thingID"]},
        ),
    )
    expected = []
    for prefix, writer, object_scope in scopes:
        object_id = kii.call("POST", f"{prefix}/buckets/b1/objects", {"v": 1}, writer).body["objectID"]
        path = f"{prefix}/buckets/b1/objects/{object_id}/body"
        assert (
            kii.call("PUT", path, b"\x00\x01", writer, content_type="application/octet-stream").status == 200
        )
        assert kii.call("POST", path + "/publish", {}, writer).status == 201
        assert kii.call("DELETE", path, token=writer).status == 204
        uri_prefix = "kiicloud://" + (prefix.strip("/") + "/" if prefix else "")
        params = {
            "uri": f"{uri_prefix}buckets/b1/objects/{object_id}",
            "bucketID": "b1",
            "objectID": object_id,
            "objectScope": object_scope,
        }
        expected += [(trigger, params) for trigger in BODIES]
    kii.services.new_events()
    assert kii.services.dispatch() == {"batchItemFailures": []}
    ran = [e for e in executions(kii, admin) if e["trigger"].startswith("DATA_OBJECT_BODY_")]
    assert all(e["status"] == "SUCCESS" for e in ran)
    assert sorted((e["trigger"], e["returnedValue"]["params"]["uri"]) for e in ran) == sorted(
        (t, p["uri"]) for t, p in expected
    )
    for execution in ran:
        params = execution["returnedValue"]["params"]
        assert (execution["trigger"], params) in expected
    assert {e["path"] for e in ran} == set(BUCKET_PATHS)


def test_a_body_event_is_written_with_its_change_and_names_the_actor(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    object_id = kii.call("POST", "/buckets/b1/objects", {"v": 1}, token).body["objectID"]
    kii.services.new_events()
    kii.call("PUT", f"/buckets/b1/objects/{object_id}/body", b"x", token, content_type="text/plain")
    events = kii.services.new_events()
    assert [e.trigger for e in events] == ["DATA_OBJECT_BODY_UPDATED"]
    assert (events[0].actor.kind, events[0].actor.id) == ("user", user_id)
    refused = kii.call("PUT", "/buckets/b1/objects/missing/body", b"x", token, content_type="text/plain")
    assert refused.status == 404
    assert kii.services.new_events() == []
