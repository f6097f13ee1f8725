"""The event log: each mutation's event is read back from the events table's stream (moto)
with its trigger, Kii params, actor and causation; a failed write leaves no event."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import Event
from tests.conftest import Kii


def _only(events: list[Event]) -> Event:
    assert len(events) == 1, [e.trigger for e in events]
    return events[0]


def _assert_event(event: Event, trigger: str, params: dict[str, Any], actor: tuple[str, str | None]) -> None:
    assert event.trigger == trigger
    assert event.params == params
    assert (event.actor.kind, event.actor.id) == actor
    assert (event.causation.source, event.causation.execution_id, event.causation.depth) == (
        "client",
        None,
        0,
    )


def _user(uid: str) -> dict[str, str]:
    return {"userID": uid, "uri": f"kiicloud://users/{uid}"}


def test_user_created_by_anonymous_sign_up(kii: Kii) -> None:
    user_id, _ = kii.register("alice")
    _assert_event(_only(kii.services.new_events()), "USER_CREATED", _user(user_id), ("anonymous", None))


def test_user_updated_deleted_and_password_changed_carry_the_acting_user(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    kii.services.new_events()
    kii.call("POST", f"/users/{user_id}", {"displayName": "A"}, token)
    _assert_event(_only(kii.services.new_events()), "USER_UPDATED", _user(user_id), ("user", user_id))
    kii.call(
        "PUT", f"/users/{user_id}/password", {"oldPassword": "pass1234", "newPassword": "n3wpass"}, token
    )
    _assert_event(
        _only(kii.services.new_events()), "USER_PASSWORD_CHANGED", _user(user_id), ("user", user_id)
    )
    kii.call("DELETE", f"/users/{user_id}", token=kii.admin_token())
    _assert_event(
        _only(kii.services.new_events()), "USER_DELETED", _user(user_id), ("admin", kii.app.client_id)
    )


def test_verification_and_reset_events(kii: Kii) -> None:
    user_id, token = kii.register("alice", emailAddress="a@example.com", phoneNumber="+819012345678")
    admin = kii.admin_token()
    kii.services.new_events()
    for kind, trigger in (("email-address", "USER_EMAIL_VERIFIED"), ("phone-number", "USER_PHONE_VERIFIED")):
        code = kii.call("GET", f"/users/{user_id}/{kind}/verification-code", token=admin).body[
            "verificationCode"
        ]
        kii.call("POST", f"/users/me/{kind}/verify", {"verificationCode": code}, token)
        _assert_event(_only(kii.services.new_events()), trigger, _user(user_id), ("user", user_id))
    kii.call("POST", "/users/EMAIL:a@example.com/password/request-reset")
    mail = kii.call("GET", "/notifications", token=admin).body["notifications"][-1]
    kii.call(
        "POST", f"/users/{user_id}/password/complete-reset", {"pinCode": mail["code"], "newPassword": "r3set"}
    )
    _assert_event(
        _only(kii.services.new_events()), "USER_PASSWORD_RESET_COMPLETED", _user(user_id), ("anonymous", None)
    )


def test_group_events_carry_kii_params(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    member_id, _ = kii.register("member")
    late_id, _ = kii.register("late")
    kii.services.new_events()
    group_id = kii.create_group(owner, members=[member_id, "ghost"])
    uri = f"kiicloud://groups/{group_id}"
    created, added = kii.services.new_events()
    _assert_event(created, "GROUP_CREATED", {"groupID": group_id, "uri": uri}, ("user", owner_id))
    _assert_event(
        added,
        "GROUP_MEMBERS_ADDED",
        {"groupID": group_id, "members": [member_id], "failed": ["ghost"], "uri": uri},
        ("user", owner_id),
    )
    kii.call("PUT", f"/groups/{group_id}/members/{late_id}", None, owner)
    _assert_event(
        _only(kii.services.new_events()),
        "GROUP_MEMBERS_ADDED",
        {"groupID": group_id, "members": [late_id], "failed": [], "uri": uri},
        ("user", owner_id),
    )
    kii.call("DELETE", f"/groups/{group_id}/members/{late_id}", token=owner)
    _assert_event(
        _only(kii.services.new_events()),
        "GROUP_MEMBERS_REMOVED",
        {"groupID": group_id, "members": [late_id], "failed": [], "uri": uri},
        ("user", owner_id),
    )
    kii.call("DELETE", f"/groups/{group_id}", token=owner)
    _assert_event(
        _only(kii.services.new_events()),
        "GROUP_DELETED",
        {"groupID": group_id, "uri": uri},
        ("user", owner_id),
    )


def test_changes_without_a_kii_trigger_emit_nothing(kii: Kii) -> None:
    user_id, owner = kii.register("owner")
    group_id = kii.create_group(owner)
    kii.services.new_events()
    kii.call("PUT", f"/groups/{group_id}/name", "renamed", owner, content_type="text/plain")
    kii.call("PUT", f"/users/{user_id}/status", {"disabled": False}, kii.admin_token())
    assert kii.services.new_events() == []


def test_failed_writes_emit_no_event(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    _, other = kii.register("bob")
    group_id = kii.create_group(token)
    kii.services.new_events()
    failures = [
        kii.call("POST", "/users", {"loginName": "alice", "password": "pass1234"}),
        kii.call("POST", f"/users/{user_id}", {"loginName": "bob"}, token),
        kii.call("POST", f"/users/{user_id}", {"displayName": "x"}, other),
        kii.call(
            "PUT", f"/users/{user_id}/password", {"oldPassword": "bad", "newPassword": "n3wpass"}, token
        ),
        kii.call("PUT", f"/groups/{group_id}", {"name": "again"}, token),
        kii.call("PUT", f"/groups/{group_id}/members/ghost", None, token),
        kii.call("DELETE", f"/groups/{group_id}", token=other),
    ]
    assert all(reply.status >= 400 for reply in failures)
    assert kii.services.new_events() == []


def test_events_are_delivered_with_lambdas_record_shape(kii: Kii) -> None:
    kii.register("alice")
    [record] = kii.services.drain_records()
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == kii.services.events_stream
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert record["dynamodb"]["SequenceNumber"]
