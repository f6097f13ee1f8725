"""Kii object bodies in every bucket scope, and published bodies (kii-rest-api.md §5.11)."""

from __future__ import annotations

from email.utils import formatdate

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.buckets import SCOPES, ScopeOf
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.domain.bodies import MAX_API_BYTES, ObjectBody
from chalicelib.errors import InvalidInputData
from chalicelib.services.bodies import BodyService, Download

bp = Blueprint(__name__)


def _bodies() -> BodyService:
    return wiring.container().bodies


def _headers(body: ObjectBody) -> dict[str, str]:
    return {
        "ETag": f'"{body.etag}"',
        "Last-Modified": formatdate(body.modified_at / 1000, usegmt=True),
        "Accept-Ranges": "bytes",
    }


def _download_reply(found: Download) -> Reply:
    headers = _headers(found.body)
    if found.redirect is not None:
        return Reply(307, None, {**headers, "Location": found.redirect})
    status, data = 200, found.data if found.data is not None else b""
    if found.range is not None:
        status = 206
        headers["Content-Range"] = found.range.content_range(found.body.size)
    if found.data is None:  # HEAD: the length of what GET would send
        headers["Content-Length"] = str(found.range.length if found.range else found.body.size)
    return Reply(status, data, headers, content_type=found.body.content_type)


def _register(prefix: str, name: str, scope_of: ScopeOf) -> None:
    body_path = prefix + "/buckets/{bucketID}/objects/{objectID}/body"

    def ids(request: KiiRequest) -> tuple[str, str]:
        return request.params["bucketID"], request.params["objectID"]

    @route(bp, body_path, ["GET", "HEAD", "PUT", "DELETE"], f"{name}_body", max_body=MAX_API_BYTES)
    def body(request: KiiRequest) -> Reply:
        scope = scope_of(request)
        if request.method == "PUT":
            saved = _bodies().put(
                request.caller, scope, *ids(request), request.raw_body, request.header("content-type") or ""
            )
            return Reply(200, {"modifiedAt": saved.modified_at}, _headers(saved))
        if request.method == "DELETE":
            _bodies().delete(request.caller, scope, *ids(request))
            return no_content()
        found = _bodies().get(
            request.caller,
            scope,
            *ids(request),
            request.header("range"),
            request.header("if-match"),
            head=request.method == "HEAD",
        )
        return _download_reply(found)

    @route(bp, body_path + "/publish", ["POST"], f"{name}_body_publish")
    def publish(request: KiiRequest) -> Reply:
        url = _bodies().publish(request.caller, scope_of(request), *ids(request), request.json_object(True))
        return Reply(201, {"url": url}, content_type="application/vnd.kii.ObjectBodyPublicationResponse+json")

    @route(bp, body_path + "/move", ["POST"], f"{name}_body_move")
    def move(request: KiiRequest) -> Reply:
        target = _bodies().move(request.caller, scope_of(request), *ids(request), request.json_object())
        return Reply(
            200,
            {
                "targetObjectScope": target.scope.object_scope(),
                "targetBucketID": target.bucket_id,
                "targetObjectID": target.object_id,
            },
        )

    @route(bp, body_path + "/uploads", ["POST"], f"{name}_body_uploads")
    def start(request: KiiRequest) -> Reply:
        fields = request.json_object(True)
        content_type = fields.get("contentType") if isinstance(fields.get("contentType"), str) else None
        upload = _bodies().start_upload(request.caller, scope_of(request), *ids(request), content_type)
        return Reply(
            201,
            {"uploadID": upload.upload_id},
            content_type="application/vnd.kii.StartObjectBodyUploadResponse+json",
        )

    @route(
        bp,
        body_path + "/uploads/{uploadID}/data",
        ["PUT"],
        f"{name}_body_upload_data",
        max_body=MAX_API_BYTES,
    )
    def chunk(request: KiiRequest) -> Reply:
        _bodies().upload_chunk(
            request.caller,
            scope_of(request),
            *ids(request),
            request.params["uploadID"],
            request.raw_body,
            request.header("content-range"),
            request.header("content-type"),
        )
        return no_content()

    @route(bp, body_path + "/uploads/{uploadID}/status/{status}", ["POST"], f"{name}_body_upload_status")
    def finish(request: KiiRequest) -> Reply:
        status, upload_id = request.params["status"], request.params["uploadID"]
        if status == "committed":
            saved = _bodies().commit_upload(request.caller, scope_of(request), *ids(request), upload_id)
            return Reply(204, None, _headers(saved))
        if status == "cancelled":
            _bodies().cancel_upload(request.caller, scope_of(request), *ids(request), upload_id)
            return no_content()
        raise InvalidInputData("An upload's status is committed or cancelled")


for _prefix, _name, _scope_of in SCOPES:
    _register(_prefix, _name, _scope_of)


@route(bp, "/api/apps/{appID}/published-bodies/{publicationID}", ["GET", "HEAD"], "published_body")
def published(request: KiiRequest) -> Reply:
    """No token: the URL is the credential, until it expires."""
    found = _bodies().published(
        request.app_id, request.params["publicationID"], request.header("range"), request.method == "HEAD"
    )
    return _download_reply(found)
