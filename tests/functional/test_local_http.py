"""The local stack's HTTP server as browsers and SDKs read it: one answer, one set of headers."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.local.server import LiveStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    from app import app, dispatcher

    live = LiveStack(app, lambda batch: dispatcher(batch, None), tmp_path_factory.mktemp("local-http"))
    yield live
    live.stop()
    wiring.reset()


def _call(
    stack: LiveStack, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def _json(stack: LiveStack, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    response, data = _call(stack, method, path, json.dumps(body).encode(), headers)
    assert response.status in (200, 201), data
    return json.loads(data)


def test_head_of_an_object_body_sends_one_content_length(stack: LiveStack) -> None:
    """Chalice adds the (empty) body's length beside the size a HEAD names; Chromium refuses
    an answer with two Content-Length headers ("Failed to fetch")."""
    credentials = stack.stack.credentials
    assert credentials is not None
    app = f"/api/apps/{credentials.app_id}"
    plain = {"Content-Type": "application/json"}
    _json(stack, "POST", f"{app}/users", {"loginName": "headreader", "password": "pass1234"}, plain)
    keys = {"X-Kii-AppID": credentials.app_id, "X-Kii-AppKey": credentials.app_key}
    token = _json(
        stack,
        "POST",
        "/api/oauth2/token",
        {"username": "headreader", "password": "pass1234"},
        {**plain, **keys},
    )["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = _json(stack, "POST", f"{app}/buckets/heads/objects", {"n": 1}, {**plain, **auth})
    body = f"{app}/buckets/heads/objects/{created['objectID']}/body"
    put, _ = _call(stack, "PUT", body, b"0123456789", {**auth, "Content-Type": "text/plain"})
    assert put.status in (200, 201)

    head, data = _call(stack, "HEAD", body, headers=auth)
    assert head.status == 200 and data == b""
    assert head.msg.get_all("Content-Length") == ["10"]
    got, data = _call(stack, "GET", body, headers=auth)
    assert got.msg.get_all("Content-Length") == ["10"] and data == b"0123456789"
