"""Kii push topics, messages and subscriptions in every scope, and bucket subscriptions
(Push to App) (kii-rest-api.md §7.4; docs/push.md)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.buckets import SCOPES, ScopeOf
from chalicelib.api.http import KiiRequest, Reply, acl_reply, no_content, route
from chalicelib.domain.push import TOPIC_ACTIONS, Target, subscriber_from_path
from chalicelib.services.push import PushService

bp = Blueprint(__name__)

SUBSCRIBER = "/push/subscriptions/{subscriberKind}/{subscriberID}"


def _push() -> PushService:
    return wiring.container().push


def _subscription(request: KiiRequest, target: Target) -> Reply:
    subscriber = subscriber_from_path(request.params["subscriberKind"], request.params["subscriberID"])
    if request.method == "PUT":
        _push().subscribe(request.caller, target, subscriber)
    elif request.method == "DELETE":
        _push().unsubscribe(request.caller, target, subscriber)
    else:
        _push().require_subscribed(request.caller, target, subscriber)
    return no_content()


def _register(prefix: str, name: str, scope_of: ScopeOf) -> None:
    topic = prefix + "/topics/{topicID}"

    @route(bp, prefix + "/topics", ["GET"], f"{name}_topics")
    def topics(request: KiiRequest) -> Reply:
        found, after = _push().list_topics(
            request.caller, scope_of(request), request.query.get("paginationKey")
        )
        body: dict[str, object] = {"topics": [t.to_json() for t in found]}
        if after is not None:
            body["paginationKey"] = after
        return Reply(200, body)

    @route(bp, topic, ["PUT", "GET", "HEAD", "DELETE"], f"{name}_topic")
    def one(request: KiiRequest) -> Reply:
        scope, topic_id = scope_of(request), request.params["topicID"]
        if request.method == "PUT":
            _push().create_topic(request.caller, scope, topic_id)
            return no_content()
        if request.method == "DELETE":
            _push().delete_topic(request.caller, scope, topic_id)
            return no_content()
        return Reply(200, _push().topic(request.caller, scope, topic_id).to_json())

    @route(bp, topic + "/push/messages", ["POST"], f"{name}_topic_messages")
    def send(request: KiiRequest) -> Reply:
        sent = _push().send(request.caller, scope_of(request), request.params["topicID"], request.json())
        return Reply(
            201, {"pushMessageID": sent}, content_type="application/vnd.kii.SendPushMessageResponse+json"
        )

    @route(bp, topic + SUBSCRIBER, ["PUT", "GET", "HEAD", "DELETE"], f"{name}_topic_subscription")
    def topic_subscription(request: KiiRequest) -> Reply:
        return _subscription(request, PushService.topic_target(scope_of(request), request.params["topicID"]))

    @route(bp, topic + "/acl", ["GET"], f"{name}_topic_acl")
    def topic_acl(request: KiiRequest) -> Reply:
        found = _push().topic_acl(request.caller, scope_of(request), request.params["topicID"])
        return acl_reply(request, found, TOPIC_ACTIONS)

    @route(bp, topic + "/acl/{action}", ["GET"], f"{name}_topic_acl_action")
    def topic_acl_action(request: KiiRequest) -> Reply:
        return topic_acl(request)

    @route(bp, topic + "/acl/{action}/{subject}", ["GET", "PUT", "DELETE"], f"{name}_topic_acl_entry")
    def topic_acl_entry(request: KiiRequest) -> Reply:
        """GET asks, PUT grants, DELETE revokes."""
        if request.method == "GET":
            return topic_acl(request)
        _push().change_topic_acl(
            request.caller,
            scope_of(request),
            request.params["topicID"],
            request.params["action"],
            request.params["subject"],
            request.method == "PUT",
        )
        return no_content()

    bucket_subscription = prefix + "/buckets/{bucketID}/filters/all" + SUBSCRIBER

    @route(bp, bucket_subscription, ["PUT", "GET", "HEAD", "DELETE"], f"{name}_bucket_subscription")
    def bucket(request: KiiRequest) -> Reply:
        return _subscription(
            request, PushService.bucket_target(scope_of(request), request.params["bucketID"])
        )


for _prefix, _name, _scope_of in SCOPES:
    _register(_prefix, _name, _scope_of)


@route(bp, "/api/apps/{appID}/push/deliveries", ["GET"])
def deliveries(request: KiiRequest) -> Reply:
    """karakuri extension (admin): the pushes delivered lately, newest first (docs/push.md)."""
    found = _push().deliveries(request.caller)
    return Reply(200, {"deliveries": [d.to_json() for d in found]})
