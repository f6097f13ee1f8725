"""Envelope encryption of the objects of encrypted (``CRYPTO:``) buckets.

Each sealed value is AES-256-GCM under a data key, bound to where it is stored (the item's
key, as associated data: a sealed body copied to another item does not open). The data key is
wrapped by a master key — KMS in AWS (``GenerateDataKey``/``Decrypt``), a local key in the
local stack and in memory — and travels, wrapped, with the value:

    v1.{wrapped data key, base64}.{nonce + ciphertext, base64}

A process uses one data key for ``rotate_seconds`` (one KMS call per rotation, not per write)
and keeps unwrapped keys in a small cache (one KMS call per data key it meets, not per read).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.errors import InternalError

NONCE_BYTES = 12
CACHED_KEYS = 1024


class DataKeys(Protocol):
    def new(self) -> tuple[bytes, bytes]:
        """A fresh data key: (plaintext, wrapped)."""

    def unwrap(self, wrapped: bytes) -> bytes: ...


@dataclass
class LocalDataKeys:
    """Data keys wrapped by a local master key (the local stack, the in-memory twin)."""

    master: bytes

    def new(self) -> tuple[bytes, bytes]:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        return key, nonce + AESGCM(self.master).encrypt(nonce, key, b"karakuri-data-key")

    def unwrap(self, wrapped: bytes) -> bytes:
        return AESGCM(self.master).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], b"karakuri-data-key")


@dataclass
class KmsDataKeys:
    """Data keys from AWS KMS under the stack's key (infra/template.json ``DataKey``)."""

    client: Any
    key_id: str

    def new(self) -> tuple[bytes, bytes]:
        found = self.client.generate_data_key(KeyId=self.key_id, KeySpec="AES_256")
        return bytes(found["Plaintext"]), bytes(found["CiphertextBlob"])

    def unwrap(self, wrapped: bytes) -> bytes:
        return bytes(self.client.decrypt(CiphertextBlob=wrapped, KeyId=self.key_id)["Plaintext"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


@dataclass
class EnvelopeCipher:
    keys: DataKeys
    rotate_seconds: float = 300.0
    _current: tuple[bytes, bytes, float] | None = field(default=None, repr=False)
    _unwrapped: OrderedDict[bytes, bytes] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _data_key(self) -> tuple[bytes, bytes]:
        with self._lock:
            now = time.monotonic()
            if self._current is None or now - self._current[2] > self.rotate_seconds:
                key, wrapped = self.keys.new()
                self._current = (key, wrapped, now)
            return self._current[0], self._current[1]

    def _unwrap(self, wrapped: bytes) -> bytes:
        with self._lock:
            key = self._unwrapped.get(wrapped)
            if key is not None:
                self._unwrapped.move_to_end(wrapped)
                return key
        key = self.keys.unwrap(wrapped)
        with self._lock:
            self._unwrapped[wrapped] = key
            while len(self._unwrapped) > CACHED_KEYS:
                self._unwrapped.popitem(last=False)
        return key

    def seal(self, plaintext: bytes, context: str) -> str:
        key, wrapped = self._data_key()
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())
        return f"v1.{_b64(wrapped)}.{_b64(sealed)}"

    def open(self, sealed: str, context: str) -> bytes:
        version, wrapped, body = sealed.split(".")
        if version != "v1":
            raise InternalError("Unknown sealed value version")
        data = base64.urlsafe_b64decode(body)
        key = self._unwrap(base64.urlsafe_b64decode(wrapped))
        return AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context.encode())
