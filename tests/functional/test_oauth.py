"""POST /api/oauth2/token and /api/apps/{app}/oauth2/token, and how tokens authenticate."""

from __future__ import annotations

import base64
import logging

import pytest

from tests.conftest import Kii


def _login(kii: Kii, body: dict[str, object], app_scoped: bool = False) -> tuple[int, dict[str, object]]:
    if app_scoped:
        reply = kii.call("POST", "/oauth2/token", body)
    else:
        reply = kii.call(
            "POST",
            "/api/oauth2/token?disable_cache=1",
            body,
            headers={"X-Kii-AppID": kii.app.app_id, "X-Kii-AppKey": kii.app.app_key},
        )
    return reply.status, reply.body


def test_password_grant_without_grant_type_returns_kii_token_fields(kii: Kii) -> None:
    user_id, _ = kii.register("alice")
    status, body = _login(kii, {"username": "alice", "password": "pass1234"})
    assert status == 200
    assert body["id"] == user_id
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["access_token"] and body["refresh_token"]


def test_app_scoped_token_endpoint_accepts_form_encoding(kii: Kii) -> None:
    kii.register("alice")
    reply = kii.call(
        "POST",
        "/oauth2/token",
        "grant_type=password&username=alice&password=pass1234",
        content_type="application/x-www-form-urlencoded",
    )
    assert reply.status == 200
    assert reply.body["access_token"]


@pytest.mark.parametrize(
    "username",
    [
        "EMAIL:a@example.com",
        "a@example.com",
        "LOGIN_NAME:alice",
        "ALICE",
        "PHONE:+819012345678",
        "+819012345678",
    ],
)
def test_user_logs_in_with_any_of_their_identities(kii: Kii, username: str) -> None:
    kii.register("alice", emailAddress="a@example.com", phoneNumber="+819012345678")
    status, body = _login(kii, {"username": username, "password": "pass1234"}, app_scoped=True)
    assert status == 200, body


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "nobody", "password": "pass1234"},
        {"username": "VENDOR_THING_ID:nothing", "password": "pass1234"},
    ],
)
def test_wrong_credentials_answer_oauth_invalid_grant(kii: Kii, body: dict[str, object]) -> None:
    kii.register("alice")
    status, reply = _login(kii, body)
    assert status == 400
    assert reply["errorCode"] == "invalid_grant" and reply["error"] == "invalid_grant"
    assert reply["error_description"]


def test_token_request_without_credentials_is_invalid_request(kii: Kii) -> None:
    status, reply = _login(kii, {"username": "alice"})
    assert (status, reply["errorCode"]) == (400, "invalid_request")


def test_token_request_with_malformed_json_is_invalid_json(kii: Kii) -> None:
    reply = kii.call("POST", "/oauth2/token", "{not json")
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_JSON")


def test_token_request_for_unknown_app_is_app_not_found(kii: Kii) -> None:
    reply = kii.call("POST", "/api/apps/nosuchapp/oauth2/token", {"username": "a", "password": "b"})
    assert (reply.status, reply.body["errorCode"]) == (404, "APP_NOT_FOUND")
    reply = kii.call("POST", "/api/oauth2/token", {"username": "a", "password": "b"})
    assert (reply.status, reply.body["errorCode"]) == (404, "APP_NOT_FOUND")


def test_admin_logs_in_with_client_credentials(kii: Kii) -> None:
    status, body = _login(kii, {"client_id": kii.app.client_id, "client_secret": kii.app.client_secret})
    assert status == 200
    assert body["id"] == kii.app.client_id


def test_admin_login_with_a_wrong_secret_is_refused(kii: Kii) -> None:
    status, body = _login(kii, {"client_id": kii.app.client_id, "client_secret": "guess"})
    assert (status, body["errorCode"]) == (400, "invalid_grant")


def test_anonymous_grant_ignores_the_secret_and_gives_an_anonymous_token(kii: Kii) -> None:
    status, body = _login(
        kii,
        {"grant_type": "client_credentials", "client_id": kii.app.app_id, "client_secret": "dummy"},
        app_scoped=True,
    )
    assert status == 200 and "refresh_token" not in body
    reply = kii.call("GET", "/users/me", token=str(body["access_token"]))
    assert (reply.status, reply.body["errorCode"]) == (401, "UNAUTHORIZED")


