"""``GET`` and ``POST /local/apps`` on the local stack only: its apps, and a new one, as
`karakuri app list` and `karakuri app create` give them from the shell (docs/console.md). AWS
never serves these routes (app.py registers them only in the embedded stack, as
``/local/demo-app``): there apps are the operator's, made with the CLI against the stage.

No CORS header, so another site's page can read neither the list nor a new app's secret; a
creation must be sent as ``application/json``, which another site's page cannot send here
without a preflight that the stack never allows (no form can create apps behind your back)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.local import stack

bp = Blueprint(__name__)

MAX_NAME = 100


def _answer(status: int, body: dict[str, Any]) -> Response:
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    return _answer(status, {"errorCode": code, "message": message, **extra})


@bp.route("/local/apps", methods=["GET", "POST"], content_types=["*/*"])
def apps() -> Response:
    current = stack.current()
    if current is None:
        return _error(404, "NOT_FOUND", "No local stack")
    request = bp.current_request
    if request.method == "GET":
        return _answer(200, {"apps": current.apps()})
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/json":
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Send the new app as application/json")
    try:
        body = json.loads(request.raw_body or b"{}")
    except (ValueError, RecursionError):
        body = None
    name = body.get("name", "karakuri app") if isinstance(body, dict) else None
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_NAME:
        return _error(400, "INVALID_INPUT_DATA", f"name: 1 to {MAX_NAME} characters", field="name")
    created = wiring.container().apps.create(name.strip())
    return _answer(201, created.to_json(current.api_url))
