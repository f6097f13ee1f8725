"""Push: topics, their ACLs, subscriptions to topics and buckets, sending, and delivery.

Who may do what (docs.kii.com "Topic Access Control", "Push to App"):

* create a topic: whom the scope's ACL grants ``CREATE_NEW_TOPIC`` (by default the app admin
  in the app scope; the user of a user scope, the group's members in a group scope, the thing
  and its owners in a thing scope);
* subscribe and send: whom the topic's ACL grants ``SUBSCRIBE_TO_TOPIC`` /
  ``SEND_MESSAGE_TO_TOPIC`` (its creator, by default), the scope's owner, a group's members
  and the app admin;
* delete a topic and change its ACL: its creator, the scope's owner and the app admin;
* a subscriber is the caller itself (a user, a thing, or a thing its owner subscribes), or
  anyone the app admin names; subscribing to a bucket takes ``READ_OBJECTS_IN_BUCKET``.

A send writes one PUSH_MESSAGE_SENT event in the same transaction that checks the topic still
exists, and answers at once; the dispatcher delivers it (``deliver``), as it delivers object
events to a bucket's subscribers. Every delivery is recorded; an event delivered again sends
only to the installations that have no record yet (at least once).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import acl as rules
from chalicelib.domain.events import Caller, Event, Trigger, new_event
from chalicelib.domain.installations import Installation
from chalicelib.domain.ports import (
    Clock,
    CommandPublisher,
    InstallationStore,
    MobilePushSender,
    PushLog,
    TopicStore,
)
from chalicelib.domain.push import (
    BUCKET_EVENTS,
    TOPIC_ACTIONS,
    Delivery,
    PushMessage,
    PushRejected,
    Subscriber,
    Target,
    Topic,
    bucket_fields,
    check_topic_id,
    default_topic_acl,
    event_message,
    payload,
    scope_of,
    topic_fields,
)
from chalicelib.domain.scopes import Scope, check_bucket_id
from chalicelib.errors import (
    AccessDenied,
    BucketNotFound,
    Conflict,
    PushSubscriptionNotFound,
    TopicNotFound,
    Unauthorized,
    UserNotFound,
)
from chalicelib.services.access import denied_to
from chalicelib.services.objects import ObjectService

log = logging.getLogger("karakuri.push")

RETRIES = 32
PAGE = 100


def _refuse(principal: Any, why: str) -> None:
    if not principal.is_authenticated:
        raise Unauthorized(why)
    raise AccessDenied(why, **denied_to(principal))


@dataclass
class PushService:
    topics: TopicStore
    objects: ObjectService
    installations: InstallationStore
    log: PushLog
    sender: MobilePushSender
    clock: Clock

    # --- topics ---------------------------------------------------------------------------------
    def _topic(self, scope: Scope, topic_id: str) -> Topic:
        topic = self.topics.topic(scope, check_topic_id(topic_id))
        if topic is None:
            raise TopicNotFound(topicID=topic_id, objectScope=scope.object_scope())
        return topic

    def _may_see_scope(self, caller: Caller, scope: Scope) -> rules.Roles:
        roles = self.objects.roles(caller, scope)
        principal = caller.principal
        if principal.is_admin or roles.scope_owner or roles.scope_member:
            return roles
        if scope.kind == "app" and principal.is_authenticated:
            return roles
        _refuse(principal, "Only the scope's owner (or members) may see its topics")
        return roles

    def create_topic(self, caller: Caller, scope: Scope, topic_id: str) -> Topic:
        check_topic_id(topic_id)
        principal = caller.principal
        self.objects.require_in_scope(self.objects.roles(caller, scope), scope, "CREATE_NEW_TOPIC")
        topic = Topic(
            scope,
            topic_id,
            default_topic_acl(principal),
            rules.subject_of(principal),
            self.clock.now_ms(),
        )
        self.topics.create_topic(topic)
        return topic

    def topic(self, caller: Caller, scope: Scope, topic_id: str) -> Topic:
        topic = self._topic(scope, topic_id)
        roles = self.objects.roles(caller, scope)
        if not any(rules.allowed(roles, action, topic.acl) for action in TOPIC_ACTIONS):
            self._may_see_scope(caller, scope)
        return topic

    def list_topics(self, caller: Caller, scope: Scope, after: str | None) -> tuple[list[Topic], str | None]:
        self._may_see_scope(caller, scope)
        return self.topics.topics(scope, after or None, PAGE)

    def _may_manage(self, caller: Caller, topic: Topic) -> None:
        principal = caller.principal
        if principal.is_admin or self.objects.roles(caller, topic.scope).scope_owner:
            return
        if topic.creator is not None and rules.subject_of(principal) == topic.creator:
            return
        _refuse(principal, "Only the topic's creator, the scope's owner and the app admin may do this")

    def delete_topic(self, caller: Caller, scope: Scope, topic_id: str) -> None:
        topic = self._topic(scope, topic_id)
        self._may_manage(caller, topic)
        self.topics.delete_topic(topic)

    def topic_acl(self, caller: Caller, scope: Scope, topic_id: str) -> rules.Acl:
        topic = self._topic(scope, topic_id)
        self._may_manage(caller, topic)
        return topic.acl

    def change_topic_acl(
        self, caller: Caller, scope: Scope, topic_id: str, action: str, raw_subject: str, grant: bool
    ) -> None:
        rules.check_action(action, TOPIC_ACTIONS)
        subject = rules.parse_subject(raw_subject)
        for _ in range(RETRIES):
            topic = self._topic(scope, topic_id)
            self._may_manage(caller, topic)
            acl = rules.changed(topic.acl, action, subject, grant)
            try:
                self.topics.save_topic(replace(topic, acl=acl, version=topic.version + 1), topic)
                return
            except Conflict:
                continue
        raise Conflict()

    def send(self, caller: Caller, scope: Scope, topic_id: str, body: Any) -> str:
        """Kii's ``pushMessageID``: the ID of the event that carries the message."""
        message = PushMessage.parse(body)
        topic = self._topic(scope, topic_id)
        roles = self.objects.roles(caller, scope)
        if not rules.allowed(roles, "SEND_MESSAGE_TO_TOPIC", topic.acl):
            _refuse(caller.principal, "SEND_MESSAGE_TO_TOPIC is not granted to this principal")
        params = {
            "topicID": topic.topic_id,
            "uri": topic.uri,
            "objectScope": scope.object_scope(),
            "message": message.to_json(),
        }
        event = new_event(caller, Trigger.PUSH_MESSAGE_SENT, params, self.clock.now_ms())
        self.topics.send(topic, [event])
        return event.event_id

    # --- subscriptions --------------------------------------------------------------------------
    @staticmethod
    def topic_target(scope: Scope, topic_id: str) -> Target:
        return Target("topic", scope, check_topic_id(topic_id))

    @staticmethod
    def bucket_target(scope: Scope, bucket_id: str) -> Target:
        return Target("bucket", scope, check_bucket_id(bucket_id))

    def _target_acl(self, target: Target) -> tuple[str, rules.Acl]:
        if target.kind == "topic":
            return "SUBSCRIBE_TO_TOPIC", self._topic(target.scope, target.name).acl
        bucket = self.objects.store.bucket(target.scope, check_bucket_id(target.name))
        if bucket is None:
            raise BucketNotFound(bucketID=target.name, objectScope=target.scope.object_scope())
        return "READ_OBJECTS_IN_BUCKET", bucket.acl

    def _may_subscribe(
        self, caller: Caller, target: Target, subscriber: Subscriber, new: bool = True
    ) -> None:
        """Who may act for the subscriber; a new subscription also needs the right to the
        target, but leaving one (or asking) does not: a revoked grant must not trap anyone."""
        principal = caller.principal
        if not principal.is_authenticated:
            raise Unauthorized()
        app_id = caller.app_id
        if subscriber.kind == "user":
            if self.objects.users.get(app_id, subscriber.id) is None:
                raise UserNotFound(field="userID", value=subscriber.id, appID=app_id)
            itself = principal.is_user(subscriber.id)
        else:
            thing = self.objects.things.resolve(app_id, subscriber.id)
            itself = self.objects.things.has_access(principal, thing)
        if not (principal.is_admin or itself):
            _refuse(principal, "A user or thing subscribes itself; the app admin subscribes anyone")
        action, acl = self._target_acl(target)
        if new and not rules.allowed(self.objects.roles(caller, target.scope), action, acl):
            _refuse(principal, f"{action} is not granted to this principal")

    def subscribe(self, caller: Caller, target: Target, subscriber: Subscriber) -> None:
        self._may_subscribe(caller, target, subscriber)
        self.topics.subscribe(target, subscriber, self.clock.now_ms())

    def unsubscribe(self, caller: Caller, target: Target, subscriber: Subscriber) -> None:
        self._may_subscribe(caller, target, subscriber, new=False)
        self.topics.unsubscribe(target, subscriber)

    def require_subscribed(self, caller: Caller, target: Target, subscriber: Subscriber) -> None:
        self._may_subscribe(caller, target, subscriber, new=False)
        if not self.topics.is_subscribed(target, subscriber):
            raise PushSubscriptionNotFound()

    # --- delivery (the dispatcher) ------------------------------------------------------------
    def deliver(self, event: Event, mqtt: CommandPublisher | None) -> int:
        """Delivers a PUSH_MESSAGE_SENT event to the topic's subscribers, and an object event
        to the bucket's; how many deliveries this call made. Anything but a platform's final
        refusal propagates, so the stream redelivers the event."""
        params = event.params
        sender = event.actor.id if event.actor.kind in ("user", "thing") else None
        if event.trigger == Trigger.PUSH_MESSAGE_SENT:
            scope = scope_of(params["objectScope"])
            target = Target("topic", scope, params["topicID"])
            message = PushMessage.parse(params["message"])
            fields = topic_fields(message, target, sender, event.app_id, event.occurred_at)
        elif str(event.trigger) in BUCKET_EVENTS:
            scope = scope_of(params["objectScope"])
            target = Target("bucket", scope, params["bucketID"])
            fields = bucket_fields(
                str(event.trigger), scope, params["bucketID"], params["objectID"], sender, event.occurred_at
            )
            message = event_message(fields)
            fields = {}
        else:
            return 0
        source = params.get("uri") if target.kind == "topic" else scope.bucket_uri(target.name)
        # Subscribed after the event: delivery is late, not retroactive.
        subscribers = [s for s, since in self.topics.subscribers(target) if since <= event.occurred_at]
        if not subscribers:
            return 0  # most object events: one Query, nothing else
        made, done = 0, self.log.delivered(event.app_id, event.event_id)
        for subscriber in subscribers:
            for installation in self.installations.of_owner(event.app_id, subscriber.kind, subscriber.id):
                if not message.reaches(installation.device_type, installation.development):
                    continue
                if installation.installation_id in done:
                    continue  # delivered before this event came again
                body = payload(message, installation.device_type, fields)
                status, detail = self._send(installation, body, mqtt)
                self.log.record(
                    Delivery(
                        event.app_id,
                        event.event_id,
                        installation.installation_id,
                        installation.device_type,
                        installation.development,
                        subscriber.key,
                        str(source),
                        body,
                        status,
                        self.clock.now_ms(),
                        detail,
                    )
                )
                made += 1
        return made

    def _send(
        self, installation: Installation, body: dict[str, Any], mqtt: CommandPublisher | None
    ) -> tuple[Any, str]:
        if installation.device_type == "MQTT":
            if mqtt is None:
                return "SKIPPED", "no MQTT publisher is configured (KARAKURI_IOT_PUBLISH)"
            # The installation's mqttTopic is its installationRegistrationID (docs/push.md).
            topic = installation.registration_id
            mqtt.publish_topic(topic, json.dumps(body, separators=(",", ":")).encode())
            return "SENT", f"mqtt:{topic}"
        try:
            where = self.sender.send(
                installation.app_id,
                installation.device_type,
                installation.registration_id,
                installation.development,
                body,
            )
        except PushRejected as refused:
            log.warning("push to installation %s refused: %s", installation.installation_id, refused)
            return "FAILED", str(refused)
        return "SENT", where

    def deliveries(self, caller: Caller, limit: int = 100) -> list[Delivery]:
        if not caller.principal.is_admin:
            _refuse(caller.principal, "Only the app administrator may do this")
        return self.log.deliveries(caller.app_id, limit)
