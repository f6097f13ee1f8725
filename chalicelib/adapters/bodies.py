"""Object bodies: bytes in S3 (or the in-memory twin), metadata over the key-value table port
(key layout: docs/data.md).

Body items live in their bucket's partition, so dropping the bucket takes them; blobs live
under ``bodies/{app}/{scope}/{bucket}/{object}/`` so one prefix deletion takes an object's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, attributes, commit, fields, key_item, present
from chalicelib.adapters.objects import bucket_pk, scope_fields, scope_of
from chalicelib.adapters.table import (
    Absent,
    Check,
    Delete,
    Exists,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
)
from chalicelib.domain import ids
from chalicelib.domain.bodies import MIN_PART_BYTES, ObjectBody, ObjectRef, Publication, Upload
from chalicelib.domain.events import Event
from chalicelib.errors import InvalidInputData, ObjectBodyNotFound


# --- blobs ------------------------------------------------------------------------------------
@dataclass
class MemoryBlobStore:
    """The in-memory twin of S3 for bodies, with S3's multipart rules."""

    blobs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    multiparts: dict[str, tuple[str, dict[int, bytes]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with self._lock:
            self.blobs[key] = (bytes(data), content_type)

    def get(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        with self._lock:
            found = self.blobs.get(key)
        if found is None:
            raise ObjectBodyNotFound()
        data = found[0]
        if start is None:
            return data
        return data[start : (end + 1 if end is not None else None)]

    def size(self, key: str) -> int | None:
        with self._lock:
            found = self.blobs.get(key)
        return len(found[0]) if found else None

    def copy(self, source: str, target: str) -> None:
        with self._lock:
            if source not in self.blobs:
                raise ObjectBodyNotFound()
            self.blobs[target] = self.blobs[source]

    def delete(self, key: str) -> None:
        with self._lock:
            self.blobs.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            keys = [k for k in self.blobs if k.startswith(prefix)]
            for key in keys:
                del self.blobs[key]
            for upload_id in [u for u, (k, _) in self.multiparts.items() if k.startswith(prefix)]:
                del self.multiparts[upload_id]
        return len(keys)

    def start_multipart(self, key: str, content_type: str) -> str:
        upload_id = ids.new_object_id()
        with self._lock:
            self.multiparts[upload_id] = (key, {})
        return upload_id

    def upload_part(self, key: str, multipart_id: str, number: int, data: bytes) -> str:
        with self._lock:
            found = self.multiparts.get(multipart_id)
            if found is None or found[0] != key:
                raise ObjectBodyNotFound("No such multipart upload")
            found[1][number] = bytes(data)
        return f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'

    def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]]) -> None:
        with self._lock:
            found = self.multiparts.pop(multipart_id, None)
            if found is None or found[0] != key:
                raise ObjectBodyNotFound("No such multipart upload")
            chunks = [found[1].get(n, b"") for n, _ in parts]
            for (n, etag), chunk in zip(parts, chunks, strict=True):
                if etag != f'"{hashlib.md5(chunk, usedforsecurity=False).hexdigest()}"':
                    raise InvalidInputData(f"InvalidPart: part {n} is not the one uploaded")
            if any(len(c) < MIN_PART_BYTES for c in chunks[:-1]):
                raise InvalidInputData("EntityTooSmall: a part but the last is under 5 MiB")
            self.blobs[key] = (b"".join(chunks), "")

    def abort_multipart(self, key: str, multipart_id: str) -> None:
        with self._lock:
            self.multiparts.pop(multipart_id, None)

    def presigned_url(self, key: str, seconds: int) -> str | None:
        return None


@dataclass
class S3BlobStore:
    """Bodies in an S3 bucket (encrypted, private; infra/template.json)."""

    client: Any
    bucket: str

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        extra = {"Range": f"bytes={start}-{'' if end is None else end}"} if start is not None else {}
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        except self.client.exceptions.NoSuchKey as missing:
            raise ObjectBodyNotFound() from missing
        return bytes(found["Body"].read())

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def copy(self, source: str, target: str) -> None:
        # One CopyObject copies up to 5 GB server-side; the bytes never pass through Lambda.
        self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                count += len(keys)
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix).get("Uploads", [])
        for upload in uploads:
            self.abort_multipart(upload["Key"], upload["UploadId"])
        return count

    def start_multipart(self, key: str, content_type: str) -> str:
        found = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)
        return str(found["UploadId"])

    def upload_part(self, key: str, multipart_id: str, number: int, data: bytes) -> str:
        found = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=multipart_id, PartNumber=number, Body=data
        )
        return str(found["ETag"])

    def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]]) -> None:
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=multipart_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
            )
        except self.client.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("EntityTooSmall", "InvalidPart", "InvalidPartOrder"):
                raise InvalidInputData(f"{code}: the upload's parts do not make a body") from error
            raise

    def abort_multipart(self, key: str, multipart_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=multipart_id)
        except self.client.exceptions.NoSuchUpload:
            return

    def presigned_url(self, key: str, seconds: int) -> str | None:
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        )


