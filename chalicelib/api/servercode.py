"""Server-code routes (kii-rest-api.md §8, kii-servercode.md §1.2, §8.1): deploy, versions,
the current version, hook configs, manual execution and the developer log."""

from __future__ import annotations

import email.parser
import email.policy
import json
from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.errors import EndpointInvocationError, InvalidInputData, RequestTooLarge
from chalicelib.runtime.executor import Outcome
from chalicelib.services.servercode import CURRENT, ServerCodeService

bp = Blueprint(__name__)

SERVER_CODE = "/api/apps/{appID}/server-code"
VERSION = SERVER_CODE + "/versions/{versionID}"
HOOKS = "/api/apps/{appID}/hooks/versions/{versionID}"
MAX_PARAMS_BYTES = 100 * 1024
MAX_LOG_WAIT_SECONDS = 25


def _servercode() -> ServerCodeService:
    return wiring.container().servercode


def _multipart(request: KiiRequest) -> tuple[str, str | None]:
    """The multipart deploy: a ``metadata`` part (``{"environmentVersion"}``) and a
    ``server-code`` part."""
    header = f"Content-Type: {request.header('content-type')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + request.raw_body)
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    code = parts.get("server-code")
    if code is None:
        raise InvalidInputData("The form needs a server-code part", field="server-code")
    environment = None
    if "metadata" in parts:
        try:
            metadata = json.loads(_payload(parts["metadata"]) or b"{}")
        except (ValueError, RecursionError):
            raise InvalidInputData("The metadata part is not JSON", field="metadata") from None
        environment = metadata.get("environmentVersion") if isinstance(metadata, dict) else None
        if environment is not None:
            environment = str(environment)
    payload = _payload(code)
    try:
        return payload.decode("utf-8"), environment
    except UnicodeDecodeError:
        raise InvalidInputData("The server code is not UTF-8 text") from None


def _payload(part: Any) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


@route(bp, SERVER_CODE, ["POST"])
def deploy(request: KiiRequest) -> Reply:
    caller = request.caller
    if request.media_type == "multipart/form-data":
        source, environment = _multipart(request)
    else:
        source, environment = request.text(), None
    version = _servercode().deploy(caller, source, environment)
    return Reply(201, {"versionID": version.version_id})


@route(bp, SERVER_CODE + "/versions", ["GET"])
def versions(request: KiiRequest) -> Reply:
    return Reply(200, {"versions": _servercode().versions(request.caller)})


@route(bp, VERSION, ["GET", "PUT", "DELETE"])
def version(request: KiiRequest) -> Reply:
    ref, service = request.params["versionID"], _servercode()
    if ref == CURRENT:
        if request.method == "PUT":
            service.set_current(request.caller, request.text())
            return no_content()
        if request.method == "DELETE":
            service.unset_current(request.caller)
            return no_content()
        return Reply(200, service.current(request.caller), content_type="text/plain")
    if request.method == "PUT":
        raise InvalidInputData("Set the current version with PUT .../versions/current")
    if request.method == "DELETE":
        service.delete(request.caller, ref)
        return no_content()
    return Reply(200, service.source(request.caller, ref), content_type="application/javascript")


def _params(request: KiiRequest) -> Any:
    if len(request.raw_body) > MAX_PARAMS_BYTES:
        raise RequestTooLarge("The parameters are larger than 100 KB")
    if not request.raw_body.strip():
        return {}
    params = request.json()
    if params is not None and not isinstance(params, dict):
        raise InvalidInputData("The parameters must be a JSON object")
    return params if params is not None else {}


def _base_url(request: KiiRequest) -> str:
    host = request.header("host") or "localhost"
    scheme = request.header("x-forwarded-proto") or (
        "http" if host.startswith(("127.", "localhost")) else "https"
    )
    return f"{scheme}://{host}/api"


@route(bp, VERSION + "/{endpoint}", ["POST"])
def execute(request: KiiRequest) -> Reply:
    caller = request.caller
    params = _params(request)
    outcome = wiring.container().executions.manual(
        caller, request.params["versionID"], request.params["endpoint"], params, _base_url(request)
    )
    return invocation_reply(outcome, request.query.get("environment-version"))


