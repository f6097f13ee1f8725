"""Object bodies: upload, download (ranges), delete, publish, move, chunked uploads (use cases).

The object's ACL governs its body: reading needs what reading the object needs, every change
needs WRITE_EXISTING_OBJECT. Each body change writes its metadata and its event in one
transaction; the bytes are written to the blob store first, under a fresh key, and the
replaced blob is deleted after the switch, so a reader never sees half a body.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.bodies import (
    DEFAULT_CONTENT_TYPE,
    MAX_API_BYTES,
    MIN_PART_BYTES,
    ByteRange,
    ObjectBody,
    ObjectRef,
    Publication,
    Upload,
    parse_content_range,
    parse_range,
)
from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.ports import BlobStore, BodyStore, Clock
from chalicelib.domain.scopes import Scope, check_bucket_id, check_object_id
from chalicelib.errors import (
    Conflict,
    InvalidInputData,
    ObjectBodyIntegrityNotAssured,
    ObjectBodyNotFound,
    ObjectBodyUploadNotFound,
    ObjectNotFound,
    PublicationExpired,
    PublicationNotFound,
)
from chalicelib.services.objects import ObjectService
from chalicelib.services.optimistic import optimistic_update

# How long a redirect to the blob store (a presigned URL) stays valid.
REDIRECT_SECONDS = 300
_SCOPE_TYPES = {"APP": "app", "APP_AND_USER": "user", "APP_AND_GROUP": "group", "APP_AND_THING": "thing"}
_SCOPE_ID = {"user": "userID", "group": "groupID", "thing": "thingID"}


@dataclass(frozen=True)
class Download:
    body: ObjectBody
    data: bytes | None  # None for HEAD, or when ``redirect`` says where to read it
    range: ByteRange | None = None
    redirect: str | None = None


@dataclass
class BodyService:
    store: BodyStore
    blobs: BlobStore
    objects: ObjectService
    clock: Clock
    base_url: str

    # --- one-shot bodies ----------------------------------------------------------------------
    def put(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, data: bytes, content_type: str
    ) -> ObjectBody:
        self.objects.writable(caller, scope, bucket_id, object_id)
        ref = ObjectRef(scope, bucket_id, object_id)
        key = ref.blob_prefix + ids.new_object_id()
        self.blobs.put(key, data, content_type or DEFAULT_CONTENT_TYPE)
        return self._switch(caller, ref, key, content_type, len(data))

    def _switch(self, caller: Caller, ref: ObjectRef, key: str, content_type: str, size: int) -> ObjectBody:
        """Point the object's body at the blob ``key`` (with its event), then drop the old blob."""

        def attempt() -> tuple[ObjectBody, ObjectBody | None]:
            previous = self.store.body(ref)
            now = self.clock.now_ms()
            body = ObjectBody(
                ref,
                key,
                content_type or DEFAULT_CONTENT_TYPE,
                size,
                now,
                ids.new_object_id(),
                previous.version + 1 if previous else 1,
            )
            event = new_event(caller, Trigger.DATA_OBJECT_BODY_UPDATED, ref.hook_params(), now)
            try:
                self.store.put_body(body, previous, [event])
            except Conflict:
                if not self.objects.exists(ref.scope, ref.bucket_id, ref.object_id):
                    raise ObjectNotFound(
                        objectID=ref.object_id, objectScope=ref.scope.object_scope()
                    ) from None
                raise
            return body, previous

        try:
            body, previous = optimistic_update(attempt)
        except (Conflict, ObjectNotFound):
            self.blobs.delete(key)
            raise
        if previous is not None and previous.blob_key != key:
            self.blobs.delete(previous.blob_key)
        return body

    def _readable_body(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str) -> ObjectBody:
        self.objects.get(caller, scope, bucket_id, object_id)
        return self._body(ObjectRef(scope, bucket_id, object_id))

    def _body(self, ref: ObjectRef) -> ObjectBody:
        body = self.store.body(ref)
        if body is None:
            raise ObjectBodyNotFound(objectID=ref.object_id, objectScope=ref.scope.object_scope())
        return body

    def get(
        self,
        caller: Caller,
        scope: Scope,
        bucket_id: str,
        object_id: str,
        range_header: str | None,
        if_match: str | None,
        head: bool = False,
    ) -> Download:
        body = self._readable_body(caller, scope, bucket_id, object_id)
        if if_match is not None and if_match.strip().strip('"') not in (body.etag, "*"):
            raise ObjectBodyIntegrityNotAssured(objectID=object_id)
        return self._download(body, range_header, head)

    def _download(self, body: ObjectBody, range_header: str | None, head: bool) -> Download:
        wanted = parse_range(range_header, body.size) if body.size else None
        if head:
            return Download(body, None, wanted)
        length = wanted.length if wanted else body.size
        if length > MAX_API_BYTES:
            # Beyond what a Lambda response carries: the client reads it from S3 directly.
            url = self.blobs.presigned_url(body.blob_key, REDIRECT_SECONDS)
            if url is not None:
                return Download(body, None, wanted, url)
        data = (
            self.blobs.get(body.blob_key, wanted.start, wanted.end)
            if wanted
            else self.blobs.get(body.blob_key)
        )
        return Download(body, data, wanted)

    def delete(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str) -> None:
        self.objects.writable(caller, scope, bucket_id, object_id)
        ref = ObjectRef(scope, bucket_id, object_id)

        def attempt() -> ObjectBody:
            body = self._body(ref)
            now = self.clock.now_ms()
            event = new_event(caller, Trigger.DATA_OBJECT_BODY_DELETED, ref.hook_params(), now)
            self.store.delete_body(body, [event])
            return body

        self.blobs.delete(optimistic_update(attempt).blob_key)

    # --- publication ----------------------------------------------------------------------------
    def publish(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, request: dict[str, Any]
    ) -> str:
        self.objects.writable(caller, scope, bucket_id, object_id)
        ref = ObjectRef(scope, bucket_id, object_id)
        now = self.clock.now_ms()
        expires_at = _expiry(request, now)

        def attempt() -> Publication:
            body = self._body(ref)
            publication = Publication(ids.new_secret(24), ref, expires_at, now)
            event = new_event(caller, Trigger.DATA_OBJECT_BODY_PUBLISHED, ref.hook_params(), now)
            self.store.put_publication(publication, body, [event])
            return publication

        publication = optimistic_update(attempt)
        return f"{self.base_url}/apps/{scope.app_id}/published-bodies/{publication.publication_id}"

    def published(self, app_id: str, publication_id: str, range_header: str | None, head: bool) -> Download:
        """A published body, read without a token while the publication lasts."""
        publication = self.store.publication(app_id, publication_id)
        if publication is None:
            raise PublicationNotFound()
        if publication.expires_at is not None and publication.expires_at <= self.clock.now_ms():
            raise PublicationExpired()
        body = self.store.body(publication.ref)
        if body is None:
            raise PublicationNotFound()
        return self._download(body, range_header, head)

    # --- move -----------------------------------------------------------------------------------
    def move(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, request: dict[str, Any]
    ) -> ObjectRef:
        """The body goes to another (existing) object, in any scope of the app: the target's
        DATA_OBJECT_BODY_UPDATED is written first, then the source's DATA_OBJECT_BODY_DELETED."""
        self.objects.writable(caller, scope, bucket_id, object_id)
        source = ObjectRef(scope, bucket_id, object_id)
        target = self._target(caller, request)
        if target == source:
            raise InvalidInputData("The target is the object itself")
        self.objects.writable(caller, target.scope, target.bucket_id, target.object_id)
        body = self._body(source)
        key = target.blob_prefix + ids.new_object_id()
        self.blobs.copy(body.blob_key, key)
        self._switch(caller, target, key, body.content_type, body.size)
        self.delete(caller, scope, bucket_id, object_id)
        return target

    def _target(self, caller: Caller, request: dict[str, Any]) -> ObjectRef:
        raw_scope = request.get("targetObjectScope") or {}
        if not isinstance(raw_scope, dict):
            raise InvalidInputData("targetObjectScope must be an object")
        app_id = raw_scope.get("appID") or caller.app_id
        if app_id != caller.app_id:
            raise InvalidInputData("A body moves within its app")
        kind = _SCOPE_TYPES.get(str(raw_scope.get("type") or "APP"))
        if kind is None:
            raise InvalidInputData(
                "targetObjectScope.type: APP, APP_AND_USER, APP_AND_GROUP or APP_AND_THING"
            )
        bucket_id = str(request.get("targetBucketID") or "")
        if request.get("targetBucketType") == "crypto":
            bucket_id = f"CRYPTO:{bucket_id}"
        object_id = check_object_id(str(request.get("targetObjectID") or ""))
        if kind == "app":
            scope = Scope(app_id, "app")
        else:
            owner = raw_scope.get(_SCOPE_ID[kind])
            if not owner:
                raise InvalidInputData(f"targetObjectScope needs {_SCOPE_ID[kind]}")
            scope = {
                "user": self.objects.user_scope,
                "group": self.objects.group_scope,
                "thing": self.objects.thing_scope,
            }[kind](caller, str(owner))
        return ObjectRef(scope, check_bucket_id(bucket_id), object_id)

    # --- chunked uploads ------------------------------------------------------------------------
    def start_upload(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, content_type: str | None
    ) -> Upload:
        self.objects.writable(caller, scope, bucket_id, object_id)
        ref = ObjectRef(scope, bucket_id, object_id)
        key = ref.blob_prefix + ids.new_object_id()
        ctype = content_type or DEFAULT_CONTENT_TYPE
        upload = Upload(
            ref, ids.new_object_id(), key, self.blobs.start_multipart(key, ctype), ctype, self.clock.now_ms()
        )
        self.store.put_upload(upload, None)
        return upload

    def _upload(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, upload_id: str) -> Upload:
        self.objects.writable(caller, scope, bucket_id, object_id)
        upload = self.store.upload(ObjectRef(scope, bucket_id, object_id), upload_id)
        if upload is None:
            raise ObjectBodyUploadNotFound(uploadID=upload_id)
        return upload

    def upload_chunk(
        self,
        caller: Caller,
        scope: Scope,
        bucket_id: str,
        object_id: str,
        upload_id: str,
        data: bytes,
        content_range: str | None,
        content_type: str | None,
    ) -> Upload:
        """Chunks come in order. Whole parts (>= 5 MiB) go to S3 as soon as they fill; the
        rest waits in a tail blob, so memory per request is bounded by tail + chunk."""
        upload = self._upload(caller, scope, bucket_id, object_id, upload_id)
        start, total = parse_content_range(content_range, len(data))
        if start != upload.received:
            raise InvalidInputData(
                f"The next chunk starts at byte {upload.received}", expected=upload.received
            )
        if upload.total is not None and total is not None and total != upload.total:
            raise InvalidInputData("The total size changed between chunks")
        pending = (self.blobs.get(upload.tail_key) if upload.tail_size else b"") + data
        parts, tail_size = upload.parts, len(pending)
        if len(pending) >= MIN_PART_BYTES:
            number = len(parts) + 1
            parts = (
                *parts,
                (number, self.blobs.upload_part(upload.blob_key, upload.multipart_id, number, pending)),
            )
            tail_size = 0
        elif data:
            self.blobs.put(upload.tail_key, pending, DEFAULT_CONTENT_TYPE)
        updated = replace(
            upload,
            received=upload.received + len(data),
            total=total if total is not None else upload.total,
            parts=parts,
            tail_size=tail_size,
            content_type=content_type or upload.content_type,
            version=upload.version + 1,
        )
        self.store.put_upload(updated, upload)  # Conflict (409) for a concurrent chunk
        return updated

    def commit_upload(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, upload_id: str
    ) -> ObjectBody:
        upload = self._upload(caller, scope, bucket_id, object_id, upload_id)
        if upload.total is not None and upload.received != upload.total:
            raise InvalidInputData(f"Received {upload.received} of {upload.total} bytes")
        parts = upload.parts
        if upload.tail_size or not parts:
            tail = self.blobs.get(upload.tail_key) if upload.tail_size else b""
            number = len(parts) + 1
            parts = (
                *parts,
                (number, self.blobs.upload_part(upload.blob_key, upload.multipart_id, number, tail)),
            )
        self.blobs.complete_multipart(upload.blob_key, upload.multipart_id, parts)
        self.blobs.delete(upload.tail_key)
        self.store.delete_upload(upload)
        return self._switch(caller, upload.ref, upload.blob_key, upload.content_type, upload.received)

    def cancel_upload(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, upload_id: str
    ) -> None:
        upload = self._upload(caller, scope, bucket_id, object_id, upload_id)
        self.blobs.abort_multipart(upload.blob_key, upload.multipart_id)
        self.blobs.delete(upload.tail_key)
        self.store.delete_upload(upload)


def _expiry(request: dict[str, Any], now: int) -> int | None:
    """``expiresAt`` (epoch ms) or ``expiresIn`` (seconds); neither: the URL does not expire."""
    if request.get("expiresAt") is not None:
        at = request["expiresAt"]
        if not isinstance(at, int) or isinstance(at, bool) or at <= now:
            raise InvalidInputData("expiresAt must be a future time in epoch milliseconds")
        return at
    if request.get("expiresIn") is not None:
        seconds = request["expiresIn"]
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
            raise InvalidInputData("expiresIn must be a positive number of seconds")
        return now + seconds * 1000
    return None
