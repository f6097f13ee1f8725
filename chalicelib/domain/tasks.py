"""Scheduled tasks (docs/server-code.md, "Scheduled tasks"): a one-off REST call to the app's
own API at a time, registered by the app admin (Kii's ``TaskCreationRequest``). Parsed and
validated here, once, when the task is created."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.errors import InvalidInputData

REST_API_CALL = "REST_API_CALL"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SCHEDULED, RUNNING, DONE, FAILED, CANCELLED = "SCHEDULED", "RUNNING", "DONE", "FAILED", "CANCELLED"
MAX_PARAMS_BYTES = 100 * 1024  # as server-code parameters; the item stays under DynamoDB's 400 KB
MAX_WHEN = 10**13 - 1  # 13 digits of epoch ms (the due index sorts them as text): year 2286
MAX_DESCRIPTION = 1024
# A path of the app's own API: segments without "..", no scheme, host, fragment or backslash.
_SEGMENT = r"[^/?#\\\s]+"
# What a taskID can be (13 digits, "-", 16 letters or digits); anything else names no task.
TASK_ID = re.compile(r"^[0-9]{13}-[0-9A-Za-z]{16}$")
# Headers the call sets itself: the caller cannot choose who it runs as or for which app.
_OWN_HEADERS = {"authorization", "x-kii-appid", "x-kii-appkey", "host", "content-length"}


@dataclass(frozen=True)
class RestApiCall:
    """What a task calls: ``uri`` is a path under ``/api/apps/{appID}/`` with an optional query."""

    uri: str
    method: str
    headers: dict[str, str]
    body: Any = None  # JSON sent as is (a string is sent as its text)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"uri": self.uri, "method": self.method, "headers": dict(self.headers)}
        if self.body is not None:
            found["body"] = self.body
        return found

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        text = self.body if isinstance(self.body, str) else json.dumps(self.body, ensure_ascii=False)
        return text.encode("utf-8")


@dataclass(frozen=True)
class Task:
    app_id: str
    task_id: str
    when: int
    call: RestApiCall
    created_at: int
    description: str | None = None
    status: str = SCHEDULED  # SCHEDULED, RUNNING, DONE, FAILED or CANCELLED
    started_at: int | None = None
    finished_at: int | None = None
    status_code: int | None = None  # the call's HTTP status, once it ran
    error_code: str | None = None  # the call's Kii errorCode, when it answered one
    revision: int = 1

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "taskID": self.task_id,
            "what": REST_API_CALL,
            "when": self.when,
            "params": self.call.to_json(),
            "status": self.status,
            "createdAt": self.created_at,
        }
        optional = {
            "description": self.description,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "statusCode": self.status_code,
            "errorCode": self.error_code,
        }
        found.update({name: value for name, value in optional.items() if value is not None})
        return found

    def claimed(self, now_ms: int) -> Task:
        return replace(self, status=RUNNING, started_at=now_ms)

    def finished(self, now_ms: int, status_code: int, error_code: str | None) -> Task:
        status = DONE if 200 <= status_code < 300 else FAILED
        return replace(
            self, status=status, finished_at=now_ms, status_code=status_code, error_code=error_code
        )

    def cancelled(self, now_ms: int) -> Task:
        return replace(self, status=CANCELLED, finished_at=now_ms)


def parse_task(app_id: str, task_id: str, now_ms: int, body: dict[str, Any]) -> Task:
    """A new task from Kii's ``TaskCreationRequest``; INVALID_INPUT_DATA names the bad field."""
    if body.get("what") != REST_API_CALL:
        raise InvalidInputData(f"'what' must be {REST_API_CALL}", field="what")
    when = body.get("when")
    if isinstance(when, bool) or not isinstance(when, int | float) or not 0 <= when <= MAX_WHEN:
        raise InvalidInputData("'when' must be a time in epoch milliseconds", field="when")
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise InvalidInputData(
            f"'description' must be a string of at most {MAX_DESCRIPTION} characters", field="description"
        )
    params = body.get("params")
    if not isinstance(params, dict):
        raise InvalidInputData("'params' must be an object", field="params")
    if len(json.dumps(params, ensure_ascii=False).encode("utf-8")) > MAX_PARAMS_BYTES:
        raise InvalidInputData("'params' is larger than 100 KB", field="params")
    return Task(app_id, task_id, int(when), parse_call(app_id, params), now_ms, description)


def parse_call(app_id: str, params: dict[str, Any]) -> RestApiCall:
    uri = params.get("uri")
    own = re.compile(rf"^/api/apps/{re.escape(app_id)}(?:/{_SEGMENT})+/?(?:\?[^#\\\s]*)?$")
    if not isinstance(uri, str) or not own.match(uri) or "/../" in uri + "/" or "/./" in uri + "/":
        raise InvalidInputData(f"'params.uri' must be a path under /api/apps/{app_id}/", field="params.uri")
    method = params.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise InvalidInputData(f"'params.method' must be one of {', '.join(METHODS)}", field="params.method")
    headers = params.get("headers", {})
    if headers is None:
        headers = {}
    if not isinstance(headers, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in headers.values()
    ):
        raise InvalidInputData("'params.headers' must map names to strings", field="params.headers")
    kept = {str(k): str(v) for k, v in headers.items() if str(k).lower() not in _OWN_HEADERS}
    return RestApiCall(uri, method.upper(), kept, params.get("body"))


def path_and_query(uri: str) -> tuple[str, str]:
    path, _, query = uri.partition("?")
    return path, query