def test_refresh_token_gives_a_new_token_once(kii: Kii) -> None:
    kii.register("alice")
    _, first = _login(kii, {"username": "alice", "password": "pass1234"})
    status, second = _login(kii, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert status == 200 and second["access_token"] != first["access_token"]
    assert kii.call("GET", "/users/me", token=str(second["access_token"])).status == 200
    status, again = _login(kii, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert (status, again["errorCode"]) == (403, "WRONG_REFRESH_TOKEN")


def test_bearer_scheme_is_case_insensitive(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("GET", "/users/me", headers={"authorization": f"bearer {token}"})
    assert reply.status == 200


def test_unknown_token_is_wrong_token(kii: Kii) -> None:
    reply = kii.call("GET", "/users/me", token="not-a-token")
    assert (reply.status, reply.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_expired_token_is_wrong_token(kii: Kii) -> None:
    _, token = kii.register("alice")
    kii.services.clock.advance(kii.services.container.auth.access_ttl_ms + 1)
    reply = kii.call("GET", "/users/me", token=token)
    assert (reply.status, reply.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_requested_expiry_shortens_the_token(kii: Kii) -> None:
    kii.register("alice")
    now = kii.services.container.clock.now_ms()
    status, body = _login(kii, {"username": "alice", "password": "pass1234", "expiresAt": now + 60_000})
    assert status == 200 and 55 <= int(str(body["expires_in"])) <= 60


def test_basic_credentials_mean_anonymous_for_that_app(kii: Kii) -> None:
    basic = base64.b64encode(f"{kii.app.app_id}:anything".encode()).decode()
    reply = kii.call(
        "POST",
        "/users",
        {"loginName": "bob", "password": "pass1234"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert reply.status == 201
    other = base64.b64encode(b"otherapp:anything").decode()
    reply = kii.call("GET", "/users/me", headers={"Authorization": f"Basic {other}"})
    assert (reply.status, reply.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_token_of_one_app_is_refused_by_another(kii: Kii, other_app: Kii) -> None:
    _, token = other_app.register("alice")
    reply = kii.call("GET", "/users/me", token=token)
    assert (reply.status, reply.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_disabled_user_cannot_log_in_or_use_tokens(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    assert kii.call("PUT", f"/users/{user_id}/status", {"disabled": True}, kii.admin_token()).status == 204
    status, body = _login(kii, {"username": "alice", "password": "pass1234"})
    assert (status, body["errorCode"]) == (401, "USER_DISABLED")
    reply = kii.call("GET", "/users/me", token=token)
    assert reply.status == 403  # disabling revoked the token


def test_tokens_are_stored_only_as_digests_and_never_logged(
    kii: Kii, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, token = kii.register("alice")
    _, body = _login(kii, {"username": "alice", "password": "pass1234"})
    kii.call("GET", "/users/me", token=token)
    kii.call("GET", "/users/me", token=token + "x")
    client = kii.services.container.table.client  # type: ignore[attr-defined]
    for table in ("t-data", "t-events"):
        dump = str(client.scan(TableName=table)["Items"])
        for secret in (token, str(body["access_token"]), str(body["refresh_token"]), "pass1234"):
            assert secret not in dump
    for secret in (token, str(body["access_token"]), str(body["refresh_token"])):
        assert secret not in caplog.text


def test_cors_exposes_kii_headers_to_browsers(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("GET", "/users/me", token=token, headers={"Origin": "http://localhost:3000"})
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "ETag" in reply.headers["access-control-expose-headers"]
    assert "X-Kii-AppID" in reply.headers["access-control-allow-headers"]


def test_login_of_an_unknown_user_costs_a_password_hash_too(kii: Kii) -> None:
    kii.register("alice")
    hasher = kii.services.container.auth.hasher
    calls: list[str] = []
    real_verify = hasher.verify

    class Counting:
        def hash(self, password: str) -> str:
            return hasher.hash(password)

        def verify(self, password: str, encoded: str) -> bool:
            calls.append(encoded)
            return real_verify(password, encoded)

    kii.services.container.auth.hasher = Counting()
    _login(kii, {"username": "nobody", "password": "pass1234"})
    _login(kii, {"username": "alice", "password": "wrong"})
    assert len(calls) == 2
