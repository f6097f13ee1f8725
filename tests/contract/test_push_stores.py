"""The push ports on the in-memory twin and on DynamoDB (moto), and the SNS sender on moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.push import SnsSender, TablePushLog, TableTopicStore
from chalicelib.domain.events import Actor, Causation, Event, Trigger
from chalicelib.domain.push import Delivery, PushRejected, Subscriber, Target, Topic
from chalicelib.domain.scopes import Scope
from chalicelib.errors import (
    Conflict,
    PushSubscriptionAlreadyExists,
    PushSubscriptionNotFound,
    TopicAlreadyExists,
    TopicNotFound,
)
from tests.conftest import TEST_EPOCH_MS, TEST_SETTINGS

SCOPE = Scope("app1", "user", "u1")


def _stores(services: wiring.Container) -> tuple[TableTopicStore, TablePushLog]:
    return TableTopicStore(services.table, EventCodec(3600_000)), TablePushLog(services.table)


def _topic(name: str = "news", version: int = 1) -> Topic:
    return Topic(SCOPE, name, {"SUBSCRIBE_TO_TOPIC": ["UserID:u1"]}, "UserID:u1", TEST_EPOCH_MS, version)


def _event(event_id: str) -> Event:
    return Event(
        event_id, "app1", Trigger.PUSH_MESSAGE_SENT, {"topicID": "news"}, Actor("user", "u1"), Causation(), 1
    )


def test_topics_are_unique_listed_in_pages_and_saved_optimistically(services: wiring.Container) -> None:
    topics, _ = _stores(services)
    for name in ("c", "a", "b"):
        topics.create_topic(_topic(name))
    with pytest.raises(TopicAlreadyExists):
        topics.create_topic(_topic("a"))
    page, after = topics.topics(SCOPE, None, 2)
    assert [t.topic_id for t in page] == ["a", "b"] and after == "b"
    rest, end = topics.topics(SCOPE, after, 2)
    assert [t.topic_id for t in rest] == ["c"] and end is None
    assert topics.topics(Scope("app1", "user", "u2"), None, 10) == ([], None)
    found = topics.topic(SCOPE, "a")
    assert found is not None and found.acl == {"SUBSCRIBE_TO_TOPIC": ["UserID:u1"]}
    topics.save_topic(_topic("a", 2), found)
    with pytest.raises(Conflict):
        topics.save_topic(_topic("a", 3), found)  # it is at version 2 now


def test_a_send_writes_its_event_only_while_the_topic_exists(services: wiring.Container) -> None:
    topics, _ = _stores(services)
    topic = _topic()
    with pytest.raises(TopicNotFound):
        topics.send(topic, [_event("e1")])
    topics.create_topic(topic)
    topics.send(topic, [_event("e2")])
    stream = getattr(services.table, "stream", None)
    if stream is not None:  # the in-memory twin's stream; moto's is read by the dispatcher tests
        assert [item["eventID"] for item in stream] == ["e2"]


def test_subscriptions_are_unique_and_go_with_their_topic(services: wiring.Container) -> None:
    topics, _ = _stores(services)
    topic = _topic()
    topics.create_topic(topic)
    target, alice = Target("topic", SCOPE, "news"), Subscriber("user", "u1")
    topics.subscribe(target, alice, 5)
    topics.subscribe(target, Subscriber("thing", "t1"), 6)
    with pytest.raises(PushSubscriptionAlreadyExists):
        topics.subscribe(target, alice, 7)
    assert topics.is_subscribed(target, alice)
    assert sorted(topics.subscribers(target), key=lambda s: s[1]) == [
        (alice, 5),
        (Subscriber("thing", "t1"), 6),
    ]
    assert topics.subscribers(Target("bucket", SCOPE, "news")) == []  # a bucket of the same name
    topics.unsubscribe(target, alice)
    with pytest.raises(PushSubscriptionNotFound):
        topics.unsubscribe(target, alice)
    topics.delete_topic(topic)
    assert topics.subscribers(target) == []
    with pytest.raises(TopicNotFound):
        topics.delete_topic(topic)


def test_dropping_a_scope_takes_its_topics_their_subscriptions_and_its_owners_subscriptions(
    services: wiring.Container,
) -> None:
    topics, _ = _stores(services)
    app, bob = Scope("app1", "app"), Subscriber("user", "u2")
    topics.create_topic(_topic("news"))
    topics.create_topic(Topic(app, "all", {}, None, TEST_EPOCH_MS))
    own, everyone = Target("topic", SCOPE, "news"), Target("topic", app, "all")
    bucket = Target("bucket", Scope("app1", "user", "u2"), "notes")
    for target in (own, everyone, bucket):
        topics.subscribe(target, Subscriber("user", "u1"), 5)
    topics.subscribe(own, bob, 6)
    topics.subscribe(everyone, bob, 6)
    topics.subscribe(Target("topic", Scope("app2", "app"), "all"), Subscriber("user", "u1"), 7)
    topics.drop_scope(SCOPE)
    assert topics.topics(SCOPE, None, 10) == ([], None)
    assert topics.subscribers(own) == [] and topics.subscribers(bucket) == []
    assert topics.subscribers(everyone) == [(bob, 6)]
    assert topics.is_subscribed(Target("topic", Scope("app2", "app"), "all"), Subscriber("user", "u1"))
    topics.drop_scope(SCOPE)  # nothing left: nothing to do


def test_scope_acls_are_stored_once_changed_optimistically_and_dropped(services: wiring.Container) -> None:
    from chalicelib.adapters.scopes import TableScopeAclStore
    from chalicelib.domain.acl import ScopeAcl, default_scope_acl

    store = TableScopeAclStore(services.table)
    assert store.get(SCOPE) is None
    default = default_scope_acl(SCOPE)
    first = ScopeAcl(SCOPE, {"CREATE_NEW_BUCKET": ["UserID:u2"], "CREATE_NEW_TOPIC": []}, 1)
    store.save(first, default)
    assert store.get(SCOPE) == first
    with pytest.raises(Conflict):
        store.save(ScopeAcl(SCOPE, {}, 1), default)  # stored meanwhile
    store.save(ScopeAcl(SCOPE, {}, 2), first)
    with pytest.raises(Conflict):
        store.save(ScopeAcl(SCOPE, {}, 2), first)  # at version 2 now
    assert store.get(Scope("app1", "app")) is None and store.get(Scope("app1", "group", "u1")) is None
    store.drop_scope(SCOPE)
    assert store.get(SCOPE) is None


def test_deliveries_are_kept_by_push_and_installation_newest_first(services: wiring.Container) -> None:
    _, log = _stores(services)
    for at, push_id in ((10, "p1"), (30, "p3"), (20, "p2")):
        log.record(
            Delivery("app1", push_id, "i1", "MQTT", False, "user:u1", "kiicloud://x", {"m": at}, "SENT", at)
        )
    log.record(
        Delivery("app1", "p2", "i2", "IOS", True, "user:u2", "kiicloud://x", {}, "FAILED", 21, "no platform")
    )
    assert log.delivered("app1", "p2") == {"i1", "i2"} and log.delivered("app1", "p4") == set()
    assert [d.push_id for d in log.deliveries("app1")] == ["p3", "p2", "p2", "p1"]
    found = log.deliveries("app1")[2]
    assert (found.installation_id, found.payload, found.status) == ("i1", {"m": 20}, "SENT")
    assert log.deliveries("app1")[1].detail == "no platform"
    assert log.deliveries("app2") == []


@pytest.fixture
def sns() -> Iterator[tuple[Any, TablePushLog]]:
    from moto import mock_aws

    from chalicelib.local.tables import table_definitions

    with mock_aws():
        wiring.provision_tables(TEST_SETTINGS, table_definitions())
        services = wiring.build_for_aws(TEST_SETTINGS)
        yield wiring.aws_client("sns", TEST_SETTINGS), TablePushLog(services.table)


def test_sns_sender_publishes_to_the_apps_platform_endpoint(sns: tuple[Any, TablePushLog]) -> None:
    client, log = sns
    arn = client.create_platform_application(
        Name="fcm", Platform="GCM", Attributes={"PlatformCredential": "k"}
    )["PlatformApplicationArn"]
    log.set_platform_application("app1", "GCM", arn)
    sender = SnsSender(client, log)
    payload = {"data": {"m": "hi"}}
    endpoint = sender.send("app1", "ANDROID", "fcm-token-1", False, payload)
    assert sender.send("app1", "ANDROID", "fcm-token-1", False, payload) == endpoint  # one endpoint per token
    listed = client.list_endpoints_by_platform_application(PlatformApplicationArn=arn)["Endpoints"]
    assert [e["EndpointArn"] for e in listed] == [endpoint]
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    sent = sns_backends[DEFAULT_ACCOUNT_ID][TEST_SETTINGS.region].platform_endpoints[endpoint].messages
    assert [json.loads(json.loads(m)["GCM"]) for m in sent.values()] == [payload, payload]


def test_sns_sender_refuses_what_sns_cannot_reach(sns: tuple[Any, TablePushLog]) -> None:
    client, log = sns
    sender = SnsSender(client, log)
    with pytest.raises(PushRejected, match="no SNS platform application for APNS_SANDBOX"):
        sender.send("app1", "IOS", "apns-token", True, {"aps": {}})
    with pytest.raises(PushRejected, match="no platform for JPUSH"):
        sender.send("app1", "JPUSH", "jpush-token", False, {})
    arn = client.create_platform_application(
        Name="apns", Platform="APNS", Attributes={"PlatformCredential": "k"}
    )["PlatformApplicationArn"]
    log.set_platform_application("app1", "APNS", arn)
    endpoint = sender.send("app1", "IOS", "apns-token", False, {"aps": {}})
    client.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    with pytest.raises(PushRejected, match="EndpointDisabled"):
        sender.send("app1", "IOS", "apns-token", False, {"aps": {}})
