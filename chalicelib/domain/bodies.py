"""Object bodies: the file attached to an object, its chunked uploads, publications and the
``Range`` / ``Content-Range`` arithmetic of kii-rest-api.md §5.11 (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.scopes import Scope
from chalicelib.errors import InvalidInputData, ObjectBodyRangeNotSatisfiable

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# S3 multipart: every part but the last is at least 5 MiB (the in-memory twin enforces it too).
MIN_PART_BYTES = 5 * 1024 * 1024
# The API path carries a body through API Gateway and Lambda, whose payload limit is 6 MB; with
# binary media types the body travels base64-encoded (4/3 larger), so 4 MiB of raw bytes fit.
MAX_API_BYTES = 4 * 1024 * 1024

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# J4 sends "bytes=from-to/total"; RFC 7233 writes "bytes from-to/total": accept both.
_CONTENT_RANGE = re.compile(r"^bytes[= ](\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class ObjectRef:
    scope: Scope
    bucket_id: str
    object_id: str

    @property
    def blob_prefix(self) -> str:
        """Every blob of this object's body lives under this prefix (deleted with the object)."""
        return f"{bucket_prefix(self.scope, self.bucket_id)}{self.object_id}/"

    def hook_params(self) -> dict[str, Any]:
        """Body triggers carry the object's params (kii-servercode.md §4.2; INFERRED for bodies)."""
        return {
            "uri": self.scope.object_uri(self.bucket_id, self.object_id),
            "bucketID": self.bucket_id,
            "objectID": self.object_id,
            "objectScope": self.scope.object_scope(),
        }


def bucket_prefix(scope: Scope, bucket_id: str) -> str:
    return f"bodies/{scope.app_id}/{scope.key}/{bucket_id}/"


def scope_prefix(scope: Scope) -> str:
    return f"bodies/{scope.app_id}/{scope.key}/"


@dataclass(frozen=True)
class ObjectBody:
    ref: ObjectRef
    blob_key: str  # a fresh key per upload: a replaced body's blob is deleted after the switch
    content_type: str
    size: int
    modified_at: int
    etag: str  # opaque; changes with every upload
    version: int = 1


@dataclass(frozen=True)
class Upload:
    """A chunked upload: chunks arrive in order; whole S3 parts of >= 5 MiB are sent as they
    fill, the remainder waits in a tail blob (so a request holds at most tail + chunk)."""

    ref: ObjectRef
    upload_id: str
    blob_key: str
    multipart_id: str
    content_type: str
    created_at: int
    received: int = 0
    total: int | None = None
    parts: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    tail_size: int = 0
    version: int = 1

    @property
    def tail_key(self) -> str:
        return f"{self.blob_key}.tail"


@dataclass(frozen=True)
class Publication:
    publication_id: str
    ref: ObjectRef
    expires_at: int | None
    created_at: int


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """``Range: bytes=a-b``, ``bytes=a-`` or ``bytes=-n``; None for the whole body. A range
    that starts past the end is Kii's 416 OBJECT_BODY_RANGE_NOT_SATISFIABLE."""
    if header is None or not header.strip():
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or (not match.group(1) and not match.group(2)):
        raise InvalidInputData(f"Unsupported Range header: {header[:60]!r}")
    first, last = match.group(1), match.group(2)
    if not first:
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0:
            raise ObjectBodyRangeNotSatisfiable(size=size)
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            raise InvalidInputData("The range ends before it starts")
    if start >= size:
        raise ObjectBodyRangeNotSatisfiable(size=size)
    return ByteRange(start, end)


def parse_content_range(header: str | None, length: int) -> tuple[int, int | None]:
    """A chunk's ``Content-Range``: (its first byte, the total size if known)."""
    match = _CONTENT_RANGE.match((header or "").strip())
    if not match:
        raise InvalidInputData("A chunk needs Content-Range: bytes=from-to/total")
    start, end = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if end - start + 1 != length:
        raise InvalidInputData(f"Content-Range names {end - start + 1} bytes; the chunk has {length}")
    if total is not None and end >= total:
        raise InvalidInputData("Content-Range ends past the total size")
    return start, total
