"""Scope ACLs over REST: who may create buckets and topics in the app, a user, a group or a
thing (Kii's defaults until granted or revoked), and who may read and change them."""

from __future__ import annotations

import pytest

from tests.conftest import Kii, Reply

DENIED = (403, "UNAUTHORIZED")
AUTHENTICATED = "UserID:ANY_AUTHENTICATED_USER"


def _status(reply: Reply) -> tuple[int, str | None]:
    body = reply.body
    return reply.status, body.get("errorCode") if isinstance(body, dict) else None


def test_a_scope_acl_starts_as_kiis_defaults(kii: Kii) -> None:
    _, token = kii.register("alice")
    app_acl = kii.call("GET", "/acl", token=kii.admin_token())
    assert app_acl.status == 200
    assert app_acl.body == {
        "CREATE_NEW_BUCKET": [{"userID": "ANY_AUTHENTICATED_USER"}],
        "CREATE_NEW_TOPIC": [],
    }
    user_acl = kii.call("GET", "/users/me/acl", token=token)
    assert (user_acl.status, user_acl.body) == (200, {"CREATE_NEW_BUCKET": [], "CREATE_NEW_TOPIC": []})
    verb = kii.call("GET", "/acl/CREATE_NEW_BUCKET", token=kii.admin_token())
    assert (verb.status, verb.body) == (200, [{"userID": "ANY_AUTHENTICATED_USER"}])


def test_by_default_users_create_app_buckets_but_only_the_admin_creates_app_topics(kii: Kii) -> None:
    alice, token = kii.register("alice")
    _, bob = kii.register("bob")
    assert kii.call("POST", "/buckets/board/objects", {"n": 1}, token).status == 201
    assert _status(kii.call("PUT", "/topics/news", token=token)) == DENIED
    assert kii.call("PUT", "/topics/news", token=kii.admin_token()).status == 204
    assert kii.call("PUT", f"/users/{alice}/topics/mine", token=token).status == 204
    assert _status(kii.call("PUT", f"/users/{alice}/topics/bobs", token=bob)) == DENIED
    assert _status(kii.call("POST", f"/users/{alice}/buckets/b1/objects", {"n": 1}, bob)) == DENIED


def test_granting_create_new_topic_to_any_authenticated_user_lets_users_create_app_topics(kii: Kii) -> None:
    _, token = kii.register("alice")
    admin = kii.admin_token()
    assert kii.call("PUT", f"/acl/CREATE_NEW_TOPIC/{AUTHENTICATED}", token=admin).status == 204
    assert kii.call("PUT", "/topics/news", token=token).status == 204
    anonymous = kii.call("PUT", "/topics/nobody")
    assert _status(anonymous) == (401, "UNAUTHORIZED")
    assert kii.call("DELETE", f"/acl/CREATE_NEW_TOPIC/{AUTHENTICATED}", token=admin).status == 204
    assert _status(kii.call("PUT", "/topics/later", token=token)) == DENIED
    assert kii.call("GET", "/topics/news", token=token).status == 200  # what was made stays


def test_revoking_create_new_bucket_in_the_app_scope_keeps_users_from_new_app_buckets(kii: Kii) -> None:
    _, token = kii.register("alice")
    admin = kii.admin_token()
    assert kii.call("POST", "/buckets/old/objects", {"n": 1}, token).status == 201
    assert kii.call("DELETE", f"/acl/CREATE_NEW_BUCKET/{AUTHENTICATED}", token=admin).status == 204
    assert _status(kii.call("POST", "/buckets/new/objects", {"n": 1}, token)) == DENIED
    assert kii.call("POST", "/buckets/old/objects", {"n": 2}, token).status == 201  # the bucket's ACL
    assert kii.call("POST", "/buckets/new/objects", {"n": 1}, admin).status == 201


def test_granting_create_new_bucket_on_a_user_scope_lets_another_user_create_a_bucket_there(kii: Kii) -> None:
    alice, token = kii.register("alice")
    bob, bob_token = kii.register("bob")
    path = f"/users/{alice}/buckets/shared/objects"
    assert _status(kii.call("POST", path, {"n": 1}, bob_token)) == DENIED
    assert kii.call("PUT", f"/users/me/acl/CREATE_NEW_BUCKET/UserID:{bob}", token=token).status == 204
    assert kii.call("POST", path, {"n": 1}, bob_token).status == 201
    assert _status(kii.call("PUT", f"/users/{alice}/topics/t1", token=bob_token)) == DENIED
    granted = kii.call("GET", f"/users/{alice}/acl/CREATE_NEW_BUCKET/UserID:{bob}", token=token)
    assert (granted.status, granted.body) == (200, {"userID": bob})


def test_granting_create_new_topic_to_a_group_reaches_its_members(kii: Kii) -> None:
    _, owner = kii.register("owner")
    member, member_token = kii.register("member")
    group = kii.create_group(owner, members=[member])
    admin = kii.admin_token()
    assert kii.call("PUT", f"/acl/CREATE_NEW_TOPIC/GroupID:{group}", token=admin).status == 204
    assert kii.call("PUT", "/topics/team-news", token=member_token).status == 204


