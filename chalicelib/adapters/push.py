"""Push over the key-value table port, and the senders of mobile push (SNS, recording).

APP#{app}#TOPICS#{scope}           TOPIC#{topicID}           a topic (ACL as JSON)
APP#{app}#SUBS#{TOPIC|BUCKET}#{scope}#{name}   SUB#{user|thing}:{id}   a subscription
                                   gsi1: APP#{app}#SUBSCRIBER#{user|thing}:{id}, the target
APP#{app}#PUSH#{pushID}            INSTALLATION#{id}         a delivery   gsi1: APP#{app}#PUSHES, time
APP#{app}#PUSHPLATFORM             {GCM|APNS|APNS_SANDBOX}   an SNS platform application ARN
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit, delete_all, json_text
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
from chalicelib.domain.events import Event
from chalicelib.domain.ports import PushLog
from chalicelib.domain.push import Delivery, PushRejected, Subscriber, Target, Topic
from chalicelib.domain.scopes import Scope
from chalicelib.errors import (
    PushSubscriptionAlreadyExists,
    PushSubscriptionNotFound,
    TopicAlreadyExists,
    TopicNotFound,
)

DELIVERY_RETENTION_SECONDS = 7 * 24 * 3600


def _topic_key(scope: Scope, topic_id: str) -> Key:
    return Key(f"APP#{scope.app_id}#TOPICS#{scope.key}", f"TOPIC#{topic_id}")


def _topic_item(topic: Topic) -> Item:
    key = _topic_key(topic.scope, topic.topic_id)
    return {
        "pk": key.pk,
        "sk": key.sk,
        "topicID": topic.topic_id,
        "acl": json_text(topic.acl),
        "creator": topic.creator,
        "createdAt": topic.created_at,
        "version": topic.version,
    }


def _topic(scope: Scope, item: Item) -> Topic:
    return Topic(
        scope,
        item["topicID"],
        json.loads(item["acl"]),
        item.get("creator"),
        int(item["createdAt"]),
        int(item["version"]),
    )


def _subs_pk(target: Target) -> str:
    return f"APP#{target.scope.app_id}#SUBS#{target.key}"


def subscriptions_of(table: KeyValueTable, target: Target) -> list[Item]:
    """The subscription items of a topic or bucket (to delete them with it)."""
    return table.query(DATA, _subs_pk(target), "SUB#")


def _subscriber_index(app_id: str, subscriber: Subscriber) -> str:
    return f"APP#{app_id}#SUBSCRIBER#{subscriber.key}"


@dataclass
class TableTopicStore:
    table: KeyValueTable
    events: EventCodec

    def topic(self, scope: Scope, topic_id: str) -> Topic | None:
        item = self.table.get(DATA, _topic_key(scope, topic_id))
        return _topic(scope, item) if item else None

    def topics(self, scope: Scope, after: str | None, limit: int) -> tuple[list[Topic], str | None]:
        pk = _topic_key(scope, "").pk
        found: list[Topic] = []
        for item in self.table.ordered(DATA, pk, after=f"TOPIC#{after}" if after else None):
            if len(found) == limit:
                return found, found[-1].topic_id
            found.append(_topic(scope, item))
        return found, None

    def create_topic(self, topic: Topic) -> None:
        commit(
            self.table,
            [Put(DATA, _topic_item(topic), Absent())],
            lambda _: TopicAlreadyExists(topicID=topic.topic_id),
        )

    def save_topic(self, topic: Topic, previous: Topic) -> None:
        commit(self.table, [Put(DATA, _topic_item(topic), VersionIs(previous.version))])

    def delete_topic(self, topic: Topic) -> None:
        commit(
            self.table,
            [Delete(DATA, _topic_key(topic.scope, topic.topic_id), Exists())],
            lambda _: TopicNotFound(topicID=topic.topic_id),
        )
        # Subscriptions go after the topic: a send finds no topic from here on, and a topic
        # made again under the name starts without the old subscribers.
        delete_all(self.table, subscriptions_of(self.table, Target("topic", topic.scope, topic.topic_id)))

    def send(self, topic: Topic, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [Check(DATA, _topic_key(topic.scope, topic.topic_id), Exists()), *self.events.puts(events)],
            lambda _: TopicNotFound(topicID=topic.topic_id),
        )

    def subscribe(self, target: Target, subscriber: Subscriber, at: int) -> None:
        item = {
            "pk": _subs_pk(target),
            "sk": f"SUB#{subscriber.key}",
            "subscribedAt": at,
            "gsi1pk": _subscriber_index(target.scope.app_id, subscriber),
            "gsi1sk": target.key,
        }
        commit(self.table, [Put(DATA, item, Absent())], lambda _: PushSubscriptionAlreadyExists())

    def unsubscribe(self, target: Target, subscriber: Subscriber) -> None:
        commit(
            self.table,
            [Delete(DATA, Key(_subs_pk(target), f"SUB#{subscriber.key}"), Exists())],
            lambda _: PushSubscriptionNotFound(),
        )

    def is_subscribed(self, target: Target, subscriber: Subscriber) -> bool:
        return self.table.get(DATA, Key(_subs_pk(target), f"SUB#{subscriber.key}")) is not None

    def subscribers(self, target: Target) -> list[tuple[Subscriber, int]]:
        items = subscriptions_of(self.table, target)
        return [(Subscriber.parse(i["sk"][4:]), int(i["subscribedAt"])) for i in items]

    def drop_scope(self, scope: Scope) -> None:
        for item in self.table.query(DATA, _topic_key(scope, "").pk, "TOPIC#"):
            try:
                self.delete_topic(_topic(scope, item))
            except TopicNotFound:
                continue  # deleted meanwhile, with its subscriptions
        if scope.kind in ("user", "thing") and scope.owner_id:
            gone = Subscriber("thing" if scope.kind == "thing" else "user", scope.owner_id)
            index = _subscriber_index(scope.app_id, gone)
            delete_all(self.table, self.table.query(DATA, index, index="gsi1"))


def _delivery_key(app_id: str, push_id: str, installation_id: str) -> Key:
    return Key(f"APP#{app_id}#PUSH#{push_id}", f"INSTALLATION#{installation_id}")


def _delivery(item: Item) -> Delivery:
    return Delivery(
        app_id=item["appID"],
        push_id=item["pushID"],
        installation_id=item["installationID"],
        device_type=item["deviceType"],
        development=bool(item["development"]),
        subscriber=item["subscriber"],
        source=item["source"],
        payload=json.loads(item["payload"]),
        status=item["status"],
        at=int(item["at"]),
        detail=item.get("detail") or "",
    )


@dataclass
class TablePushLog:
    table: KeyValueTable

    def delivered(self, app_id: str, push_id: str) -> set[str]:
        pk = _delivery_key(app_id, push_id, "").pk
        return {str(i["installationID"]) for i in self.table.query(DATA, pk, "INSTALLATION#")}

    def record(self, delivery: Delivery) -> None:
        key = _delivery_key(delivery.app_id, delivery.push_id, delivery.installation_id)
        item: Item = {
            "pk": key.pk,
            "sk": key.sk,
            "appID": delivery.app_id,
            "pushID": delivery.push_id,
            "installationID": delivery.installation_id,
            "deviceType": delivery.device_type,
            "development": delivery.development,
            "subscriber": delivery.subscriber,
            "source": delivery.source,
            "payload": json_text(delivery.payload),
            "status": delivery.status,
            "detail": delivery.detail,
            "at": delivery.at,
            "gsi1pk": f"APP#{delivery.app_id}#PUSHES",
            "gsi1sk": f"{delivery.at:013d}#{delivery.push_id}#{delivery.installation_id}",
            "ttl": delivery.at // 1000 + DELIVERY_RETENTION_SECONDS,
        }
        self.table.transact([Put(DATA, item)])

    def deliveries(self, app_id: str, limit: int = 100) -> list[Delivery]:
        found: list[Delivery] = []
        for item in self.table.ordered(DATA, f"APP#{app_id}#PUSHES", index="gsi1", descending=True):
            found.append(_delivery(item))
            if len(found) == limit:
                break
        return found

    def platform_application(self, app_id: str, platform: str) -> str | None:
        item = self.table.get(DATA, Key(f"APP#{app_id}#PUSHPLATFORM", platform))
        return str(item["arn"]) if item else None

    def set_platform_application(self, app_id: str, platform: str, arn: str | None) -> None:
        key = Key(f"APP#{app_id}#PUSHPLATFORM", platform)
        if arn is None:
            self.table.transact([Delete(DATA, key)])
        else:
            self.table.transact([Put(DATA, {"pk": key.pk, "sk": key.sk, "arn": arn})])


class RecordingSender:
    """The local stack's mobile push: nothing leaves the machine; the delivery record (with
    its payload) is what `karakuri pushes` and ``GET /api/apps/{app}/push/deliveries`` show."""

    def send(
        self, app_id: str, device_type: str, token: str, development: bool, payload: dict[str, Any]
    ) -> str:
        return "recorded"


# SNS platforms by installation: FCM is SNS's "GCM"; APNs has a sandbox for development builds.
def sns_platform(device_type: str, development: bool) -> str | None:
    if device_type == "ANDROID":
        return "GCM"
    if device_type == "IOS":
        return "APNS_SANDBOX" if development else "APNS"
    return None  # SNS has no JPush platform


# SNS errors that a retry cannot fix: the device or the platform application is refused.
_FINAL_SNS_ERRORS = ("EndpointDisabled", "InvalidParameter", "PlatformApplicationDisabled", "NotFound")


@dataclass
class SnsSender:
    """Amazon SNS mobile push: each app names its platform applications (``karakuri push
    platform``); a device token becomes an SNS platform endpoint (made once, remembered)."""

    client: Any  # boto3 "sns"
    log: PushLog
    _endpoints: dict[tuple[str, str], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, app_id: str, device_type: str, token: str, development: bool, payload: dict[str, Any]
    ) -> str:
        from botocore.exceptions import ClientError

        platform = sns_platform(device_type, development)
        if platform is None:
            raise PushRejected(f"Amazon SNS has no platform for {device_type} installations")
        arn = self.log.platform_application(app_id, platform)
        if arn is None:
            raise PushRejected(f"app {app_id} has no SNS platform application for {platform}")
        try:
            endpoint = self._endpoint(arn, token)
            self.client.publish(
                TargetArn=endpoint,
                MessageStructure="json",
                Message=json_text({platform: json_text(payload)}),
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _FINAL_SNS_ERRORS:
                raise PushRejected(f"SNS refused the push: {code}") from error
            raise
        return str(endpoint)

    def _endpoint(self, platform_arn: str, token: str) -> str:
        with self._lock:
            known = self._endpoints.get((platform_arn, token))
        if known is None:
            # Idempotent in SNS for the same token and attributes.
            known = str(
                self.client.create_platform_endpoint(PlatformApplicationArn=platform_arn, Token=token)[
                    "EndpointArn"
                ]
            )
            with self._lock:
                self._endpoints[(platform_arn, token)] = known
        return known


@dataclass
class RecordingPublisher:
    """The in-memory twin of the MQTT publishers (the local broker, AWS IoT): what was
    published to which topic, in order."""

    published: list[tuple[str, bytes]] = field(default_factory=list)

    def publish(self, app_id: str, thing_id: str, payload: dict[str, Any]) -> None:
        from chalicelib.adapters.iot import command_topic

        self.publish_topic(command_topic(app_id, thing_id), json_text(payload).encode())

    def publish_topic(self, topic: str, payload: bytes) -> None:
        self.published.append((topic, payload))
