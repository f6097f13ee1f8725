"""Kii push: topics, subscriptions, push messages and what each installation receives (pure).

Kii has three kinds of push (docs.kii.com "Push Notification"): *Push to User* (a message sent
to a topic reaches the installations of the topic's subscribers), *Push to App* (a change to an
object of a subscribed bucket reaches the subscribers) and direct push. A message is Kii's
``SendPushMessageRequest``: ``data`` for every channel, a section per channel (``gcm``,
``apns``, ``jpush``, ``mqtt``: ``enabled`` and channel-specific fields, ``data`` overriding the
common one), ``sendToDevelopment`` / ``sendToProduction`` and the ``send*`` flags that choose
the Kii fields added to the payload (the JS, Unity and Android SDKs' builders).

What a device receives is the channel's data with Kii's fields beside it (``sender``,
``topic``, ``objectScopeType``, ...; the Unity SDK's ``GCMJsonMapper``). APNs payloads carry
them under Kii's short names (``s``, ``to``, ``st``, ...; its ``APNSJsonMapper``) next to
``aps``. Where a Kii name is not known (thing scopes), the long name is kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.domain.acl import Acl, subject_of
from chalicelib.domain.models import Principal
from chalicelib.domain.scopes import Scope, bucket_type
from chalicelib.errors import InvalidInputData

TOPIC_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
TOPIC_ACTIONS = ("SUBSCRIBE_TO_TOPIC", "SEND_MESSAGE_TO_TOPIC")
CHANNELS = ("gcm", "apns", "jpush", "mqtt")
# The channel each kind of installation is reached through.
CHANNEL_OF = {"ANDROID": "gcm", "IOS": "apns", "JPUSH": "jpush", "MQTT": "mqtt"}
# A message's JSON is kept in the event that carries it: well under DynamoDB's 400 KB item.
MAX_MESSAGE_BYTES = 64 * 1024
# Kii's builder flags and their defaults (the Unity SDK's KiiPushMessage.Builder).
FLAG_DEFAULTS = {
    "sendSender": True,
    "sendWhen": False,
    "sendOrigin": False,
    "sendObjectScope": True,
    "sendTopicID": True,
    "sendAppID": False,
}
# Kii's APNs payload keys (the Unity SDK's APNSJsonMapper).
APNS_KEYS = {
    "origin": "o",
    "sender": "s",
    "objectScopeType": "st",
    "topic": "to",
    "objectScopeGroupID": "sg",
    "objectScopeUserID": "su",
    "bucketID": "bi",
    "objectID": "oi",
    "bucketType": "bt",
    "modifiedAt": "om",
}
# Which object events reach the subscribers of a bucket (Push to App), by event trigger.
BUCKET_EVENTS = (
    "DATA_OBJECT_CREATED",
    "DATA_OBJECT_UPDATED",
    "DATA_OBJECT_DELETED",
    "DATA_OBJECT_BODY_UPDATED",
    "DATA_OBJECT_BODY_DELETED",
)

SubscriberKind = Literal["user", "thing"]
TargetKind = Literal["topic", "bucket"]


class PushRejected(Exception):
    """The platform refused the device for good (unknown token, disabled endpoint, no
    platform configured): recorded as FAILED, not retried."""


def check_topic_id(topic_id: str) -> str:
    if not TOPIC_ID.match(topic_id):
        raise InvalidInputData(f"topicID: 1 to 64 of letters, digits, '-' and '_': {topic_id!r}")
    return topic_id


@dataclass(frozen=True)
class Topic:
    scope: Scope
    topic_id: str
    acl: Acl
    creator: str | None  # the creator's ACL subject ("UserID:u1"), None for the app admin
    created_at: int
    version: int = 1

    @property
    def uri(self) -> str:
        return f"{self.scope.uri_prefix}topics/{self.topic_id}"

    def to_json(self) -> dict[str, Any]:
        return {"topicID": self.topic_id}


def default_topic_acl(creator: Principal) -> Acl:
    """The creator's own entries; the scope's owner (and a group's members) hold the rights
    anyway, and an app-scope topic is the app admin's until it grants them."""
    acl: Acl = {action: [] for action in TOPIC_ACTIONS}
    subject = subject_of(creator)
    if subject is not None:
        for action in TOPIC_ACTIONS:
            acl[action].append(subject)
    return acl


@dataclass(frozen=True)
class Target:
    """What can be subscribed to: a topic or a bucket, in a scope."""

    kind: TargetKind
    scope: Scope
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind.upper()}#{self.scope.key}#{self.name}"


