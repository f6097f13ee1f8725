"""The authorization matrix: every operation of docs/openapi.yaml (so every route) x every
kind of principal → the exact outcome, from one table. A route without its row fails.

Principals, in the order of each row: ``none`` (no Authorization), ``anon`` (an anonymous
token), ``user`` (A: owns the group, the thing and the objects), ``other`` (B: an unrelated
user), ``member`` (C: a member of A's group), ``thing`` (T, owned by A), ``thing2`` (another
thing, no owner), ``admin`` (the app admin), ``xadmin`` and ``xuser`` (the admin and a user of
another app).

Outcomes: ``ok`` is a 2xx without an errorCode; ``401`` is ``401 UNAUTHORIZED``, ``403`` is
``403 UNAUTHORIZED``, ``WT`` is ``403 WRONG_TOKEN``; anything else is ``status:ERROR_CODE``.
Every case runs on the same world, restored before each request (the in-memory table).

    KARAKURI_MATRIX_OBSERVE=1 .venv/bin/pytest -q tests/functional/test_route_matrix.py -s
prints the outcomes observed, row by row, for review when a route is added.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import TEST_EPOCH_MS, TEST_SETTINGS
from tests.functional.world import JS, TEXT, World, build_world

ROOT = Path(__file__).resolve().parents[2]
PRINCIPALS = ("none", "anon", "user", "other", "member", "thing", "thing2", "admin", "xadmin", "xuser")
SHORT = {"401": (401, "UNAUTHORIZED"), "403": (403, "UNAUTHORIZED"), "WT": (403, "WRONG_TOKEN")}

# The request each operation is probed with, where it needs more than its path: (body,
# content type, {placeholder: value} overrides, headers). The outcomes are in EXPECTED (below).
Request = tuple[Any, str | None, dict[str, str], dict[str, str]]
REQUESTS: dict[str, Request] = {}


def row(
    operation: str,
    body: Any = None,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    **fill: str,
) -> None:
    REQUESTS[operation] = (body, content_type, fill, headers or {})


@dataclass
class MatrixWorld:
    world: World
    snapshot: Any


def _build() -> Iterator[MatrixWorld]:
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from chalicelib.adapters.security import ManualClock

    clock = ManualClock(TEST_EPOCH_MS)
    container = wiring.build_in_memory(TEST_SETTINGS, clock)
    wiring.use(container)
    try:
        with Client(app) as client:
            yield MatrixWorld(build_world(client.http, container, clock), container.table.snapshot())
    finally:
        wiring.reset()


@pytest.fixture(scope="module")
def world() -> Iterator[MatrixWorld]:
    yield from _build()


def _operations() -> list[str]:
    spec = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    return sorted(f"{m.upper()} {p}" for p, item in spec["paths"].items() for m in item if m != "parameters")


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"{(\w+)}", lambda m: names.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _outcome(status: int, body: Any) -> str:
    if 200 <= status < 300:
        return "ok"
    code = body.get("errorCode") if isinstance(body, dict) else None
    for short, expected in SHORT.items():
        if (status, code) == expected:
            return short
    return f"{status}:{code}"


def _call(matrix: MatrixWorld, operation: str, principal: str) -> str:
    world = matrix.world
    method, path = operation.split(" ", 1)
    body, content_type, overrides, headers = REQUESTS.get(operation, (None, None, {}, {}))
    names = {**world.names, **overrides}
    names = {k: _fill(v, world.names) for k, v in names.items()}
    world.kii.services.container.table.restore(matrix.snapshot)
    if isinstance(body, (dict, list)):
        body = json.dumps(_fill(body, names))
    elif isinstance(body, str):
        body = _fill(body, names)
    reply = world.kii.call(
        method, _fill(path, names), body, world.tokens[principal], content_type, _fill(headers, names)
    )
    if method == "HEAD" and reply.status >= 400:
        return _outcome(reply.status, {"errorCode": "UNAUTHORIZED"} if reply.status in (401, 403) else None)
    return _outcome(reply.status, reply.body)


# --- the matrix -----------------------------------------------------------------------------------
A = "/api/apps/{appID}"
TIF = "/thing-if/apps/{appID}"
OBJ = {"n": 2}
row(
    "POST /api/oauth2/token",
    {"username": "usera", "password": "pass1234"},
    headers={"X-Kii-AppID": "{appID}"},
)
row(f"POST {A}/oauth2/token", {"username": "usera", "password": "pass1234"})
# users
row(
    f"POST {A}/users",
    {"loginName": "newbie", "password": "pass1234"},
    "application/vnd.kii.RegistrationRequest+json",
)
row(f"GET {A}/users/{{userRef}}")
row(f"POST {A}/users/{{userRef}}", {"displayName": "X"})
row(f"POST {A}/users/query", {"userQuery": {"clause": {"type": "all"}}})
row(f"POST {A}/things/query", {"thingQuery": {"clause": {"type": "all"}}})
row(f"DELETE {A}/users/{{userRef}}")
row(f"PUT {A}/users/{{userRef}}/password", {"oldPassword": "pass1234", "newPassword": "n3wpass1"})
row(f"POST {A}/users/{{userRef}}/password/request-reset", {"notificationMethod": "EMAIL"})
row(f"POST {A}/users/{{userRef}}/password/complete-reset", {"pinCode": "000000", "newPassword": "n3wpass1"})
row(f"PUT {A}/users/{{userRef}}/status", {"disabled": False})
row(f"PUT {A}/users/{{userRef}}/email-address", {"emailAddress": "new@example.com"})
row(f"POST {A}/users/{{userRef}}/email-address/verify", {"verificationCode": "000000"})
row(f"POST {A}/users/{{userRef}}/email-address/resend-verification")
row(f"GET {A}/users/{{userRef}}/email-address/verification-code")
row(f"PUT {A}/users/{{userRef}}/phone-number", {"phoneNumber": "+819099998888"})
row(f"POST {A}/users/{{userRef}}/phone-number/verify", {"verificationCode": "000000"})
row(f"POST {A}/users/{{userRef}}/phone-number/resend-verification")
row(f"POST {A}/users/{{userRef}}/phone-number/reset-verification-code")
row(f"GET {A}/users/{{userRef}}/phone-number/verification-code")
# groups
row(f"POST {A}/groups", {"name": "fresh"}, "application/vnd.kii.GroupCreationRequest+json")
row(f"GET {A}/groups", None, None)
row(
    f"PUT {A}/groups/{{groupID}}",
    {"name": "named", "owner": "{a}"},
    "application/vnd.kii.GroupCreationRequest+json",
    groupID="named-group",
)
row(f"GET {A}/groups/{{groupID}}")
row(f"DELETE {A}/groups/{{groupID}}")
row(f"PUT {A}/groups/{{groupID}}/name", "renamed", TEXT)
row(f"PUT {A}/groups/{{groupID}}/owner", {"owner": "{c}"})
row(f"GET {A}/groups/{{groupID}}/members")
row(f"PUT {A}/groups/{{groupID}}/members/{{userID}}", userID="{d}")
row(f"DELETE {A}/groups/{{groupID}}/members/{{userID}}", userID="{c}")
# buckets, objects and ACLs, in each scope
for prefix in (A, f"{A}/users/{{userRef}}", f"{A}/groups/{{groupID}}", f"{A}/things/{{thingRef}}"):
    bucket = prefix + "/buckets/{bucketID}"
    obj = bucket + "/objects/{objectID}"
    row(f"DELETE {bucket}")
    row(f"POST {bucket}/objects", OBJ)
    row(f"GET {obj}")
    row(f"HEAD {obj}")
    row(f"PUT {obj}", OBJ)
    row(f"PATCH {obj}", OBJ)
    row(f"POST {obj}", OBJ, headers={"X-HTTP-Method-Override": "PATCH"})
    row(f"DELETE {obj}")
    row(f"POST {bucket}/query", {"bucketQuery": {"clause": {"type": "all"}}})
    row(f"GET {bucket}/acl")
    row(f"PUT {bucket}/acl/{{action}}/{{subject}}", action="QUERY_OBJECTS_IN_BUCKET")
    row(
        f"DELETE {bucket}/acl/{{action}}/{{subject}}",
        action="QUERY_OBJECTS_IN_BUCKET",
        subject="UserID:{a}",
    )
    row(f"GET {bucket}/acl/{{action}}", action="QUERY_OBJECTS_IN_BUCKET")
    row(f"GET {bucket}/acl/{{action}}/{{subject}}", action="QUERY_OBJECTS_IN_BUCKET", subject="UserID:{a}")
    row(f"GET {obj}/acl")
    row(f"GET {obj}/acl/{{action}}", action="READ_EXISTING_OBJECT")
    row(f"GET {obj}/acl/{{action}}/{{subject}}", action="READ_EXISTING_OBJECT", subject="UserID:{a}")
    row(f"PUT {obj}/acl/{{action}}/{{subject}}")
    row(f"DELETE {obj}/acl/{{action}}/{{subject}}", subject="UserID:{a}")
    # bodies: the world's objects have none, so readers get 404 OBJECT_BODY_NOT_FOUND after
    # the ACL check; uploads are started, chunks and commits name an unknown upload
    row(f"PUT {obj}/body", "hello", "text/plain")
    row(f"GET {obj}/body")
    row(f"HEAD {obj}/body")
    row(f"DELETE {obj}/body")
    row(f"POST {obj}/body/publish", {})
    row(
        f"POST {obj}/body/move",
        {"targetObjectScope": {"type": "APP"}, "targetBucketID": "{bucketID}", "targetObjectID": "other1"},
    )
    row(f"POST {obj}/body/uploads", {})
    row(
        f"PUT {obj}/body/uploads/{{uploadID}}/data",
        "abc",
        "text/plain",
        {"Content-Range": "bytes=0-2/3"},
        uploadID="nope1",
    )
    row(f"POST {obj}/body/uploads/{{uploadID}}/status/{{status}}", uploadID="nope1", status="committed")
row(f"GET {A}/published-bodies/{{publicationID}}", publicationID="nope1")
row(f"HEAD {A}/published-bodies/{{publicationID}}", publicationID="nope1")
# things
row(
    f"POST {A}/things",
    {"_vendorThingID": "vt-new", "_password": "pw"},
    "application/vnd.kii.ThingRegistrationRequest+json",
)
row(f"GET {A}/things/{{thingRef}}")
row(f"HEAD {A}/things/{{thingRef}}")
row(f"PATCH {A}/things/{{thingRef}}", {"location": "lab"})
row(f"POST {A}/things/{{thingRef}}", {"location": "lab"}, headers={"X-HTTP-Method-Override": "PATCH"})
row(f"DELETE {A}/things/{{thingRef}}")
row(f"GET {A}/things/{{thingRef}}/status")
row(f"PUT {A}/things/{{thingRef}}/status", {"disabled": False})
row(f"GET {A}/things/{{thingRef}}/vendor-thing-id")
row(f"GET {A}/things/{{thingRef}}/ownership")
row(f"POST {A}/things/{{thingRef}}/ownership", {"userID": "{b}"})
row(f"PUT {A}/things/{{thingRef}}/ownership/{{owner}}", None, None)
row(f"HEAD {A}/things/{{thingRef}}/ownership/{{owner}}", owner="user:{a}")
row(f"DELETE {A}/things/{{thingRef}}/ownership/{{owner}}", owner="user:{a}")
# installations and notifications
row(f"POST {A}/installations", {"deviceType": "ANDROID", "installationRegistrationID": "reg-2"})
row(f"GET {A}/installations")
row(f"GET {A}/installations/{{installationRef}}")
row(f"DELETE {A}/installations/{{installationRef}}")
row(f"GET {A}/notifications")
# topics and push (docs/push.md)
for _scope in ("", "/users/{userRef}", "/groups/{groupID}", "/things/{thingRef}"):
    row(f"PUT {A}{_scope}/topics/{{topicID}}", topicID="topic2")
    row(f"POST {A}{_scope}/topics/{{topicID}}/push/messages", {"data": {"m": 1}})
    row(f"PUT {A}{_scope}/topics/{{topicID}}/acl/{{action}}/{{subject}}", action="SUBSCRIBE_TO_TOPIC")
    row(f"DELETE {A}{_scope}/topics/{{topicID}}/acl/{{action}}/{{subject}}", action="SUBSCRIBE_TO_TOPIC")
    row(f"GET {A}{_scope}/topics/{{topicID}}/acl/{{action}}", action="SUBSCRIBE_TO_TOPIC")
    row(
        f"GET {A}{_scope}/topics/{{topicID}}/acl/{{action}}/{{subject}}",
        action="SUBSCRIBE_TO_TOPIC",
        subject="UserID:{a}",
    )
# scope ACLs (docs/data.md): who may create buckets and topics
for _scope in ("", "/users/{userRef}", "/groups/{groupID}", "/things/{thingRef}"):
    for _method in ("GET", "PUT", "DELETE"):
        row(f"{_method} {A}{_scope}/acl/{{action}}/{{subject}}", action="CREATE_NEW_TOPIC")
    row(f"GET {A}{_scope}/acl/{{action}}", action="CREATE_NEW_BUCKET")
# the developer console's files (docs/console.md): public, as any web page
row("GET /console", content_type=None)
row("GET /console/{asset}", content_type=None, asset="console.js")
# server code and hooks
row(f"POST {A}/server-code", "function f(p, c) { return 2; }", JS)
row(f"GET {A}/server-code/versions")
row(f"GET {A}/server-code/versions/{{versionID}}")
row(f"PUT {A}/server-code/versions/{{versionID}}", "{version}", TEXT, versionID="current")
row(f"DELETE {A}/server-code/versions/{{versionID}}", versionID="current")
row(f"POST {A}/server-code/versions/{{versionID}}/{{endpoint}}", {}, versionID="current")
row(f"GET {A}/server-code/logs")
row(f"GET {A}/hooks/executions")
row(f"POST {A}/hooks/executions/query", {"scheduleExecutionQuery": {}})
row(f"GET {A}/hooks/executions/{{executionID}}")
row(f"GET {A}/hooks/schedules")
row(f"GET {A}/hooks/dead-letters")
row(f"POST {A}/hooks/dead-letters/{{letterID}}/redrive", letterID="no-such-letter")
row(
    f"PUT {A}/hooks/versions/{{versionID}}",
    {"kiicloud://groups": []},
    "application/vnd.kii.HooksDeploymentRequest+json",
)
row(f"GET {A}/hooks/versions/{{versionID}}")
row(f"HEAD {A}/hooks/versions/{{versionID}}")
row(f"DELETE {A}/hooks/versions/{{versionID}}")
# Thing-IF
ONBOARD = "application/vnd.kii.OnboardingWithVendorThingIDByOwner+json"
row(
    f"POST {TIF}/onboardings",
    {"vendorThingID": "vt-a", "thingPassword": "thingPw1", "owner": "user:{a}"},
    ONBOARD,
)
row(f"GET {TIF}/things/{{thingID}}/{{field}}")
row(f"PUT {TIF}/things/{{thingID}}/{{field}}", {"thingType": "t2"})
T = TIF + "/targets/{target}"
row(f"PUT {T}/states", {"on": False})
row(f"PATCH {T}/states", {"on": False})
row(f"GET {T}/states")
row(f"PUT {T}/states/aliases/{{alias}}", {"on": False})
row(f"GET {T}/states/aliases/{{alias}}")
row(f"POST {T}/states/aliases/{{alias}}/query", {"query": {"clause": {"type": "all"}}})
row(f"POST {T}/states/query", {"query": {"clause": {"type": "all"}}})
row(f"POST {T}/commands", {"actions": [{"on": {}}], "issuer": "user:{a}"})
row(f"GET {T}/commands")
row(f"GET {T}/commands/{{commandID}}")
row(f"PUT {T}/commands/{{commandID}}/action-results", {"actionResults": [{"on": {"succeeded": True}}]})
TRIGGER = {
    "predicate": {
        "eventSource": "STATES",
        "triggersWhen": "CONDITION_TRUE",
        "condition": {"type": "eq", "field": "on", "value": True},
    },
    "triggersWhat": "COMMAND",
    "command": {"actions": [{"on": {}}], "issuer": "user:{a}"},
}
row(f"POST {T}/triggers", TRIGGER)
row(f"GET {T}/triggers")
row(f"GET {T}/triggers/{{triggerID}}")
row(f"PATCH {T}/triggers/{{triggerID}}", {"title": "t"})
row(f"DELETE {T}/triggers/{{triggerID}}")
row(f"PUT {T}/triggers/{{triggerID}}/{{switch}}")
row(f"GET {T}/triggers/{{triggerID}}/results/server-code")
# scheduled tasks (app admin only; a task created by the probe itself runs no sooner than 2286)
row(
    f"POST {A}/tasks",
    {"what": "REST_API_CALL", "when": 9999999999999, "params": {"uri": A + "/users/me", "method": "GET"}},
    "application/vnd.kii.TaskCreationRequest+json",
)
row(f"GET {A}/tasks", None, None)
row(f"GET {A}/tasks/{{taskID}}", taskID="no-such-task")
row(f"PUT {A}/tasks/{{taskID}}/status/CANCELLED", taskID="no-such-task")

# Reviewed, not just recorded: app-scope data follows Kii's default ACLs (docs/data.md), the
# thing and its owners act on the thing, its buckets and its Thing-IF resources, ownership
# needs the thing's password (requirePasswordForThingOwnership), and a token of another app is
# WRONG_TOKEN everywhere but the token endpoints (HEAD answers carry no errorCode).
# fmt: off
EXPECTED: dict[str, str] = {
    "DELETE /api/apps/{appID}/buckets/{bucketID}": "401 401 ok ok ok ok ok ok WT WT",
    "DELETE /api/apps/{appID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok ok ok ok ok ok WT WT",
    "DELETE /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/members/{userID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/hooks/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/installations/{installationRef}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/server-code/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/ownership/{owner}": "401 401 ok 403 403 ok 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "DELETE /thing-if/apps/{appID}/targets/{target}/triggers/{triggerID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/acl": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/acl/{action}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "ok ok ok ok ok ok ok ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body": "404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/groups": "401 401 400:INVALID_INPUT_DATA 400:INVALID_INPUT_DATA 400:INVALID_INPUT_DATA 400:INVALID_INPUT_DATA 400:INVALID_INPUT_DATA 400:INVALID_INPUT_DATA WT WT",
    "GET /api/apps/{appID}/groups/{groupID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/members": "401 401 ok 403 ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/hooks/executions": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/hooks/executions/{executionID}": "401 401 403 403 403 403 403 404:NOT_FOUND WT WT",
    "GET /api/apps/{appID}/hooks/schedules": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/hooks/dead-letters": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/hooks/dead-letters/{letterID}/redrive": "401 401 403 403 403 403 403 404:NOT_FOUND WT WT",
    "GET /api/apps/{appID}/hooks/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/installations": "401 401 ok ok ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/installations/{installationRef}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/installations/{installationRef}/mqtt-endpoint": "401 401 404:MQTT_ENDPOINT_NOT_FOUND 403 403 403 403 403 WT WT",
    "GET /api/apps/{appID}/notifications": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/published-bodies/{publicationID}": "404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND 404:PUBLICATION_NOT_FOUND",
    "GET /api/apps/{appID}/server-code/logs": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/server-code/versions": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/server-code/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/acl": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/acl/{action}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/acl": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/ownership": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/status": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/vendor-thing-id": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}": "401 401 ok ok ok ok ok ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/users/{userRef}/email-address/verification-code": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/phone-number/verification-code": "401 401 403 403 403 403 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/commands": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/commands/{commandID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/states": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/states/aliases/{alias}": "401 401 404:STATE_NOT_FOUND 403 403 404:STATE_NOT_FOUND 403 404:STATE_NOT_FOUND WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/triggers": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/triggers/{triggerID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/targets/{target}/triggers/{triggerID}/results/server-code": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /thing-if/apps/{appID}/things/{thingID}/{field}": "401 401 ok 403 403 ok 403 ok WT WT",
    "HEAD /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "ok ok ok ok ok ok ok ok 403 403",
    "HEAD /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body": "404:None 404:None 404:None 404:None 404:None 404:None 404:None 404:None 403 403",
    "HEAD /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok 403 403",
    "HEAD /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:None 403 404:None 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/hooks/versions/{versionID}": "401 401 403 403 403 403 403 ok 403 403",
    "HEAD /api/apps/{appID}/published-bodies/{publicationID}": "404:None 404:None 404:None 404:None 404:None 404:None 404:None 404:None 404:None 404:None",
    "HEAD /api/apps/{appID}/things/{thingRef}": "401 401 ok 403 403 ok 403 ok 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:None 403 403 404:None 403 404:None 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/ownership/{owner}": "401 401 ok 403 403 ok 403 ok 403 403",
    "HEAD /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok 403 403",
    "HEAD /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 404:None 403 403 403 403 404:None 403 403",
    "PATCH /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok ok ok ok ok ok WT WT",
    "PATCH /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "PATCH /api/apps/{appID}/things/{thingRef}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PATCH /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PATCH /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PATCH /thing-if/apps/{appID}/targets/{target}/states": "401 401 ok 403 403 ok 403 ok WT WT",
    "PATCH /thing-if/apps/{appID}/targets/{target}/triggers/{triggerID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects": "401 401 ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body/move": "401 401 404:OBJECT_NOT_FOUND 404:OBJECT_NOT_FOUND 404:OBJECT_NOT_FOUND 404:OBJECT_NOT_FOUND 404:OBJECT_NOT_FOUND 404:OBJECT_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body/publish": "401 401 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND 404:OBJECT_BODY_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body/uploads": "401 401 ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/status/{status}": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/buckets/{bucketID}/query": "ok ok ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/groups": "401 401 ok ok ok 403 403 400:INVALID_INPUT_DATA WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects": "401 401 ok 403 ok 403 403 ok WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body/move": "401 401 404:OBJECT_NOT_FOUND 403 404:OBJECT_NOT_FOUND 403 403 404:OBJECT_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body/publish": "401 401 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body/uploads": "401 401 ok 403 ok 403 403 ok WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/status/{status}": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/query": "401 401 ok 403 ok 403 403 ok WT WT",
    "POST /api/apps/{appID}/hooks/executions/query": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/installations": "401 401 ok ok ok ok ok 400:INVALID_INPUT_DATA WT WT",
    "POST /api/apps/{appID}/oauth2/token": "ok ok ok ok ok ok ok ok ok ok",
    "POST /api/apps/{appID}/server-code": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/server-code/versions/{versionID}/{endpoint}": "ok ok ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/things": "ok ok ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/things/query": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body/move": "401 401 404:OBJECT_NOT_FOUND 403 403 404:OBJECT_NOT_FOUND 403 404:OBJECT_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body/publish": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 404:OBJECT_BODY_NOT_FOUND 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body/uploads": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/status/{status}": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/query": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/ownership": "401 401 403 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/users": "ok ok ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/query": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body/move": "401 401 404:OBJECT_NOT_FOUND 403 403 403 403 404:OBJECT_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body/publish": "401 401 404:OBJECT_BODY_NOT_FOUND 403 403 403 403 404:OBJECT_BODY_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body/uploads": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/status/{status}": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "POST /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/query": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/email-address/resend-verification": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/email-address/verify": "403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE WT WT",
    "POST /api/apps/{appID}/users/{userRef}/password/complete-reset": "403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE WT WT",
    "POST /api/apps/{appID}/users/{userRef}/password/request-reset": "ok ok ok ok ok ok ok ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/phone-number/resend-verification": "401 401 ok 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/phone-number/reset-verification-code": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/phone-number/verify": "403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE 403:INVALID_VERIFICATION_CODE WT WT",
    "POST /api/oauth2/token": "ok ok ok ok ok ok ok ok ok ok",
    "POST /thing-if/apps/{appID}/onboardings": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /thing-if/apps/{appID}/targets/{target}/commands": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /thing-if/apps/{appID}/targets/{target}/states/aliases/{alias}/query": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /thing-if/apps/{appID}/targets/{target}/states/query": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /thing-if/apps/{appID}/targets/{target}/triggers": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok ok ok ok ok ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 ok ok ok ok ok ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/data": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body": "401 401 ok 403 ok 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/data": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/members/{userID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/name": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/owner": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/hooks/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/server-code/versions/{versionID}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/data": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/ownership/{owner}": "401 401 403 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/status": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/objects/{objectID}/body/uploads/{uploadID}/data": "401 401 404:OBJECT_BODY_UPLOAD_NOT_FOUND 403 403 403 403 404:OBJECT_BODY_UPLOAD_NOT_FOUND WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/email-address": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/password": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/phone-number": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/status": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /thing-if/apps/{appID}/targets/{target}/commands/{commandID}/action-results": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /thing-if/apps/{appID}/targets/{target}/states": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /thing-if/apps/{appID}/targets/{target}/states/aliases/{alias}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /thing-if/apps/{appID}/targets/{target}/triggers/{triggerID}/{switch}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /thing-if/apps/{appID}/things/{thingID}/{field}": "401 401 ok 403 403 ok 403 ok WT WT",
    # scope ACLs (docs/data.md): read and changed by the app admin and the scope's owner (the
    # user, the group's owner, the thing and its owners), as bucket ACLs
    "DELETE /api/apps/{appID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/acl": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/acl/{action}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/acl": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/acl/{action}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/users/{userRef}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "PUT /api/apps/{appID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/acl/{action}/{subject}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    # topics and push (docs/push.md)
    "DELETE /api/apps/{appID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/topics/{topicID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/topics/{topicID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/groups/{groupID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/topics/{topicID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/things/{thingRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/topics/{topicID}": "401 401 403 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/topics/{topicID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/topics/{topicID}": "401 401 ok 403 403 403 403 ok WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "DELETE /api/apps/{appID}/users/{userRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics": "401 401 ok 403 ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics/{topicID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics/{topicID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics/{topicID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics/{topicID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/groups/{groupID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/push/deliveries": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/tasks": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/tasks/{taskID}": "401 401 403 403 403 403 403 404:TASK_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics/{topicID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics/{topicID}/acl": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics/{topicID}/acl/{action}": "401 401 ok 403 403 ok 403 ok WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 404:ACL_NOT_FOUND 403 403 404:ACL_NOT_FOUND 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/things/{thingRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/topics": "401 401 ok ok ok ok ok ok WT WT",
    "GET /api/apps/{appID}/topics/{topicID}": "401 401 ok ok ok ok ok ok WT WT",
    "GET /api/apps/{appID}/topics/{topicID}/acl": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/topics/{topicID}/acl/{action}": "401 401 403 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/topics/{topicID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 404:ACL_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics/{topicID}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics/{topicID}/acl": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics/{topicID}/acl/{action}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /api/apps/{appID}/users/{userRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:PUSH_SUBSCRIPTION_NOT_FOUND 403 403 403 403 404:PUSH_SUBSCRIPTION_NOT_FOUND WT WT",
    "HEAD /api/apps/{appID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/groups/{groupID}/topics/{topicID}": "401 401 ok 403 ok 403 403 ok 403 403",
    "HEAD /api/apps/{appID}/groups/{groupID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/topics/{topicID}": "401 401 ok 403 403 ok 403 ok 403 403",
    "HEAD /api/apps/{appID}/things/{thingRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/topics/{topicID}": "401 401 ok ok ok ok ok ok 403 403",
    "HEAD /api/apps/{appID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "HEAD /api/apps/{appID}/users/{userRef}/topics/{topicID}": "401 401 ok 403 403 403 403 ok 403 403",
    "HEAD /api/apps/{appID}/users/{userRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 404:None 403 403 403 403 404:None 403 403",
    "POST /api/apps/{appID}/groups/{groupID}/topics/{topicID}/push/messages": "401 401 ok 403 ok 403 403 ok WT WT",
    "POST /api/apps/{appID}/things/{thingRef}/topics/{topicID}/push/messages": "401 401 ok 403 403 ok 403 ok WT WT",
    "POST /api/apps/{appID}/topics/{topicID}/push/messages": "401 401 403 403 403 403 403 ok WT WT",
    "POST /api/apps/{appID}/users/{userRef}/topics/{topicID}/push/messages": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/topics/{topicID}": "401 401 ok 403 ok 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/topics/{topicID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/groups/{groupID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/topics/{topicID}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 ok 403 403 ok 403 ok WT WT",
    "PUT /api/apps/{appID}/things/{thingRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/topics/{topicID}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/topics/{topicID}/acl/{action}/{subject}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/buckets/{bucketID}/filters/all/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/topics/{topicID}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/topics/{topicID}/acl/{action}/{subject}": "401 401 ok 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/users/{userRef}/topics/{topicID}/push/subscriptions/{subscriberKind}/{subscriberID}": "401 401 ok 403 403 403 403 ok WT WT",
    "GET /console": "ok ok ok ok ok ok ok ok ok ok",
    "GET /console/{asset}": "ok ok ok ok ok ok ok ok ok ok",
    "POST /api/apps/{appID}/tasks": "401 401 403 403 403 403 403 ok WT WT",
    "PUT /api/apps/{appID}/tasks/{taskID}/status/CANCELLED": "401 401 403 403 403 403 403 404:TASK_NOT_FOUND WT WT",
}
# fmt: on


# --- the tests ----------------------------------------------------------------------------------------
def test_every_operation_has_a_row() -> None:
    assert sorted(set(_operations()) - set(EXPECTED)) == [], "routes without their row in EXPECTED"
    assert sorted(set(EXPECTED) - set(_operations())) == [], "rows without a route"
    assert set(REQUESTS) <= set(EXPECTED)


def _cases() -> list[Any]:
    return [
        pytest.param(operation, principal, expected, id=f"{operation}-as-{principal}")
        for operation, outcomes in sorted(EXPECTED.items())
        for principal, expected in zip(PRINCIPALS, outcomes.split(), strict=True)
    ]


@pytest.mark.skipif(bool(os.environ.get("KARAKURI_MATRIX_OBSERVE")), reason="observing")
@pytest.mark.parametrize(("operation", "principal", "expected"), _cases())
def test_route_answers_principal_as_the_matrix_says(
    world: MatrixWorld, operation: str, principal: str, expected: str
) -> None:
    assert _call(world, operation, principal) == expected


@pytest.mark.skipif(
    not os.environ.get("KARAKURI_MATRIX_OBSERVE"), reason="KARAKURI_MATRIX_OBSERVE=1 to print rows"
)
def test_print_the_observed_matrix(world: MatrixWorld) -> None:
    print()
    for operation in _operations():
        print(f'    "{operation}": "' + " ".join(_call(world, operation, p) for p in PRINCIPALS) + '",')