def invocation_reply(outcome: Outcome, environment: str | None) -> Reply:
    headers = {
        "X-Step-count": str(outcome.steps),
        "X-Environment-version": environment or outcome.environment,
    }
    if outcome.succeeded:
        return Reply(200, outcome.body, headers)
    error = EndpointInvocationError(
        details={"errorCode": outcome.error_code, "message": outcome.error_message},
        executionID=outcome.execution_id,
    )
    return Reply(error.status, error.body(), headers)


@route(bp, SERVER_CODE + "/logs", ["GET"])
def logs(request: KiiRequest) -> Reply:
    """``wait`` (seconds, at most 25: under API Gateway's 29): with nothing after ``since``,
    the local stack answers when the next line comes (long polling, docs/console.md);
    ``wait`` in the answer says how long it would have waited (0: ask again later)."""

    def number(name: str, default: int) -> int:
        raw = request.query.get(name)
        try:
            return int(raw) if raw else default
        except ValueError:
            raise InvalidInputData(f"{name} must be a number", field=name) from None

    wait = number("wait", 0)
    if not 0 <= wait <= MAX_LOG_WAIT_SECONDS:
        raise InvalidInputData(f"wait is 0 to {MAX_LOG_WAIT_SECONDS} seconds", field="wait")
    since = number("since", 0)
    lines, waited = _servercode().logs(
        request.caller, since, min(number("limit", 100), 1500), request.query.get("level"), wait
    )
    return Reply(200, {"logs": lines, "last": lines[-1]["seq"] if lines else since, "wait": waited})


@route(bp, "/api/apps/{appID}/hooks/executions", ["GET"])
def executions(request: KiiRequest) -> Reply:
    query = dict(request.query)
    try:
        limit = min(max(int(query.pop("bestEffortLimit", 50)), 1), 200)
    except ValueError:
        raise InvalidInputData("bestEffortLimit must be a number", field="bestEffortLimit") from None
    key = query.pop("paginationKey", None)
    query.pop("disable_cache", None)
    found, next_key = _servercode().executions(request.caller, query, limit, key)
    body: dict[str, Any] = {"executions": found}
    if next_key:
        body["nextPaginationKey"] = next_key
    return Reply(200, body)


@route(bp, "/api/apps/{appID}/hooks/executions/query", ["POST"])
def schedule_executions(request: KiiRequest) -> Reply:
    found = _servercode().schedule_executions(request.caller, request.json_object())
    return Reply(200, found, content_type="application/vnd.kii.ScheduleExecutionQueryResponse+json")


@route(bp, "/api/apps/{appID}/hooks/schedules", ["GET"])
def schedules(request: KiiRequest) -> Reply:
    return Reply(200, _servercode().schedules(request.caller))


@route(bp, "/api/apps/{appID}/hooks/dead-letters", ["GET"])
def dead_letters(request: KiiRequest) -> Reply:
    return Reply(200, {"deadLetters": wiring.container().dead_letters.letters(request.caller)})


@route(bp, "/api/apps/{appID}/hooks/dead-letters/{letterID}/redrive", ["POST"])
def redrive_dead_letter(request: KiiRequest) -> Reply:
    wiring.container().dead_letters.redrive(request.caller, request.params["letterID"])
    return no_content()


@route(bp, "/api/apps/{appID}/hooks/executions/{executionID}", ["GET"])
def execution(request: KiiRequest) -> Reply:
    return Reply(200, _servercode().execution(request.caller, request.params["executionID"]))


@route(bp, HOOKS, ["PUT", "GET", "HEAD", "DELETE"])
def hooks(request: KiiRequest) -> Reply:
    ref, service = request.params["versionID"], _servercode()
    if request.method == "PUT":
        service.put_hooks(request.caller, ref, request.text())
        return no_content()
    if request.method == "DELETE":
        service.delete_hooks(request.caller, ref)
        return no_content()
    return Reply(200, service.hook_config(request.caller, ref))
