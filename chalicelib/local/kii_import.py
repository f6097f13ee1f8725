"""`karakuri import kii`: copy an app from a Kii-compatible server over Kii's REST API.

Both ends are spoken to as Kii REST, with the app admin's token (client credentials): the
source is any Kii-compatible site, the target the local stack, where the app is registered
first with the same appID, appKey, clientID and clientSecret, so SDKs and tools configured
for the old site only change the site URL.

Copied (docs/migrating.md), data first and server code last, so that no hook runs for what is
imported:

- the app's identity;
- users (``POST /users/query``) with their IDs, identities, verification flags and custom
  fields. Passwords cannot be exported: an imported user has none and must reset it (request
  a reset by email or SMS, or the admin sets one with ``PUT /users/{id}/password``);
- groups with their IDs, names, owners and members (``GET /groups?owner=`` and
  ``?is_member=`` of every user: Kii's REST has no listing of all groups);
- things (``POST /things/query``) with their IDs, vendorThingIDs and fields, and their owners.
  A thing's password cannot be exported either: an imported thing gets a random one;
- buckets named with ``--bucket`` (Kii's REST has no bucket listing) in every scope — the app,
  each user, each group and each thing: every object with its ID and fields, the bucket's ACL
  and each object's ACL;
- server code: every version's source (oldest first), its hook config, and which version is
  current (version IDs are new: the report maps old to new).

Users, groups and things are written straight into the local stack's tables (Kii's REST
cannot create them with given IDs), without events: no hook runs for them.
"""

from __future__ import annotations

import argparse
import json
import secrets
import urllib.error
import urllib.request
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain import users as user_rules
from chalicelib.domain.models import Group, User
from chalicelib.domain.things import READ_ONLY as THING_READ_ONLY
from chalicelib.domain.things import Owner, Thing, thing_fields
from chalicelib.errors import InvalidInputData, ThingAlreadyExists, UserAlreadyExists
from chalicelib.services.apps import AppCredentials

QUERY = "application/vnd.kii.QueryRequest+json"
USER_QUERY = "application/vnd.kii.UserQueryRequest+json"
THING_QUERY = "application/vnd.kii.ThingQueryRequest+json"
RESERVED = ("_id", "_created", "_modified", "_owner", "_version", "_calculated")


class KiiRest:
    """A small Kii REST client for one app, as its admin (client credentials) or with a token."""

    def __init__(
        self,
        site: str,
        app_id: str,
        app_key: str = "",
        client: tuple[str | None, str | None] = (None, None),
        token: str | None = None,
    ) -> None:
        self.site = site.rstrip("/").removesuffix("/api")
        self.app_id, self.app_key = app_id, app_key
        self._client, self._token = client, token

    def admin_token(self) -> str:
        if self._token is None:
            client_id, client_secret = self._client
            if not client_id or not client_secret:
                raise SystemExit("Pass --client-id and --client-secret (or --token) for admin commands")
            _, body, _ = self.call(
                "POST", "/oauth2/token", {"client_id": client_id, "client_secret": client_secret}, token=None
            )
            self._token = str(body["access_token"])
        return self._token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        token: str | bool | None = True,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> tuple[int, Any, dict[str, str]]:
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
        request = urllib.request.Request(
            f"{self.site}/api/apps/{self.app_id}{path}", data=data, method=method
        )
        request.add_header("Content-Type", content_type)
        request.add_header("X-Kii-AppID", self.app_id)
        if self.app_key:
            request.add_header("X-Kii-AppKey", self.app_key)
        bearer = self.admin_token() if token is True else token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw, headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, headers = error.code, error.read(), dict(error.headers)
        text = raw.decode() if raw else ""
        parsed: Any = text
        if "json" in headers.get("Content-Type", "") and text:
            parsed = json.loads(text)
        if status not in ok:
            raise SystemExit(f"{method} {request.full_url} failed with {status}: {text}")
        return status, parsed, headers


def _copy_server_code(source: KiiRest, target: KiiRest) -> dict[str, str]:
    """Every version, oldest first, with its hook config; then the current one. Old -> new ID."""
    versions = source.call("GET", "/server-code/versions")[1]["versions"]
    mapping: dict[str, str] = {}
    for version in sorted(versions, key=lambda v: (v.get("createdAt", 0), v["versionID"])):
        old = version["versionID"]
        code = source.call("GET", f"/server-code/versions/{old}")[1]
        new = target.call("POST", "/server-code", code, "application/javascript")[1]["versionID"]
        mapping[old] = new
        status, hooks, _ = source.call("GET", f"/hooks/versions/{old}", ok=(200, 404))
        if status == 200:
            config = hooks if isinstance(hooks, str) else json.dumps(hooks)
            target.call(
                "PUT", f"/hooks/versions/{new}", config, "application/vnd.kii.HooksDeploymentRequest+json"
            )
    for version in versions:
        if version.get("current"):
            target.call("PUT", "/server-code/versions/current", mapping[version["versionID"]], "text/plain")
    return mapping


