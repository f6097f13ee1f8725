"""Server hooks end to end: a change through the REST API, its event through the dispatcher
Lambda's handler (moto stream records), the endpoint run once with exactly Kii's params."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Kii

CODE = r"""
function record(params, context) {
  return {params: params, hasToken: context.getAccessToken() !== null, userID: context.userID || null};
}
function touch(params, context, done) {
  var obj = context.getAppAdminContext().bucketWithName('loop').createObject();
  obj.set('from', 'hook');
  obj.save().then(function () { done('wrote'); });
}
function boom(params, context) { throw new Error('hook failed'); }
function other(params, context) { return 'other'; }
"""
USERS = [
    "USER_CREATED",
    "USER_EMAIL_VERIFIED",
    "USER_PHONE_VERIFIED",
    "USER_PASSWORD_RESET_COMPLETED",
    "USER_PASSWORD_CHANGED",
    "USER_DELETED",
    "USER_UPDATED",
]
GROUPS = ["GROUP_CREATED", "GROUP_DELETED", "GROUP_MEMBERS_ADDED", "GROUP_MEMBERS_REMOVED"]
THINGS = [
    "THING_CREATED",
    "THING_ENABLED",
    "THING_DISABLED",
    "THING_USER_OWNER_ADDED",
    "THING_GROUP_OWNER_ADDED",
    "THING_USER_OWNER_REMOVED",
    "THING_GROUP_OWNER_REMOVED",
    "THING_FIELDS_UPDATED",
    "THING_DELETED",
]
INSTALLATIONS = ["INSTALLATION_CREATED", "INSTALLATION_DELETED"]
OBJECTS = ["DATA_OBJECT_CREATED", "DATA_OBJECT_UPDATED", "DATA_OBJECT_DELETED"]
BUCKET_PATHS = [
    "kiicloud://buckets/b1",
    "kiicloud://users/*/buckets/b1",
    "kiicloud://groups/*/buckets/b1",
    "kiicloud://things/*/buckets/b1",
]


def _entries(triggers: list[str], endpoint: str = "record") -> list[dict[str, str]]:
    return [{"when": t, "what": "EXECUTE_SERVER_CODE", "endpoint": endpoint} for t in triggers]


def every_hook(endpoint: str = "record") -> dict[str, Any]:
    config: dict[str, Any] = {
        "kiicloud://users": _entries(USERS, endpoint),
        "kiicloud://groups": _entries(GROUPS, endpoint),
        "kiicloud://things": _entries(THINGS, endpoint),
        "kiicloud://installations": _entries(INSTALLATIONS, endpoint),
    }
    for path in BUCKET_PATHS:
        config[path] = _entries(OBJECTS, endpoint)
    return config


def deploy(kii: Kii, admin: str, config: dict[str, Any], code: str = CODE, current: bool = True) -> str:
    version = kii.call("POST", "/server-code", code, admin, "application/javascript").body["versionID"]
    put = kii.call(
        "PUT",
        f"/hooks/versions/{version}",
        json.dumps(config),
        admin,
        "application/vnd.kii.HooksDeploymentRequest+json",
    )
    assert put.status == 204, put.body
    if current:
        assert kii.call("PUT", "/server-code/versions/current", version, admin, "text/plain").status == 204
    return str(version)


def executions(kii: Kii, admin: str, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    reply = kii.call("GET", f"/hooks/executions?bestEffortLimit=200&{query}", token=admin)
    assert reply.status == 200, reply.body
    return list(reversed(reply.body["executions"]))  # oldest first


@pytest.fixture
def admin(kii: Kii) -> str:
    kii.services.dispatch()
    return kii.admin_token()


def test_every_trigger_of_every_path_runs_its_endpoint_once_with_kiis_params(kii: Kii, admin: str) -> None:
    deploy(kii, admin, every_hook())
    kii.services.new_events()
    # users
    user_id, token = kii.register("alice", emailAddress="a@example.com", phoneNumber="+819012345678")
    kii.call("POST", f"/users/{user_id}", {"displayName": "A"}, token)
    kii.call(
        "PUT", f"/users/{user_id}/password", {"oldPassword": "pass1234", "newPassword": "n3wpass"}, token
    )
    for kind in ("email-address", "phone-number"):
        code = kii.call("GET", f"/users/{user_id}/{kind}/verification-code", token=admin).body[
            "verificationCode"
        ]
        kii.call("POST", f"/users/me/{kind}/verify", {"verificationCode": code}, token)
    kii.call("POST", "/users/EMAIL:a@example.com/password/request-reset")
    mail = kii.call("GET", "/notifications", token=admin).body["notifications"][-1]
    kii.call(
        "POST", f"/users/{user_id}/password/complete-reset", {"pinCode": mail["code"], "newPassword": "r3set"}
    )
    token = kii.call("POST", "/oauth2/token", {"username": "alice", "password": "r3set"}).body["access_token"]
    # groups
    member_id, _ = kii.register("member")
    group_id = kii.create_group(token, members=[member_id])
    kii.call("DELETE", f"/groups/{group_id}/members/{member_id}", token=token)
    # objects in every scope
    thing = kii.call(
        "POST",
        "/things",
        {"_vendorThingID": "dev-1", "_password": "thingPass1"},
        token,
        content_type="application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json",
    ).body
    thing_id = thing["_thingID"]
    thing_token = thing["_accessToken"]
    for scope, writer in (
        ("", token),
        (f"/users/{user_id}", token),
        (f"/groups/{group_id}", token),
        (f"/things/{thing_id}", thing_token),
    ):
        created = kii.call("POST", f"{scope}/buckets/b1/objects", {"v": 1}, writer)
        assert created.status == 201, created.body
        object_id = created.body["objectID"]
        assert kii.call("PATCH", f"{scope}/buckets/b1/objects/{object_id}", {"v": 2}, writer).status == 200
        assert kii.call("DELETE", f"{scope}/buckets/b1/objects/{object_id}", token=writer).status == 204
    # things
    kii.call("PUT", f"/things/{thing_id}/status", {"disabled": True}, admin)
    kii.call("PUT", f"/things/{thing_id}/status", {"disabled": False}, admin)
    kii.call("PUT", f"/things/{thing_id}/ownership/user:{user_id}", None, thing_token, content_type=None)
    kii.call("PUT", f"/things/{thing_id}/ownership/group:{group_id}", None, thing_token, content_type=None)
    kii.call("DELETE", f"/things/{thing_id}/ownership/user:{user_id}", token=admin)
    kii.call("DELETE", f"/things/{thing_id}/ownership/group:{group_id}", token=admin)
    kii.call(
        "PATCH",
        f"/things/{thing_id}",
        {"location": "lab"},
        admin,
        content_type="application/vnd.kii.ThingUpdateRequest+json",
    )
    kii.call("DELETE", f"/things/{thing_id}", token=admin)
    # installations
    installed = kii.call(
        "POST",
        "/installations",
        {"deviceType": "ANDROID", "installationRegistrationID": "fcm-1", "development": "false"},
        token,
        content_type="application/vnd.kii.InstallationCreationRequest+json",
    )
    kii.call("DELETE", f"/installations/{installed.body['installationID']}", token=token)
    # the group and the user go last
    kii.call("DELETE", f"/groups/{group_id}", token=token)
    kii.call("DELETE", f"/users/{user_id}", token=admin)

    events = kii.services.new_events()
    assert kii.services.dispatch() == {"batchItemFailures": []}
    ran = executions(kii, admin)
    assert [e["status"] for e in ran] == ["SUCCESS"] * len(ran)
    by_event = {e["eventID"]: e for e in ran}
    assert len(by_event) == len(ran) == len(events)  # every event ran its endpoint exactly once
    for event in events:
        execution = by_event[event.event_id]
        assert execution["returnedValue"]["params"] == event.params, event.trigger
        assert execution["trigger"] == event.trigger and execution["endpoint"] == "record"
    fired = {e.trigger for e in events}
    assert fired == set(USERS + GROUPS + THINGS + INSTALLATIONS + OBJECTS)
    object_paths = {e["path"] for e in ran if e["trigger"].startswith("DATA_OBJECT_")}
    assert object_paths == set(BUCKET_PATHS)
    # Kii's params, spelled out for a few
    user_created = next(
        e for e in ran if e["trigger"] == "USER_CREATED" and e["returnedValue"]["params"]["userID"] == user_id
    )
    assert user_created["returnedValue"]["params"] == {
        "userID": user_id,
        "uri": f"kiicloud://users/{user_id}",
    }
    group_object = next(e for e in ran if e["path"] == "kiicloud://groups/*/buckets/b1")["returnedValue"][
        "params"
    ]
    assert group_object["objectScope"] == {
        "appID": kii.app.app_id,
        "groupID": group_id,
        "type": "APP_AND_GROUP",
    }
    assert (
        group_object["uri"] == f"kiicloud://groups/{group_id}/buckets/b1/objects/{group_object['objectID']}"
    )


def test_the_acting_users_token_reaches_the_hook_and_admin_calls_give_none(kii: Kii, admin: str) -> None:
    deploy(kii, admin, {"kiicloud://buckets/b1": _entries(OBJECTS)})
    user_id, token = kii.register("bob")
    kii.call("POST", "/buckets/b1/objects", {"v": 1}, token)
    kii.call("POST", "/buckets/b1/objects", {"v": 1}, admin)
    kii.services.dispatch()
    by_user, by_admin = executions(kii, admin)
    assert (by_user["returnedValue"]["hasToken"], by_user["returnedValue"]["userID"]) == (True, user_id)
    assert (by_admin["returnedValue"]["hasToken"], by_admin["returnedValue"]["userID"]) == (False, None)


def test_writes_of_hook_invoked_code_fire_no_further_hooks(kii: Kii, admin: str) -> None:
    deploy(
        kii,
        admin,
        {
            "kiicloud://buckets/b1": _entries(OBJECTS, "touch"),
            "kiicloud://buckets/loop": _entries(OBJECTS, "touch"),
        },
    )
    kii.call("POST", "/buckets/b1/objects", {"v": 1}, admin)
    kii.services.dispatch()
    [ran] = executions(kii, admin)
    assert ran["returnedValue"] == "wrote"
    [written] = [e for e in kii.services.new_events() if e.params["bucketID"] == "loop"]
    assert (written.causation.source, written.causation.execution_id) == ("hook", ran["executionID"])
    assert kii.services.dispatch() == {"batchItemFailures": []}
    assert len(executions(kii, admin)) == 1  # the hook's own write ran nothing


def test_writes_of_manually_executed_code_do_fire_hooks(kii: Kii, admin: str) -> None:
    deploy(kii, admin, {"kiicloud://buckets/loop": _entries(OBJECTS, "record")})
    assert kii.call("POST", "/server-code/versions/current/touch", {}).body == {"returnedValue": "wrote"}
    kii.services.dispatch()
    [ran] = executions(kii, admin)
    assert ran["trigger"] == "DATA_OBJECT_CREATED" and ran["returnedValue"]["params"]["bucketID"] == "loop"


def test_the_same_batch_delivered_twice_runs_once(kii: Kii, admin: str) -> None:
    from app import dispatcher

    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"])})
    kii.services.dispatch()
    kii.register("carol")
    records = kii.services.drain_records()[-1:]
    assert dispatcher({"Records": records}, None) == {"batchItemFailures": []}
    assert dispatcher({"Records": records}, None) == {"batchItemFailures": []}
    [ran] = executions(kii, admin)
    assert ran["attempt"] == 1


def test_a_poison_record_is_reported_and_the_good_ones_run(kii: Kii, admin: str) -> None:
    from app import dispatcher

    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"])})
    kii.services.dispatch()
    kii.register("dave")
    kii.register("erin")
    good = kii.services.drain_records()[-2:]
    poison = {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "999", "NewImage": {"pk": {"S": "x"}}}}
    result = dispatcher({"Records": [good[0], poison, good[1]]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    assert len(executions(kii, admin)) == 2


def test_errors_in_the_apps_code_are_recorded_not_retried(kii: Kii, admin: str) -> None:
    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"], "boom")})
    kii.register("frank")
    assert kii.services.dispatch() == {"batchItemFailures": []}
    [failed] = executions(kii, admin, status="FAILED")
    assert failed["error"] == {"errorCode": "RUNTIME_ERROR", "message": "hook failed"}
    assert executions(kii, admin, status="SUCCESS") == []


def test_only_the_current_version_fires_and_config_changes_apply_to_later_events(
    kii: Kii, admin: str
) -> None:
    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"], "record")})
    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"], "other")}, current=False)
    kii.register("gina")  # occurs while the first version's config is in force
    first = deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"], "other")})
    kii.register("hank")  # after the switch: the new current version's config
    kii.call(
        "PUT",
        f"/hooks/versions/{first}",
        json.dumps({"kiicloud://groups": _entries(GROUPS)}),
        admin,
        "application/vnd.kii.HooksDeploymentRequest+json",
    )
    kii.register("ivan")  # after the config was replaced: no user hook any more
    kii.services.dispatch()  # all three events are dispatched only now, "in flight" meanwhile
    ran = executions(kii, admin)
    assert [e["endpoint"] for e in ran] == ["record", "other"]
    assert ran[1]["versionID"] == first


def test_executions_api_filters_pages_and_is_for_the_admin(kii: Kii, admin: str) -> None:
    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED", "USER_UPDATED"])})
    user_id, token = kii.register("jill")
    kii.call("POST", f"/users/{user_id}", {"displayName": "J"}, token)
    kii.register("kate")
    kii.services.dispatch()
    assert [e["trigger"] for e in executions(kii, admin, trigger="USER_UPDATED")] == ["USER_UPDATED"]
    page = kii.call("GET", "/hooks/executions?bestEffortLimit=2", token=admin).body
    assert len(page["executions"]) == 2 and page["nextPaginationKey"]
    rest = kii.call(
        "GET", f"/hooks/executions?bestEffortLimit=2&paginationKey={page['nextPaginationKey']}", token=admin
    ).body
    assert len(rest["executions"]) == 1 and "nextPaginationKey" not in rest
    one = page["executions"][0]
    got = kii.call("GET", f"/hooks/executions/{one['executionID']}", token=admin)
    assert got.status == 200 and got.body == one
    missing = kii.call("GET", "/hooks/executions/nope", token=admin)
    assert (missing.status, missing.body["errorCode"]) == (404, "NOT_FOUND")
    denied = kii.call("GET", "/hooks/executions", token=token)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
    bad = kii.call("GET", "/hooks/executions?colour=red", token=admin)
    assert (bad.status, bad.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_redrive_reruns_what_reached_the_dead_letter_queue_once(kii: Kii, admin: str) -> None:
    from chalicelib import wiring
    from chalicelib.dispatcher import hooks, redrive

    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"])})
    kii.services.dispatch()
    kii.register("lena")
    kii.register("mona")
    records = kii.services.drain_records()[-2:]
    settings = kii.services.container.settings
    streams = wiring.aws_client("dynamodbstreams", settings)
    shard = streams.describe_stream(StreamArn=kii.services.events_stream)["StreamDescription"]["Shards"][0]
    sqs = wiring.aws_client("sqs", settings)
    queue = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    info = {
        "shardId": shard["ShardId"],
        "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
        "endSequenceNumber": records[1]["dynamodb"]["SequenceNumber"],
        "streamArn": kii.services.events_stream,
        "batchSize": 2,
    }
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"version": "1.0", "DDBStreamBatchInfo": info}))
    # the first of the two already ran before it was dead-lettered
    from app import dispatcher

    assert dispatcher({"Records": records[:1]}, None) == {"batchItemFailures": []}

    def deliver(batch: dict[str, Any]) -> dict[str, Any]:
        services = kii.services.container
        return hooks.dispatch(batch, services.executions, services.hooks, services.thingif, services.records)

    report = redrive.redrive(sqs, streams, queue, deliver)
    assert report.to_json() == {
        "messages": 1,
        "records": 2,
        "redriven": 2,
        "failedRecords": [],
        "expiredMessages": 0,
    }
    assert [e["attempt"] for e in executions(kii, admin)] == [1, 1]  # neither ran twice
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []


class ThrottledOnce:
    """A runner whose first execution meets an infrastructure error (throttling); the rest
    run on the real runner."""

    def __init__(self, real: Any) -> None:
        self.real, self.throttled = real, False

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        from chalicelib.errors import TemporarilyUnavailable

        if not self.throttled:
            self.throttled = True
            raise TemporarilyUnavailable()
        return self.real.execute(*args, **kwargs)


def test_infrastructure_errors_are_reported_and_the_retry_takes_the_claim_over(kii: Kii, admin: str) -> None:
    from app import dispatcher

    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"])})
    kii.services.dispatch()
    kii.register("nora")
    [record] = kii.services.drain_records()[-1:]
    container = kii.services.container
    container.use_runner(ThrottledOnce(container.runner))
    sequence = record["dynamodb"]["SequenceNumber"]
    assert dispatcher({"Records": [record]}, None) == {"batchItemFailures": [{"itemIdentifier": sequence}]}
    [interrupted] = executions(kii, admin)
    assert (interrupted["status"], interrupted["attempt"]) == ("INTERRUPTED", 1)
    assert dispatcher({"Records": [record]}, None) == {"batchItemFailures": []}
    [retried] = executions(kii, admin)
    assert (retried["status"], retried["attempt"], retried["executionID"]) == (
        "SUCCESS",
        2,
        interrupted["executionID"],
    )
