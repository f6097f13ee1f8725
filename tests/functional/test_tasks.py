"""Scheduled tasks: the app admin registers a one-off REST call to the app's own API; the
scheduler tick runs it once when it is due, as the app admin, and records how it answered.
Time is driven explicitly (the one clock)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_EPOCH_MS, Kii
from tests.functional.test_hooks import deploy

TASK_TYPE = "application/vnd.kii.TaskCreationRequest+json"
CODE = r"""
function mark(params, context) {
  var obj = context.getAppAdminContext().bucketWithName('marks').createObject();
  obj.set('n', params.n);
  return obj.save().then(function () { return 'marked'; });
}
function fails(params, context) { throw new Error('no luck'); }
"""
MINUTE = 60_000


@pytest.fixture
def admin(kii: Kii) -> str:
    token = kii.admin_token()
    deploy(kii, token, {}, CODE)
    return token


def request(kii: Kii, when: int, endpoint: str = "mark", **params: Any) -> dict[str, Any]:
    return {
        "description": "publish",
        "what": "REST_API_CALL",
        "when": when,
        "params": {
            "uri": f"{kii.base}/server-code/versions/current/{endpoint}",
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": {"n": 1},
            **params,
        },
    }


def create(kii: Kii, token: str, body: Any) -> Any:
    return kii.call("POST", "/tasks", body, token, TASK_TYPE)


def tick(kii: Kii, at_ms: int) -> dict[str, Any]:
    """The scheduler's tick at ``at_ms``: the one clock is moved there first."""
    from app import tick as scheduler_tick

    kii.services.clock.set(at_ms)
    return dict(scheduler_tick())


def marks(kii: Kii, token: str) -> int:
    reply = kii.call(
        "POST",
        "/buckets/marks/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        token,
        "application/vnd.kii.QueryRequest+json",
    )
    return len(reply.body["results"]) if reply.status == 200 else 0


def task(kii: Kii, token: str, task_id: str) -> dict[str, Any]:
    reply = kii.call("GET", f"/tasks/{task_id}", token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_a_task_runs_once_when_due_and_records_its_answer(kii: Kii, admin: str) -> None:
    when = TEST_EPOCH_MS + 10 * MINUTE
    created = create(kii, admin, request(kii, when))
    assert created.status == 201, created.body
    task_id = created.body["taskID"]
    assert task(kii, admin, task_id)["status"] == "SCHEDULED"

    assert tick(kii, when - 1000)["tasks"] == []
    assert marks(kii, admin) == 0

    assert len(tick(kii, when + 1000)["tasks"]) == 1
    assert tick(kii, when + MINUTE)["tasks"] == []
    assert marks(kii, admin) == 1
    found = task(kii, admin, task_id)
    assert found["status"] == "DONE"
    assert found["statusCode"] == 200
    assert when < found["startedAt"] <= found["finishedAt"] < when + MINUTE
    assert found["params"]["uri"].endswith("/server-code/versions/current/mark")
    assert "Authorization" not in str(found)


def test_a_call_that_fails_is_recorded_failed_and_not_retried(kii: Kii, admin: str) -> None:
    when = TEST_EPOCH_MS + MINUTE
    task_id = create(kii, admin, request(kii, when, "fails")).body["taskID"]
    assert len(tick(kii, when)["tasks"]) == 1
    assert tick(kii, when + MINUTE)["tasks"] == []
    found = task(kii, admin, task_id)
    assert (found["status"], found["statusCode"], found["errorCode"]) == (
        "FAILED",
        400,
        "ENDPOINT_INVOCATION_ERROR",
    )


def test_a_task_calls_the_rest_api_with_its_method_and_body(kii: Kii, admin: str) -> None:
    body = request(kii, TEST_EPOCH_MS, uri=f"{kii.base}/buckets/notes/objects", body={"title": "hi"})
    task_id = create(kii, admin, body).body["taskID"]
    tick(kii, TEST_EPOCH_MS)
    assert task(kii, admin, task_id)["statusCode"] == 201
    found = kii.call(
        "POST",
        "/buckets/notes/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        admin,
        "application/vnd.kii.QueryRequest+json",
    )
    assert [o["title"] for o in found.body["results"]] == ["hi"]


def test_a_cancelled_task_never_runs(kii: Kii, admin: str) -> None:
    when = TEST_EPOCH_MS + MINUTE
    task_id = create(kii, admin, request(kii, when)).body["taskID"]
    assert kii.call("PUT", f"/tasks/{task_id}/status/CANCELLED", token=admin).status == 204
    assert kii.call("PUT", f"/tasks/{task_id}/status/CANCELLED", token=admin).status == 204
    assert tick(kii, when + MINUTE)["tasks"] == []
    assert marks(kii, admin) == 0
    assert task(kii, admin, task_id)["status"] == "CANCELLED"


def test_a_task_that_ran_cannot_be_cancelled(kii: Kii, admin: str) -> None:
    task_id = create(kii, admin, request(kii, TEST_EPOCH_MS)).body["taskID"]
    tick(kii, TEST_EPOCH_MS)
    reply = kii.call("PUT", f"/tasks/{task_id}/status/CANCELLED", token=admin)
    assert (reply.status, reply.body["errorCode"]) == (409, "INVALID_STATUS")


def test_tasks_list_in_creation_order_a_page_at_a_time(kii: Kii, admin: str) -> None:
    ids = []
    for n in range(3):
        kii.services.clock.set(TEST_EPOCH_MS + n)
        ids.append(create(kii, admin, request(kii, TEST_EPOCH_MS + MINUTE)).body["taskID"])
    first = kii.call("GET", "/tasks?bestEffortLimit=2", token=admin).body
    assert [t["taskID"] for t in first["tasks"]] == ids[:2]
    rest = kii.call("GET", f"/tasks?paginationKey={first['nextPaginationKey']}", token=admin).body
    assert [t["taskID"] for t in rest["tasks"]] == ids[2:]
    assert "nextPaginationKey" not in rest


def test_an_unknown_task_is_task_not_found(kii: Kii, admin: str) -> None:
    for reply in (
        kii.call("GET", "/tasks/nope", token=admin),
        kii.call("PUT", "/tasks/nope/status/CANCELLED", token=admin),
        kii.call("GET", "/tasks/" + "9" * 2000, token=admin),
    ):
        assert (reply.status, reply.body["errorCode"]) == (404, "TASK_NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"what": "EXECUTE_SERVER_CODE"}, "what"),
        ({"when": "tomorrow"}, "when"),
        ({"when": True}, "when"),
        ({"when": -1}, "when"),
        ({"params": None}, "params"),
        ({"params": {"uri": "https://example.com/api", "method": "POST"}}, "params.uri"),
        ({"params": {"uri": "/api/apps/other/buckets/b/objects", "method": "POST"}}, "params.uri"),
        ({"params": {"uri": "/api/apps/{app}/../other/users", "method": "GET"}}, "params.uri"),
        ({"params": {"uri": "/api/apps/{app}", "method": "GET"}}, "params.uri"),
        ({"params": {"uri": "/api/apps/{app}/users/me", "method": "TRACE"}}, "params.method"),
        ({"params": {"uri": "/api/apps/{app}/users/me", "method": "GET", "headers": []}}, "params.headers"),
    ],
)
def test_a_bad_task_is_refused_with_invalid_input_data(
    kii: Kii, admin: str, change: dict[str, Any], field: str
) -> None:
    body = {**request(kii, TEST_EPOCH_MS), **change}
    if isinstance(body["params"], dict):
        body["params"] = {**body["params"], "uri": body["params"]["uri"].replace("{app}", kii.app.app_id)}
    reply = create(kii, admin, body)
    assert (reply.status, reply.body["errorCode"], reply.body.get("field")) == (
        400,
        "INVALID_INPUT_DATA",
        field,
    )
    assert kii.call("GET", "/tasks", token=admin).body["tasks"] == []