def test_a_stranger_cannot_read_or_change_a_scope_acl(kii: Kii) -> None:
    alice, token = kii.register("alice")
    bob, bob_token = kii.register("bob")
    group = kii.create_group(token, members=[bob])
    entry = f"/acl/CREATE_NEW_TOPIC/UserID:{bob}"
    for scope in (f"/users/{alice}", f"/groups/{group}", ""):  # bob is a member, not the owner
        assert _status(kii.call("GET", f"{scope}/acl", token=bob_token)) == DENIED
        assert _status(kii.call("GET", f"{scope}/acl/CREATE_NEW_TOPIC", token=bob_token)) == DENIED
        assert _status(kii.call("PUT", f"{scope}{entry}", token=bob_token)) == DENIED
        assert _status(kii.call("DELETE", f"{scope}{entry}", token=bob_token)) == DENIED
    assert _status(kii.call("GET", f"/users/{alice}/acl")) == (401, "UNAUTHORIZED")
    assert kii.call("GET", f"/groups/{group}/acl", token=token).status == 200  # the group's owner
    assert _status(kii.call("PUT", f"/users/{alice}/topics/t1", token=bob_token)) == DENIED  # nothing granted


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("PUT", f"/acl/CREATE_NEW_BUCKET/{AUTHENTICATED}", (409, "ACL_ALREADY_EXISTS")),
        ("DELETE", "/acl/CREATE_NEW_TOPIC/UserID:nobody", (404, "ACL_NOT_FOUND")),
        ("GET", "/acl/CREATE_NEW_TOPIC/UserID:nobody", (404, "ACL_NOT_FOUND")),
        ("PUT", "/acl/READ_EXISTING_OBJECT/UserID:x", (400, "INVALID_INPUT_DATA")),
        ("GET", "/acl/SUBSCRIBE_TO_TOPIC", (400, "INVALID_INPUT_DATA")),
        ("PUT", "/acl/CREATE_NEW_TOPIC/Someone:x", (400, "INVALID_INPUT_DATA")),
        ("GET", "/acl/CREATE_NEW_TOPIC/UserID", (400, "INVALID_INPUT_DATA")),
        ("GET", "/users/nobody/acl", (404, "USER_NOT_FOUND")),
        ("PUT", f"/groups/nobody/acl/CREATE_NEW_TOPIC/{AUTHENTICATED}", (404, "GROUP_NOT_FOUND")),
        ("GET", "/things/nobody/acl", (404, "THING_NOT_FOUND")),
    ],
)
def test_scope_acl_errors_are_those_of_bucket_acls(
    kii: Kii, method: str, path: str, expected: tuple[int, str]
) -> None:
    assert _status(kii.call(method, path, token=kii.admin_token())) == expected


def test_a_thing_and_its_owner_change_the_thing_scope_acl(kii: Kii) -> None:
    owner, owner_token = kii.register("owner")
    bob, bob_token = kii.register("bob")
    thing_id, thing_token = kii.register_thing("lamp-1")
    owned = kii.call(
        "PUT", f"/things/{thing_id}/ownership/user:{owner}", None, thing_token, content_type=None
    )
    assert owned.status == 204, owned.body
    assert _status(kii.call("PUT", f"/things/{thing_id}/topics/alerts", token=bob_token)) == DENIED
    grant = f"/things/VENDOR_THING_ID:lamp-1/acl/CREATE_NEW_TOPIC/UserID:{bob}"
    assert kii.call("PUT", grant, token=thing_token).status == 204
    assert kii.call("PUT", f"/things/{thing_id}/topics/alerts", token=bob_token).status == 204
    assert kii.call("DELETE", grant, token=owner_token).status == 204
    assert _status(kii.call("PUT", f"/things/{thing_id}/topics/more", token=bob_token)) == DENIED


@pytest.mark.parametrize(
    ("target", "action"),
    [
        ("/buckets/board", "QUERY_OBJECTS_IN_BUCKET"),
        ("/buckets/board/objects/{object}", "READ_EXISTING_OBJECT"),
        ("/topics/news", "SUBSCRIBE_TO_TOPIC"),
        ("", "CREATE_NEW_BUCKET"),
    ],
)
def test_every_acl_answers_one_action_and_one_entry_as_well_as_the_whole(
    kii: Kii, target: str, action: str
) -> None:
    """``GET {target}/acl/{ACTION}`` lists one action's subjects and ``…/{Subject}`` asks for one
    entry (Kii's Java SDK reads them so), on buckets, objects and topics as on scopes."""
    admin = kii.admin_token()
    _, token = kii.register("alice")
    bob, _ = kii.register("bob")
    created = kii.call("POST", "/buckets/board/objects", {"n": 1}, token)
    assert kii.call("PUT", "/topics/news", token=admin).status == 204
    target = target.format(object=created.body["objectID"])
    subject = f"UserID:{bob}"
    assert kii.call("PUT", f"{target}/acl/{action}/{subject}", token=admin).status == 204
    whole = kii.call("GET", f"{target}/acl", token=admin)
    one = kii.call("GET", f"{target}/acl/{action}", token=admin)
    assert (one.status, one.body) == (200, whole.body[action]) and {"userID": bob} in one.body
    entry = kii.call("GET", f"{target}/acl/{action}/{subject}", token=admin)
    assert (entry.status, entry.body) == (200, {"userID": bob})
    missing = kii.call("GET", f"{target}/acl/{action}/UserID:nobody", token=admin)
    assert _status(missing) == (404, "ACL_NOT_FOUND")
    assert _status(kii.call("GET", f"{target}/acl/NOT_AN_ACTION", token=admin))[0] == 400
    assert _status(kii.call("GET", f"{target}/acl/{action}/Nobody:x", token=admin))[0] == 400
