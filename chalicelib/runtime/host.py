"""The host side of the prelude's interface: one JSON request in, one JSON answer out.

A request is ``{id, op, token, args}``. The token names the principal the SDK object acts as
(the caller's own token, a token server code signed in with, the execution's admin token, or
none for anonymous); it is resolved like a REST ``Authorization`` header, once per execution.
Each op maps onto the same service call a REST route makes, so server code is authorized
exactly as a client would be, and its writes emit events whose causation names the
execution. Nothing outside the executing app is reachable: every call is made with a caller
of that app. Errors come back as Kii's ``{status, errorCode, message}``.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from chalicelib.domain import acl as acl_rules
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.domain.push import Subscriber, Target, subscriber_from_path
from chalicelib.domain.scopes import Scope
from chalicelib.domain.users import to_json as user_json
from chalicelib.errors import (
    InvalidInputData,
    KiiError,
    OperationNotAllowed,
    PushSubscriptionNotFound,
    TopicNotFound,
)
from chalicelib.services.auth import AuthService, login_identity
from chalicelib.services.bodies import BodyService
from chalicelib.services.groups import GroupService, group_json
from chalicelib.services.objects import ObjectService
from chalicelib.services.push import PushService
from chalicelib.services.things import ThingService
from chalicelib.services.users import UserService


@dataclass
class Session:
    """One execution: its app, its causation, and the principals its tokens stand for."""

    app_id: str
    causation: Causation
    principals: dict[str, Principal] = field(default_factory=dict)
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    deadline: float = math.inf  # time.monotonic() at which the execution's time is up
    # Secrets a record must never hold: the app key, and every token the execution saw.
    secrets: set[str] = field(default_factory=set, repr=False)
    # A real app-admin token standing for ``admin_token`` on the deployment's own API, issued
    # the first time the execution calls that API with it (``Host.http``).
    api_admin_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # The admin context's token lives only in this execution: never stored, never valid
        # outside it.
        self.principals[self.admin_token] = Principal("admin", self.app_id, None, self.admin_token)
        self.secrets.add(self.admin_token)


class HttpAnswer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> str: ...


class Outbound(Protocol):
    """Outbound HTTP under the egress policy (adapters/outbound.py). Raises ``TimeoutError``,
    or ``OSError`` for a network error or a refused destination."""

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, seconds: float
    ) -> HttpAnswer: ...


def _text(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInputData(f"{name} is required", field=name)
    return value


def _object(args: dict[str, Any], name: str) -> dict[str, Any]:
    value = args.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInputData(f"{name} must be an object", field=name)
    return value


def _version(args: dict[str, Any]) -> int | None:
    value = args.get("ifMatch")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInputData("ifMatch must be an object version", field="ifMatch") from None


Op = Callable[["Host", Caller, dict[str, Any]], Any]
OPS: dict[str, Op] = {}


def op(name: str) -> Callable[[Op], Op]:
    def register(fn: Op) -> Op:
        OPS[name] = fn
        return fn

    return register


@dataclass
class Host:
    auth: AuthService
    users: UserService
    groups: GroupService
    objects: ObjectService
    things: ThingService
    outbound: Outbound | None = None
    max_http_seconds: float = 20.0
    push: PushService | None = None  # topics and push
    api_base: str | None = None  # the deployment's own API (KARAKURI_BASE_URL)
    bodies: BodyService | None = None  # object bodies

    def perform(self, session: Session, request: Any) -> dict[str, Any]:
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict):
                raise InvalidInputData("A host request is an object")
            args = request.get("args")
            args = args if isinstance(args, dict) else {}
            if request.get("op") == "http.request":  # no principal: it leaves Kii
                return {"id": request_id, "ok": True, "value": self.http(session, args)}
            handler = OPS.get(request.get("op"))  # type: ignore[arg-type]
            if handler is None:
                raise InvalidInputData(f"Unknown operation: {request.get('op')}")
            value = handler(self, self._caller(session, request.get("token")), args)
            _remember_tokens(session, value)
            return {"id": request_id, "ok": True, "value": value}
        except KiiError as error:
            return {
                "id": request_id,
                "ok": False,
                "status": error.status,
                "errorCode": error.error_code,
                "message": error.message,
            }

    def http(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        """``$.ajax``: the answer is a value either way; a network failure, a refused
        destination or a timeout is ``status: 0`` with jQuery's ``textStatus``."""
        method, url = _text(args, "method"), _text(args, "url")
        raw_headers = _object(args, "headers")
        headers = self._own_api_headers(
            session, url, {str(k): str(v) for k, v in raw_headers.items() if v is not None}
        )
        body = args.get("body")
        timeout = args.get("timeout")
        seconds = min(session.deadline - time.monotonic(), self.max_http_seconds)
        if isinstance(timeout, int | float) and timeout > 0:
            seconds = min(seconds, timeout / 1000)
        if self.outbound is None:
            return {"status": 0, "textStatus": "error", "message": "outbound HTTP is not configured"}
        try:
            answer = self.outbound.request(
                method, url, headers, body.encode() if isinstance(body, str) else None, seconds
            )
        except TimeoutError:
            return {"status": 0, "textStatus": "timeout", "message": "timeout"}
        except (OSError, ValueError) as error:  # network, refused, or a URL that is not one
            return {"status": 0, "textStatus": "error", "message": str(error) or "error"}
        return {
            "status": answer.status,
            "statusText": answer.reason,
            "headers": dict(answer.headers),
            "body": answer.body,
        }

    def _own_api_headers(self, session: Session, url: str, headers: dict[str, str]) -> dict[str, str]:
        """Kii server code called its app's REST and Thing-IF APIs with the admin context's
        token (``admin._getToken()``). That token lives only in the execution, so a request
        to the deployment's own API carrying it gets a real admin token instead, valid until
        the execution's deadline. Only the configured origin: a Host header never decides
        where an admin token goes."""
        if self.api_base is None or _origin(url) != _origin(self.api_base):
            return headers
        for name, value in headers.items():
            if name.lower() == "authorization" and value.strip() == f"Bearer {session.admin_token}":
                headers[name] = f"Bearer {self._api_admin_token(session)}"
        return headers

    def _api_admin_token(self, session: Session) -> str:
        if session.api_admin_token is None:
            app = self.auth.app(session.app_id)
            left = session.deadline - time.monotonic()
            expires_at = None
            if math.isfinite(left):
                expires_at = self.auth.clock.now_ms() + max(int(left * 1000), 1000)
            issued = self.auth.issue(app.app_id, "admin", app.client_id, expires_at, with_refresh=False)
            session.api_admin_token = issued.access_token
            session.secrets.add(issued.access_token)
        return session.api_admin_token

    def _caller(self, session: Session, token: Any) -> Caller:
        if token is None:
            return Caller(Principal("anonymous", session.app_id), session.causation)
        if not isinstance(token, str):
            raise InvalidInputData("A token is a string")
        session.secrets.add(token)
        principal = session.principals.get(token)
        if principal is None:
            principal = self.auth.authenticate(session.app_id, f"Bearer {token}")
            session.principals[token] = principal
        return Caller(principal, session.causation)

    def scope(self, caller: Caller, args: dict[str, Any]) -> Scope:
        scope = _object(args, "scope")
        kind = scope.get("kind", "app")
        if kind == "app":
            return Scope(caller.app_id, "app")
        owner = _text(scope, "id")
        if kind == "user":
            return self.objects.user_scope(caller, self.users.resolve(caller, owner).user_id)
        if kind == "group":
            return self.objects.group_scope(caller, owner)
        if kind == "thing":
            return self.objects.thing_scope(caller, owner)
        raise InvalidInputData(f"Unknown scope kind: {kind}")


