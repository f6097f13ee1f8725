"""``GET``/``POST /local/apps``: the local stack's apps and a new one (the console's overview,
as `karakuri app list`/`app create`), served only by the embedded local stack, never in AWS."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Kii
from tests.functional.test_local_stack import _request, _running, _wait_ready


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[str]]:
    with _running(tmp_path_factory.mktemp("local-apps") / "state") as process:
        _wait_ready(process)
        # The stack's output is not read after this: drain it, or a full pipe would block it.
        assert process.stdout is not None
        drain = process.stdout
        import threading

        threading.Thread(target=lambda: [None for _ in drain], daemon=True).start()
        yield process


def _site(process: subprocess.Popen[str]) -> str:
    return f"http://127.0.0.1:{process.port}"  # type: ignore[attr-defined]


def _raw(url: str, method: str = "GET", body: bytes | None = None, content_type: str | None = None) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_the_local_stack_lists_its_apps_with_the_demo_app(local: subprocess.Popen[str]) -> None:
    demo = json.loads((local.state / "local-app.json").read_text())  # type: ignore[attr-defined]
    status, headers, body = _raw(f"{_site(local)}/local/apps")
    assert status == 200
    assert demo["appID"] in [a["appID"] for a in body["apps"]]
    assert set(body["apps"][0]) == {"appID", "name", "createdAt"}  # no key, no secret
    assert "Access-Control-Allow-Origin" not in headers and headers["Cache-Control"] == "no-store"


def test_an_app_created_on_the_local_stack_is_listed_and_its_admin_signs_in(
    local: subprocess.Popen[str],
) -> None:
    status, _, created = _raw(f"{_site(local)}/local/apps", "POST", b'{"name": "shop"}', "application/json")
    assert status == 201
    assert set(created) == {"baseURL", "appID", "appKey", "clientID", "clientSecret", "name"}
    assert created["name"] == "shop" and created["baseURL"] == f"{_site(local)}/api"
    admin = _request(
        f"{created['baseURL']}/apps/{created['appID']}/oauth2/token",
        {"client_id": created["clientID"], "client_secret": created["clientSecret"]},
    )
    assert admin["id"] == created["clientID"]
    _, _, listed = _raw(f"{_site(local)}/local/apps")
    assert {"appID": created["appID"], "name": "shop"}.items() <= listed["apps"][-1].items()


def test_an_app_is_created_only_from_json(local: subprocess.Popen[str]) -> None:
    """A form of another site cannot send application/json without a preflight, which the
    stack never allows: no page elsewhere creates apps."""
    url = f"{_site(local)}/local/apps"
    status, _, body = _raw(url, "POST", b"name=evil", "application/x-www-form-urlencoded")
    assert (status, body["errorCode"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    for bad in (
        b'{"name": ""}',
        b'{"name": 7}',
        b"[1]",
        b"{not json",
        json.dumps({"name": "x" * 101}).encode(),
    ):
        status, _, body = _raw(url, "POST", bad, "application/json")
        assert (status, body["errorCode"]) == (400, "INVALID_INPUT_DATA"), bad


def test_outside_the_local_stack_there_are_no_local_app_routes(kii: Kii) -> None:
    from app import app

    assert not [path for path in app.routes if path.startswith("/local/")]
    for method in ("get", "post"):
        reply = getattr(kii.http, method)(
            "/local/apps", headers={"Content-Type": "application/json"}, body=b'{"name": "x"}'
        )
        assert (reply.status_code, json.loads(reply.body)["errorCode"]) == (404, "NOT_FOUND")
