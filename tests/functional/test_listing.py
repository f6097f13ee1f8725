"""The admin lists every user (POST /users/query) and every thing (POST /things/query) of an
app, page by page; nobody else may; other clauses are refused; no app sees another's."""

from __future__ import annotations

from typing import Any

from tests.conftest import Kii

USER_QUERY = "application/vnd.kii.UserQueryRequest+json"
THING_QUERY = "application/vnd.kii.ThingQueryRequest+json"


def _all(kii: Kii, path: str, field: str, content_type: str, token: str, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    body: dict[str, Any] = {field: {"clause": {"type": "all"}}, "bestEffortLimit": limit}
    while True:
        reply = kii.call("POST", path, body, token, content_type=content_type)
        assert reply.status == 200, reply.body
        assert len(reply.body["results"]) <= limit
        found.extend(reply.body["results"])
        if "nextPaginationKey" not in reply.body:
            return found
        body["paginationKey"] = reply.body["nextPaginationKey"]


def test_the_admin_lists_every_user_page_by_page(kii: Kii, other_app: Kii) -> None:
    ids = {kii.register(f"user{n}", email=f"u{n}@example.com")[0] for n in range(5)}
    other_app.register("elsewhere")
    admin = kii.admin_token()
    users = _all(kii, "/users/query", "userQuery", USER_QUERY, admin, 2)
    assert {u["userID"] for u in users} == ids
    assert {u["loginName"] for u in users} == {f"user{n}" for n in range(5)}
    assert all(u["_hasPassword"] and "password" not in u and "passwordHash" not in u for u in users)


def test_the_admin_lists_every_thing_page_by_page(kii: Kii) -> None:
    for n in range(3):
        reply = kii.call("POST", "/things", {"_vendorThingID": f"dev-{n}", "_password": "thingPass1"})
        assert reply.status == 201, reply.body
    things = _all(kii, "/things/query", "thingQuery", THING_QUERY, kii.admin_token(), 2)
    assert sorted(t["_vendorThingID"] for t in things) == ["dev-0", "dev-1", "dev-2"]
    assert all("_password" not in t for t in things)


def test_only_the_admin_lists_and_only_everything(kii: Kii) -> None:
    _, token = kii.register("alice")
    everyone = {"userQuery": {"clause": {"type": "all"}}}
    reply = kii.call("POST", "/users/query", everyone, token, content_type=USER_QUERY)
    assert reply.status == 403
    reply = kii.call("POST", "/users/query", everyone, content_type=USER_QUERY)
    assert reply.status in (401, 403)
    admin = kii.admin_token()
    one = {"userQuery": {"clause": {"type": "eq", "field": "loginName", "value": "alice"}}}
    reply = kii.call("POST", "/users/query", one, admin, content_type=USER_QUERY)
    assert reply.status == 400 and reply.body["errorCode"] == "QUERY_NOT_SUPPORTED"
    bad_key = {**everyone, "paginationKey": ""}
    reply = kii.call("POST", "/users/query", bad_key, admin, content_type=USER_QUERY)
    assert reply.status == 400