def _origin(url: str) -> tuple[str, str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        return None
    return parts.scheme, parts.hostname.lower(), port


def _remember_tokens(session: Session, value: Any) -> None:
    """Tokens an op hands to server code (sign-in, registration) join the execution's
    secrets, so no record keeps them."""
    if isinstance(value, dict):
        for key in ("token", "_accessToken", "access_token", "_refreshToken", "refresh_token"):
            if isinstance(value.get(key), str):
                session.secrets.add(value[key])


# --- users ----------------------------------------------------------------------------------------
@op("user.get")
def _user_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return host.users.get(caller, _text(args, "user"))


@op("user.whoami")
def _user_whoami(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    if caller.principal.kind != "user" or caller.principal.id is None:
        raise InvalidInputData("The token is not a user's token")
    return host.users.get(caller, caller.principal.id)


@op("user.login")
def _user_login(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    username = _text(args, "username")
    if login_identity(username)[0] is None:
        raise InvalidInputData("KiiUser.authenticate signs in users, not things", field="username")
    app = host.auth.app(caller.app_id)
    issued = host.auth.grant(app, {"username": username, "password": args.get("password")})
    if issued.principal_id is None:
        raise InvalidInputData("Not a user's credentials")
    signed_in = Caller(Principal("user", caller.app_id, issued.principal_id), caller.causation)
    return {"token": issued.access_token, "user": host.users.get(signed_in, issued.principal_id)}


@op("user.register")
def _user_register(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    user, tokens = host.users.register(caller, _object(args, "body"), True)
    return {"user": user_json(user, True), "token": tokens.access_token if tokens else None}


@op("user.update")
def _user_update(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    updated = host.users.update(caller, _text(args, "user"), _object(args, "body"))
    return host.users.get(caller, updated.user_id)


@op("user.delete")
def _user_delete(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.users.delete(caller, _text(args, "user"))


@op("user.changePassword")
def _user_password(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.users.change_password(caller, _text(args, "user"), _object(args, "body"))


@op("user.groups")
def _user_groups(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    user_id = host.users.resolve(caller, _text(args, "user")).user_id
    role = "owner" if args.get("role") == "owner" else "is_member"
    return [group_json(g) for g in host.groups.of_user(caller, {role: user_id})]


# --- groups ---------------------------------------------------------------------------------------
@op("group.create")
def _group_create(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return group_json(host.groups.create(caller, _object(args, "body"))[0])


@op("group.createWithID")
def _group_create_with_id(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return group_json(host.groups.create(caller, _object(args, "body"), _text(args, "group"))[0])


@op("group.get")
def _group_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return group_json(host.groups.get(caller, _text(args, "group")))


@op("group.members")
def _group_members(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return host.groups.members(caller, _text(args, "group"))


@op("group.addMember")
def _group_add(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.groups.add_member(caller, _text(args, "group"), _text(args, "user"))


@op("group.removeMember")
def _group_remove(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.groups.remove_member(caller, _text(args, "group"), _text(args, "user"))


@op("group.rename")
def _group_rename(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.groups.rename(caller, _text(args, "group"), args.get("name"))


@op("group.delete")
def _group_delete(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.groups.delete(caller, _text(args, "group"))


# --- objects, buckets, ACLs -------------------------------------------------------------------------
@op("object.create")
def _object_create(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    object_id = args.get("object")
    created = host.objects.create(
        caller,
        scope,
        _text(args, "bucket"),
        _object(args, "body"),
        args.get("dataType") if isinstance(args.get("dataType"), str) else None,
        object_id if isinstance(object_id, str) else None,
    )
    return created.to_json()


@op("object.get")
def _object_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    return host.objects.get(caller, scope, _text(args, "bucket"), _text(args, "object")).to_json()


@op("object.replace")
def _object_replace(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    saved, _ = host.objects.replace(
        caller,
        scope,
        _text(args, "bucket"),
        _text(args, "object"),
        _object(args, "body"),
        args.get("dataType") if isinstance(args.get("dataType"), str) else None,
        _version(args),
        args.get("ifNoneMatch") is True,
    )
    return saved.to_json()


@op("object.patch")
def _object_patch(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    patched = host.objects.patch(
        caller, scope, _text(args, "bucket"), _text(args, "object"), _object(args, "body"), _version(args)
    )
    return patched.to_json()


@op("object.delete")
def _object_delete(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    host.objects.delete(caller, scope, _text(args, "bucket"), _text(args, "object"), _version(args))


@op("object.publishBody")
def _object_publish_body(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    if host.bodies is None:
        raise OperationNotAllowed("Object bodies are not available here")
    scope = host.scope(caller, args)
    bucket, object_id = _text(args, "bucket"), _text(args, "object")
    return {"url": host.bodies.publish(caller, scope, bucket, object_id, _object(args, "body"))}


@op("bucket.query")
def _bucket_query(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope = host.scope(caller, args)
    return host.objects.query(caller, scope, _text(args, "bucket"), _object(args, "query"))


@op("bucket.drop")
def _bucket_drop(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.objects.drop_bucket(caller, host.scope(caller, args), _text(args, "bucket"))


@op("acl.get")
def _acl_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope, bucket = host.scope(caller, args), _text(args, "bucket")
    if args.get("object") is None:
        return acl_rules.to_json(host.objects.bucket_acl(caller, scope, bucket))
    return acl_rules.to_json(host.objects.object_acl(caller, scope, bucket, _text(args, "object")))


@op("acl.change")
def _acl_change(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    scope, bucket = host.scope(caller, args), _text(args, "bucket")
    action, subject, grant = _text(args, "action"), _text(args, "subject"), args.get("grant") is not False
    if args.get("object") is None:
        host.objects.change_bucket_acl(caller, scope, bucket, action, subject, grant)
    else:
        host.objects.change_object_acl(caller, scope, bucket, _text(args, "object"), action, subject, grant)


# --- things -----------------------------------------------------------------------------------------
@op("thing.register")
def _thing_register(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    thing, _ = host.things.register(caller, _object(args, "body"), False)
    return thing.to_json()


@op("thing.get")
def _thing_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return host.things.get(caller, _text(args, "thing")).to_json()


@op("thing.update")
def _thing_update(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return host.things.update(caller, _text(args, "thing"), _object(args, "body")).to_json()


@op("thing.delete")
def _thing_delete(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.things.delete(caller, _text(args, "thing"))


@op("thing.status")
def _thing_status(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.things.set_status(caller, _text(args, "thing"), {"disabled": args.get("disabled") is True})


@op("thing.addOwner")
def _thing_add_owner(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.things.add_owner(caller, _text(args, "thing"), _text(args, "owner"))


@op("thing.removeOwner")
def _thing_remove_owner(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    host.things.remove_owner(caller, _text(args, "thing"), _text(args, "owner"))


@op("thing.isOwner")
def _thing_is_owner(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return host.things.is_owner(caller, _text(args, "thing"), _text(args, "owner"))


# --- server code ------------------------------------------------------------------------------------
@op("servercode.execute")
def _servercode_execute(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    raise OperationNotAllowed("Server code cannot execute server code")


# --- topics and push (docs/push.md) -----------------------------------------------------------------
def _push(host: Host) -> PushService:
    if host.push is None:
        raise OperationNotAllowed("Push is not available here")
    return host.push


@op("topic.create")
def _topic_create(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    _push(host).create_topic(caller, host.scope(caller, args), _text(args, "topic"))


@op("topic.exists")
def _topic_exists(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    try:
        _push(host).topic(caller, host.scope(caller, args), _text(args, "topic"))
    except TopicNotFound:
        return False
    return True


@op("topic.delete")
def _topic_delete(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    _push(host).delete_topic(caller, host.scope(caller, args), _text(args, "topic"))


@op("topic.list")
def _topic_list(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    after = args.get("paginationKey")
    found, following = _push(host).list_topics(
        caller, host.scope(caller, args), after if isinstance(after, str) else None
    )
    return {"topics": [t.topic_id for t in found], "paginationKey": following}


@op("topic.send")
def _topic_send(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return _push(host).send(caller, host.scope(caller, args), _text(args, "topic"), args.get("message"))


@op("topic.acl.get")
def _topic_acl_get(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    return acl_rules.to_json(_push(host).topic_acl(caller, host.scope(caller, args), _text(args, "topic")))


@op("topic.acl.change")
def _topic_acl_change(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    action, subject, grant = _text(args, "action"), _text(args, "subject"), args.get("grant") is not False
    scope, topic = host.scope(caller, args), _text(args, "topic")
    _push(host).change_topic_acl(caller, scope, topic, action, subject, grant)


def _subscription(host: Host, caller: Caller, args: dict[str, Any]) -> tuple[Target, Subscriber]:
    scope, name = host.scope(caller, args), _text(args, "name")
    bucket = args.get("target") == "bucket"
    target = PushService.bucket_target(scope, name) if bucket else PushService.topic_target(scope, name)
    who = _object(args, "subscriber")
    return target, subscriber_from_path(_text(who, "kind"), _text(who, "id"))


@op("push.subscribe")
def _push_subscribe(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    _push(host).subscribe(caller, *_subscription(host, caller, args))


@op("push.unsubscribe")
def _push_unsubscribe(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    _push(host).unsubscribe(caller, *_subscription(host, caller, args))


@op("push.isSubscribed")
def _push_is_subscribed(host: Host, caller: Caller, args: dict[str, Any]) -> Any:
    try:
        _push(host).require_subscribed(caller, *_subscription(host, caller, args))
    except PushSubscriptionNotFound:
        return False
    return True
