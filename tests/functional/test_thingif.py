"""Thing-IF over REST: onboarding, states, commands, triggers, and triggers firing from state
uploads through the dispatcher (server code with results, commands)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Kii
from tests.functional.test_hooks import deploy

BY_OWNER = "application/vnd.kii.OnboardingWithVendorThingIDByOwner+json"
BY_THING = "application/vnd.kii.OnboardingWithVendorThingIDByThing+json"
CODE = r"""
function hot(params, context) {
  return {params: params, token: context.getAccessToken(), at: 'x'};
}
function broken(params, context) { throw new Error('Error in Server Code'); }
"""


def tif(
    kii: Kii,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    content_type: str = "application/json",
) -> Any:
    return kii.call(method, f"/thing-if/apps/{kii.app.app_id}{path}", body, token, content_type)


@pytest.fixture
def owner(kii: Kii) -> tuple[str, str]:
    return kii.register("owner")


@pytest.fixture
def thing(kii: Kii, owner: tuple[str, str]) -> dict[str, str]:
    user_id, token = owner
    reply = tif(
        kii,
        "POST",
        "/onboardings",
        {
            "vendorThingID": "sensor-1",
            "thingPassword": "pw1",
            "owner": f"user:{user_id}",
            "thingType": "thermo",
        },
        token,
        BY_OWNER,
    )
    assert reply.status == 200, reply.body
    return {
        "id": reply.body["thingID"],
        "token": reply.body["accessToken"],
        "target": f"thing:{reply.body['thingID']}",
    }


def test_onboarding_by_owner_and_by_thing(kii: Kii, owner: tuple[str, str], thing: dict[str, str]) -> None:
    user_id, token = owner
    again = tif(
        kii,
        "POST",
        "/onboardings",
        {"vendorThingID": "sensor-1", "thingPassword": "pw1", "owner": f"user:{user_id}"},
        token,
        BY_OWNER,
    )
    assert again.status == 200 and again.body["thingID"] == thing["id"]
    wrong = tif(
        kii,
        "POST",
        "/onboardings",
        {"vendorThingID": "sensor-1", "thingPassword": "nope", "owner": f"user:{user_id}"},
        token,
        BY_OWNER,
    )
    assert (wrong.status, wrong.body["errorCode"]) == (401, "WRONG_PASSWORD")
    by_thing = tif(
        kii, "POST", "/onboardings", {"vendorThingID": "sensor-2", "thingPassword": "pw2"}, None, BY_THING
    )
    assert by_thing.status == 200 and by_thing.body["accessToken"]
    assert tif(kii, "GET", f"/things/{thing['id']}/thing-type", token=token).body == {"thingType": "thermo"}
    no_type = tif(
        kii, "GET", f"/things/{by_thing.body['thingID']}/thing-type", token=by_thing.body["accessToken"]
    )
    assert (no_type.status, no_type.body["errorCode"]) == (404, "THING_WITHOUT_THING_TYPE")
    assert (
        tif(kii, "PUT", f"/things/{thing['id']}/firmware-version", {"firmwareVersion": "2.0"}, token).status
        == 204
    )
    assert tif(kii, "GET", f"/things/{thing['id']}/firmware-version", token=thing["token"]).body == {
        "firmwareVersion": "2.0"
    }
    bad = tif(
        kii,
        "POST",
        "/onboardings",
        {"vendorThingID": "x"},
        token,
        "application/vnd.kii.OnboardingSomethingElse+json",
    )
    assert (bad.status, bad.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_states_plain_trait_alias_and_access(kii: Kii, owner: tuple[str, str], thing: dict[str, str]) -> None:
    target = thing["target"]
    missing = tif(kii, "GET", f"/targets/{target}/states", token=thing["token"])
    assert (missing.status, missing.body["errorCode"]) == (404, "STATE_NOT_FOUND")
    assert (
        tif(kii, "PUT", f"/targets/{target}/states", {"power": True, "temp": 21}, thing["token"]).status
        == 201
    )
    assert (
        tif(kii, "PUT", f"/targets/{target}/states", {"power": False, "temp": 22}, thing["token"]).status
        == 204
    )
    assert tif(kii, "GET", f"/targets/{target}/states", token=owner[1]).body == {"power": False, "temp": 22}
    trait = {"AirConditionerAlias": {"power": True, "presetTemp": 25}, "HumidityAlias": {"humidity": 40}}
    assert (
        tif(
            kii,
            "PUT",
            f"/targets/{target}/states",
            trait,
            thing["token"],
            "application/vnd.kii.MultipleTraitState+json",
        ).status
        == 204
    )
    patch = {"AirConditionerAlias": {"presetTemp": 23}}
    assert (
        tif(
            kii,
            "PATCH",
            f"/targets/{target}/states",
            patch,
            thing["token"],
            "application/vnd.kii.MultipleTraitStatePatch+json",
        ).status
        == 204
    )
    assert tif(
        kii, "GET", f"/targets/{target}/states/aliases/AirConditionerAlias", token=thing["token"]
    ).body == {"power": True, "presetTemp": 23}
    assert (
        tif(
            kii,
            "PUT",
            f"/targets/{target}/states/aliases/HumidityAlias",
            {"humidity": 55},
            thing["token"],
            "application/vnd.kii.TraitState+json",
        ).status
        == 204
    )
    assert tif(kii, "GET", f"/targets/{target}/states", token=thing["token"]).body["HumidityAlias"] == {
        "humidity": 55
    }
    _, stranger = kii.register("stranger")
    denied = tif(kii, "GET", f"/targets/{target}/states", token=stranger)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
    too_big = tif(kii, "PUT", f"/targets/{target}/states", {"blob": "x" * 11_000}, thing["token"])
    assert (too_big.status, too_big.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    bad_target = tif(kii, "GET", "/targets/user:abc/states", token=thing["token"])
    assert (bad_target.status, bad_target.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_commands_send_list_and_action_results(
    kii: Kii, owner: tuple[str, str], thing: dict[str, str]
) -> None:
    user_id, token = owner
    target = thing["target"]
    ids = []
    for power in (True, False, True):
        body = {
            "actions": [{"AirConditionerAlias": [{"turnPower": power}]}],
            "issuer": f"user:{user_id}",
            "title": "power",
        }
        reply = tif(
            kii,
            "POST",
            f"/targets/{target}/commands",
            body,
            token,
            "application/vnd.kii.CommandCreationRequest+json",
        )
        assert reply.status == 201, reply.body
        ids.append(reply.body["commandID"])
    got = tif(kii, "GET", f"/targets/{target}/commands/{ids[0]}", token=thing["token"]).body
    assert (got["commandState"], got["target"], got["issuer"], got["title"]) == (
        "SENDING",
        target,
        f"user:{user_id}",
        "power",
    )
    page = tif(kii, "GET", f"/targets/{target}/commands?bestEffortLimit=2", token=token).body
    assert len(page["commands"]) == 2 and page["nextPaginationKey"]
    rest = tif(
        kii,
        "GET",
        f"/targets/{target}/commands?bestEffortLimit=2&paginationKey={page['nextPaginationKey']}",
        token=token,
    ).body
    assert len(rest["commands"]) == 1 and "nextPaginationKey" not in rest
    done = {"actionResults": [{"AirConditionerAlias": [{"turnPower": {"succeeded": True}}]}]}
    assert (
        tif(
            kii,
            "PUT",
            f"/targets/{target}/commands/{ids[0]}/action-results",
            done,
            thing["token"],
            "application/vnd.kii.CommandResultsUpdateRequest+json",
        ).status
        == 204
    )
    failed = {"actionResults": [{"turnPower": {"succeeded": False, "errorMessage": "stuck"}}]}
    assert (
        tif(kii, "PUT", f"/targets/{target}/commands/{ids[1]}/action-results", failed, thing["token"]).status
        == 204
    )
    states = [
        tif(kii, "GET", f"/targets/{target}/commands/{i}", token=token).body["commandState"] for i in ids
    ]
    assert states == ["DONE", "INCOMPLETE", "SENDING"]
    long_title = {"actions": [{"a": {}}], "issuer": f"user:{user_id}", "title": "t" * 51}
    refused = tif(kii, "POST", f"/targets/{target}/commands", long_title, token)
    assert (refused.status, refused.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    missing = tif(kii, "GET", f"/targets/{target}/commands/nope", token=token)
    assert (missing.status, missing.body["errorCode"]) == (404, "COMMAND_NOT_FOUND")


def _states_trigger(what: str, when: str, condition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "triggersWhat": what,
        "predicate": {"eventSource": "STATES", "triggersWhen": when, "condition": condition},
        **extra,
    }


HOT = {"type": "range", "field": "temp", "lowerLimit": 30, "lowerIncluded": False}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            {
                "triggersWhat": "COMMAND",
                "predicate": {"eventSource": "STATES", "triggersWhen": "SOMETIMES", "condition": HOT},
            },
            "triggersWhen",
        ),
        (
            {
                "triggersWhat": "SERVER_CODE",
                "predicate": {
                    "eventSource": "STATES",
                    "triggersWhen": "CONDITION_TRUE",
                    "condition": {"type": "gt", "field": "t"},
                },
                "serverCode": {"endpoint": "hot"},
            },
            "clause type",
        ),
        (
            {
                "triggersWhat": "SERVER_CODE",
                "predicate": {"eventSource": "SCHEDULE", "schedule": "0 * * * *"},
                "serverCode": {"endpoint": "hot"},
            },
            "STATES",
        ),
        (
            {
                "triggersWhat": "COMMAND",
                "predicate": {"eventSource": "SCHEDULE", "schedule": "61 * * * *"},
                "command": {"actions": [{"a": {}}], "issuer": "user:x"},
            },
            "schedule",
        ),
        (
            _states_trigger(
                "SERVER_CODE", "CONDITION_TRUE", HOT, serverCode={"endpoint": "hot"}, title="x" * 51
            ),
            "title",
        ),
        (
            _states_trigger(
                "SERVER_CODE", "CONDITION_TRUE", HOT, serverCode={"endpoint": "hot"}, description="x" * 201
            ),
            "description",
        ),
        (
            _states_trigger(
                "SERVER_CODE",
                "CONDITION_TRUE",
                {"type": "range", "field": "temp"},
                serverCode={"endpoint": "hot"},
            ),
            "lowerLimit",
        ),
    ],
)
def test_invalid_triggers_are_refused(
    kii: Kii, owner: tuple[str, str], thing: dict[str, str], body: dict[str, Any], needle: str
) -> None:
    reply = tif(kii, "POST", f"/targets/{thing['target']}/triggers", body, owner[1])
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert needle in reply.body["message"]


def test_trigger_lifecycle(kii: Kii, owner: tuple[str, str], thing: dict[str, str]) -> None:
    target, token = thing["target"], owner[1]
    body = _states_trigger(
        "SERVER_CODE",
        "CONDITION_FALSE_TO_TRUE",
        HOT,
        serverCode={"endpoint": "hot", "parameters": {"a": 1}},
        title="Hot",
        metadata={"k": "v"},
    )
    trigger_id = tif(kii, "POST", f"/targets/{target}/triggers", body, token).body["triggerID"]
    got = tif(kii, "GET", f"/targets/{target}/triggers/{trigger_id}", token=token).body
    assert (
        got["disabled"] is False
        and got["serverCode"]["endpoint"] == "hot"
        and got["title"] == "Hot"
        and got["triggersWhat"] == "SERVER_CODE"
    )
    assert (
        tif(kii, "PATCH", f"/targets/{target}/triggers/{trigger_id}", {"title": "Very hot"}, token).status
        == 204
    )
    assert tif(kii, "PUT", f"/targets/{target}/triggers/{trigger_id}/disable", None, token).status == 204
    listed = tif(kii, "GET", f"/targets/{target}/triggers", token=thing["token"]).body["triggers"]
    assert [(t["triggerID"], t["title"], t["disabled"]) for t in listed] == [(trigger_id, "Very hot", True)]
    assert tif(kii, "PUT", f"/targets/{target}/triggers/{trigger_id}/enable", None, token).status == 204
    assert tif(kii, "DELETE", f"/targets/{target}/triggers/{trigger_id}", token=token).status == 204
    gone = tif(kii, "GET", f"/targets/{target}/triggers/{trigger_id}", token=token)
    assert (gone.status, gone.body["errorCode"]) == (404, "TRIGGER_NOT_FOUND")


def test_state_uploads_fire_triggers_by_their_edges(
    kii: Kii, owner: tuple[str, str], thing: dict[str, str]
) -> None:
    admin = kii.admin_token()
    deploy(kii, admin, {"kiicloud://users": []}, CODE)
    user_id, token = owner
    target = thing["target"]
    rising = tif(
        kii,
        "POST",
        f"/targets/{target}/triggers",
        _states_trigger(
            "SERVER_CODE",
            "CONDITION_FALSE_TO_TRUE",
            HOT,
            serverCode={"endpoint": "hot", "parameters": {"room": "lab"}, "executorAccessToken": token},
        ),
        token,
    ).body["triggerID"]
    changed = tif(
        kii,
        "POST",
        f"/targets/{target}/triggers",
        _states_trigger(
            "COMMAND",
            "CONDITION_CHANGED",
            HOT,
            command={"actions": [{"fan": {"on": True}}], "issuer": f"user:{user_id}"},
        ),
        token,
    ).body["triggerID"]
    always = tif(
        kii,
        "POST",
        f"/targets/{target}/triggers",
        _states_trigger(
            "SERVER_CODE",
            "CONDITION_TRUE",
            {"type": "eq", "field": "power", "value": True},
            serverCode={"endpoint": "broken"},
        ),
        token,
    ).body["triggerID"]
    kii.services.dispatch()
    for temp, power in ((20, False), (35, True), (40, True), (10, False), (31, True)):
        assert tif(
            kii, "PUT", f"/targets/{target}/states", {"temp": temp, "power": power}, thing["token"]
        ).status in (201, 204)
    assert kii.services.dispatch() == {"batchItemFailures": []}
    results = tif(kii, "GET", f"/targets/{target}/triggers/{rising}/results/server-code", token=token).body[
        "triggerServerCodeResults"
    ]
    assert len(results) == 2, results  # 20->35 and 10->31
    assert results[0].get("succeeded"), results
    assert all(
        r["succeeded"] and r["endpoint"] == "hot" and isinstance(r["executedAt"], int) for r in results
    )
    # The code got the executor's token (a secret of the execution: the stored result never holds it).
    assert results[0]["returnedValue"] == {"params": {"room": "lab"}, "token": "<redacted>", "at": "x"}
    assert token not in json.dumps(results)
    failures = tif(kii, "GET", f"/targets/{target}/triggers/{always}/results/server-code", token=token).body[
        "triggerServerCodeResults"
    ]
    assert len(failures) == 3 and failures[0]["succeeded"] is False
    assert failures[0]["error"] == {
        "errorMessage": "Error found while executing the developer-defined code",
        "details": {"errorCode": "RUNTIME_ERROR", "message": "Error in Server Code"},
    }
    commands = tif(kii, "GET", f"/targets/{target}/commands", token=token).body["commands"]
    assert len(commands) == 3 and {c["firedByTriggerID"] for c in commands} == {changed}  # 3 flips
    # the same records again: nothing fires twice
    from app import dispatcher

    records = kii.services.drain_records()
    assert dispatcher({"Records": records}, None) == {"batchItemFailures": []}
    assert (
        len(
            tif(kii, "GET", f"/targets/{target}/triggers/{rising}/results/server-code", token=token).body[
                "triggerServerCodeResults"
            ]
        )
        == 2
    )
    assert len(tif(kii, "GET", f"/targets/{target}/commands", token=token).body["commands"]) == 3
    # a disabled trigger does not fire
    tif(kii, "PUT", f"/targets/{target}/triggers/{rising}/disable", None, token)
    tif(kii, "PUT", f"/targets/{target}/states", {"temp": 5, "power": False}, thing["token"])
    tif(kii, "PUT", f"/targets/{target}/states", {"temp": 50, "power": False}, thing["token"])
    kii.services.dispatch()
    assert (
        len(
            tif(kii, "GET", f"/targets/{target}/triggers/{rising}/results/server-code", token=token).body[
                "triggerServerCodeResults"
            ]
        )
        == 2
    )
    assert json.dumps(results)  # plain JSON


def test_a_gateway_owner_onboards_an_end_node(
    kii: Kii, owner: tuple[str, str], thing: dict[str, str]
) -> None:
    user_id, token = owner
    body = {
        "gatewayThingID": thing["id"],
        "endNodeVendorThingID": "node-1",
        "endNodePassword": "np",
        "owner": f"user:{user_id}",
        "endNodeThingType": "bulb",
    }
    reply = tif(
        kii,
        "POST",
        "/onboardings",
        body,
        token,
        "application/vnd.kii.OnboardingEndNodeWithGatewayThingID+json",
    )
    assert reply.status == 200, reply.body
    node_id = reply.body["endNodeThingID"]
    node = kii.call("GET", f"/things/{node_id}", token=reply.body["accessToken"]).body
    assert (node["_layoutPosition"], node["_thingType"], node["gatewayThingID"]) == (
        "END_NODE",
        "bulb",
        thing["id"],
    )
    by_vendor = {**body, "gatewayVendorThingID": "sensor-1"}
    del by_vendor["gatewayThingID"]
    again = tif(
        kii,
        "POST",
        "/onboardings",
        by_vendor,
        token,
        "application/vnd.kii.OnboardingEndNodeWithGatewayVendorThingID+json",
    )
    assert again.status == 200 and again.body["endNodeThingID"] == node_id
    _, stranger = kii.register("notowner")
    denied = tif(
        kii,
        "POST",
        "/onboardings",
        body,
        stranger,
        "application/vnd.kii.OnboardingEndNodeWithGatewayThingID+json",
    )
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
