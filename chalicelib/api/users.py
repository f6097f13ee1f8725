"""Kii user routes under /api/apps/{appID}/users (kii-rest-api.md §3)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.domain import users as rules
from chalicelib.services.users import UserService

bp = Blueprint(__name__)

USERS = "/api/apps/{appID}/users"
USER = USERS + "/{userRef}"
REGISTER_WITH_TOKEN = "application/vnd.kii.registrationandauthorizationrequest+json"


def _users() -> UserService:
    return wiring.container().users


@route(bp, USERS, ["POST"])
def register(request: KiiRequest) -> Reply:
    with_token = request.media_type == REGISTER_WITH_TOKEN
    user, tokens = _users().register(request.caller, request.json_object(), with_token)
    body = rules.to_json(user, full=True)
    if tokens is not None:
        body["_accessToken"] = tokens.access_token
        if tokens.refresh_token:
            body["_refreshToken"] = tokens.refresh_token
    location = f"/api/apps/{user.app_id}/users/{user.user_id}"
    return Reply(
        201, body, {"Location": location}, content_type="application/vnd.kii.RegistrationResponse+json"
    )


@route(bp, USERS + "/query", ["POST"])
def query(request: KiiRequest) -> Reply:
    results, next_key = _users().query(request.caller, request.json_object())
    body = {"results": results, **({"nextPaginationKey": next_key} if next_key else {})}
    return Reply(200, body, content_type="application/vnd.kii.UserQueryResponse+json")


@route(bp, USER, ["GET", "POST", "DELETE"])
def user(request: KiiRequest) -> Reply:
    ref = request.params["userRef"]
    if request.method == "GET":
        return Reply(
            200,
            _users().get(request.caller, ref),
            content_type="application/vnd.kii.UserDataRetrievalResponse+json",
        )
    if request.method == "DELETE":
        _users().delete(request.caller, ref)
        return no_content()
    updated = _users().update(request.caller, ref, request.json_object())
    return Reply(200, {"modifiedAt": updated.modified_at})


@route(bp, USER + "/password", ["PUT"])
def change_password(request: KiiRequest) -> Reply:
    _users().change_password(request.caller, request.params["userRef"], request.json_object())
    return no_content()


@route(bp, USER + "/password/request-reset", ["POST"])
def request_reset(request: KiiRequest) -> Reply:
    _users().request_reset(request.caller, request.params["userRef"], request.json_object(optional=True))
    return no_content()


@route(bp, USER + "/password/complete-reset", ["POST"])
def complete_reset(request: KiiRequest) -> Reply:
    _users().complete_reset(request.caller, request.params["userRef"], request.json_object())
    return no_content()


@route(bp, USER + "/status", ["PUT"])
def status(request: KiiRequest) -> Reply:
    _users().set_status(request.caller, request.params["userRef"], request.json_object())
    return no_content()


# Literal segments, not an {address} variable: chalice local matches routes in order, and a
# variable beside /password and /status would capture them.
def _address_routes(segment: str, kind: str) -> None:
    @route(bp, f"{USER}/{segment}", ["PUT"], f"change_address_{kind}")
    def change_address(request: KiiRequest) -> Reply:
        _users().change_address(
            request.caller,
            request.params["userRef"],
            kind,  # type: ignore[arg-type]
            request.json_object(),
        )
        return no_content()

    @route(bp, f"{USER}/{segment}/verify", ["POST"], f"verify_{kind}")
    def verify(request: KiiRequest) -> Reply:
        _users().verify(
            request.caller,
            request.params["userRef"],
            kind,  # type: ignore[arg-type]
            request.json_object(),
        )
        return no_content()

    @route(bp, f"{USER}/{segment}/resend-verification", ["POST"], f"resend_{kind}")
    def resend(request: KiiRequest) -> Reply:
        _users().resend_verification(request.caller, request.params["userRef"], kind)  # type: ignore[arg-type]
        return no_content()

    @route(bp, f"{USER}/{segment}/verification-code", ["GET"], f"verification_code_{kind}")
    def verification_code(request: KiiRequest) -> Reply:
        code = _users().verification_code(request.caller, request.params["userRef"], kind)  # type: ignore[arg-type]
        return Reply(200, {"verificationCode": code})


_address_routes("email-address", "email")
_address_routes("phone-number", "phone")


@route(bp, USER + "/phone-number/reset-verification-code", ["POST"])
def reset_phone_code(request: KiiRequest) -> Reply:
    code = _users().reset_verification_code(request.caller, request.params["userRef"], "phone")
    return Reply(200, {"verificationCode": code})
