"""The blob store port (object bodies) on its in-memory twin and on S3 (moto): same behaviour."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.adapters.bodies import MemoryBlobStore, S3BlobStore
from chalicelib.domain.bodies import MIN_PART_BYTES
from chalicelib.domain.ports import BlobStore
from chalicelib.errors import InvalidInputData, ObjectBodyNotFound
from tests.conftest import TEST_SETTINGS


@pytest.fixture(params=["memory", "s3"])
def blobs(request: pytest.FixtureRequest) -> Iterator[BlobStore]:
    if request.param == "memory":
        yield MemoryBlobStore()
        return
    from moto import mock_aws

    with mock_aws():
        wiring.provision_bodies_bucket(TEST_SETTINGS)
        yield S3BlobStore(wiring.aws_client("s3", TEST_SETTINGS), TEST_SETTINGS.bodies_bucket)


def test_a_blob_reads_back_whole_and_by_range(blobs: BlobStore) -> None:
    blobs.put("a/b", b"0123456789", "text/plain")
    assert blobs.get("a/b") == b"0123456789"
    assert blobs.get("a/b", 2, 4) == b"234"
    assert blobs.get("a/b", 7) == b"789"
    assert blobs.size("a/b") == 10


def test_a_missing_blob_is_object_body_not_found(blobs: BlobStore) -> None:
    with pytest.raises(ObjectBodyNotFound):
        blobs.get("nope")
    assert blobs.size("nope") is None
    blobs.delete("nope")  # absent keys are fine


def test_copy_and_prefix_deletion(blobs: BlobStore) -> None:
    blobs.put("p/1/x", b"x", "text/plain")
    blobs.put("p/12/y", b"y", "text/plain")
    blobs.copy("p/1/x", "q/x")
    assert blobs.get("q/x") == b"x"
    assert blobs.delete_prefix("p/1/") == 1
    assert blobs.size("p/1/x") is None
    assert blobs.get("p/12/y") == b"y"


def test_multipart_parts_join_in_order(blobs: BlobStore) -> None:
    upload = blobs.start_multipart("m/big", "video/mp4")
    first = b"a" * MIN_PART_BYTES
    parts = [
        (1, blobs.upload_part("m/big", upload, 1, first)),
        (2, blobs.upload_part("m/big", upload, 2, b"end")),
    ]
    blobs.complete_multipart("m/big", upload, parts)
    assert blobs.size("m/big") == MIN_PART_BYTES + 3
    assert blobs.get("m/big", MIN_PART_BYTES - 1) == b"aend"


def test_a_part_under_5_mib_but_the_last_is_refused(blobs: BlobStore) -> None:
    upload = blobs.start_multipart("m/small", "video/mp4")
    parts = [
        (1, blobs.upload_part("m/small", upload, 1, b"tiny")),
        (2, blobs.upload_part("m/small", upload, 2, b"x")),
    ]
    with pytest.raises(InvalidInputData):
        blobs.complete_multipart("m/small", upload, parts)


def test_an_aborted_multipart_upload_leaves_nothing(blobs: BlobStore) -> None:
    upload = blobs.start_multipart("m/gone", "video/mp4")
    blobs.upload_part("m/gone", upload, 1, b"x")
    blobs.abort_multipart("m/gone", upload)
    assert blobs.size("m/gone") is None
