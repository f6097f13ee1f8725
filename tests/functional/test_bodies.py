"""Object bodies (kii-rest-api.md §5.11) through the REST API, stored in S3 (moto)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from tests.conftest import Kii

BYTES = bytes(range(256)) * 40 + b"\x00\xff\xfe\x80 not utf-8 \xc3\x28"


def _object(kii: Kii, token: str, bucket: str = "files") -> str:
    reply = kii.call("POST", f"/buckets/{bucket}/objects", {"name": "f"}, token)
    assert reply.status == 201, reply.body
    return f"/buckets/{bucket}/objects/{reply.body['objectID']}"


def _raw(kii: Kii, method: str, path: str, token: str | None = None, **headers: str) -> Any:
    sent = dict(headers)
    if token:
        sent["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("/api") else kii.base + path
    return getattr(kii.http, method.lower())(url, headers=sent)


@pytest.fixture
def user(kii: Kii) -> tuple[str, str]:
    return kii.register("alice")


def test_a_body_of_arbitrary_bytes_round_trips_with_its_content_type(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    put = kii.call("PUT", obj + "/body", BYTES, token, content_type="image/x-odd")
    assert put.status == 200
    assert put.body["modifiedAt"] > 0
    assert put.headers["etag"]
    got = _raw(kii, "GET", obj + "/body", token)
    assert got.status_code == 200
    assert got.body == BYTES
    assert got.headers["Content-Type"] == "image/x-odd"
    assert got.headers["ETag"] == put.headers["etag"]


def test_a_range_read_answers_206_with_content_range(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", BYTES, token, content_type="application/octet-stream")
    got = _raw(kii, "GET", obj + "/body", token, Range="bytes=10-19")
    assert got.status_code == 206
    assert got.body == BYTES[10:20]
    assert got.headers["Content-Range"] == f"bytes 10-19/{len(BYTES)}"
    tail = _raw(kii, "GET", obj + "/body", token, Range="bytes=-5")
    assert tail.body == BYTES[-5:]


def test_a_range_past_the_end_is_416_object_body_range_not_satisfiable(
    kii: Kii, user: tuple[str, str]
) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"abc", token, content_type="text/plain")
    got = kii.call("GET", obj + "/body", None, token, headers={"Range": "bytes=10-20"})
    assert got.status == 416
    assert got.body["errorCode"] == "OBJECT_BODY_RANGE_NOT_SATISFIABLE"


def test_if_match_with_another_etag_is_412_integrity_not_assured(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    etag = kii.call("PUT", obj + "/body", b"abc", token, content_type="text/plain").headers["etag"]
    assert _raw(kii, "GET", obj + "/body", token, **{"If-Match": etag}).status_code == 200
    got = kii.call("GET", obj + "/body", None, token, headers={"If-Match": '"other"'})
    assert got.status == 412
    assert got.body["errorCode"] == "OBJECT_BODY_INTEGRITY_NOT_ASSURED"


def test_head_answers_the_body_headers_without_the_bytes(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"hello", token, content_type="text/plain")
    got = _raw(kii, "HEAD", obj + "/body", token)
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["ETag"]
    assert got.headers["Last-Modified"].endswith("GMT")
    assert not got.body


def test_a_missing_body_is_404_object_body_not_found(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    got = kii.call("GET", obj + "/body", None, token)
    assert got.status == 404
    assert got.body["errorCode"] == "OBJECT_BODY_NOT_FOUND"


def test_a_body_on_a_missing_object_is_404_object_not_found(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    _object(kii, token)
    got = kii.call("PUT", "/buckets/files/objects/nope/body", b"x", token, content_type="text/plain")
    assert got.status == 404
    assert got.body["errorCode"] == "OBJECT_NOT_FOUND"


def test_deleting_the_body_leaves_the_object(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"x", token, content_type="text/plain")
    assert kii.call("DELETE", obj + "/body", None, token).status == 204
    assert kii.call("GET", obj + "/body", None, token).body["errorCode"] == "OBJECT_BODY_NOT_FOUND"
    assert kii.call("GET", obj, None, token).status == 200
    assert kii.call("DELETE", obj + "/body", None, token).status == 404


def test_deleting_the_object_deletes_its_body_and_its_blob(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"x", token, content_type="text/plain")
    kii.call("DELETE", obj, None, token)
    kii.call("PUT", obj, {"again": 1}, token)
    assert kii.call("GET", obj + "/body", None, token).body["errorCode"] == "OBJECT_BODY_NOT_FOUND"
    assert _blob_keys(kii) == []


def test_dropping_the_bucket_deletes_its_bodies(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token, "dropme")
    kii.call("PUT", obj + "/body", b"x", token, content_type="text/plain")
    assert kii.call("DELETE", "/buckets/dropme", None, token).status == 204
    assert _blob_keys(kii) == []


def _blob_keys(kii: Kii) -> list[str]:
    from chalicelib import wiring

    client = wiring.aws_client("s3", kii.services.container.settings)
    found = client.list_objects_v2(Bucket=kii.services.container.settings.bodies_bucket)
    return [o["Key"] for o in found.get("Contents", [])]


def test_replacing_a_body_leaves_one_blob(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"one", token, content_type="text/plain")
    kii.call("PUT", obj + "/body", b"two", token, content_type="text/plain")
    assert len(_blob_keys(kii)) == 1
    assert _raw(kii, "GET", obj + "/body", token).body == b"two"


def test_the_body_follows_the_object_acl(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    _, other = kii.register("bob")
    reply = kii.call("POST", "/users/me/buckets/private/objects", {"a": 1}, token)
    obj = f"/users/me/buckets/private/objects/{reply.body['objectID']}"
    kii.call("PUT", obj + "/body", b"secret", token, content_type="text/plain")
    owner_id = user[0]
    theirs = obj.replace("/users/me/", f"/users/{owner_id}/")
    read = kii.call("GET", theirs + "/body", None, other)
    assert (read.status, read.body["errorCode"]) == (403, "UNAUTHORIZED")
    write = kii.call("PUT", theirs + "/body", b"x", other, content_type="text/plain")
    assert (write.status, write.body["errorCode"]) == (403, "UNAUTHORIZED")
    anonymous = kii.call("GET", theirs + "/body", None)
    assert (anonymous.status, anonymous.body["errorCode"]) == (401, "UNAUTHORIZED")


def test_a_body_over_the_api_limit_is_413(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    got = kii.call("PUT", obj + "/body", b"x" * (4 * 1024 * 1024 + 1), token, content_type="text/plain")
    assert got.status == 413


def test_a_published_url_reads_the_body_without_a_token(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", BYTES, token, content_type="image/png")
    published = kii.call(
        "POST", obj + "/body/publish", {}, token, "application/vnd.kii.ObjectBodyPublicationRequest+json"
    )
    assert published.status == 201
    url = published.body["url"]
    path = url[url.index("/api/") :]
    got = _raw(kii, "GET", path)
    assert got.status_code == 200
    assert got.body == BYTES
    assert got.headers["Content-Type"] == "image/png"


def test_a_published_url_expires(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"x", token, content_type="text/plain")
    url = kii.call("POST", obj + "/body/publish", {"expiresIn": 60}, token).body["url"]
    path = url[url.index("/api/") :]
    assert _raw(kii, "GET", path).status_code == 200
    kii.services.clock.advance(61_000)
    got = kii.call("GET", path, None)
    assert (got.status, got.body["errorCode"]) == (410, "PUBLICATION_EXPIRED")
    unknown = kii.call("GET", path[: path.rindex("/")] + "/nope", None)
    assert (unknown.status, unknown.body["errorCode"]) == (404, "PUBLICATION_NOT_FOUND")


def test_a_publication_in_the_past_is_400_invalid_input_data(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    kii.call("PUT", obj + "/body", b"x", token, content_type="text/plain")
    got = kii.call("POST", obj + "/body/publish", {"expiresAt": 1}, token)
    assert (got.status, got.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_moving_a_body_gives_it_to_another_object(kii: Kii, user: tuple[str, str]) -> None:
    user_id, token = user
    source = _object(kii, token)
    reply = kii.call("POST", "/users/me/buckets/mine/objects", {"a": 1}, token)
    target_id = reply.body["objectID"]
    kii.call("PUT", source + "/body", BYTES, token, content_type="image/png")
    moved = kii.call(
        "POST",
        source + "/body/move",
        {
            "targetObjectScope": {"appID": kii.app.app_id, "type": "APP_AND_USER", "userID": user_id},
            "targetBucketID": "mine",
            "targetObjectID": target_id,
        },
        token,
        "application/vnd.kii.ObjectBodyMoveRequest+json",
    )
    assert moved.status == 200, moved.body
    assert kii.call("GET", source + "/body", None, token).body["errorCode"] == "OBJECT_BODY_NOT_FOUND"
    got = _raw(kii, "GET", f"/users/me/buckets/mine/objects/{target_id}/body", token)
    assert got.body == BYTES
    assert got.headers["Content-Type"] == "image/png"


def test_a_chunked_upload_is_committed_as_one_body(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    started = kii.call(
        "POST", obj + "/body/uploads", {}, token, "application/vnd.kii.StartObjectBodyUploadRequest+json"
    )
    assert started.status == 201
    upload = f"{obj}/body/uploads/{started.body['uploadID']}"
    for start in range(0, len(BYTES), 4000):
        chunk = BYTES[start : start + 4000]
        end = start + len(chunk) - 1
        sent = kii.call(
            "PUT",
            upload + "/data",
            chunk,
            token,
            "application/octet-stream",
            {"Content-Range": f"bytes={start}-{end}/{len(BYTES)}"},
        )
        assert sent.status == 204, sent.body
    assert kii.call("POST", upload + "/status/committed", None, token).status == 204
    assert _raw(kii, "GET", obj + "/body", token).body == BYTES


def test_a_chunk_out_of_order_is_400_and_a_cancelled_upload_is_gone(kii: Kii, user: tuple[str, str]) -> None:
    _, token = user
    obj = _object(kii, token)
    upload = f"{obj}/body/uploads/" + kii.call("POST", obj + "/body/uploads", {}, token).body["uploadID"]
    skipped = kii.call("PUT", upload + "/data", b"abc", token, "text/plain", {"Content-Range": "bytes=3-5/6"})
    assert (skipped.status, skipped.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert kii.call("POST", upload + "/status/cancelled", None, token).status == 204
    gone = kii.call("POST", upload + "/status/committed", None, token)
    assert (gone.status, gone.body["errorCode"]) == (404, "OBJECT_BODY_UPLOAD_NOT_FOUND")


def test_a_large_chunked_upload_round_trips_with_the_same_sha256(kii: Kii, user: tuple[str, str]) -> None:
    """50 MB in 4 MiB chunks: S3 parts of >= 5 MiB fill across chunks (bench/bodies.py: memory)."""
    _, token = user
    obj = _object(kii, token)
    data = os.urandom(50 * 1000 * 1000 + 123)
    upload = f"{obj}/body/uploads/" + kii.call("POST", obj + "/body/uploads", {}, token).body["uploadID"]
    step = 4 * 1024 * 1024
    for start in range(0, len(data), step):
        chunk = data[start : start + step]
        header = f"bytes={start}-{start + len(chunk) - 1}/{len(data)}"
        sent = kii.call("PUT", upload + "/data", chunk, token, "video/mp4", {"Content-Range": header})
        assert sent.status == 204, sent.body
    assert kii.call("POST", upload + "/status/committed", None, token).status == 204
    digest = hashlib.sha256()
    for start in range(0, len(data), step):
        got = _raw(kii, "GET", obj + "/body", token, Range=f"bytes={start}-{start + step - 1}")
        assert got.status_code == 206
        digest.update(got.body)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    whole = _raw(kii, "GET", obj + "/body", token)
    assert whole.status_code == 307  # beyond a Lambda response: read from S3 directly
    assert whole.headers["Location"].startswith("https://")
