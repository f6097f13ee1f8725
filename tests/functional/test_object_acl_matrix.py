"""Data routes x principals x ACL states: the exact status and errorCode of every cell.

The world: an app-scope bucket and a user-scope bucket of ``owner`` and a group-scope bucket
of ``owner``'s group (``member`` belongs to it), each holding one object created by ``owner``.
Principals: anonymous, other (an unrelated user), member, owner, admin, other_app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Kii

UNAUTH = (401, "UNAUTHORIZED")
DENIED = (403, "UNAUTHORIZED")
FOREIGN = (403, "WRONG_TOKEN")


@dataclass
class World:
    kii: Kii
    tokens: dict[str, str | None]
    ids: dict[str, str]

    def path(self, scope: str) -> str:
        return {
            "app": "/buckets/shared",
            "user": f"/users/{self.ids['owner']}/buckets/notes",
            "group": f"/groups/{self.ids['group']}/buckets/board",
        }[scope]

    def obj(self, scope: str) -> str:
        return f"{self.path(scope)}/objects/{self.ids[scope + '_object']}"

    def acl(self, target: str, action: str, subject: str, grant: bool = True) -> None:
        reply = self.kii.call(
            "PUT" if grant else "DELETE",
            f"{target}/acl/{action}/{subject}",
            None,
            self.tokens["owner"] if "/users/" in target or "/groups/" in target else self.tokens["admin"],
        )
        assert reply.status == 204, reply.body


@pytest.fixture
def world(kii: Kii, other_app: Kii) -> World:
    owner_id, owner = kii.register("owner")
    member_id, member = kii.register("member")
    other_id, other = kii.register("other")
    group_id = kii.create_group(owner, members=[member_id])
    _, foreign = other_app.register("foreigner")
    world = World(
        kii,
        {
            "anonymous": None,
            "other": other,
            "member": member,
            "owner": owner,
            "admin": kii.admin_token(),
            "other_app": foreign,
        },
        {"owner": owner_id, "member": member_id, "other": other_id, "group": group_id},
    )
    for scope in ("app", "user", "group"):
        reply = kii.call("POST", f"{world.path(scope)}/objects", {"v": 1}, owner)
        assert reply.status == 201
        world.ids[scope + "_object"] = reply.body["objectID"]
    return world


def _read(w: World, scope: str) -> tuple[str, str, Any]:
    return "GET", w.obj(scope), None


def _write(w: World, scope: str) -> tuple[str, str, Any]:
    return "PUT", w.obj(scope), {"v": 2}


def _patch(w: World, scope: str) -> tuple[str, str, Any]:
    return "PATCH", w.obj(scope), {"v": 3}


def _delete(w: World, scope: str) -> tuple[str, str, Any]:
    return "DELETE", w.obj(scope), None


def _create(w: World, scope: str) -> tuple[str, str, Any]:
    return "POST", f"{w.path(scope)}/objects", {"v": 4}


def _query(w: World, scope: str) -> tuple[str, str, Any]:
    return "POST", f"{w.path(scope)}/query", {"bucketQuery": {"clause": {"type": "all"}}}


def _drop(w: World, scope: str) -> tuple[str, str, Any]:
    return "DELETE", w.path(scope), None


def _object_acl(w: World, scope: str) -> tuple[str, str, Any]:
    return "GET", f"{w.obj(scope)}/acl", None


def _bucket_acl(w: World, scope: str) -> tuple[str, str, Any]:
    return "GET", f"{w.path(scope)}/acl", None


Route = Callable[[World, str], tuple[str, str, Any]]
Expected = dict[str, Any]

# Kii's default permissions (docs/acl.md): app scope open to authenticated users, readable by
# anonymous ones; user scope the owner's; group scope the members' (only the owner drops).
DEFAULTS: list[tuple[str, str, Route, Expected]] = [
    (
        "app",
        "read",
        _read,
        {"anonymous": 200, "other": 200, "owner": 200, "admin": 200, "other_app": FOREIGN},
    ),
    (
        "app",
        "write",
        _write,
        {"anonymous": UNAUTH, "other": 200, "owner": 200, "admin": 200, "other_app": FOREIGN},
    ),
    ("app", "patch", _patch, {"anonymous": UNAUTH, "other": 200, "owner": 200, "admin": 200}),
    ("app", "create", _create, {"anonymous": UNAUTH, "other": 201, "owner": 201, "admin": 201}),
    (
        "app",
        "query",
        _query,
        {"anonymous": 200, "other": 200, "owner": 200, "admin": 200, "other_app": FOREIGN},
    ),
    ("app", "delete", _delete, {"anonymous": UNAUTH, "other": 204, "owner": 204, "admin": 204}),
    ("app", "drop", _drop, {"anonymous": UNAUTH, "other": 204, "admin": 204}),
    ("app", "bucket acl", _bucket_acl, {"anonymous": UNAUTH, "other": DENIED, "owner": DENIED, "admin": 200}),
    ("app", "object acl", _object_acl, {"anonymous": UNAUTH, "other": DENIED, "owner": 200, "admin": 200}),
    (
        "user",
        "read",
        _read,
        {
            "anonymous": UNAUTH,
            "other": DENIED,
            "member": DENIED,
            "owner": 200,
            "admin": 200,
            "other_app": FOREIGN,
        },
    ),
    ("user", "write", _write, {"anonymous": UNAUTH, "other": DENIED, "owner": 200, "admin": 200}),
    ("user", "create", _create, {"anonymous": UNAUTH, "other": DENIED, "owner": 201, "admin": 201}),
    ("user", "query", _query, {"anonymous": UNAUTH, "other": DENIED, "owner": 200, "admin": 200}),
    ("user", "delete", _delete, {"anonymous": UNAUTH, "other": DENIED, "owner": 204, "admin": 204}),
    ("user", "drop", _drop, {"anonymous": UNAUTH, "other": DENIED, "owner": 204, "admin": 204}),
    ("user", "bucket acl", _bucket_acl, {"other": DENIED, "owner": 200, "admin": 200}),
    (
        "group",
        "read",
        _read,
        {"anonymous": UNAUTH, "other": DENIED, "member": 200, "owner": 200, "admin": 200},
    ),
    ("group", "write", _write, {"anonymous": UNAUTH, "other": DENIED, "member": 200, "owner": 200}),
    ("group", "create", _create, {"anonymous": UNAUTH, "other": DENIED, "member": 201, "owner": 201}),
    ("group", "query", _query, {"other": DENIED, "member": 200, "owner": 200}),
    ("group", "drop", _drop, {"other": DENIED, "member": DENIED, "owner": 204, "admin": 204}),
]


def _check(world: World, route: Route, scope: str, principal: str, expected: Any) -> Any:
    method, path, body = route(world, scope)
    reply = world.kii.call(method, path, body, token=world.tokens[principal])
    if isinstance(expected, tuple):
        assert (reply.status, reply.body["errorCode"]) == expected, reply.body
    else:
        assert reply.status == expected, reply.body
    return reply


@pytest.mark.parametrize(
    ("scope", "route", "expected", "principal"),
    [
        pytest.param(scope, route, expected[principal], principal, id=f"{scope}-{name}-as-{principal}")
        for scope, name, route, expected in DEFAULTS
        for principal in expected
    ],
)
def test_default_acl(world: World, scope: str, route: Route, expected: Any, principal: str) -> None:
    _check(world, route, scope, principal, expected)


def test_granting_read_on_one_object_to_a_user(world: World) -> None:
    world.acl(world.obj("user"), "READ_EXISTING_OBJECT", f"UserID:{world.ids['other']}")
    _check(world, _read, "user", "other", 200)
    _check(world, _write, "user", "other", DENIED)
    _check(world, _query, "user", "other", DENIED)  # the bucket's QUERY is still the owner's


def test_query_shows_only_readable_objects_without_bucket_read(world: World) -> None:
    second = world.kii.call("POST", f"{world.path('user')}/objects", {"v": 9}, world.tokens["owner"]).body[
        "objectID"
    ]
    world.acl(world.path("user"), "QUERY_OBJECTS_IN_BUCKET", "UserID:ANY_AUTHENTICATED_USER")
    world.acl(
        f"{world.path('user')}/objects/{second}", "READ_EXISTING_OBJECT", f"UserID:{world.ids['other']}"
    )
    reply = _check(world, _query, "user", "other", 200)
    assert [r["_id"] for r in reply.body["results"]] == [second]
    world.acl(world.path("user"), "READ_OBJECTS_IN_BUCKET", "UserID:ANY_AUTHENTICATED_USER")
    assert len(_check(world, _query, "user", "other", 200).body["results"]) == 2


def test_granting_to_a_group_reaches_its_members(world: World) -> None:
    world.acl(world.obj("user"), "WRITE_EXISTING_OBJECT", f"GroupID:{world.ids['group']}")
    _check(world, _write, "user", "member", 200)
    _check(world, _write, "user", "other", DENIED)


def test_revoking_anonymous_read_in_the_app_scope(world: World) -> None:
    world.acl(world.obj("app"), "READ_EXISTING_OBJECT", "UserID:ANONYMOUS_USER", grant=False)
    world.acl(world.path("app"), "READ_OBJECTS_IN_BUCKET", "UserID:ANONYMOUS_USER", grant=False)
    _check(world, _read, "app", "anonymous", UNAUTH)
    _check(world, _read, "app", "other", 200)


def test_acl_entry_errors(world: World) -> None:
    kii, owner = world.kii, world.tokens["owner"]
    target = world.obj("user")
    dup = kii.call("PUT", f"{target}/acl/READ_EXISTING_OBJECT/UserID:{world.ids['owner']}", None, owner)
    assert (dup.status, dup.body["errorCode"]) == (409, "ACL_ALREADY_EXISTS")
    missing = kii.call("DELETE", f"{target}/acl/READ_EXISTING_OBJECT/UserID:nobody", None, owner)
    assert (missing.status, missing.body["errorCode"]) == (404, "ACL_NOT_FOUND")
    bad_action = kii.call("PUT", f"{target}/acl/DROP_BUCKET_WITH_ALL_CONTENT/UserID:x", None, owner)
    assert (bad_action.status, bad_action.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    bad_subject = kii.call("PUT", f"{target}/acl/READ_EXISTING_OBJECT/Someone:x", None, owner)
    assert (bad_subject.status, bad_subject.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    listed = kii.call("GET", f"{target}/acl", token=owner).body
    assert {"userID": world.ids["owner"]} in listed["READ_EXISTING_OBJECT"]