def _subject(entry: dict[str, str]) -> str:
    kind, value = next(iter(entry.items()))
    return {"userID": "UserID", "groupID": "GroupID", "thingID": "ThingID"}[kind] + ":" + value


def _acl(rest: KiiRest, path: str) -> dict[str, set[str]]:
    body = rest.call("GET", f"{path}/acl")[1]
    return {action: {_subject(e) for e in entries} for action, entries in body.items()}


def _copy_acl(source: KiiRest, target: KiiRest, path: str) -> None:
    wanted, present = _acl(source, path), _acl(target, path)
    for action in set(wanted) | set(present):
        for subject in sorted(wanted.get(action, set()) - present.get(action, set())):
            target.call("PUT", f"{path}/acl/{action}/{subject}", ok=(200, 201, 204, 409))
        for subject in sorted(present.get(action, set()) - wanted.get(action, set())):
            target.call("DELETE", f"{path}/acl/{action}/{subject}", ok=(200, 204, 404))


def _pages(source: KiiRest, path: str, query: str, content_type: str) -> list[dict[str, Any]] | None:
    """Every result of a Kii query (the ``all`` clause), page by page; None when ``path`` is
    not there (a bucket that does not exist)."""
    found: list[dict[str, Any]] = []
    body: dict[str, Any] = {query: {"clause": {"type": "all"}}, "bestEffortLimit": 200}
    while True:
        status, page, _ = source.call("POST", path, body, content_type, ok=(200, 404))
        if status == 404:
            return None
        found.extend(page["results"])
        if not page.get("nextPaginationKey"):
            return found
        body["paginationKey"] = page["nextPaginationKey"]


def _copy_bucket(source: KiiRest, target: KiiRest, scope: str, bucket: str) -> int | None:
    """A bucket of a scope (``""`` for the app, ``/users/{id}``, ``/groups/{id}``,
    ``/things/{id}``): its objects, their ACLs and the bucket's ACL. None if it does not exist."""
    objects = _pages(source, f"{scope}/buckets/{bucket}/query", "bucketQuery", QUERY)
    if objects is None:
        return None
    for obj in objects:
        fields = {k: v for k, v in obj.items() if k not in RESERVED}
        data_type = fields.pop("_dataType", None)
        content_type = (
            f"application/vnd.{target.app_id}.{data_type}+json" if data_type else "application/json"
        )
        path = f"{scope}/buckets/{bucket}/objects/{obj['_id']}"
        target.call("PUT", path, fields, content_type)
        _copy_acl(source, target, path)
    if objects:
        _copy_acl(source, target, f"{scope}/buckets/{bucket}")
    return len(objects)


def _user(app_id: str, body: dict[str, Any], now: int) -> User:
    """A user as Kii returns it to the admin, without a password (it cannot be exported)."""

    def text(name: str) -> str | None:
        value = body.get(name)
        return value if isinstance(value, str) else None

    internal = body.get("internalUserID")
    return User(
        app_id=app_id,
        user_id=str(body["userID"]),
        internal_user_id=internal if isinstance(internal, int) else ids.new_internal_user_id(),
        created_at=int(body.get("_created", now)),
        modified_at=int(body.get("_modified", now)),
        login_name=text("loginName"),
        display_name=text("displayName"),
        country=text("country"),
        locale=text("locale"),
        email=text("emailAddress"),
        email_verified=body.get("emailAddressVerified") is True,
        email_pending=text("_emailAddressPending"),
        phone=text("phoneNumber"),
        phone_verified=body.get("phoneNumberVerified") is True,
        phone_pending=text("_phoneNumberPending"),
        disabled=body.get("_disabled") is True,
        custom=user_rules.custom_fields(body),
    )


def _copy_users(source: KiiRest, services: Any, app_id: str, now: int, refused: list[str]) -> list[str]:
    """The users copied or already there; those the target refuses (a login name, email
    address or phone number another user holds) are named in ``refused``."""
    users = _pages(source, "/users/query", "userQuery", USER_QUERY) or []
    store, copied = services.users.users, []
    for body in users:
        user_id = str(body["userID"])
        try:
            if store.get(app_id, user_id) is None:
                store.create(_user(app_id, body, now), [])
        except UserAlreadyExists as error:
            refused.append(f"user {user_id}: {error}")
            continue
        copied.append(user_id)
    return copied