# --- metadata ---------------------------------------------------------------------------------
def _ref_fields(ref: ObjectRef) -> Item:
    return {**scope_fields(ref.scope, ref.bucket_id), "objectID": ref.object_id}


def _ref(item: Item) -> ObjectRef:
    return ObjectRef(scope_of(item), item["bucketID"], item["objectID"])


def _body_key(ref: ObjectRef) -> Key:
    return Key(bucket_pk(ref.scope, ref.bucket_id), f"BODY#{ref.object_id}")


def _object_key(ref: ObjectRef) -> Key:
    return Key(bucket_pk(ref.scope, ref.bucket_id), f"OBJ#{ref.object_id}")


def _upload_key(ref: ObjectRef, upload_id: str) -> Key:
    return Key(bucket_pk(ref.scope, ref.bucket_id), f"UPLOAD#{ref.object_id}#{upload_id}")


def _publication_key(app_id: str, publication_id: str) -> Key:
    return Key(f"APP#{app_id}#PUBLICATION#{publication_id}", "#PUBLICATION")


_BODY = {  # attribute -> ObjectBody field
    "blobKey": "blob_key",
    "contentType": "content_type",
    "size": "size",
    "modifiedAt": "modified_at",
    "etag": "etag",
    "version": "version",
}
_UPLOAD = {  # attribute -> Upload field; its parts are JSON text
    "uploadID": "upload_id",
    "blobKey": "blob_key",
    "multipartID": "multipart_id",
    "contentType": "content_type",
    "createdAt": "created_at",
    "received": "received",
    "total": "total",
    "tailSize": "tail_size",
    "version": "version",
}


def _body_item(body: ObjectBody) -> Item:
    return {**key_item(_body_key(body.ref)), **_ref_fields(body.ref), **attributes(body, _BODY)}


def _body(item: Item) -> ObjectBody:
    return ObjectBody(ref=_ref(item), **fields(item, _BODY))


def _upload_item(upload: Upload) -> Item:
    key = _upload_key(upload.ref, upload.upload_id)
    parts = json.dumps(upload.parts)
    return {**key_item(key), **_ref_fields(upload.ref), **attributes(upload, _UPLOAD), "parts": parts}


def _upload(item: Item) -> Upload:
    parts = tuple((int(n), str(e)) for n, e in json.loads(item["parts"]))
    return Upload(ref=_ref(item), parts=parts, **fields(item, _UPLOAD))


@dataclass
class TableBodyStore:
    table: KeyValueTable
    events: EventCodec

    def body(self, ref: ObjectRef) -> ObjectBody | None:
        item = self.table.get(DATA, _body_key(ref))
        return _body(item) if item else None

    def put_body(self, body: ObjectBody, previous: ObjectBody | None, events: Sequence[Event]) -> None:
        condition = Absent() if previous is None else VersionIs(previous.version)
        commit(
            self.table,
            [
                Put(DATA, _body_item(body), condition),
                Check(DATA, _object_key(body.ref), Exists()),
                *self.events.puts(events),
            ],
        )

    def delete_body(self, body: ObjectBody, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [Delete(DATA, _body_key(body.ref), VersionIs(body.version)), *self.events.puts(events)],
        )

    def upload(self, ref: ObjectRef, upload_id: str) -> Upload | None:
        item = self.table.get(DATA, _upload_key(ref, upload_id))
        return _upload(item) if item else None

    def put_upload(self, upload: Upload, previous: Upload | None) -> None:
        condition = Absent() if previous is None else VersionIs(previous.version)
        commit(self.table, [Put(DATA, _upload_item(upload), condition)])

    def delete_upload(self, upload: Upload) -> None:
        self.table.transact([Delete(DATA, _upload_key(upload.ref, upload.upload_id))])

    def publication(self, app_id: str, publication_id: str) -> Publication | None:
        item = self.table.get(DATA, _publication_key(app_id, publication_id))
        if item is None:
            return None
        expires = item.get("expiresAt")
        return Publication(
            item["publicationID"],
            _ref(item),
            int(expires) if expires is not None else None,
            int(item["createdAt"]),
        )

    def put_publication(self, publication: Publication, body: ObjectBody, events: Sequence[Event]) -> None:
        key = _publication_key(publication.ref.scope.app_id, publication.publication_id)
        item: Item = {
            **key_item(key),
            **_ref_fields(publication.ref),
            "publicationID": publication.publication_id,
            "createdAt": publication.created_at,
        }
        expires = publication.expires_at
        # DynamoDB's TTL (seconds) removes expired publications a day after they lapse.
        present(item, expiresAt=expires, ttl=expires // 1000 + 86400 if expires is not None else None)
        commit(
            self.table,
            [
                Put(DATA, item, Absent()),
                Check(DATA, _body_key(body.ref), VersionIs(body.version)),
                *self.events.puts(events),
            ],
        )
