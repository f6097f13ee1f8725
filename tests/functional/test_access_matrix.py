"""Every user and group route, for every kind of principal: the exact status and errorCode.

Principals: ``anonymous`` (no credentials), ``other`` (an unrelated user), ``member`` (a
member of the group), ``owner`` (the user concerned: the target user, or the group's owner),
``admin`` (the app admin) and ``other_app`` (a valid user token of another app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Kii

OK = None  # a success status expected, no errorCode
DENIED = (403, "UNAUTHORIZED")
UNAUTHENTICATED = (401, "UNAUTHORIZED")
FOREIGN = (403, "WRONG_TOKEN")


@dataclass
class World:
    kii: Kii
    tokens: dict[str, str | None]
    owner_id: str
    member_id: str
    other_id: str
    group_id: str
    spare_id: str


@pytest.fixture
def world(kii: Kii, other_app: Kii) -> World:
    owner_id, owner = kii.register("owner")
    member_id, member = kii.register("member")
    other_id, other = kii.register("other")
    spare_id, _ = kii.register("spare")
    group_id = kii.create_group(owner, members=[member_id])
    _, foreign = other_app.register("foreigner")
    return World(
        kii,
        {
            "anonymous": None,
            "other": other,
            "member": member,
            "owner": owner,
            "admin": kii.admin_token(),
            "other_app": foreign,
        },
        owner_id,
        member_id,
        other_id,
        group_id,
        spare_id,
    )


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: Any
    expected: dict[str, tuple[int, str] | int | None]
    content_type: str = "application/json"


USER_CASES = {
    "get user": Case(
        "GET",
        "/users/{owner}",
        None,
        {"anonymous": UNAUTHENTICATED, "other": 200, "owner": 200, "admin": 200, "other_app": FOREIGN},
    ),
    "update user": Case(
        "POST",
        "/users/{owner}",
        {"displayName": "X"},
        {"anonymous": UNAUTHENTICATED, "other": DENIED, "owner": 200, "admin": 200, "other_app": FOREIGN},
    ),
    "change password": Case(
        "PUT",
        "/users/{owner}/password",
        {"oldPassword": "pass1234", "newPassword": "n3wpass"},
        {"anonymous": UNAUTHENTICATED, "other": DENIED, "owner": 204, "admin": 204, "other_app": FOREIGN},
    ),
    "set user status": Case(
        "PUT",
        "/users/{owner}/status",
        {"disabled": False},
        {"anonymous": UNAUTHENTICATED, "other": DENIED, "owner": DENIED, "admin": 204, "other_app": FOREIGN},
    ),
    "read verification code": Case(
        "GET",
        "/users/{owner}/email-address/verification-code",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "owner": DENIED,
            "admin": (404, "VERIFICATION_CODE_NOT_FOUND"),
            "other_app": FOREIGN,
        },
    ),
    "resend verification": Case(
        "POST",
        "/users/{owner}/email-address/resend-verification",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "owner": (400, "INVALID_INPUT_DATA"),
            "admin": (400, "INVALID_INPUT_DATA"),
            "other_app": FOREIGN,
        },
    ),
    "change e-mail address": Case(
        "PUT",
        "/users/{owner}/email-address",
        {"emailAddress": "new@example.com"},
        {"anonymous": UNAUTHENTICATED, "other": DENIED, "owner": 204, "admin": 204, "other_app": FOREIGN},
    ),
    "delete user": Case(
        "DELETE",
        "/users/{owner}",
        None,
        {"anonymous": UNAUTHENTICATED, "other": DENIED, "owner": 204, "admin": 204, "other_app": FOREIGN},
    ),
}

GROUP_CASES = {
    "get group": Case(
        "GET",
        "/groups/{group}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": 200,
            "owner": 200,
            "admin": 200,
            "other_app": FOREIGN,
        },
    ),
    "rename group": Case(
        "PUT",
        "/groups/{group}/name",
        "renamed",
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": DENIED,
            "owner": 204,
            "admin": 204,
            "other_app": FOREIGN,
        },
        "text/plain",
    ),
    "change group owner": Case(
        "PUT",
        "/groups/{group}/owner",
        {"owner": "{member}"},
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": DENIED,
            "owner": 204,
            "admin": 204,
            "other_app": FOREIGN,
        },
    ),
    "list members": Case(
        "GET",
        "/groups/{group}/members",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": 200,
            "owner": 200,
            "admin": 200,
            "other_app": FOREIGN,
        },
    ),
    "add member": Case(
        "PUT",
        "/groups/{group}/members/{spare}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": DENIED,
            "owner": 201,
            "admin": 201,
            "other_app": FOREIGN,
        },
    ),
    "remove member": Case(
        "DELETE",
        "/groups/{group}/members/{member}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": 204,
            "owner": 204,
            "admin": 204,
            "other_app": FOREIGN,
        },
    ),
    "groups owned by the owner": Case(
        "GET",
        "/groups?owner={owner}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": DENIED,
            "owner": 200,
            "admin": 200,
            "other_app": FOREIGN,
        },
    ),
    "groups the member belongs to": Case(
        "GET",
        "/groups/?is_member={member}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": 200,
            "owner": DENIED,
            "admin": 200,
            "other_app": FOREIGN,
        },
    ),
    "delete group": Case(
        "DELETE",
        "/groups/{group}",
        None,
        {
            "anonymous": UNAUTHENTICATED,
            "other": DENIED,
            "member": DENIED,
            "owner": 204,
            "admin": 204,
            "other_app": FOREIGN,
        },
    ),
}


def _params() -> list[Any]:
    found = []
    for cases in (USER_CASES, GROUP_CASES):
        for name, case in cases.items():
            for principal, expected in case.expected.items():
                found.append(pytest.param(case, principal, expected, id=f"{name}-as-{principal}"))
    return found


def _fill(value: Any, world: World) -> Any:
    names = {
        "{owner}": world.owner_id,
        "{member}": world.member_id,
        "{group}": world.group_id,
        "{spare}": world.spare_id,
    }
    if isinstance(value, str):
        for placeholder, real in names.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("case", "principal", "expected"), _params())
def test_route_enforces_kii_scope_for_principal(
    world: World, case: Case, principal: str, expected: Any
) -> None:
    reply = world.kii.call(
        case.method,
        _fill(case.path, world),
        _fill(case.body, world),
        token=world.tokens[principal],
        content_type=case.content_type,
    )
    if isinstance(expected, tuple):
        status, code = expected
        assert (reply.status, reply.body["errorCode"]) == (status, code), reply.body
    else:
        assert reply.status == expected, reply.body
        assert reply.body is None or "errorCode" not in reply.body
