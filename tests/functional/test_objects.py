"""Objects in the app, user and group scopes: CRUD, versions, ETags, events and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.events import Caller
from chalicelib.domain.models import Principal
from chalicelib.domain.scopes import Scope
from tests.conftest import Kii


@pytest.fixture(params=["app", "user", "group"])
def bucket(request: pytest.FixtureRequest, kii: Kii) -> tuple[str, str, dict[str, Any]]:
    """(bucket path, a token allowed to use it, the objectScope hooks carry)."""
    user_id, token = kii.register("owner")
    if request.param == "app":
        return "/buckets/scores", token, {"appID": kii.app.app_id, "type": "APP"}
    if request.param == "user":
        return (
            f"/users/{user_id}/buckets/scores",
            token,
            {"appID": kii.app.app_id, "type": "APP_AND_USER", "userID": user_id},
        )
    group_id = kii.create_group(token)
    return (
        f"/groups/{group_id}/buckets/scores",
        token,
        {"appID": kii.app.app_id, "type": "APP_AND_GROUP", "groupID": group_id},
    )


def test_object_lifecycle_with_events_in_every_scope(
    kii: Kii, bucket: tuple[str, str, dict[str, Any]]
) -> None:
    path, token, scope = bucket
    kii.services.new_events()
    created = kii.call("POST", f"{path}/objects", {"score": 10, "name": "alpha"}, token)
    assert created.status == 201 and created.headers["etag"] == '"1"'
    object_id = created.body["objectID"]
    uri_scope = path.replace("/buckets/scores", "")
    uri = f"kiicloud://{uri_scope.lstrip('/') + '/' if uri_scope else ''}buckets/scores/objects/{object_id}"
    params = {"uri": uri, "bucketID": "scores", "objectID": object_id, "objectScope": scope}

    got = kii.call("GET", f"{path}/objects/{object_id}", token=token)
    assert got.body["score"] == 10 and got.body["_version"] == "1" and got.body["_id"] == object_id
    assert kii.call("HEAD", f"{path}/objects/{object_id}", token=token).status == 200

    patched = kii.call(
        "POST",
        f"{path}/objects/{object_id}",
        {"score": 11},
        token,
        headers={"X-HTTP-Method-Override": "PATCH", "If-Match": '"1"'},
    )
    assert patched.status == 200 and patched.body["name"] == "alpha" and patched.body["score"] == 11
    assert patched.headers["etag"] == '"2"'

    replaced = kii.call("PUT", f"{path}/objects/{object_id}", {"score": 12}, token, headers={"If-Match": "2"})
    assert replaced.status == 200 and "modifiedAt" in replaced.body
    assert "name" not in kii.call("GET", f"{path}/objects/{object_id}", token=token).body

    assert kii.call("DELETE", f"{path}/objects/{object_id}", token=token).status == 204
    assert kii.call("GET", f"{path}/objects/{object_id}", token=token).body["errorCode"] == "OBJECT_NOT_FOUND"
    events = kii.services.new_events()
    assert [e.trigger for e in events] == [
        "DATA_OBJECT_CREATED",
        "DATA_OBJECT_UPDATED",
        "DATA_OBJECT_UPDATED",
        "DATA_OBJECT_DELETED",
    ]
    assert all(e.params == params for e in events)


def test_stale_version_is_refused_and_writes_nothing(kii: Kii) -> None:
    _, token = kii.register("alice")
    object_id = kii.call("POST", "/buckets/b1/objects", {"v": 1}, token).body["objectID"]
    kii.call("PUT", f"/buckets/b1/objects/{object_id}", {"v": 2}, token)
    kii.services.new_events()
    for method, headers in (
        ("PUT", {"If-Match": '"1"'}),
        ("PATCH", {"If-Match": "1"}),
        ("DELETE", {"If-Match": "1"}),
    ):
        reply = kii.call(method, f"/buckets/b1/objects/{object_id}", {"v": 3}, token, headers=headers)
        assert (reply.status, reply.body["errorCode"]) == (409, "OBJECT_VERSION_IS_STALE")
    assert kii.call("GET", f"/buckets/b1/objects/{object_id}", token=token).body["v"] == 2
    assert kii.services.new_events() == []


def test_put_with_if_none_match_creates_once(kii: Kii) -> None:
    _, token = kii.register("alice")
    first = kii.call("PUT", "/buckets/b1/objects/my-id", {"v": 1}, token, headers={"If-None-Match": "*"})
    assert first.status == 201 and first.headers["etag"] == '"1"'
    again = kii.call("PUT", "/buckets/b1/objects/my-id", {"v": 2}, token, headers={"If-None-Match": "*"})
    assert (again.status, again.body["errorCode"]) == (409, "OBJECT_ALREADY_EXISTS")
    assert [e.trigger for e in kii.services.events()][-1] == "DATA_OBJECT_CREATED"


def test_typed_content_type_sets_data_type(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call(
        "POST",
        "/buckets/b1/objects",
        {"v": 1},
        token,
        content_type=f"application/vnd.{kii.app.app_id}.scoredata+json",
    )
    assert reply.body["dataType"] == f"application/vnd.{kii.app.app_id}.scoredata+json"
    got = kii.call("GET", f"/buckets/b1/objects/{reply.body['objectID']}", token=token)
    assert got.body["_dataType"] == "scoredata" and got.body["_owner"]


def test_reserved_fields_sent_by_clients_are_ignored(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/buckets/b1/objects", {"v": 1, "_id": "forged", "_version": "9"}, token)
    got = kii.call("GET", f"/buckets/b1/objects/{reply.body['objectID']}", token=token).body
    assert got["_id"] == reply.body["objectID"] and got["_version"] == "1"


def test_concurrent_patches_never_lose_a_write(kii: Kii) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, token = kii.register("alice")
    object_id = kii.call("POST", "/buckets/b1/objects", {}, token).body["objectID"]
    service = kii.services.container.objects

    admin = Caller(Principal("admin", kii.app.app_id, kii.app.client_id))
    scope = Scope(kii.app.app_id, "app")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: service.patch(admin, scope, "b1", object_id, {f"f{i}": i}, None), range(8)))
    body = kii.call("GET", f"/buckets/b1/objects/{object_id}", token=token).body
    assert all(body.get(f"f{i}") == i for i in range(8)) and body["_version"] == "9", body


@pytest.mark.parametrize(
    ("method", "suffix", "body", "status", "code"),
    [
        ("POST", "/buckets/x/objects", {"v": 1}, 400, "INVALID_BUCKET"),
        ("POST", "/buckets/b1/objects", [1, 2], 400, "INVALID_INPUT_DATA"),
        ("POST", "/buckets/b1/objects", "{broken", 400, "INVALID_JSON"),
        ("POST", "/buckets/b1/objects", {"big": "x" * 70_000}, 400, "INVALID_INPUT_DATA"),
        ("POST", "/buckets/b1/objects", {"bad\u0001name": 1}, 400, "INVALID_INPUT_DATA"),
        ("PUT", "/buckets/b1/objects/a", {"v": 1}, 400, "INVALID_OBJECT_ID"),
        ("PATCH", "/buckets/b1/objects/missing", {"v": 1}, 404, "OBJECT_NOT_FOUND"),
        ("DELETE", "/buckets/b1/objects/missing", None, 404, "OBJECT_NOT_FOUND"),
        ("POST", "/buckets/b1/objects/missing", {"v": 1}, 405, "OPERATION_NOT_SUPPORTED"),
        ("POST", "/buckets/b1/query", {"bucketQuery": {"clause": {"type": "all"}}}, 404, "BUCKET_NOT_FOUND"),
        ("DELETE", "/buckets/b1", None, 404, "BUCKET_NOT_FOUND"),
        ("POST", "/users/nobody/buckets/b1/objects", {"v": 1}, 404, "USER_NOT_FOUND"),
        ("POST", "/groups/nogroup/buckets/b1/objects", {"v": 1}, 404, "GROUP_NOT_FOUND"),
    ],
)
def test_bad_object_request_gets_a_kii_error_and_writes_nothing(
    kii: Kii, method: str, suffix: str, body: Any, status: int, code: str
) -> None:
    _, token = kii.register("alice")
    kii.services.new_events()
    reply = kii.call(method, suffix, body, token)
    assert (reply.status, reply.body["errorCode"]) == (status, code)
    assert kii.services.new_events() == []


def test_query_with_clauses_order_and_paging(kii: Kii) -> None:
    _, token = kii.register("alice")
    for i in range(7):
        kii.call(
            "POST", "/buckets/b1/objects", {"score": i * 10, "kind": "even" if i % 2 == 0 else "odd"}, token
        )
    body = {
        "bucketQuery": {
            "clause": {
                "type": "and",
                "clauses": [
                    {"type": "eq", "field": "kind", "value": "even"},
                    {"type": "range", "field": "score", "lowerLimit": 10, "lowerIncluded": True},
                ],
            },
            "orderBy": "score",
            "descending": True,
        },
        "bestEffortLimit": 2,
    }
    first = kii.call(
        "POST", "/buckets/b1/query", body, token, content_type="application/vnd.kii.QueryRequest+json"
    )
    assert [r["score"] for r in first.body["results"]] == [60, 40]
    body["paginationKey"] = first.body["nextPaginationKey"]
    second = kii.call("POST", "/buckets/b1/query", body, token)
    assert [r["score"] for r in second.body["results"]] == [20] and "nextPaginationKey" not in second.body
    count = kii.call(
        "POST",
        "/buckets/b1/query",
        {
            "bucketQuery": {
                "clause": {"type": "all"},
                "aggregations": [{"type": "COUNT", "putAggregationInto": "count_field"}],
            }
        },
        token,
    )
    assert count.body == {"aggregations": {"count_field": 7}}


def test_unsupported_clause_is_query_not_supported(kii: Kii) -> None:
    _, token = kii.register("alice")
    kii.call("POST", "/buckets/b1/objects", {"v": 1}, token)
    reply = kii.call("POST", "/buckets/b1/query", {"bucketQuery": {"clause": {"type": "regex"}}}, token)
    assert (reply.status, reply.body["errorCode"]) == (400, "QUERY_NOT_SUPPORTED")


def test_query_on_a_nested_field_selects_by_the_inner_value(kii: Kii) -> None:
    _, token = kii.register("alice")
    kii.call("POST", "/buckets/b1/objects", {"minutes": {"6": 30}, "n": 1}, token)
    kii.call("POST", "/buckets/b1/objects", {"minutes": {"6": 10}, "n": 2}, token)
    clause = {"type": "range", "field": "minutes.6", "lowerLimit": 20}
    reply = kii.call("POST", "/buckets/b1/query", {"bucketQuery": {"clause": clause}}, token)
    assert reply.status == 200
    assert [r["n"] for r in reply.body["results"]] == [1]


def test_dropping_a_bucket_removes_its_objects(kii: Kii) -> None:
    _, token = kii.register("alice")
    object_id = kii.call("POST", "/buckets/b1/objects", {"v": 1}, token).body["objectID"]
    assert kii.call("DELETE", "/buckets/b1", token=token).status == 204
    assert kii.call("GET", f"/buckets/b1/objects/{object_id}", token=token).status == 404


@pytest.mark.parametrize("owner", ["user", "group", "thing"])
def test_deleting_the_scope_owner_drops_its_buckets(kii: Kii, owner: str) -> None:
    user_id, token = kii.register("owner")
    if owner == "user":
        prefix, delete, actor = f"/users/{user_id}", f"/users/{user_id}", token
    elif owner == "group":
        group_id = kii.create_group(token)
        prefix, delete, actor = f"/groups/{group_id}", f"/groups/{group_id}", token
    else:
        thing = kii.call(
            "POST",
            "/things",
            {"_vendorThingID": "d1", "_password": "pw"},
            content_type="application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json",
        ).body
        kii.call("PUT", f"/things/{thing['_thingID']}/ownership/user:{user_id}", None, thing["_accessToken"])
        prefix, delete, actor = f"/things/{thing['_thingID']}", f"/things/{thing['_thingID']}", token
    for bucket in ("b1", "b2"):
        assert kii.call("POST", f"{prefix}/buckets/{bucket}/objects", {"v": 1}, actor).status == 201
    kii.services.new_events()
    assert kii.call("DELETE", delete, token=token).status == 204
    client = kii.services.container.table.client  # type: ignore[attr-defined]
    leftovers = [i for i in client.scan(TableName="t-data")["Items"] if "#BUCKET#" in i["pk"]["S"]]
    assert leftovers == []
    assert not any(e.trigger == "DATA_OBJECT_DELETED" for e in kii.services.new_events())


@pytest.mark.parametrize("descending", [False, True])
def test_default_order_pages_through_the_creation_index_while_the_bucket_changes(
    kii: Kii, descending: bool
) -> None:
    _, token = kii.register("alice")
    created = [kii.call("POST", "/buckets/b1/objects", {"n": i}, token).body["objectID"] for i in range(5)]
    body: dict[str, Any] = {
        "bucketQuery": {"clause": {"type": "all"}, "descending": descending},
        "bestEffortLimit": 2,
    }
    if descending:
        body["bucketQuery"]["orderBy"] = "_created"
    first = kii.call("POST", "/buckets/b1/query", body, token).body
    expected = list(reversed(created)) if descending else created
    assert [r["_id"] for r in first["results"]] == expected[:2]
    kii.call("DELETE", f"/buckets/b1/objects/{expected[2]}", token=token)  # removed past the boundary
    kii.call(
        "POST", "/buckets/b1/objects", {"n": 99}, token
    )  # newest: after every page ascending, before descending
    body["paginationKey"] = first["nextPaginationKey"]
    second = kii.call("POST", "/buckets/b1/query", body, token).body
    if descending:
        assert [r["_id"] for r in second["results"]] == expected[3:5] and "nextPaginationKey" not in second
    else:
        assert [r["_id"] for r in second["results"]] == expected[3:5] and "nextPaginationKey" in second


def test_paging_key_of_another_order_is_refused_on_the_index(kii: Kii) -> None:
    _, token = kii.register("alice")
    for i in range(3):
        kii.call("POST", "/buckets/b1/objects", {"name": f"n{i}"}, token)
    by_name = {"bucketQuery": {"clause": {"type": "all"}, "orderBy": "name"}, "bestEffortLimit": 1}
    key = kii.call("POST", "/buckets/b1/query", by_name, token).body["nextPaginationKey"]
    reply = kii.call(
        "POST", "/buckets/b1/query", {"bucketQuery": {"clause": {"type": "all"}}, "paginationKey": key}, token
    )
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
