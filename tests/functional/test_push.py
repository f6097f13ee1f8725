"""Topics and push over REST: topic CRUD and ACLs in every scope, subscriptions of users and
things, messages delivered from the event pipeline to MQTT installations (through AWS IoT
Core, on moto) and to mobile ones (recorded locally, Amazon SNS in AWS), and Push to App."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from app import dispatcher
from chalicelib import wiring
from chalicelib.domain.push import Subscriber, Target
from chalicelib.domain.scopes import Scope
from tests.conftest import Kii

CREATION = "application/vnd.kii.InstallationCreationRequest+json"
SEND = "application/vnd.kii.SendPushMessageRequest+json"


@pytest.fixture
def push(kii: Kii) -> Iterator[Kii]:
    """The services as in AWS: MQTT pushes go out through the IoT data plane (moto)."""
    settings = replace(kii.services.container.settings, iot_publish=True)
    services = wiring.build_for_aws(settings, kii.services.clock)
    services.thingif.publisher.describe_endpoint = lambda: None  # type: ignore[union-attr]
    wiring.use(services)
    kii.services.container = services
    yield kii


def published(kii: Kii, topic: str) -> list[dict[str, Any]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    found = iotdata_backends[DEFAULT_ACCOUNT_ID][kii.services.container.settings.region].published_payloads
    return [json.loads(payload) for name, payload in found if name == topic]


def install(
    kii: Kii, token: str, device_type: str, development: bool = False, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"deviceType": device_type, "development": development, **extra}
    if device_type != "MQTT":
        body.setdefault("installationRegistrationID", f"{device_type.lower()}-token-{token[:6]}")
    reply = kii.call("POST", "/installations", body, token, content_type=CREATION)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def message(data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What KiiPushMessageBuilder(data).build() sends, with ``extra`` on top."""
    return {
        "data": data,
        "gcm": {"enabled": True},
        "apns": {"enabled": True},
        "jpush": {"enabled": True},
        "mqtt": {"enabled": True},
        **extra,
    }


def deliveries(kii: Kii) -> list[dict[str, Any]]:
    reply = kii.call("GET", "/push/deliveries", token=kii.admin_token())
    assert reply.status == 200, reply.body
    return list(reply.body["deliveries"])


def test_a_message_to_a_user_topic_reaches_the_subscribers_installations_after_the_request(push: Kii) -> None:
    alice, token = push.register("alice")
    mqtt = install(push, token, "MQTT")
    install(push, token, "ANDROID")
    topic = f"/users/{alice}/topics/news"
    assert push.call("PUT", topic, token=token).status == 204
    assert push.call("PUT", f"{topic}/push/subscriptions/users/{alice}", token=token).status == 204
    assert push.call("GET", f"{topic}/push/subscriptions/users/{alice}", token=token).status == 204
    sent = push.call("POST", f"{topic}/push/messages", message({"m": "hi", "n": 1}), token, SEND)
    assert sent.status == 201 and sent.body["pushMessageID"]
    assert sent.headers["content-type"].startswith("application/vnd.kii.SendPushMessageResponse+json")
    mqtt_topic = mqtt["installationRegistrationID"]
    assert published(push, mqtt_topic) == []  # delivered by the pipeline, not by the request

    assert push.services.dispatch() == {"batchItemFailures": []}

    kii_fields = {
        "sender": alice,
        "topic": "news",
        "objectScopeType": "APP_AND_USER",
        "objectScopeUserID": alice,
    }
    assert published(push, mqtt_topic) == [{"m": "hi", "n": 1, **kii_fields}]
    records = {d["deviceType"]: d for d in deliveries(push)}
    assert (
        records["MQTT"]["status"] == "SENT" and records["MQTT"]["pushMessageID"] == sent.body["pushMessageID"]
    )
    assert records["ANDROID"]["status"] == "SENT"
    assert records["ANDROID"]["payload"] == {"data": {"m": "hi", "n": "1", **kii_fields}}


def test_a_redelivered_event_sends_nothing_twice(push: Kii) -> None:
    alice, token = push.register("alice")
    mqtt = install(push, token, "MQTT")
    topic = f"/users/{alice}/topics/news"
    push.call("PUT", topic, token=token)
    push.call("PUT", f"{topic}/push/subscriptions/users/{alice}", token=token)
    push.call("POST", f"{topic}/push/messages", message({"m": "once"}), token, SEND)
    push.services.dispatch()
    again = dispatcher({"Records": push.services.drain_records()}, None)  # the whole stream again
    assert again == {"batchItemFailures": []}
    assert len(published(push, mqtt["installationRegistrationID"])) == 1
    assert len(deliveries(push)) == 1


