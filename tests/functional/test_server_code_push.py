"""KiiTopic, KiiPushMessageBuilder and KiiPushSubscription in server code, on both engines:
the same rules and deliveries as REST (tests/functional/test_push.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import config, wiring
from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.push import RecordingPublisher
from chalicelib.adapters.security import ManualClock
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.runtime.executor import Executor, Invocation
from chalicelib.runtime.host import Host
from tests.conftest import TEST_EPOCH_MS

CODE = r"""
function subscribeAndSend(params, context, done) {
  var admin = context.getAppAdminContext(), out = [], user, topic;
  KiiUser.userWithUsername('pushuser', 'secret123').register().then(function (registered) {
    user = registered;
    topic = user.topicWithName('news');
    return topic.save();
  }).then(function (saved) {
    out.push(saved === topic, saved.getName());
    return user.pushSubscription().subscribe(topic);
  }).then(function (result) {
    out.push(result[0] instanceof KiiPushSubscription, result[1] === topic);
    return user.pushSubscription().isSubscribed(topic);
  }).then(function (result) {
    out.push(result[2]);
    var message = new KiiPushMessageBuilder({m: 'hello'}).enableApns(false).mqttData({m: 'over mqtt'})
      .setSendToDevelopment(false).build();
    return topic.sendMessage(message);
  }).then(function (result) {
    out.push(result[0] === topic, result[1].mqtt.data.m, result[1].sendToDevelopment, result[1].apns.enabled);
    return user.listTopics();
  }).then(function (result) {
    out.push(result[0].length, result[0][0].getName(), result[1]);
    var notes = admin.userWithID(user.getID()).bucketWithName('notes'), first = notes.createObject();
    first.set('n', 1);
    return first.save().then(function () { return user.pushSubscription().subscribe(notes); });
  }).then(function () {
    done({out: out, userID: user.getID()});
  }, function (e) { done('failed: ' + e.message); });
}

function changeNotes(params, context, done) {
  var admin = context.getAppAdminContext();
  var o = admin.userWithID(params.userID).bucketWithName('notes').createObject();
  o.set('n', 2);
  o.save().then(function (saved) { done(saved.getID()); }, function (e) { done('failed: ' + e.message); });
}

function userMakes(params, context, done) {
  KiiUser.userWithUsername(params.name, 'secret123').register().then(function () {
    return KiiUser.authenticate(params.name, 'secret123');
  }).then(function () {
    return Kii.topicWithName(params.topic).save();
  }).then(function () { return 'topic'; }, function (e) { return e.message; }).then(function (topic) {
    var o = Kii.bucketWithName(params.bucket).createObject();
    o.set('n', 1);
    return o.save().then(function () { return [topic, 'bucket']; }, function (e) { return [topic, e.message]; });
  }).then(function (out) { done(out); });
}