@dataclass(frozen=True)
class Subscriber:
    kind: SubscriberKind
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Subscriber:
        kind, _, value = key.partition(":")
        return cls("thing" if kind == "thing" else "user", value)


def subscriber_from_path(kind: str, subscriber_id: str) -> Subscriber:
    """``users/{id}`` or ``things/{id}`` of a subscription path."""
    if kind == "users":
        return Subscriber("user", subscriber_id)
    if kind == "things":
        return Subscriber("thing", subscriber_id)
    raise InvalidInputData(f"Subscribers are users or things, not {kind!r}")


def _flag(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"  # lenient, as with installations' ``development``
    raise InvalidInputData(f"{name} must be true or false", field=name)


@dataclass(frozen=True)
class PushMessage:
    data: dict[str, Any]
    channels: dict[str, dict[str, Any]]
    send_to_development: bool = True
    send_to_production: bool = True
    flags: dict[str, bool] = field(default_factory=lambda: dict(FLAG_DEFAULTS))

    @classmethod
    def parse(cls, body: Any) -> PushMessage:
        if not isinstance(body, dict):
            raise InvalidInputData("A push message is a JSON object")
        if len(json.dumps(body, separators=(",", ":"))) > MAX_MESSAGE_BYTES:
            raise InvalidInputData(f"A push message is at most {MAX_MESSAGE_BYTES} bytes of JSON")
        data = body.get("data")
        if not isinstance(data, dict):
            raise InvalidInputData("data is required and is a JSON object", field="data")
        channels: dict[str, dict[str, Any]] = {}
        for name in CHANNELS:
            section = body.get(name)
            if section is None:
                section = {}
            if not isinstance(section, dict):
                raise InvalidInputData(f"{name} must be a JSON object", field=name)
            section = dict(section)
            section["enabled"] = _flag(section.get("enabled"), f"{name}.enabled", True)
            if "data" in section and not isinstance(section["data"], dict):
                raise InvalidInputData(f"{name}.data must be a JSON object", field=f"{name}.data")
            channels[name] = section
        flags = {name: _flag(body.get(name), name, default) for name, default in FLAG_DEFAULTS.items()}
        return cls(
            data,
            channels,
            _flag(body.get("sendToDevelopment"), "sendToDevelopment", True),
            _flag(body.get("sendToProduction"), "sendToProduction", True),
            flags,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "data": self.data,
            **self.channels,
            "sendToDevelopment": self.send_to_development,
            "sendToProduction": self.send_to_production,
            **self.flags,
        }

    def reaches(self, device_type: str, development: bool) -> bool:
        channel = CHANNEL_OF.get(device_type)
        if channel is None or not self.channels[channel]["enabled"]:
            return False
        return self.send_to_development if development else self.send_to_production


def scope_of(object_scope: dict[str, Any]) -> Scope:
    """The scope an event's ``objectScope`` names (``Scope.object_scope``'s inverse)."""
    kinds = {"APP": "app", "APP_AND_USER": "user", "APP_AND_GROUP": "group", "APP_AND_THING": "thing"}
    kind = kinds.get(str(object_scope.get("type")))
    if kind is None:
        raise ValueError(f"unknown object scope {object_scope!r}")
    owner = {"user": "userID", "group": "groupID", "thing": "thingID"}.get(kind)
    return Scope(str(object_scope["appID"]), kind, str(object_scope[owner]) if owner else None)  # type: ignore[arg-type]


def _scope_fields(scope: Scope) -> dict[str, Any]:
    found = scope.object_scope()
    fields: dict[str, Any] = {"objectScopeType": found["type"]}
    for name in ("userID", "groupID", "thingID"):
        if name in found:
            fields["objectScope" + name[0].upper() + name[1:]] = found[name]
    return fields


def topic_fields(
    message: PushMessage, topic: Target, sender: str | None, app_id: str, when: int
) -> dict[str, Any]:
    """The Kii fields of a Push to User message, as its ``send*`` flags choose them."""
    flags = message.flags
    fields: dict[str, Any] = {}
    if flags["sendSender"] and sender:
        fields["sender"] = sender
    if flags["sendTopicID"]:
        fields["topic"] = topic.name
    if flags["sendObjectScope"]:
        fields.update(_scope_fields(topic.scope))
    if flags["sendWhen"]:
        fields["when"] = when
    if flags["sendOrigin"]:
        fields["origin"] = "EXPLICIT"
    if flags["sendAppID"]:
        fields["appID"] = app_id
    return fields


def bucket_fields(
    trigger: str, scope: Scope, bucket_id: str, object_id: str, sender: str | None, when: int
) -> dict[str, Any]:
    """The payload of a Push to App message: what changed, where, by whom and when."""
    fields: dict[str, Any] = {
        "type": trigger,
        "origin": "EVENT",
        "when": when,
        "bucketID": bucket_id,
        "bucketType": bucket_type(bucket_id),
        "objectID": object_id,
        "modifiedAt": when,
        "appID": scope.app_id,
        **_scope_fields(scope),
    }
    if sender:
        fields["sender"] = sender
    return fields


def event_message(fields: dict[str, Any]) -> PushMessage:
    """Push to App messages go out on every channel, to development and production alike."""
    return PushMessage(fields, {name: {"enabled": True} for name in CHANNELS})


def _strings(values: dict[str, Any]) -> dict[str, str]:
    # FCM data values are strings.
    return {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in values.items()}


# The builders' channel fields, by their names in APNs' ``aps`` and in FCM's message.
APS_KEYS = {"alert": "alert", "sound": "sound", "badge": "badge", "category": "category"}
FCM_KEYS = {
    "collapseKey": "collapse_key",
    "timeToLive": "time_to_live",
    "delayWhileIdle": "delay_while_idle",
    "restrictedPackageName": "restricted_package_name",
}


def _renamed(section: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {key: section[name] for name, key in names.items() if section.get(name) is not None}


def payload(message: PushMessage, device_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What an installation of ``device_type`` receives: the channel's data (or the common
    one) with Kii's fields; for FCM and APNs, in their envelopes."""
    channel = CHANNEL_OF[device_type]
    section = message.channels[channel]
    own = section.get("data")
    data: dict[str, Any] = own if isinstance(own, dict) else message.data
    if channel == "apns":
        aps = _renamed(section, APS_KEYS)
        if section.get("contentAvailable"):
            aps["content-available"] = 1
        if section.get("mutableContent"):
            aps["mutable-content"] = 1
        return {**data, **{APNS_KEYS.get(k, k): v for k, v in fields.items()}, "aps": aps}
    if channel == "gcm":
        return {"data": _strings({**data, **fields}), **_renamed(section, FCM_KEYS)}
    return {**data, **fields}


DeliveryStatus = Literal["SENT", "FAILED", "SKIPPED"]


@dataclass(frozen=True)
class Delivery:
    """One push to one installation, recorded once it was handed to MQTT or the platform (or
    failed for good): at least once, so a redelivered event sends only what is not SENT."""

    app_id: str
    push_id: str  # the event that carried it (Kii's pushMessageID for Push to User)
    installation_id: str
    device_type: str
    development: bool
    subscriber: str  # "user:{id}" or "thing:{id}"
    source: str  # the topic's or bucket's kiicloud:// URI
    payload: dict[str, Any]
    status: DeliveryStatus
    at: int
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "pushMessageID": self.push_id,
            "installationID": self.installation_id,
            "deviceType": self.device_type,
            "development": self.development,
            "subscriber": self.subscriber,
            "source": self.source,
            "payload": self.payload,
            "status": self.status,
            "detail": self.detail,
            "at": self.at,
        }