def test_channel_and_environment_flags_choose_the_installations(push: Kii) -> None:
    alice, token = push.register("alice")
    production = install(push, token, "MQTT", development=False)
    development = install(push, token, "MQTT", development=True)
    install(push, token, "IOS", development=True)
    topic = f"/users/{alice}/topics/news"
    push.call("PUT", topic, token=token)
    push.call("PUT", f"{topic}/push/subscriptions/users/{alice}", token=token)
    body = message(
        {"m": "dev"}, sendToProduction=False, apns={"enabled": False}, sendWhen=True, sendOrigin=True
    )
    sent = push.call("POST", f"{topic}/push/messages", body, token, SEND).body["pushMessageID"]
    push.services.dispatch()
    assert published(push, production["installationRegistrationID"]) == []
    [got] = published(push, development["installationRegistrationID"])
    sent_at = int(sent.split("-")[0])  # the event's ID starts with its time
    assert got["m"] == "dev" and got["origin"] == "EXPLICIT" and got["when"] == sent_at
    assert [d["deviceType"] for d in deliveries(push)] == ["MQTT"]


def test_channel_data_replaces_the_common_data_and_apns_gets_its_envelope(push: Kii) -> None:
    alice, token = push.register("alice")
    mqtt = install(push, token, "MQTT")
    install(push, token, "IOS")
    topic = f"/users/{alice}/topics/news"
    push.call("PUT", topic, token=token)
    push.call("PUT", f"{topic}/push/subscriptions/users/{alice}", token=token)
    body = message(
        {"m": "common"},
        mqtt={"enabled": True, "data": {"m": "mqtt only"}},
        apns={"enabled": True, "alert": {"body": "Hello"}, "badge": 2, "contentAvailable": True},
        sendSender=False,
    )
    push.call("POST", f"{topic}/push/messages", body, token, SEND)
    push.services.dispatch()
    assert published(push, mqtt["installationRegistrationID"]) == [
        {"m": "mqtt only", "topic": "news", "objectScopeType": "APP_AND_USER", "objectScopeUserID": alice}
    ]
    ios = next(d for d in deliveries(push) if d["deviceType"] == "IOS")
    assert ios["payload"] == {
        "m": "common",
        "to": "news",
        "st": "APP_AND_USER",
        "su": alice,
        "aps": {"alert": {"body": "Hello"}, "badge": 2, "content-available": 1},
    }


def test_app_scope_topics_are_the_admins_until_it_grants_rights(push: Kii) -> None:
    alice, token = push.register("alice")
    admin = push.admin_token()
    forbidden = push.call("PUT", "/topics/all", token=token)
    assert (forbidden.status, forbidden.body["errorCode"]) == (403, "UNAUTHORIZED")
    assert push.call("PUT", "/topics/all", token=admin).status == 204
    again = push.call("PUT", "/topics/all", token=admin)
    assert (again.status, again.body["errorCode"]) == (409, "TOPIC_ALREADY_EXISTS")
    refused = push.call("PUT", f"/topics/all/push/subscriptions/users/{alice}", token=token)
    assert (refused.status, refused.body["errorCode"]) == (403, "UNAUTHORIZED")
    grant = "/topics/all/acl/SUBSCRIBE_TO_TOPIC/UserID:ANY_AUTHENTICATED_USER"
    assert push.call("PUT", grant, token=admin).status == 204
    assert push.call("PUT", f"/topics/all/push/subscriptions/users/{alice}", token=token).status == 204
    twice = push.call("PUT", f"/topics/all/push/subscriptions/users/{alice}", token=token)
    assert (twice.status, twice.body["errorCode"]) == (409, "PUSH_SUBSCRIPTION_ALREADY_EXISTS")
    assert push.call("DELETE", grant, token=admin).status == 204
    assert push.call("GET", f"/topics/all/push/subscriptions/users/{alice}", token=token).status == 204
    not_allowed = push.call("POST", "/topics/all/push/messages", message({"m": 1}), token, SEND)
    assert (not_allowed.status, not_allowed.body["errorCode"]) == (403, "UNAUTHORIZED")
    acl = push.call("GET", "/topics/all/acl", token=admin).body
    assert acl == {"SUBSCRIBE_TO_TOPIC": [], "SEND_MESSAGE_TO_TOPIC": []}
    assert push.call("POST", "/topics/all/push/messages", message({"m": 1}), admin, SEND).status == 201
    listed = push.call("GET", "/topics", token=token).body
    assert listed == {"topics": [{"topicID": "all"}]}
    # a revoked grant traps nobody: the subscriber still leaves
    assert push.call("DELETE", f"/topics/all/push/subscriptions/users/{alice}", token=token).status == 204


