"""Kii thing routes under /api/apps/{appID}/things (kii-rest-api.md §6)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.errors import MethodNotAllowed, ThingOwnershipNotFound
from chalicelib.services.things import ThingService

bp = Blueprint(__name__)

THINGS = "/api/apps/{appID}/things"
THING = THINGS + "/{thingRef}"
WITH_TOKEN = "application/vnd.kii.thingregistrationandauthorizationrequest+json"


def _things() -> ThingService:
    return wiring.container().things


@route(bp, THINGS, ["POST"])
def register(request: KiiRequest) -> Reply:
    with_token = request.media_type == WITH_TOKEN
    thing, tokens = _things().register(request.caller, request.json_object(), with_token)
    body = thing.to_json()
    content_type = "application/vnd.kii.ThingRegistrationResponse+json"
    if tokens is not None:
        body["_accessToken"] = tokens.access_token
        if tokens.refresh_token:
            body["_refreshToken"] = tokens.refresh_token
        content_type = "application/vnd.kii.ThingRegistrationAndAuthorizationResponse+json"
    return Reply(
        201,
        body,
        {"Location": f"/api/apps/{thing.app_id}/things/{thing.thing_id}"},
        content_type=content_type,
    )


@route(bp, THINGS + "/query", ["POST"])
def query(request: KiiRequest) -> Reply:
    results, next_key = _things().query(request.caller, request.json_object())
    body = {"results": results, **({"nextPaginationKey": next_key} if next_key else {})}
    return Reply(200, body, content_type="application/vnd.kii.ThingQueryResponse+json")


@route(bp, THING, ["GET", "HEAD", "PATCH", "POST", "DELETE"])
def thing(request: KiiRequest) -> Reply:
    ref = request.params["thingRef"]
    method = request.method
    if method == "POST":
        if (request.header("x-http-method-override") or "").upper() != "PATCH":
            raise MethodNotAllowed("POST to a thing needs X-HTTP-Method-Override: PATCH")
        method = "PATCH"
    if method in ("GET", "HEAD"):
        return Reply(
            200,
            _things().get(request.caller, ref).to_json(),
            content_type="application/vnd.kii.ThingRetrievalResponse+json",
        )
    if method == "DELETE":
        _things().delete(request.caller, ref)
        return no_content()
    _things().update(request.caller, ref, request.json_object())
    return no_content()


@route(bp, THING + "/status", ["GET", "PUT"])
def status(request: KiiRequest) -> Reply:
    ref = request.params["thingRef"]
    if request.method == "GET":
        found = _things().get(request.caller, ref)
        return Reply(
            200,
            {"disabled": found.disabled},
            content_type="application/vnd.kii.ThingStatusRetrievalResponse+json",
        )
    _things().set_status(request.caller, ref, request.json_object())
    return no_content()


@route(bp, THING + "/vendor-thing-id", ["GET"])
def vendor_thing_id(request: KiiRequest) -> Reply:
    return Reply(
        200, {"_vendorThingID": _things().get(request.caller, request.params["thingRef"]).vendor_thing_id}
    )


@route(bp, THING + "/ownership", ["GET", "POST"])
def ownership(request: KiiRequest) -> Reply:
    ref = request.params["thingRef"]
    if request.method == "GET":
        return Reply(200, _things().owners(request.caller, ref))
    body = request.json_object()
    owner = f"user:{body['userID']}" if body.get("userID") else f"group:{body.get('groupID') or ''}"
    password = body.get("thingPassword")
    _things().add_owner(request.caller, ref, owner, password if isinstance(password, str) else None)
    return no_content()


@route(bp, THING + "/ownership/{owner}", ["PUT", "HEAD", "DELETE"])
def owner(request: KiiRequest) -> Reply:
    ref, raw_owner = request.params["thingRef"], request.params["owner"]
    if request.method == "HEAD":
        if not _things().is_owner(request.caller, ref, raw_owner):
            raise ThingOwnershipNotFound(owner=raw_owner)
        return no_content()
    if request.method == "DELETE":
        _things().remove_owner(request.caller, ref, raw_owner)
        return no_content()
    _things().add_owner(request.caller, ref, raw_owner)
    return no_content()
