"""Kii objects: the document, reserved fields, limits and the JSON clients read (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.acl import Acl
from chalicelib.domain.scopes import Scope
from chalicelib.domain.values import check_json
from chalicelib.errors import InvalidInputData

# Kii: an object is at most 65534 characters of JSON. DynamoDB's 400 KB item limit is far above.
MAX_OBJECT_CHARS = 65534
FIELD_NAME = re.compile(r"^[^\x00-\x1f]{1,250}$")
DATA_TYPE = re.compile(r"^application/vnd\.([^.]+)\.([a-zA-Z0-9_\-.]+)\+json$", re.IGNORECASE)
RESERVED = ("_id", "_created", "_modified", "_owner", "_version", "_dataType", "_calculated")


@dataclass(frozen=True)
class Bucket:
    scope: Scope
    bucket_id: str
    acl: Acl
    created_at: int
    creator: str | None = None
    version: int = 1


@dataclass(frozen=True)
class KiiObject:
    scope: Scope
    bucket_id: str
    object_id: str
    body: dict[str, Any]
    created_at: int
    modified_at: int
    owner: str | None
    acl: Acl
    data_type: str | None = None
    version: int = 1

    @property
    def uri(self) -> str:
        return self.scope.object_uri(self.bucket_id, self.object_id)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            **self.body,
            "_id": self.object_id,
            "_created": self.created_at,
            "_modified": self.modified_at,
            "_version": str(self.version),
        }
        if self.owner is not None:
            document["_owner"] = self.owner
        if self.data_type is not None:
            document["_dataType"] = self.data_type
        return document

    def hook_params(self) -> dict[str, Any]:
        """Kii's params for DATA_OBJECT_* hooks (kii-servercode.md §4.2)."""
        return {
            "uri": self.uri,
            "bucketID": self.bucket_id,
            "objectID": self.object_id,
            "objectScope": self.scope.object_scope(),
        }

    def changed(self, now_ms: int, **changes: Any) -> KiiObject:
        return replace(self, modified_at=now_ms, version=self.version + 1, **changes)


@dataclass(frozen=True)
class Document:
    """A client's object body, checked: reserved keys dropped, names and size within limits."""

    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: Any) -> Document:
        if not isinstance(body, dict):
            raise InvalidInputData("An object must be a JSON object")
        check_json(body, "The object")
        fields = {k: v for k, v in body.items() if not k.startswith("_")}
        for name in fields:
            if not FIELD_NAME.match(name):
                raise InvalidInputData(
                    f"Invalid field name {name[:40]!r}: 1 to 250 characters, no control characters"
                )
        size = len(json.dumps(fields, separators=(",", ":"), ensure_ascii=False))
        if size > MAX_OBJECT_CHARS:
            raise InvalidInputData(
                f"The object is {size} characters of JSON; at most {MAX_OBJECT_CHARS} are allowed"
            )
        return cls(fields)


def data_type_of(media_type: str, app_id: str) -> str | None:
    """``application/vnd.{appID}.{dataType}+json`` sets ``_dataType``."""
    match = DATA_TYPE.match(media_type)
    if match and match.group(1) == app_id:
        return match.group(2)
    return None


def strip_version(header: str | None) -> int | None:
    """If-Match arrives quoted (``"2"``, the ETag as sent) or bare (``2``)."""
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInputData("If-Match must be an object version")
    return int(text)
