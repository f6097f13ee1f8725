"""Kii's API over MQTT (kii-rest-api.md §10.2): a request published on
``p/{clientID}/thing-if/apps/{appID}/…`` (or ``…/api/apps/{appID}/…``) is an HTTP request
without its request line's path: ``METHOD``, header lines, a blank line, the body. It is
served by the same Chalice routes as REST — turned into the API Gateway proxy event the REST
Lambda receives and handed to the app — so every rule, event and trigger is the REST one.
The answer, ``<status>\\r\\n<headers>\\r\\n\\r\\n<body>``, goes to the requesting client on
``p/{its client ID}/<the same path>`` (docs/devices.md).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

REQUEST_TOPIC = re.compile(r"^p/([^/]+)/((?:thing-if|api)/apps/([^/]+)(?:/.*)?)$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
MAX_PAYLOAD = 1024 * 1024 + 16 * 1024  # the REST body limit plus the header lines
# What the answer repeats of the REST response's headers (CORS headers mean nothing here).
ANSWER_HEADERS = ("content-type", "location", "etag", "x-mqtt-ttl", "retry-after")
STATUS_LINE = re.compile(rb"^\d{3}\r?\n")

Api = Callable[[dict[str, Any], Any], dict[str, Any]]  # the Chalice app as a Lambda handler


class NotARequest(ValueError):
    """A message on a ``p/…`` topic that is no API request (an answer, garbage)."""


@dataclass(frozen=True)
class ApiRequest:
    client: str  # the topic's second level: the sender's client ID, or "anonymous"
    path: str  # "/thing-if/apps/{appID}/…", without the query
    query: dict[str, str]
    app_id: str
    method: str
    headers: dict[str, str]
    body: bytes

    def answer_topic(self, client_id: str) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else ""
        return f"p/{client_id}{self.path}{query}"


def is_answer(payload: bytes) -> bool:
    """An answer starts with its status line; requests start with their method."""
    return STATUS_LINE.match(payload[:8]) is not None


def parse(topic: str, payload: bytes) -> ApiRequest:
    match = REQUEST_TOPIC.match(topic)
    if match is None:
        raise NotARequest(f"not an API topic: {topic!r}")
    if len(payload) > MAX_PAYLOAD:
        raise NotARequest("the request is too large")
    if is_answer(payload):
        raise NotARequest("an answer, not a request")
    head, body = _split(payload)
    lines = head.decode("utf-8", "replace").splitlines()
    method = (lines[0] if lines else "").strip().upper()
    if method not in METHODS:
        raise NotARequest(f"no HTTP method: {method[:16]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    path, _, raw_query = match.group(2).partition("?")
    return ApiRequest(
        client=match.group(1),
        path="/" + path,
        query=dict(parse_qsl(raw_query, keep_blank_values=True)),
        app_id=match.group(3),
        method=method,
        headers=headers,
        body=body,
    )


def _split(payload: bytes) -> tuple[bytes, bytes]:
    """Head and body, at the first blank line (CRLF or LF, as Kii's samples send either)."""
    found = [(i, n) for i, n in ((payload.find(b"\r\n\r\n"), 4), (payload.find(b"\n\n"), 2)) if i >= 0]
    if not found:
        return payload, b""
    index, size = min(found)
    return payload[:index], payload[index + size :]


def answer(status: int, headers: Mapping[str, str], body: bytes) -> bytes:
    """Always with one header at least (Content-Length), so that the blank line that ends
    the headers is never mistaken for an empty header block."""
    lines = "\r\n".join(
        f"{name}: {value}" for name, value in {**headers, "Content-Length": str(len(body))}.items()
    )
    return f"{status}\r\n{lines}\r\n\r\n".encode() + body


def serve(api: Api, request: ApiRequest) -> bytes:
    """The answer to one request, from the same routes as REST."""
    status, headers, body = call(api, request)
    kept = {name: value for name, value in headers.items() if name.lower() in ANSWER_HEADERS}
    request_id = next((v for k, v in request.headers.items() if k.lower() == "x-kii-requestid"), None)
    if request_id is not None:
        kept["X-Kii-RequestID"] = request_id
    return answer(status, kept, body)


def call(api: Api, request: ApiRequest) -> tuple[int, dict[str, str], bytes]:
    routes: Mapping[str, Mapping[str, Any]] = getattr(api, "routes", {})
    found = match_route(tuple(routes), request.path)
    if found is None or request.method not in routes[found[0]]:
        body = {"errorCode": "NOT_FOUND", "message": f"No resource at {request.path}"}
        return 404, {"Content-Type": "application/json"}, json.dumps(body).encode()
    pattern, params = found
    event = {
        "resource": pattern,
        "path": request.path,
        "httpMethod": request.method,
        "headers": dict(request.headers),
        "multiValueHeaders": {k: [v] for k, v in request.headers.items()},
        "queryStringParameters": dict(request.query) or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in request.query.items()} or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": pattern,
            "httpMethod": request.method,
            "path": request.path,
            "stage": "mqtt",
            "identity": {"sourceIp": "mqtt"},
        },
        "body": base64.b64encode(request.body).decode() if request.body else None,
        "isBase64Encoded": bool(request.body),
    }
    response = api(event, None)
    raw = response.get("body") or b""
    if response.get("isBase64Encoded") and isinstance(raw, str):
        raw = base64.b64decode(raw)
    elif isinstance(raw, str):
        raw = raw.encode()
    headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
    return int(response["statusCode"]), headers, bytes(raw)


def match_route(patterns: tuple[str, ...], path: str) -> tuple[str, dict[str, str]] | None:
    """The route a path belongs to, as API Gateway picks it: literal segments before
    parameters."""
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for pattern, regex in _compiled(patterns):
        match = regex.match(path)
        if match is None:
            continue
        rank = tuple(1 if s.startswith("{") else 0 for s in pattern.split("/"))
        if best is None or rank < best[0]:
            best = (rank, pattern, match.groupdict())
    return None if best is None else (best[1], best[2])


@lru_cache(maxsize=4)
def _compiled(patterns: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    compiled = []
    for pattern in patterns:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        compiled.append((pattern, re.compile(f"^{regex}/?$")))
    return compiled
