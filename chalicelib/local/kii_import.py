"""`karakuri import kii`: copy an app from a Kii-compatible server over Kii's REST API.

Both ends are spoken to as Kii REST, with the app admin's token (client credentials): the
source is any Kii-compatible site, the target the local stack, where the app is registered
first with the same appID, appKey, clientID and clientSecret, so SDKs and tools configured
for the old site only change the site URL.

Copied today (docs/migrating.md):

- the app's identity;
- server code: every version's source (oldest first), its hook config, and which version is
  current (version IDs are new: the report maps old to new);
- app-scope buckets named with ``--bucket`` (Kii's REST has no bucket listing): every object
  with its ID and fields, the bucket's ACL and each object's ACL.

Not yet: users (Kii cannot export passwords: imported users would have to reset theirs),
groups and members, things and owners, and buckets of user, group and thing scopes — they
need ``POST /users/query`` and ``POST /things/query`` on both ends.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from typing import Any

from chalicelib.services.apps import AppCredentials

QUERY = "application/vnd.kii.QueryRequest+json"
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


def _objects(source: KiiRest, bucket: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    key: str | None = None
    while True:
        body: dict[str, Any] = {"bucketQuery": {"clause": {"type": "all"}}, "bestEffortLimit": 200}
        if key:
            body["paginationKey"] = key
        page = source.call("POST", f"/buckets/{bucket}/query", body, QUERY)[1]
        found.extend(page["results"])
        key = page.get("nextPaginationKey")
        if not key:
            return found


def _copy_bucket(source: KiiRest, target: KiiRest, bucket: str) -> int:
    objects = _objects(source, bucket)
    for obj in objects:
        fields = {k: v for k, v in obj.items() if k not in RESERVED}
        data_type = fields.pop("_dataType", None)
        content_type = (
            f"application/vnd.{target.app_id}.{data_type}+json" if data_type else "application/json"
        )
        path = f"/buckets/{bucket}/objects/{obj['_id']}"
        target.call("PUT", path, fields, content_type)
        _copy_acl(source, target, path)
    if objects:
        _copy_acl(source, target, f"/buckets/{bucket}")
    return len(objects)


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
    versions = _copy_server_code(source, target)
    objects = {bucket: _copy_bucket(source, target, bucket) for bucket in args.bucket or []}
    return {
        "appID": args.app_id,
        "baseURL": base_url,
        "serverCodeVersions": versions,
        "objects": objects,
        "notCopied": ["users", "groups", "things", "user, group and thing scope buckets"],
    }
