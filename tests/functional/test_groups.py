"""Groups: creation with members, given IDs, reads, name, owner, membership, a user's groups."""

from __future__ import annotations

import pytest

from tests.conftest import Kii

CREATION = "application/vnd.kii.GroupCreationRequest+json"


def test_group_created_with_members_reports_unknown_ones(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    member_id, _ = kii.register("member")
    reply = kii.call(
        "POST",
        "/groups",
        {"name": "team", "owner": owner_id, "members": [member_id, "ghost"]},
        owner,
        content_type=CREATION,
    )
    assert reply.status == 201 and reply.body["notFoundUsers"] == ["ghost"]
    members = kii.call("GET", f"/groups/{reply.body['groupID']}/members", token=owner).body["members"]
    assert sorted(m["userID"] for m in members) == sorted([owner_id, member_id])


def test_group_read_returns_kii_fields(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    group_id = kii.create_group(owner, "team")
    body = kii.call(
        "GET",
        f"/groups/{group_id}",
        token=owner,
        headers={"Accept": "application/vnd.kii.GroupRetrievalResponse+json"},
    ).body
    assert body["groupID"] == group_id and body["name"] == "team" and body["owner"] == owner_id
    assert isinstance(body["createdAt"], int) and isinstance(body["modifiedAt"], int)


def test_group_with_given_id_is_created_once(kii: Kii) -> None:
    _, owner = kii.register("owner")
    first = kii.call("PUT", "/groups/my-team.1", {"name": "team"}, owner, content_type=CREATION)
    assert first.status == 201 and first.body == {"groupID": "my-team.1", "notFoundUsers": []}
    second = kii.call("PUT", "/groups/my-team.1", {"name": "team"}, owner, content_type=CREATION)
    assert (second.status, second.body["errorCode"]) == (409, "GROUP_ALREADY_EXISTS")


@pytest.mark.parametrize("group_id", ["Upper", "has space", "x" * 31])
def test_group_id_outside_kii_pattern_is_invalid(kii: Kii, group_id: str) -> None:
    _, owner = kii.register("owner")
    reply = kii.call("PUT", f"/groups/{group_id}", {"name": "team"}, owner)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": 5}, {"name": "t", "members": "u1"}, {"name": "t", "members": [1]}]
)
def test_invalid_group_body_is_invalid_input_data(kii: Kii, body: dict[str, object]) -> None:
    _, owner = kii.register("owner")
    reply = kii.call("POST", "/groups", body, owner)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert [e.trigger for e in kii.services.new_events()] == ["USER_CREATED"]


def test_user_cannot_create_a_group_for_someone_else(kii: Kii) -> None:
    other_id, _ = kii.register("other")
    _, owner = kii.register("owner")
    reply = kii.call("POST", "/groups", {"name": "t", "owner": other_id}, owner)
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_admin_creates_a_group_for_a_named_owner(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    admin = kii.admin_token()
    assert kii.call("POST", "/groups", {"name": "t"}, admin).body["errorCode"] == "INVALID_INPUT_DATA"
    reply = kii.call("POST", "/groups", {"name": "t", "owner": owner_id}, admin)
    assert reply.status == 201
    assert kii.call("GET", f"/groups/{reply.body['groupID']}", token=owner).body["owner"] == owner_id


def test_group_with_an_unknown_owner_is_user_not_found(kii: Kii) -> None:
    reply = kii.call("POST", "/groups", {"name": "t", "owner": "nobody"}, kii.admin_token())
    assert (reply.status, reply.body["errorCode"]) == (404, "USER_NOT_FOUND")


def test_missing_group_is_group_not_found(kii: Kii) -> None:
    _, token = kii.register("owner")
    reply = kii.call("GET", "/groups/nosuchgroup", token=token)
    assert (reply.status, reply.body["errorCode"]) == (404, "GROUP_NOT_FOUND")
    assert reply.body["groupID"] == "nosuchgroup" and reply.body["appID"] == kii.app.app_id


def test_rename_takes_a_text_plain_body(kii: Kii) -> None:
    _, owner = kii.register("owner")
    group_id = kii.create_group(owner)
    assert (
        kii.call("PUT", f"/groups/{group_id}/name", "New name", owner, content_type="text/plain").status
        == 204
    )
    assert kii.call("GET", f"/groups/{group_id}", token=owner).body["name"] == "New name"
    empty = kii.call("PUT", f"/groups/{group_id}/name", "", owner, content_type="text/plain")
    assert (empty.status, empty.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_owner_change_makes_the_new_owner_a_member(kii: Kii) -> None:
    _, owner = kii.register("owner")
    new_id, new = kii.register("next")
    group_id = kii.create_group(owner)
    reply = kii.call(
        "PUT",
        f"/groups/{group_id}/owner",
        {"owner": new_id},
        owner,
        content_type="application/vnd.kii.GroupOwnerChangeRequest+json",
    )
    assert reply.status == 204
    assert kii.call("GET", f"/groups/{group_id}", token=new).body["owner"] == new_id
    assert kii.call("PUT", f"/groups/{group_id}/name", "x", owner, content_type="text/plain").status == 403


def test_adding_a_member_twice_is_idempotent(kii: Kii) -> None:
    _, owner = kii.register("owner")
    member_id, _ = kii.register("member")
    group_id = kii.create_group(owner)
    kii.services.new_events()
    first = kii.call(
        "PUT", f"/groups/{group_id}/members/{member_id}", None, owner, content_type="application/json"
    )
    second = kii.call("PUT", f"/groups/{group_id}/members/{member_id}", None, owner)
    assert (first.status, first.body, second.status) == (201, {}, 201)
    assert [e.trigger for e in kii.services.new_events()] == ["GROUP_MEMBERS_ADDED"]


def test_adding_an_unknown_user_is_user_not_found(kii: Kii) -> None:
    _, owner = kii.register("owner")
    group_id = kii.create_group(owner)
    reply = kii.call("PUT", f"/groups/{group_id}/members/ghost", None, owner)
    assert (reply.status, reply.body["errorCode"]) == (404, "USER_NOT_FOUND")


def test_removing_a_non_member_is_user_not_found(kii: Kii) -> None:
    _, owner = kii.register("owner")
    other_id, _ = kii.register("other")
    group_id = kii.create_group(owner)
    reply = kii.call("DELETE", f"/groups/{group_id}/members/{other_id}", token=owner)
    assert (reply.status, reply.body["errorCode"]) == (404, "USER_NOT_FOUND")


def test_owner_cannot_leave_their_group(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    group_id = kii.create_group(owner)
    reply = kii.call("DELETE", f"/groups/{group_id}/members/{owner_id}", token=owner)
    assert (reply.status, reply.body["errorCode"]) == (409, "OPERATION_NOT_ALLOWED")


def test_deleted_group_is_gone_with_its_memberships(kii: Kii) -> None:
    _, owner = kii.register("owner")
    member_id, member = kii.register("member")
    group_id = kii.create_group(owner, members=[member_id])
    assert kii.call("DELETE", f"/groups/{group_id}", token=owner).status == 204
    assert kii.call("GET", f"/groups/{group_id}", token=owner).status == 404
    assert kii.call("GET", f"/groups?is_member={member_id}", token=member).body == {"groups": []}
    again = kii.call("DELETE", f"/groups/{group_id}", token=owner)
    assert (again.status, again.body["errorCode"]) == (404, "GROUP_NOT_FOUND")


def test_user_lists_groups_owned_and_joined_with_the_sdks_trailing_slash(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    member_id, member = kii.register("member")
    mine = kii.create_group(owner, "mine", members=[member_id])
    theirs = kii.create_group(member, "theirs")
    owned = kii.call("GET", f"/groups/?owner={owner_id}&disable_cache=1", token=owner).body["groups"]
    assert [g["groupID"] for g in owned] == [mine]
    joined = kii.call("GET", f"/groups/?is_member={member_id}", token=member).body["groups"]
    assert sorted(g["groupID"] for g in joined) == sorted([mine, theirs])
    assert {"groupID", "name", "owner"} <= set(joined[0])


def test_group_list_without_a_filter_is_invalid(kii: Kii) -> None:
    _, token = kii.register("owner")
    reply = kii.call("GET", "/groups", token=token)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_groups_do_not_cross_apps(kii: Kii, other_app: Kii) -> None:
    _, owner = kii.register("owner")
    group_id = kii.create_group(owner)
    reply = other_app.call("GET", f"/groups/{group_id}", token=other_app.admin_token())
    assert (reply.status, reply.body["errorCode"]) == (404, "GROUP_NOT_FOUND")