def test_a_task_for_another_app_is_refused(kii: Kii, admin: str, other_app: Kii) -> None:
    body = request(other_app, TEST_EPOCH_MS)
    reply = create(kii, admin, body)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_only_the_app_admin_manages_tasks(kii: Kii, admin: str, other_app: Kii) -> None:
    task_id = create(kii, admin, request(kii, TEST_EPOCH_MS + MINUTE)).body["taskID"]
    _, user = kii.register("writer")
    stranger = other_app.admin_token()
    for token, expected in ((user, (403, "UNAUTHORIZED")), (stranger, (403, "WRONG_TOKEN"))):
        for method, path, body in (
            ("POST", "/tasks", request(kii, TEST_EPOCH_MS)),
            ("GET", "/tasks", None),
            ("GET", f"/tasks/{task_id}", None),
            ("PUT", f"/tasks/{task_id}/status/CANCELLED", None),
        ):
            reply = kii.call(method, path, body, token, TASK_TYPE if body else None)
            assert (reply.status, reply.body["errorCode"]) == expected, (method, path)
    assert task(kii, admin, task_id)["status"] == "SCHEDULED"
    assert len(kii.call("GET", "/tasks", token=admin).body["tasks"]) == 1


def test_the_call_s_admin_token_ends_with_the_call(kii: Kii, admin: str) -> None:
    keep = r"""
function keep(params, context) {
  var obj = context.getAppAdminContext().bucketWithName('marks').createObject();
  obj.set('token', context.getAccessToken());
  return obj.save().then(function () { return 'kept'; });
}"""
    deploy(kii, admin, {}, CODE + keep)
    task_id = create(kii, admin, request(kii, TEST_EPOCH_MS, "keep")).body["taskID"]
    tick(kii, TEST_EPOCH_MS)
    assert task(kii, admin, task_id)["status"] == "DONE"
    found = kii.call(
        "POST",
        "/buckets/marks/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        admin,
        "application/vnd.kii.QueryRequest+json",
    )
    used = found.body["results"][0]["token"]
    assert used and used != admin
    reply = kii.call("GET", "/tasks", token=used)
    assert (reply.status, reply.body["errorCode"]) == (403, "WRONG_TOKEN")