def test_subscriptions_and_topics_answer_kii_errors(push: Kii) -> None:
    alice, token = push.register("alice")
    bob, bob_token = push.register("bob")
    topic = f"/users/{alice}/topics/news"
    missing = push.call("POST", f"{topic}/push/messages", message({}), token, SEND)
    assert (missing.status, missing.body["errorCode"]) == (404, "TOPIC_NOT_FOUND")
    push.call("PUT", topic, token=token)
    no_data = push.call("POST", f"{topic}/push/messages", {"gcm": {"enabled": True}}, token, SEND)
    assert (no_data.status, no_data.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    absent = push.call("GET", f"{topic}/push/subscriptions/users/{alice}", token=token)
    assert (absent.status, absent.body["errorCode"]) == (404, "PUSH_SUBSCRIPTION_NOT_FOUND")
    gone = push.call("DELETE", f"{topic}/push/subscriptions/users/{alice}", token=token)
    assert (gone.status, gone.body["errorCode"]) == (404, "PUSH_SUBSCRIPTION_NOT_FOUND")
    other = push.call("PUT", f"{topic}/push/subscriptions/users/{bob}", token=token)
    assert (other.status, other.body["errorCode"]) == (403, "UNAUTHORIZED")
    stranger = push.call("PUT", f"{topic}/push/subscriptions/users/{bob}", token=bob_token)
    assert (stranger.status, stranger.body["errorCode"]) == (403, "UNAUTHORIZED")
    assert push.call("GET", f"/users/{alice}/topics", token=bob_token).status == 403
    anonymous = push.call("PUT", f"{topic}/push/subscriptions/users/{alice}")
    assert anonymous.status == 401
    bad = push.call("PUT", f"/users/{alice}/topics/not.valid", token=token)
    assert (bad.status, bad.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert push.call("DELETE", topic, token=bob_token).status == 403
    assert push.call("DELETE", topic, token=token).status == 204
    assert push.call("GET", topic, token=token).body["errorCode"] == "TOPIC_NOT_FOUND"


def test_a_topic_made_again_starts_without_the_old_subscribers(push: Kii) -> None:
    alice, token = push.register("alice")
    topic = f"/users/{alice}/topics/news"
    push.call("PUT", topic, token=token)
    push.call("PUT", f"{topic}/push/subscriptions/users/{alice}", token=token)
    push.call("DELETE", topic, token=token)
    push.call("PUT", topic, token=token)
    assert push.call("GET", f"{topic}/push/subscriptions/users/{alice}", token=token).status == 404


def test_group_members_create_subscribe_and_send_outsiders_do_not(push: Kii) -> None:
    owner, owner_token = push.register("owner")
    member, member_token = push.register("member")
    _, outsider_token = push.register("outsider")
    group = push.create_group(owner_token, members=[member])
    topic = f"/groups/{group}/topics/chat"
    assert push.call("PUT", topic, token=member_token).status == 204
    assert push.call("PUT", f"/groups/{group}/topics/x", token=outsider_token).status == 403
    mqtt = install(push, owner_token, "MQTT")
    assert push.call("PUT", f"{topic}/push/subscriptions/users/{owner}", token=owner_token).status == 204
    refused = push.call("POST", f"{topic}/push/messages", message({"m": 1}), outsider_token, SEND)
    assert refused.status == 403
    assert push.call("POST", f"{topic}/push/messages", message({"m": 2}), member_token, SEND).status == 201
    push.services.dispatch()
    [got] = published(push, mqtt["installationRegistrationID"])
    assert got == {
        "m": 2,
        "sender": member,
        "topic": "chat",
        "objectScopeType": "APP_AND_GROUP",
        "objectScopeGroupID": group,
    }


def test_a_thing_subscribes_itself_to_its_topic_and_its_mqtt_installation_receives(push: Kii) -> None:
    thing_id, thing_token = push.register_thing("lamp-1")
    mqtt = install(push, thing_token, "MQTT")
    topic = f"/things/{thing_id}/topics/alerts"
    assert push.call("PUT", topic, token=thing_token).status == 204
    assert push.call("PUT", f"{topic}/push/subscriptions/things/{thing_id}", token=thing_token).status == 204
    push.call("POST", f"{topic}/push/messages", message({"blink": True}), thing_token, SEND)
    push.services.dispatch()
    [got] = published(push, mqtt["installationRegistrationID"])
    assert got["blink"] is True and got["objectScopeThingID"] == thing_id and got["sender"] == thing_id


def test_an_object_change_in_a_subscribed_bucket_pushes_to_the_subscriber(push: Kii) -> None:
    alice, token = push.register("alice")
    mqtt = install(push, token, "MQTT")
    first = push.call("POST", f"/users/{alice}/buckets/notes/objects", {"n": 1}, token)
    assert first.status == 201
    subscription = f"/users/{alice}/buckets/notes/filters/all/push/subscriptions/users/{alice}"
    assert push.call("PUT", subscription, token=token).status == 204
    assert push.call("GET", subscription, token=token).status == 204
    created = push.call("POST", f"/users/{alice}/buckets/notes/objects", {"n": 2}, token).body
    push.services.dispatch()
    [got] = published(push, mqtt["installationRegistrationID"])  # only the change after subscribing
    assert got == {
        "type": "DATA_OBJECT_CREATED",
        "origin": "EVENT",
        "when": created["createdAt"],
        "bucketID": "notes",
        "bucketType": "rw",
        "objectID": created["objectID"],
        "modifiedAt": created["createdAt"],
        "appID": push.app.app_id,
        "objectScopeType": "APP_AND_USER",
        "objectScopeUserID": alice,
        "sender": alice,
    }
    assert push.call("DELETE", subscription, token=token).status == 204
    push.call("DELETE", f"/users/{alice}/buckets/notes/objects/{created['objectID']}", token=token)
    push.services.dispatch()
    assert len(published(push, mqtt["installationRegistrationID"])) == 1


def test_bucket_subscriptions_need_the_bucket_and_the_right_to_read_it(push: Kii) -> None:
    alice, token = push.register("alice")
    bob, bob_token = push.register("bob")
    missing = push.call(
        "PUT", f"/users/{alice}/buckets/none/filters/all/push/subscriptions/users/{alice}", token=token
    )
    assert (missing.status, missing.body["errorCode"]) == (404, "BUCKET_NOT_FOUND")
    push.call("POST", f"/users/{alice}/buckets/private/objects", {"n": 1}, token)
    other = push.call(
        "PUT", f"/users/{alice}/buckets/private/filters/all/push/subscriptions/users/{bob}", token=bob_token
    )
    assert (other.status, other.body["errorCode"]) == (403, "UNAUTHORIZED")
    push.call("POST", "/buckets/public/objects", {"n": 1}, token)
    public = push.call("PUT", f"/buckets/public/filters/all/push/subscriptions/users/{bob}", token=bob_token)
    assert public.status == 204


def test_pushes_stay_in_their_app(push: Kii, other_app: Kii) -> None:
    alice, token = push.register("alice")
    push.call("PUT", f"/users/{alice}/topics/news", token=token)
    foreign = other_app.call("GET", f"/users/{alice}/topics/news", token=other_app.admin_token())
    assert foreign.status == 404
    assert other_app.call("GET", "/push/deliveries", token=token).status in (400, 401, 403)


def test_only_the_admin_reads_the_deliveries(push: Kii) -> None:
    _, token = push.register("alice")
    reply = push.call("GET", "/push/deliveries", token=token)
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


# --- a deleted user, group or thing takes its topics and subscriptions ---------------------------
def _store(kii: Kii) -> Any:
    return kii.services.container.push.topics


def _put(kii: Kii, token: str, *paths: str) -> None:
    for path in paths:
        reply = kii.call("PUT", path, token=token)
        assert reply.status == 204, (path, reply.body)


def test_deleting_a_user_takes_its_topics_their_subscriptions_its_scope_acl_and_its_subscriptions(
    kii: Kii,
) -> None:
    alice, token = kii.register("alice")
    bob, bob_token = kii.register("bob")
    admin, news = kii.admin_token(), f"/users/{alice}/topics/news"
    _put(kii, token, news, f"/users/{alice}/acl/CREATE_NEW_TOPIC/UserID:{bob}")
    _put(kii, token, f"{news}/acl/SUBSCRIBE_TO_TOPIC/UserID:{bob}")
    _put(kii, bob_token, f"{news}/push/subscriptions/users/{bob}")
    _put(kii, admin, "/topics/all", *(f"/topics/all/push/subscriptions/users/{u}" for u in (alice, bob)))
    notes = f"/users/{bob}/buckets/notes"
    assert kii.call("POST", f"{notes}/objects", {"n": 1}, bob_token).status == 201
    _put(kii, bob_token, f"{notes}/acl/READ_OBJECTS_IN_BUCKET/UserID:{alice}")
    _put(kii, token, f"{notes}/filters/all/push/subscriptions/users/{alice}")

    assert kii.call("DELETE", f"/users/{alice}", token=admin).status == 204

    scope, app = Scope(kii.app.app_id, "user", alice), Scope(kii.app.app_id, "app")
    assert _store(kii).topics(scope, None, 10) == ([], None)
    assert _store(kii).subscribers(Target("topic", scope, "news")) == []
    assert [s for s, _ in _store(kii).subscribers(Target("topic", app, "all"))] == [Subscriber("user", bob)]
    assert _store(kii).subscribers(Target("bucket", Scope(kii.app.app_id, "user", bob), "notes")) == []
    assert kii.services.container.objects.scope_acls.get(scope) is None


def test_deleting_a_group_takes_its_topics_their_subscriptions_and_its_scope_acl(kii: Kii) -> None:
    owner, token = kii.register("owner")
    member, member_token = kii.register("member")
    group = kii.create_group(token, members=[member])
    chat = f"/groups/{group}/topics/chat"
    _put(kii, member_token, chat, f"{chat}/push/subscriptions/users/{member}")
    _put(kii, token, f"/groups/{group}/acl/CREATE_NEW_BUCKET/UserID:{owner}")

    assert kii.call("DELETE", f"/groups/{group}", token=token).status == 204

    scope = Scope(kii.app.app_id, "group", group)
    assert _store(kii).topics(scope, None, 10) == ([], None)
    assert _store(kii).subscribers(Target("topic", scope, "chat")) == []
    assert kii.services.container.objects.scope_acls.get(scope) is None


def test_deleting_a_thing_takes_its_topics_and_its_subscriptions(kii: Kii) -> None:
    thing_id, thing_token = kii.register_thing("lamp-9")
    admin, alerts = kii.admin_token(), f"/things/{thing_id}/topics/alerts"
    _put(kii, thing_token, alerts, f"{alerts}/push/subscriptions/things/{thing_id}")
    _put(kii, admin, "/topics/all", f"/topics/all/push/subscriptions/things/{thing_id}")

    assert kii.call("DELETE", f"/things/{thing_id}", token=admin).status == 204

    scope, app = Scope(kii.app.app_id, "thing", thing_id), Scope(kii.app.app_id, "app")
    assert _store(kii).topics(scope, None, 10) == ([], None)
    assert _store(kii).subscribers(Target("topic", scope, "alerts")) == []
    assert _store(kii).subscribers(Target("topic", app, "all")) == []
    assert kii.call("GET", "/topics/all", token=admin).status == 200  # the app's topic stays


def test_dropping_a_bucket_takes_its_subscriptions_so_a_bucket_made_again_starts_without(kii: Kii) -> None:
    alice, token = kii.register("alice")
    bucket = f"/users/{alice}/buckets/notes"
    assert kii.call("POST", f"{bucket}/objects", {"n": 1}, token).status == 201
    _put(kii, token, f"{bucket}/filters/all/push/subscriptions/users/{alice}")
    assert kii.call("DELETE", bucket, token=token).status == 204
    assert _store(kii).subscribers(Target("bucket", Scope(kii.app.app_id, "user", alice), "notes")) == []
    assert kii.call("POST", f"{bucket}/objects", {"n": 2}, token).status == 201
    again = kii.call("GET", f"{bucket}/filters/all/push/subscriptions/users/{alice}", token=token)
    assert (again.status, again.body["errorCode"]) == (404, "PUSH_SUBSCRIPTION_NOT_FOUND")
