"""Users: registration, lookup, attributes, deletion, passwords, reset and verification."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import Kii

REGISTRATION = "application/vnd.kii.RegistrationRequest+json"
WITH_TOKEN = "application/vnd.kii.RegistrationAndAuthorizationRequest+json"


def _sent_notifications(kii: Kii, purpose: str) -> list[dict[str, Any]]:
    reply = kii.call("GET", "/notifications", token=kii.admin_token())
    assert reply.status == 200
    return [n for n in reply.body["notifications"] if n["purpose"] == purpose]


def _advance_clock(kii: Kii, ms: int) -> None:
    """Move the clock forward (code expiry)."""
    kii.services.clock.advance(ms)


def _login_status(kii: Kii, username: str, password: str) -> int:
    return kii.call("POST", "/oauth2/token", {"username": username, "password": password}).status


# --- registration ------------------------------------------------------------------------------
def test_registration_request_returns_the_user_without_a_token(kii: Kii) -> None:
    reply = kii.call(
        "POST",
        "/users",
        {
            "loginName": "alice",
            "password": "pass1234",
            "displayName": "Alice",
            "country": "JP",
            "locale": "ja",
            "age": 30,
        },
        content_type=REGISTRATION + "; charset=UTF-8",
    )
    assert reply.status == 201
    body = reply.body
    assert body["loginName"] == "alice" and body["displayName"] == "Alice" and body["age"] == 30
    assert body["_hasPassword"] is True and "_accessToken" not in body
    assert reply.headers["location"].endswith(f"/users/{body['userID']}")


def test_registration_and_authorization_request_returns_a_working_token(kii: Kii) -> None:
    reply = kii.call(
        "POST", "/users", {"loginName": "alice", "password": "pass1234"}, content_type=WITH_TOKEN
    )
    assert reply.status == 201
    me = kii.call("GET", "/users/me", token=reply.body["_accessToken"])
    assert me.body["userID"] == reply.body["userID"]


def test_pseudo_user_registers_with_an_empty_body(kii: Kii) -> None:
    reply = kii.call("POST", "/users", {}, content_type=WITH_TOKEN)
    assert reply.status == 201
    assert reply.body["_hasPassword"] is False and reply.body["_accessToken"]


def test_reserved_and_read_only_fields_are_ignored_at_registration(kii: Kii) -> None:
    reply = kii.call(
        "POST",
        "/users",
        {"loginName": "alice", "password": "pass1234", "_secret": 1, "userID": "forged", "internalUserID": 7},
    )
    assert reply.status == 201
    assert "_secret" not in reply.body and reply.body["userID"] != "forged"


@pytest.mark.parametrize("login", ["alice", "ALICE"])
def test_taken_login_name_is_user_already_exists(kii: Kii, login: str) -> None:
    kii.register("alice")
    reply = kii.call("POST", "/users", {"loginName": login, "password": "pass1234"})
    assert (reply.status, reply.body["errorCode"]) == (409, "USER_ALREADY_EXISTS")
    assert len([e for e in kii.services.events() if e.trigger == "USER_CREATED"]) == 1


def test_taken_email_is_user_already_exists(kii: Kii) -> None:
    kii.register("alice", emailAddress="a@example.com")
    reply = kii.call(
        "POST", "/users", {"loginName": "bob", "password": "pass1234", "emailAddress": "A@example.com"}
    )
    assert (reply.status, reply.body["errorCode"], reply.body["field"]) == (
        409,
        "USER_ALREADY_EXISTS",
        "emailAddress",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"loginName": "a", "password": "pass1234"},
        {"loginName": "alice", "password": "p"},
        {"loginName": "alice"},
        {"password": "pass1234"},
        {"loginName": 5, "password": "pass1234"},
        {"loginName": "alice", "password": "pass1234", "emailAddress": "not-an-address"},
        {"loginName": "alice", "password": "pass1234", "phoneNumber": "0901234"},
        {"loginName": "alice", "password": "pass1234", "country": "japan"},
        {"loginName": "alice", "password": "pass1234", "displayName": ""},
        {"loginName": "alice", "password": "pass1234", "blob": "x" * 70_000},
    ],
)
def test_invalid_registration_is_invalid_input_data_and_writes_nothing(
    kii: Kii, body: dict[str, Any]
) -> None:
    reply = kii.call("POST", "/users", body)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert kii.services.events() == []


@pytest.mark.parametrize("raw", ["{bad", "[1, 2]", "", '"text"'])
def test_malformed_registration_body_is_rejected(kii: Kii, raw: str) -> None:
    reply = kii.call("POST", "/users", raw)
    assert reply.status == 400 and reply.body["errorCode"] in ("INVALID_JSON", "INVALID_INPUT_DATA")


def test_deeply_nested_body_is_rejected(kii: Kii) -> None:
    raw = '{"a":' * 100 + "1" + "}" * 100
    reply = kii.call("POST", "/users", raw)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_oversized_body_is_rejected_with_413(kii: Kii) -> None:
    reply = kii.call("POST", "/users", '{"a":"' + "x" * (1024 * 1024 + 10) + '"}')
    assert (reply.status, reply.body["errorCode"]) == (413, "INVALID_INPUT_DATA")


# --- lookup ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ref", ["{id}", "me", "LOGIN_NAME:alice", "EMAIL:a@example.com", "PHONE:%2B819012345678"]
)
def test_user_is_found_by_every_kind_of_reference(kii: Kii, ref: str) -> None:
    user_id, token = kii.register("alice", emailAddress="a@example.com", phoneNumber="+819012345678")
    reply = kii.call("GET", f"/users/{ref.replace('{id}', user_id)}", token=token)
    assert reply.status == 200 and reply.body["userID"] == user_id


def test_other_users_see_only_the_public_identity(kii: Kii) -> None:
    user_id, _ = kii.register("alice", emailAddress="a@example.com", displayName="Alice", age=3)
    _, other = kii.register("bob")
    reply = kii.call("GET", f"/users/{user_id}", token=other)
    assert reply.body == {"userID": user_id, "loginName": "alice", "displayName": "Alice"}
    full = kii.call("GET", f"/users/{user_id}", token=kii.admin_token())
    assert full.body["emailAddress"] == "a@example.com" and full.body["age"] == 3


def test_missing_user_is_user_not_found_with_kii_fields(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("GET", "/users/LOGIN_NAME:nobody", token=token)
    assert (reply.status, reply.body["errorCode"]) == (404, "USER_NOT_FOUND")
    assert reply.body["field"] == "loginName" and reply.body["value"] == "nobody"
    assert reply.body["appID"] == kii.app.app_id


# --- attributes --------------------------------------------------------------------------------
def test_update_keeps_predefined_fields_and_replaces_custom_fields(kii: Kii) -> None:
    user_id, token = kii.register("alice", displayName="Alice", age=30, level=1)
    reply = kii.call(
        "POST",
        f"/users/{user_id}",
        {"age": 31, "internalUserID": 1, "nickname": "al"},
        token,
        content_type="application/vnd.kii.UserUpdateRequest+json",
    )
    assert reply.status == 200 and isinstance(reply.body["modifiedAt"], int)
    body = kii.call("GET", "/users/me", token=token).body
    assert body["displayName"] == "Alice" and body["age"] == 31 and body["nickname"] == "al"
    assert "level" not in body


def test_update_to_a_taken_login_name_is_user_already_exists(kii: Kii) -> None:
    kii.register("alice")
    user_id, token = kii.register("bob")
    reply = kii.call("POST", f"/users/{user_id}", {"loginName": "Alice"}, token)
    assert (reply.status, reply.body["errorCode"]) == (409, "USER_ALREADY_EXISTS")


def test_login_name_change_frees_the_old_name(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    assert kii.call("POST", f"/users/{user_id}", {"loginName": "alicia"}, token).status == 200
    assert _login_status(kii, "alicia", "pass1234") == 200
    assert _login_status(kii, "alice", "pass1234") == 400
    kii.register("alice")


def test_pseudo_user_becomes_a_normal_user_by_update(kii: Kii) -> None:
    reply = kii.call("POST", "/users", {}, content_type=WITH_TOKEN)
    user_id, token = reply.body["userID"], reply.body["_accessToken"]
    assert (
        kii.call("POST", f"/users/{user_id}", {"loginName": "carol", "password": "pass1234"}, token).status
        == 200
    )
    assert _login_status(kii, "carol", "pass1234") == 200


def test_update_cannot_change_an_existing_password(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    reply = kii.call("POST", f"/users/{user_id}", {"password": "another1"}, token)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_deleted_user_loses_tokens_login_and_memberships(kii: Kii) -> None:
    owner_id, owner = kii.register("owner")
    user_id, token = kii.register("alice")
    group_id = kii.create_group(owner, members=[user_id])
    assert kii.call("DELETE", f"/users/{user_id}", token=token).status == 204
    assert kii.call("GET", "/users/me", token=token).status == 403
    assert _login_status(kii, "alice", "pass1234") == 400
    members = kii.call("GET", f"/groups/{group_id}/members", token=owner).body["members"]
    assert members == [{"userID": owner_id}]
    kii.register("alice")  # the login name is free again


# --- passwords ---------------------------------------------------------------------------------
def test_password_change_needs_the_old_password(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    reply = kii.call(
        "PUT",
        f"/users/{user_id}/password",
        {"oldPassword": "nope", "newPassword": "n3wpass"},
        token,
        content_type="application/vnd.kii.ChangePasswordRequest+json",
    )
    assert (reply.status, reply.body["errorCode"]) == (401, "WRONG_PASSWORD")
    reply = kii.call(
        "PUT", f"/users/{user_id}/password", {"oldPassword": "pass1234", "newPassword": "n3wpass"}, token
    )
    assert reply.status == 204
    assert _login_status(kii, "alice", "n3wpass") == 200


def test_password_change_revokes_the_users_other_tokens(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    login = kii.call("POST", "/oauth2/token", {"username": "alice", "password": "pass1234"})
    other_access, other_refresh = login.body["access_token"], login.body["refresh_token"]
    reply = kii.call(
        "PUT", f"/users/{user_id}/password", {"oldPassword": "pass1234", "newPassword": "n3wpass"}, token
    )
    assert reply.status == 204
    assert kii.call("GET", "/users/me", token=token).status == 200
    stale = kii.call("GET", "/users/me", token=other_access)
    assert (stale.status, stale.body["errorCode"]) == (403, "WRONG_TOKEN")
    refresh = kii.call(
        "POST", "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": other_refresh}
    )
    assert (refresh.status, refresh.body["errorCode"]) == (403, "WRONG_REFRESH_TOKEN")


def test_password_change_by_the_admin_revokes_every_token_of_the_user(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    reply = kii.call("PUT", f"/users/{user_id}/password", {"newPassword": "n3wpass"}, kii.admin_token())
    assert reply.status == 204
    stale = kii.call("GET", "/users/me", token=token)
    assert (stale.status, stale.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_login_rehashes_a_password_hashed_at_an_older_cost(kii: Kii) -> None:
    from chalicelib.adapters.security import ScryptHasher

    user_id, _ = kii.register("alice")
    users = kii.services.container.users.users
    user = users.get(kii.app.app_id, user_id)
    assert user is not None and user.password_hash.startswith("scrypt$4$")
    old = ScryptHasher(3).hash("pass1234")
    users.save(replace(user, password_hash=old, version=user.version + 1), user, [])
    assert _login_status(kii, "alice", "pass1234") == 200
    rehashed = users.get(kii.app.app_id, user_id)
    assert rehashed is not None and rehashed.password_hash.startswith("scrypt$4$")
    assert _login_status(kii, "alice", "pass1234") == 200


def test_password_change_validates_the_new_password(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    reply = kii.call(
        "PUT", f"/users/{user_id}/password", {"oldPassword": "pass1234", "newPassword": "x"}, token
    )
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_password_reset_by_email_completes_with_the_mailed_code(kii: Kii) -> None:
    user_id, token = kii.register("alice", emailAddress="a@example.com")
    reply = kii.call(
        "POST",
        "/users/EMAIL:a@example.com/password/request-reset",
        {"notificationMethod": "EMAIL"},
        content_type="application/vnd.kii.ResetPasswordRequest+json",
    )
    assert reply.status == 204
    [mail] = _sent_notifications(kii, "password-reset")
    assert mail["to"] == "a@example.com" and mail["channel"] == "EMAIL"
    wrong = kii.call(
        "POST",
        "/users/EMAIL:a@example.com/password/complete-reset",
        {"pinCode": "wrong", "newPassword": "r3setpw"},
    )
    assert (wrong.status, wrong.body["errorCode"]) == (403, "INVALID_VERIFICATION_CODE")
    done = kii.call(
        "POST",
        "/users/EMAIL:a@example.com/password/complete-reset",
        {"pinCode": mail["code"], "newPassword": "r3setpw"},
        content_type="application/vnd.kii.CompletePasswordResetRequest+json",
    )
    assert done.status == 204
    assert _login_status(kii, "alice", "r3setpw") == 200
    assert kii.call("GET", "/users/me", token=token).status == 403  # old sessions end
    again = kii.call("POST", f"/users/{user_id}/password/complete-reset", {"pinCode": mail["code"]})
    assert (again.status, again.body["errorCode"]) == (403, "INVALID_VERIFICATION_CODE")


def test_password_reset_by_sms_without_new_password_sends_one(kii: Kii) -> None:
    kii.register("alice", phoneNumber="+819012345678")
    assert (
        kii.call(
            "POST",
            "/users/PHONE:+819012345678/password/request-reset",
            {"notificationMethod": "SMS", "smsResetMethod": "PIN"},
        ).status
        == 204
    )
    [sms] = _sent_notifications(kii, "password-reset")
    assert sms["channel"] == "SMS" and len(sms["code"]) == 8
    assert (
        kii.call("POST", "/users/LOGIN_NAME:alice/password/complete-reset", {"pinCode": sms["code"]}).status
        == 204
    )
    [generated] = _sent_notifications(kii, "new-password")
    assert _login_status(kii, "alice", generated["code"]) == 200


def test_reset_code_dies_after_five_wrong_attempts(kii: Kii) -> None:
    kii.register("alice", emailAddress="a@example.com")
    kii.call("POST", "/users/EMAIL:a@example.com/password/request-reset")
    [mail] = _sent_notifications(kii, "password-reset")
    for _ in range(5):
        kii.call(
            "POST",
            "/users/LOGIN_NAME:alice/password/complete-reset",
            {"pinCode": "0", "newPassword": "r3setpw"},
        )
    reply = kii.call(
        "POST",
        "/users/LOGIN_NAME:alice/password/complete-reset",
        {"pinCode": mail["code"], "newPassword": "r3setpw"},
    )
    assert (reply.status, reply.body["errorCode"]) == (403, "INVALID_VERIFICATION_CODE")


def test_expired_reset_code_is_pin_code_expired(kii: Kii) -> None:
    kii.register("alice", emailAddress="a@example.com")
    kii.call("POST", "/users/EMAIL:a@example.com/password/request-reset")
    [mail] = _sent_notifications(kii, "password-reset")
    _advance_clock(kii, kii.services.container.users.reset_ttl_ms + 1)
    reply = kii.call(
        "POST",
        "/users/LOGIN_NAME:alice/password/complete-reset",
        {"pinCode": mail["code"], "newPassword": "r3setpw"},
    )
    assert (reply.status, reply.body["errorCode"]) == (410, "PIN_CODE_EXPIRED")


def test_reset_to_a_missing_address_is_user_address_not_found(kii: Kii) -> None:
    kii.register("alice")
    reply = kii.call("POST", "/users/LOGIN_NAME:alice/password/request-reset", {"notificationMethod": "SMS"})
    assert (reply.status, reply.body["errorCode"]) == (404, "USER_ADDRESS_NOT_FOUND")


# --- verification --------------------------------------------------------------------------
def test_email_is_verified_with_the_code_sent_at_registration(kii: Kii) -> None:
    _, token = kii.register("alice", emailAddress="a@example.com")
    [mail] = _sent_notifications(kii, "email-verification")
    wrong = kii.call("POST", "/users/me/email-address/verify", {"verificationCode": "000000x"}, token)
    assert (wrong.status, wrong.body["errorCode"]) == (403, "INVALID_VERIFICATION_CODE")
    reply = kii.call(
        "POST",
        "/users/me/email-address/verify",
        {"verificationCode": mail["code"]},
        token,
        content_type="application/vnd.kii.AddressVerificationRequest+json",
    )
    assert reply.status == 204
    assert kii.call("GET", "/users/me", token=token).body["emailAddressVerified"] is True
    again = kii.call("POST", "/users/me/email-address/verify", {"verificationCode": mail["code"]}, token)
    assert (again.status, again.body["errorCode"]) == (404, "VERIFICATION_CODE_NOT_FOUND")


def test_admin_reads_the_phone_code_and_the_user_verifies_it(kii: Kii) -> None:
    user_id, token = kii.register("alice", phoneNumber="+819012345678")
    code = kii.call("GET", f"/users/{user_id}/phone-number/verification-code", token=kii.admin_token())
    assert code.status == 200
    reply = kii.call(
        "POST",
        f"/users/{user_id}/phone-number/verify",
        {"verificationCode": code.body["verificationCode"]},
        token,
    )
    assert reply.status == 204
    assert kii.call("GET", "/users/me", token=token).body["phoneNumberVerified"] is True


def test_expired_phone_code_is_phone_number_verification_code_expired(kii: Kii) -> None:
    user_id, token = kii.register("alice", phoneNumber="+819012345678")
    code = kii.call("GET", f"/users/{user_id}/phone-number/verification-code", token=kii.admin_token()).body
    _advance_clock(kii, kii.services.container.users.verification_ttl_ms + 1)
    reply = kii.call(
        "POST", "/users/me/phone-number/verify", {"verificationCode": code["verificationCode"]}, token
    )
    assert (reply.status, reply.body["errorCode"]) == (410, "PHONE_NUMBER_VERIFICATION_CODE_EXPIRED")


def test_changed_email_waits_as_pending_until_verified(kii: Kii) -> None:
    user_id, token = kii.register("alice", emailAddress="a@example.com")
    reply = kii.call(
        "PUT",
        f"/users/{user_id}/email-address",
        {"emailAddress": "new@example.com"},
        token,
        content_type="application/vnd.kii.EmailAddressModificationRequest+json",
    )
    assert reply.status == 204
    body = kii.call("GET", "/users/me", token=token).body
    assert body["emailAddress"] == "a@example.com" and body["_emailAddressPending"] == "new@example.com"
    code = next(n for n in _sent_notifications(kii, "email-verification") if n["to"] == "new@example.com")[
        "code"
    ]
    assert kii.call("POST", "/users/me/email-address/verify", {"verificationCode": code}, token).status == 204
    body = kii.call("GET", "/users/me", token=token).body
    assert body["emailAddress"] == "new@example.com" and "_emailAddressPending" not in body
    assert _login_status(kii, "new@example.com", "pass1234") == 200


def test_resend_verification_sends_a_new_code(kii: Kii) -> None:
    user_id, token = kii.register("alice", emailAddress="a@example.com")
    assert kii.call("POST", f"/users/{user_id}/email-address/resend-verification", None, token).status == 204
    assert len(_sent_notifications(kii, "email-verification")) == 2
