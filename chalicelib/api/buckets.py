"""Kii buckets, objects, queries and ACLs in the app, user and group scopes (kii-rest-api.md §5)."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.domain import acl as acl_rules
from chalicelib.domain.objects import KiiObject, data_type_of, strip_version
from chalicelib.domain.scopes import Scope
from chalicelib.errors import InvalidInputData, MethodNotAllowed
from chalicelib.services.objects import ObjectService

bp = Blueprint(__name__)

ScopeOf = Callable[[KiiRequest], Scope]


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


def _data_type(request: KiiRequest) -> str | None:
    return data_type_of(request.media_type, request.app_id)


def _register(prefix: str, name: str, scope_of: ScopeOf) -> None:
    bucket = prefix + "/buckets/{bucketID}"
    obj = bucket + "/objects/{objectID}"

    @route(bp, bucket, ["DELETE"], f"{name}_bucket")
    def drop(request: KiiRequest) -> Reply:
        _objects().drop_bucket(request.caller, scope_of(request), request.params["bucketID"])
        return no_content()

    @route(bp, bucket + "/objects", ["POST"], f"{name}_objects")
    def create(request: KiiRequest) -> Reply:
        scope = scope_of(request)
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

    @route(bp, obj, ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"], f"{name}_object")
    def one(request: KiiRequest) -> Reply:
        scope = scope_of(request)
        bucket_id, object_id = request.params["bucketID"], request.params["objectID"]
        method = request.method
        if method == "POST":
            if (request.header("x-http-method-override") or "").upper() != "PATCH":
                raise MethodNotAllowed("POST to an object needs X-HTTP-Method-Override: PATCH")
            method = "PATCH"
        if_match = strip_version(request.header("if-match"))
        if method in ("GET", "HEAD"):
            found = _objects().get(request.caller, scope, bucket_id, object_id)
            return Reply(200, found.to_json(), _etag(found))
        if method == "DELETE":
            if if_match is not None and request.header("if-none-match"):
                raise InvalidInputData("Give If-Match or If-None-Match, not both")
            _objects().delete(request.caller, scope, bucket_id, object_id, if_match)
            return no_content()
        if method == "PATCH":
            patched = _objects().patch(request.caller, scope, bucket_id, object_id, request.json(), if_match)
            return Reply(200, patched.to_json(), _etag(patched))
        if_none_match = (request.header("if-none-match") or "").strip() == "*"
        saved, created = _objects().replace(
            request.caller,
            scope,
            bucket_id,
            object_id,
            request.json(),
            _data_type(request),
            if_match,
            if_none_match,
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

    @route(bp, bucket + "/query", ["POST"], f"{name}_query")
    def query(request: KiiRequest) -> Reply:
        found = _objects().query(
            request.caller, scope_of(request), request.params["bucketID"], request.json_object()
        )
        return Reply(200, found, content_type="application/vnd.kii.QueryResponse+json")

    @route(bp, bucket + "/acl", ["GET"], f"{name}_bucket_acl")
    def bucket_acl(request: KiiRequest) -> Reply:
        found = _objects().bucket_acl(request.caller, scope_of(request), request.params["bucketID"])
        return Reply(200, acl_rules.to_json(found))

    @route(bp, bucket + "/acl/{action}/{subject}", ["PUT", "DELETE"], f"{name}_bucket_acl_entry")
    def bucket_acl_entry(request: KiiRequest) -> Reply:
        _objects().change_bucket_acl(
            request.caller,
            scope_of(request),
            request.params["bucketID"],
            request.params["action"],
            request.params["subject"],
            request.method == "PUT",
        )
        return no_content()

    @route(bp, obj + "/acl", ["GET"], f"{name}_object_acl")
    def object_acl(request: KiiRequest) -> Reply:
        found = _objects().object_acl(
            request.caller, scope_of(request), request.params["bucketID"], request.params["objectID"]
        )
        return Reply(200, acl_rules.to_json(found))

    @route(bp, obj + "/acl/{action}/{subject}", ["PUT", "DELETE"], f"{name}_object_acl_entry")
    def object_acl_entry(request: KiiRequest) -> Reply:
        _objects().change_object_acl(
            request.caller,
            scope_of(request),
            request.params["bucketID"],
            request.params["objectID"],
            request.params["action"],
            request.params["subject"],
            request.method == "PUT",
        )
        return no_content()


# The four bucket scopes: (path prefix, route name, how the request names its scope).
SCOPES: tuple[tuple[str, str, ScopeOf], ...] = (
    ("/api/apps/{appID}", "app", _app_scope),
    ("/api/apps/{appID}/users/{userRef}", "user", _user_scope),
    ("/api/apps/{appID}/groups/{groupID}", "group", _group_scope),
    ("/api/apps/{appID}/things/{thingRef}", "thing", _thing_scope),
)
for _prefix, _name, _scope_of in SCOPES:
    _register(_prefix, _name, _scope_of)
