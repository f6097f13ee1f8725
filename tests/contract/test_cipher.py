"""Envelope encryption of encrypted buckets: a local master key and KMS (moto), same behaviour."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.exceptions import InvalidTag

from chalicelib import wiring
from chalicelib.adapters.crypto import EnvelopeCipher, KmsDataKeys, LocalDataKeys
from tests.conftest import TEST_SETTINGS


@pytest.fixture(params=["local", "kms"])
def cipher(request: pytest.FixtureRequest) -> Iterator[EnvelopeCipher]:
    if request.param == "local":
        yield EnvelopeCipher(LocalDataKeys(b"k" * 32))
        return
    from moto import mock_aws

    with mock_aws():
        kms = wiring.aws_client("kms", TEST_SETTINGS)
        key_id = kms.create_key(Description="karakuri data")["KeyMetadata"]["KeyId"]
        yield EnvelopeCipher(KmsDataKeys(kms, key_id))


def test_a_sealed_value_opens_in_its_context_only(cipher: EnvelopeCipher) -> None:
    sealed = cipher.seal(b'{"secret": 1}', "pk|sk")
    assert b"secret" not in sealed.encode()
    assert cipher.open(sealed, "pk|sk") == b'{"secret": 1}'
    with pytest.raises(InvalidTag):
        cipher.open(sealed, "pk|other")


def test_values_sealed_under_an_older_data_key_still_open(cipher: EnvelopeCipher) -> None:
    first = cipher.seal(b"one", "c")
    cipher.rotate_seconds = -1  # every seal takes a fresh data key
    second = cipher.seal(b"two", "c")
    assert first.split(".")[1] != second.split(".")[1]
    fresh = EnvelopeCipher(cipher.keys)  # another process: nothing cached
    assert (fresh.open(first, "c"), fresh.open(second, "c")) == (b"one", b"two")
