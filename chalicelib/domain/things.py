"""Kii things: the registered device, its predefined and custom fields, and owners (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from chalicelib.domain.values import check_json
from chalicelib.errors import InvalidInputData

VENDOR_THING_ID = re.compile(r"^[a-zA-Z0-9\-_.]{1,200}$")
THING_PASSWORD = re.compile(r"^[\x20-\x7E]{1,200}$")
LAYOUT_POSITIONS = ("STANDALONE", "GATEWAY", "END_NODE")
STRING_FIELDS = (
    "_thingType",
    "_vendor",
    "_firmwareVersion",
    "_productName",
    "_lot",
    *(f"_stringField{n}" for n in range(1, 6)),
)
NUMBER_FIELDS = tuple(f"_numberField{n}" for n in range(1, 6))
# Kii owns these; clients echo them back (the JS SDK's update sends them) and they are ignored.
READ_ONLY = (
    "_thingID",
    "_vendorThingID",
    "_password",
    "_created",
    "_disabled",
    "_accessToken",
    "_online",
    "_onlineStatusModifiedAt",
    "_modified",
    "_refreshToken",
)
MAX_FIELDS_BYTES = 63 * 1024

OwnerKind = Literal["user", "group"]


@dataclass(frozen=True)
class Thing:
    app_id: str
    thing_id: str
    vendor_thing_id: str
    password_hash: str = field(repr=False)
    fields: dict[str, Any]
    created_at: int
    modified_at: int
    disabled: bool = False
    online: bool = False
    online_modified_at: int | None = None
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            **self.fields,
            "_thingID": self.thing_id,
            "_vendorThingID": self.vendor_thing_id,
            "_created": self.created_at,
            "_disabled": self.disabled,
            "_online": self.online,
        }
        if self.online_modified_at is not None:
            body["_onlineStatusModifiedAt"] = self.online_modified_at
        return body

    def changed(self, now_ms: int, **changes: Any) -> Thing:
        return replace(self, modified_at=now_ms, version=self.version + 1, **changes)


@dataclass(frozen=True)
class Owner:
    kind: OwnerKind
    id: str

    @classmethod
    def parse(cls, raw: str) -> Owner:
        """``user:{id}`` / ``group:{id}``, prefixes case-insensitive (kii-rest-api.md §1.7)."""
        prefix, sep, value = raw.partition(":")
        kind = prefix.lower()
        if not sep or kind not in ("user", "group") or not value:
            raise InvalidInputData(f"An owner is user:{{userID}} or group:{{groupID}}, not {raw!r}")
        return cls("user" if kind == "user" else "group", value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


DATA_GROUPING_INTERVALS = ("1_MINUTE", "15_MINUTES", "30_MINUTES", "1_HOUR", "12_HOURS")


def check_vendor_thing_id(value: Any) -> str:
    if not isinstance(value, str) or not VENDOR_THING_ID.match(value):
        raise InvalidInputData(
            "_vendorThingID: 1 to 200 of letters, digits, '-', '_' and '.'", field="_vendorThingID"
        )
    return value


def check_thing_password(value: Any) -> str:
    if not isinstance(value, str) or not THING_PASSWORD.match(value):
        raise InvalidInputData("_password: 1 to 200 printable ASCII characters", field="_password")
    return value


def thing_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The predefined and custom fields of a registration or update body, checked."""
    check_json(body, "The thing")
    found: dict[str, Any] = {}
    for name, value in body.items():
        if name in READ_ONLY:
            continue
        if name in STRING_FIELDS:
            if not isinstance(value, str):
                raise InvalidInputData(f"{name} must be a string", field=name)
        elif name in NUMBER_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInputData(f"{name} must be an integer", field=name)
        elif name == "_layoutPosition":
            if value not in LAYOUT_POSITIONS:
                raise InvalidInputData(
                    f"_layoutPosition must be one of {', '.join(LAYOUT_POSITIONS)}", field=name
                )
        elif name == "_dataGroupingInterval":  # Thing-IF onboarding: how state history is grouped
            if value not in DATA_GROUPING_INTERVALS:
                raise InvalidInputData(
                    f"dataGroupingInterval must be one of {', '.join(DATA_GROUPING_INTERVALS)}", field=name
                )
        elif name.startswith("_"):
            raise InvalidInputData(f"Unknown predefined thing field {name}", field=name)
        found[name] = value
    if len(json.dumps(found, separators=(",", ":")).encode()) > MAX_FIELDS_BYTES:
        raise InvalidInputData("thing fields exceed 63 KB")
    return found