def _copy_groups(source: KiiRest, services: Any, app_id: str, user_ids: list[str], now: int) -> list[str]:
    """Groups are found through their owners and members (Kii lists no groups otherwise)."""
    found: dict[str, dict[str, Any]] = {}
    for user_id in user_ids:
        for relation in ("owner", "is_member"):
            for group in source.call("GET", f"/groups?{relation}={user_id}")[1]["groups"]:
                found[str(group["groupID"])] = group
    store = services.groups.groups
    for group_id, group in sorted(found.items()):
        if store.get(app_id, group_id) is not None:
            continue
        members = source.call("GET", f"/groups/{group_id}/members")[1]["members"]
        store.create(
            Group(
                app_id,
                group_id,
                str(group["name"]),
                str(group["owner"]),
                int(group.get("createdAt", now)),
                int(group.get("modifiedAt", now)),
            ),
            [str(m["userID"]) for m in members],
            [],
        )
    return sorted(found)


def _thing_fields(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The fields karakuri keeps for a thing, and the names of those it cannot (reported)."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in body.items():
        if name in THING_READ_ONLY or name in ("_online", "_onlineStatusModifiedAt"):
            continue
        try:
            kept.update(thing_fields({name: value}))
        except InvalidInputData:
            dropped.append(name)
    return kept, dropped


def _copy_things(
    source: KiiRest, services: Any, app_id: str, now: int, refused: list[str]
) -> tuple[list[str], list[str]]:
    """The things copied or already there, and the thing fields karakuri does not keep; a
    thing whose vendorThingID another thing holds is named in ``refused``."""
    things = _pages(source, "/things/query", "thingQuery", THING_QUERY) or []
    store, dropped, copied = services.things.things, set(), []
    for body in things:
        thing_id = str(body["_thingID"])
        fields, cannot = _thing_fields(body)
        dropped.update(cannot)
        thing = store.get(app_id, thing_id)
        if thing is None:
            thing = Thing(
                app_id,
                thing_id,
                str(body["_vendorThingID"]),
                # The password cannot be exported: a random one nobody knows (docs/migrating.md).
                services.things.hasher.hash(secrets.token_urlsafe(32)),
                fields,
                int(body.get("_created", now)),
                int(body.get("_modified", body.get("_created", now))),
                disabled=body.get("_disabled") is True,
            )
            try:
                store.create(thing, [])
            except ThingAlreadyExists as error:
                refused.append(f"thing {thing_id}: {error}")
                continue
        copied.append(thing_id)
        owners = source.call("GET", f"/things/{thing_id}/ownership")[1]
        present = set(store.owners(app_id, thing_id))
        for kind, key in (("user", "users"), ("group", "groups")):
            for owner_id in owners.get(key, []):
                owner = Owner(kind, str(owner_id))  # type: ignore[arg-type]
                if owner not in present:
                    store.add_owner(thing, owner, [])
    return copied, sorted(dropped)


def run(args: argparse.Namespace, services: Any, base_url: str) -> dict[str, Any]:
    missing = [
        f"--{n.replace('_', '-')}"
        for n in ("site", "app_id", "app_key", "client_id", "client_secret")
        if not getattr(args, n)
    ]
    if missing:
        raise SystemExit(f"karakuri import kii needs {', '.join(missing)}")
    client = (args.client_id, args.client_secret)
    source = KiiRest(args.site, args.app_id, args.app_key, client)
    source.admin_token()  # fail early on wrong credentials
    if not services.apps.exists(args.app_id):
        services.apps.register(
            AppCredentials(args.app_id, args.app_key, args.client_id, args.client_secret, args.app_id)
        )
    target = KiiRest(base_url, args.app_id, args.app_key, client)
    now = services.users.clock.now_ms()
    refused: list[str] = []
    users = _copy_users(source, services, args.app_id, now, refused)
    groups = _copy_groups(source, services, args.app_id, users, now)
    things, dropped = _copy_things(source, services, args.app_id, now, refused)
    scopes = (
        [""]
        + [f"/users/{u}" for u in users]
        + [f"/groups/{g}" for g in groups]
        + [f"/things/{t}" for t in things]
    )
    objects: dict[str, int] = {}
    for bucket in args.bucket or []:
        for scope in scopes:
            copied = _copy_bucket(source, target, scope, bucket)
            if copied is not None:
                objects[f"{scope.lstrip('/') or 'app'}/{bucket}" if scope else bucket] = copied
    versions = _copy_server_code(source, target)  # last: no hook runs for the imported data
    return {
        "appID": args.app_id,
        "baseURL": base_url,
        "users": len(users),
        "usersMustResetPasswords": True,
        "groups": len(groups),
        "things": len(things),
        "thingFieldsNotKept": dropped,
        "refused": refused,
        "objects": objects,
        "serverCodeVersions": versions,
    }
