"""Kii data scopes (app, user, group, thing): keys, kiicloud:// URIs and hook params (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.errors import InvalidBucket, InvalidObjectId

ScopeKind = Literal["app", "user", "group", "thing"]

BUCKET_ID = re.compile(r"^[a-zA-Z0-9_\-]{2,64}$")
OBJECT_ID = re.compile(r"^[a-zA-Z0-9_.\-]{2,100}$")

_SCOPE_TYPE = {"app": "APP", "user": "APP_AND_USER", "group": "APP_AND_GROUP", "thing": "APP_AND_THING"}
_ID_FIELD = {"user": "userID", "group": "groupID", "thing": "thingID"}
_PATH = {"user": "users", "group": "groups", "thing": "things"}


@dataclass(frozen=True)
class Scope:
    app_id: str
    kind: ScopeKind
    owner_id: str | None = None  # the user, group or thing the scope belongs to

    @property
    def key(self) -> str:
        return "APP" if self.kind == "app" else f"{self.kind.upper()}#{self.owner_id}"

    @property
    def uri_prefix(self) -> str:
        return "kiicloud://" if self.kind == "app" else f"kiicloud://{_PATH[self.kind]}/{self.owner_id}/"

    def bucket_uri(self, bucket_id: str) -> str:
        return f"{self.uri_prefix}buckets/{bucket_id}"

    def object_uri(self, bucket_id: str, object_id: str) -> str:
        return f"{self.bucket_uri(bucket_id)}/objects/{object_id}"

    def object_scope(self) -> dict[str, Any]:
        """``objectScope`` as hook params and Kii's error bodies carry it."""
        found: dict[str, Any] = {"appID": self.app_id, "type": _SCOPE_TYPE[self.kind]}
        if self.kind != "app":
            found[_ID_FIELD[self.kind]] = self.owner_id
        return found

    def path(self) -> str:
        base = f"/api/apps/{self.app_id}"
        return base if self.kind == "app" else f"{base}/{_PATH[self.kind]}/{self.owner_id}"


# Kii's encrypted buckets are named ``CRYPTO:{name}`` in paths and URIs (kii-rest-api.md §5.1;
# the JS SDK's KiiEncryptedBucket): a bucket of its own, apart from a plain ``{name}``.
CRYPTO_PREFIX = "CRYPTO:"


def is_encrypted(bucket_id: str) -> bool:
    return bucket_id.startswith(CRYPTO_PREFIX)


def bucket_type(bucket_id: str) -> str:
    """Kii's ``bucketType``: ``crypto`` for encrypted buckets, ``rw`` for the others."""
    return "crypto" if is_encrypted(bucket_id) else "rw"


def check_bucket_id(bucket_id: str) -> str:
    if not BUCKET_ID.match(bucket_id.removeprefix(CRYPTO_PREFIX)):
        raise InvalidBucket(f"bucketID: 2 to 64 of letters, digits, '-' and '_': {bucket_id!r}")
    return bucket_id


def check_object_id(object_id: str) -> str:
    if not OBJECT_ID.match(object_id):
        raise InvalidObjectId(f"objectID: 2 to 100 of letters, digits, '.', '-' and '_': {object_id!r}")
    return object_id
