"""Every request gets a Kii answer, whatever it is: unknown paths, wrong methods, HEAD, and
the HTTP server's own errors (an unknown method, oversized headers)."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Kii


def test_unknown_path_answers_404_not_found(kii: Kii) -> None:
    for path in ("/api/nowhere", f"/api/apps/{kii.app.app_id}/things/t1/nowhere", "/"):
        reply = kii.call("GET", path if path != "/" else "/api", token=None)
        assert (reply.status, reply.body["errorCode"]) == (404, "NOT_FOUND"), path


def test_wrong_method_answers_405_operation_not_supported(kii: Kii) -> None:
    reply = kii.call("DELETE", "/oauth2/token")
    assert (reply.status, reply.body["errorCode"]) == (405, "OPERATION_NOT_SUPPORTED")
    assert set(reply.body) == {"errorCode", "message"}


def test_wrong_method_to_head_has_no_body(kii: Kii) -> None:
    reply = kii.call("HEAD", "/server-code/versions", token=kii.admin_token())
    assert reply.status == 405 and not reply.body


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from moto import mock_aws

    from app import app, dispatcher
    from chalicelib import wiring
    from chalicelib.local.server import LiveStack
    from tests.conftest import TEST_SETTINGS

    with mock_aws():
        stack = LiveStack(
            app,
            lambda batch: dispatcher(batch, None),
            Path(tmp_path_factory.mktemp("live")),
            settings=TEST_SETTINGS,
        )
        try:
            yield stack
        finally:
            stack.stop()
            wiring.reset()


def _raw(live: Any, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else None
    finally:
        connection.close()


def test_local_server_answers_kii_errors_for_what_it_refuses_itself(live: Any) -> None:
    assert _raw(live, "GET", "/api/nowhere") == (
        404,
        {"errorCode": "NOT_FOUND", "message": "No resource at /api/nowhere"},
    )
    status, body = _raw(live, "FOO", "/api/oauth2/token")
    assert (status, body["errorCode"]) == (405, "OPERATION_NOT_SUPPORTED")
    status, body = _raw(live, "GET", "/api/nowhere", {"X-Big": "x" * 70000})
    assert (status, body["errorCode"]) == (431, "INVALID_INPUT_DATA")
