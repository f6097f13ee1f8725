"""Kii buckets, objects, queries and ACLs in the app, user and group scopes (kii-rest-api.md §5)."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import Handler, KiiRequest, Reply, acl_reply, no_content, route
from chalicelib.domain import acl as acl_rules
from chalicelib.domain.objects import KiiObject, data_type_of, strip_version
from chalicelib.domain.scopes import Scope
from chalicelib.errors import InvalidInputData, MethodNotAllowed
from chalicelib.services.objects import ObjectService

bp = Blueprint(__name__)

ScopeOf = Callable[[KiiRequest], Scope]
ScopedHandler = Callable[[KiiRequest, Scope], Reply]


def _objects() -> ObjectService:
    return wiring.container().objects


def _app_scope(request: KiiRequest) -> Scope:
    request.caller  # noqa: B018  (authenticates, and checks that the app exists)
    return Scope(request.app_id, "app")


def _user_scope(request: KiiRequest) -> Scope:
    user = wiring.container().users.resolve(request.caller, request.params["userRef"])
    return Scope(request.app_id, "user", user.user_id)


def _group_scope(request: KiiRequest) -> Scope:
    return _objects().group_scope(request.caller, request.params["groupID"])


def _thing_scope(request: KiiRequest) -> Scope:
    return _objects().thing_scope(request.caller, request.params["thingRef"])


def _etag(obj: KiiObject) -> dict[str, str]:
    return {"ETag": f'"{obj.version}"'}


def _location(scope: Scope, obj: KiiObject) -> dict[str, str]:
    return {"Location": f"{scope.path()}/buckets/{obj.bucket_id}/objects/{obj.object_id}"}


def _if_match(request: KiiRequest) -> int | None:
    return strip_version(request.header("if-match"))


def _data_type(request: KiiRequest) -> str | None:
    return data_type_of(request.media_type, request.app_id)


# --- buckets --------------------------------------------------------------------------------
def drop_bucket(request: KiiRequest, scope: Scope) -> Reply:
    _objects().drop_bucket(request.caller, scope, request.params["bucketID"])
    return no_content()


def query(request: KiiRequest, scope: Scope) -> Reply:
    found = _objects().query(request.caller, scope, request.params["bucketID"], request.json_object())
    return Reply(200, found, content_type="application/vnd.kii.QueryResponse+json")


# --- objects --------------------------------------------------------------------------------
def create_object(request: KiiRequest, scope: Scope) -> Reply:
    created = _objects().create(
        request.caller, scope, request.params["bucketID"], request.json(), _data_type(request)
    )
    body = {"objectID": created.object_id, "createdAt": created.created_at}
    if created.data_type:
        body["dataType"] = f"application/vnd.{request.app_id}.{created.data_type}+json"
    return Reply(
        201,
        body,
        {**_etag(created), **_location(scope, created)},
        content_type="application/vnd.kii.ObjectCreationResponse+json",
    )


def get_object(request: KiiRequest, scope: Scope) -> Reply:
    _if_match(request)  # a malformed If-Match is refused by every object method
    found = _objects().get(request.caller, scope, request.params["bucketID"], request.params["objectID"])
    return Reply(200, found.to_json(), _etag(found))


def replace_object(request: KiiRequest, scope: Scope) -> Reply:
    if_match = _if_match(request)
    saved, created = _objects().replace(
        request.caller,
        scope,
        request.params["bucketID"],
        request.params["objectID"],
        request.json(),
        _data_type(request),
        if_match,
        (request.header("if-none-match") or "").strip() == "*",
    )
    if created:
        return Reply(
            201,
            {"createdAt": saved.created_at, "modifiedAt": saved.modified_at},
            {**_etag(saved), **_location(scope, saved)},
        )
    return Reply(
        200,
        {"modifiedAt": saved.modified_at},
        _etag(saved),
        content_type="application/vnd.kii.ObjectUpdateResponse+json",
    )


def patch_object(request: KiiRequest, scope: Scope) -> Reply:
    bucket_id, object_id = request.params["bucketID"], request.params["objectID"]
    if_match = _if_match(request)
    patched = _objects().patch(request.caller, scope, bucket_id, object_id, request.json(), if_match)
    return Reply(200, patched.to_json(), _etag(patched))


def post_object(request: KiiRequest, scope: Scope) -> Reply:
    """Clients without PATCH send POST with ``X-HTTP-Method-Override: PATCH``."""
    if (request.header("x-http-method-override") or "").upper() != "PATCH":
        raise MethodNotAllowed("POST to an object needs X-HTTP-Method-Override: PATCH")
    return patch_object(request, scope)


def delete_object(request: KiiRequest, scope: Scope) -> Reply:
    if_match = _if_match(request)
    if if_match is not None and request.header("if-none-match"):
        raise InvalidInputData("Give If-Match or If-None-Match, not both")
    bucket_id, object_id = request.params["bucketID"], request.params["objectID"]
    _objects().delete(request.caller, scope, bucket_id, object_id, if_match)
    return no_content()


# --- ACLs -----------------------------------------------------------------------------------
def bucket_acl(request: KiiRequest, scope: Scope) -> Reply:
    found = _objects().bucket_acl(request.caller, scope, request.params["bucketID"])
    return acl_reply(request, found, acl_rules.BUCKET_ACTIONS)


def bucket_acl_entry(request: KiiRequest, scope: Scope) -> Reply:
    """GET asks, PUT grants, DELETE revokes."""
    if request.method == "GET":
        return bucket_acl(request, scope)
    grant, params = request.method == "PUT", request.params
    target = (scope, params["bucketID"])
    _objects().change_bucket_acl(request.caller, *target, params["action"], params["subject"], grant)
    return no_content()


def object_acl(request: KiiRequest, scope: Scope) -> Reply:
    params = request.params
    found = _objects().object_acl(request.caller, scope, params["bucketID"], params["objectID"])
    return acl_reply(request, found, acl_rules.OBJECT_ACTIONS)


def object_acl_entry(request: KiiRequest, scope: Scope) -> Reply:
    """GET asks, PUT grants, DELETE revokes."""
    if request.method == "GET":
        return object_acl(request, scope)
    grant, params = request.method == "PUT", request.params
    target = (scope, params["bucketID"], params["objectID"])
    _objects().change_object_acl(request.caller, *target, params["action"], params["subject"], grant)
    return no_content()


# The four bucket scopes: (path prefix, route name, how the request names its scope).
SCOPES: tuple[tuple[str, str, ScopeOf], ...] = (
    ("/api/apps/{appID}", "app", _app_scope),
    ("/api/apps/{appID}/users/{userRef}", "user", _user_scope),
    ("/api/apps/{appID}/groups/{groupID}", "group", _group_scope),
    ("/api/apps/{appID}/things/{thingRef}", "thing", _thing_scope),
)
BUCKET = "/buckets/{bucketID}"
OBJECT = BUCKET + "/objects/{objectID}"
# Every route of each scope: (path below the scope's prefix, methods, route name, handler).
ROUTES: tuple[tuple[str, list[str], str, ScopedHandler], ...] = (
    (BUCKET, ["DELETE"], "bucket", drop_bucket),
    (BUCKET + "/query", ["POST"], "query", query),
    (BUCKET + "/objects", ["POST"], "objects", create_object),
    (OBJECT, ["GET", "HEAD"], "object", get_object),
    (OBJECT, ["PUT"], "object_put", replace_object),
    (OBJECT, ["PATCH"], "object_patch", patch_object),
    (OBJECT, ["POST"], "object_post", post_object),
    (OBJECT, ["DELETE"], "object_delete", delete_object),
    (BUCKET + "/acl", ["GET"], "bucket_acl", bucket_acl),
    (BUCKET + "/acl/{action}", ["GET"], "bucket_acl_action", bucket_acl),
    (BUCKET + "/acl/{action}/{subject}", ["GET", "PUT", "DELETE"], "bucket_acl_entry", bucket_acl_entry),
    (OBJECT + "/acl", ["GET"], "object_acl", object_acl),
    (OBJECT + "/acl/{action}", ["GET"], "object_acl_action", object_acl),
    (OBJECT + "/acl/{action}/{subject}", ["GET", "PUT", "DELETE"], "object_acl_entry", object_acl_entry),
)


def _in_scope(handler: ScopedHandler, scope_of: ScopeOf) -> Handler:
    def in_scope(request: KiiRequest) -> Reply:
        return handler(request, scope_of(request))

    return in_scope


for _prefix, _name, _scope_of in SCOPES:
    for _path, _methods, _route, _handler in ROUTES:
        route(bp, _prefix + _path, _methods, f"{_name}_{_route}")(_in_scope(_handler, _scope_of))