function rules(params, context, done) {
  var admin = context.getAppAdminContext(), out = [], user, appTopic = admin.topicWithName('all');
  KiiUser.userWithUsername('ruled', 'secret123').register().then(function (registered) {
    user = registered;
    return user.pushSubscription().subscribe(appTopic);
  }).then(function () { done('unexpected'); }, function (error) {
    out.push(error.message.indexOf('TOPIC_NOT_FOUND') >= 0);
    return appTopic.save();
  }).then(function () {
    return user.pushSubscription().subscribe(appTopic);
  }).then(function () { done('unexpected'); }, function (error) {
    out.push(error.message.indexOf('403') >= 0, error.target instanceof KiiPushSubscription);
    var acl = appTopic.acl();
    acl.putACLEntry(KiiACLEntry.entryWithSubject(new KiiAnyAuthenticatedUser(), KiiACLAction.KiiACLSubscribeToTopic));
    return acl.save();
  }).then(function () {
    return appTopic.acl().listACLEntries();
  }).then(function (result) {
    out.push(result[1].length, result[1][0].getAction());
    return user.pushSubscription().subscribe(appTopic);
  }).then(function () {
    return admin.listTopics();
  }).then(function (result) {
    out.push(result[0].length);
    return appTopic.exists();
  }).then(function (exists) {
    out.push(exists);
    return admin.topicWithName('nope').exists();
  }).then(function (exists) {
    out.push(exists);
    return user.pushSubscription().unsubscribe(appTopic);
  }).then(function () {
    return user.pushSubscription().isSubscribed(appTopic);
  }).then(function (result) {
    out.push(result[2]);
    return admin.registerThing({_vendorThingID: 'lamp', _password: 'pw'});
  }).then(function (thing) {
    var alerts = thing.topicWithName('alerts');
    return alerts.save().then(function () { return thing.pushSubscription().subscribe(alerts); })
      .then(function () { return thing.pushSubscription().isSubscribed(alerts); });
  }).then(function (result) {
    out.push(result[2], result[0].getSubscriber() instanceof KiiThing);
    return user.pushSubscription().subscribe({});
  }).then(function () { done('unexpected'); }, function (error) {
    out.push(error.message);
    appTopic.deleteTopic({
      success: function (deleted) { out.push(deleted === appTopic); done(out); },
      failure: function (error) { done('delete failed: ' + error.message); }
    });
  });
}
"""


@pytest.fixture(params=["js2py", "quickjs"])
def run(request: pytest.FixtureRequest) -> Any:
    container = wiring.build_in_memory(clock=ManualClock(TEST_EPOCH_MS))
    app = container.apps.create("push")
    host = Host(
        container.auth,
        container.users,
        container.groups,
        container.objects,
        container.things,
        push=container.push,
    )
    executor = Executor(wiring.sandbox(replace(config.Settings(), script_engine=request.param)), host, 10)

    def execute(endpoint: str, params: Any = None) -> Any:
        caller = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        outcome = executor.run(
            Invocation(
                app.app_id, app.app_key, "http://localhost/api", "v1", CODE, endpoint, params or {}, caller
            )
        )
        assert outcome.succeeded, (outcome.error_code, outcome.error_message)
        return outcome.body["returnedValue"] if outcome.body else None

    execute.container = container  # type: ignore[attr-defined]
    execute.app_id = app.app_id  # type: ignore[attr-defined]
    return execute


def deliver(container: Any) -> RecordingPublisher:
    """What the dispatcher does with every event written so far."""
    mqtt = RecordingPublisher()
    for item in container.table.stream:
        container.push.deliver(EventCodec.from_item(item), mqtt)
    return mqtt


def test_server_code_creates_subscribes_sends_and_the_mqtt_installation_receives(run: Any) -> None:
    done = run("subscribeAndSend")
    assert isinstance(done, dict), done
    assert done["out"] == [True, "news", True, True, True, True, "over mqtt", False, False, 1, "news", None]
    user_id = done["userID"]
    installation = run.container.installations.create(
        Caller(Principal("admin", run.app_id)), {"deviceType": "MQTT", "userID": user_id}
    )
    mqtt = deliver(run.container)
    assert [(t, json.loads(p)) for t, p in mqtt.published] == [
        (
            installation.registration_id,
            {
                "m": "over mqtt",
                "sender": user_id,
                "topic": "news",
                "objectScopeType": "APP_AND_USER",
                "objectScopeUserID": user_id,
            },
        )
    ]
    object_id = run("changeNotes", {"userID": user_id})  # Push to App, from server code's write
    [(topic, payload)] = deliver(run.container).published  # the message is not sent twice
    assert topic == installation.registration_id
    assert (
        json.loads(payload)["objectID"] == object_id and json.loads(payload)["type"] == "DATA_OBJECT_CREATED"
    )


def test_server_code_meets_the_same_rules_as_rest(run: Any) -> None:
    assert run("rules") == [
        True,
        True,
        True,
        1,
        "SUBSCRIBE_TO_TOPIC",
        1,
        True,
        False,
        False,
        True,
        True,
        "target is invalid",
        True,
    ]


def test_server_code_creates_buckets_and_topics_by_the_scopes_acl(run: Any) -> None:
    from chalicelib.domain.scopes import Scope

    refused = run("userMakes", {"name": "maker1", "topic": "t1", "bucket": "b1"})
    assert "403" in refused[0] and refused[1] == "bucket", refused  # Kii's defaults
    admin, app = Caller(Principal("admin", run.app_id)), Scope(run.app_id, "app")
    authenticated = "UserID:ANY_AUTHENTICATED_USER"
    run.container.objects.change_scope_acl(admin, app, "CREATE_NEW_TOPIC", authenticated, True)
    run.container.objects.change_scope_acl(admin, app, "CREATE_NEW_BUCKET", authenticated, False)
    granted = run("userMakes", {"name": "maker2", "topic": "t2", "bucket": "b2"})
    assert granted[0] == "topic" and "403" in granted[1], granted
