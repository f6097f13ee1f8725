"""Thing-IF routes under /thing-if/apps/{appID} (kii-rest-api.md §9): onboarding, thing type and
firmware version, states, commands, triggers and trigger results."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.errors import InvalidInputData, MethodNotAllowed
from chalicelib.services.thingif import ThingIFService

bp = Blueprint(__name__)

BASE = "/thing-if/apps/{appID}"
TARGET = BASE + "/targets/{target}"
TRIGGER = TARGET + "/triggers/{triggerID}"
MAX_LIMIT = 200


def _tif() -> ThingIFService:
    return wiring.container().thingif


def _paging(request: KiiRequest) -> tuple[int, str | None]:
    raw = request.query.get("bestEffortLimit")
    try:
        limit = int(raw) if raw else 100
    except ValueError:
        raise InvalidInputData("bestEffortLimit must be a number", field="bestEffortLimit") from None
    return max(1, min(limit, MAX_LIMIT)), request.query.get("paginationKey") or None


def _listed(name: str, items: list[Any], next_key: str | None) -> Reply:
    body: dict[str, Any] = {name: items}
    if next_key:
        body["nextPaginationKey"] = next_key
    return Reply(200, body)


@route(bp, BASE + "/onboardings", ["POST"])
def onboard(request: KiiRequest) -> Reply:
    return Reply(200, _tif().onboard(request.caller, request.media_type, request.json_object()))


@route(bp, BASE + "/things/{thingID}/{field}", ["PUT", "GET"])
def thing_field(request: KiiRequest) -> Reply:
    names = {"thing-type": "thingType", "firmware-version": "firmwareVersion"}
    name = names.get(request.params["field"])
    if name is None:
        raise MethodNotAllowed("Use thing-type or firmware-version")
    if request.method == "PUT":
        _tif().set_thing_field(request.caller, request.params["thingID"], name, request.json_object())
        return no_content()
    return Reply(200, {name: _tif().thing_field(request.caller, request.params["thingID"], name)})


@route(bp, TARGET + "/states", ["PUT", "PATCH", "GET"])
def states(request: KiiRequest) -> Reply:
    target = request.params["target"]
    if request.method == "GET":
        return Reply(200, _tif().state(request.caller, target))
    first = _tif().put_state(request.caller, target, request.json(), patch=request.method == "PATCH")
    return Reply(201) if first else no_content()


@route(bp, TARGET + "/states/aliases/{alias}", ["PUT", "GET"])
def alias_state(request: KiiRequest) -> Reply:
    target, alias = request.params["target"], request.params["alias"]
    if request.method == "GET":
        return Reply(200, _tif().state(request.caller, target, alias))
    first = _tif().put_state(request.caller, target, request.json(), alias=alias)
    return Reply(201) if first else no_content()


@route(bp, TARGET + "/states/aliases/{alias}/query", ["POST"], "alias_state_history")
def alias_state_history(request: KiiRequest) -> Reply:
    found = _tif().query_history(
        request.caller, request.params["target"], request.params["alias"], request.json_object()
    )
    return Reply(200, found)


@route(bp, TARGET + "/states/query", ["POST"], "state_history")
def state_history(request: KiiRequest) -> Reply:
    """Non-trait things: the history of the whole state."""
    return Reply(
        200, _tif().query_history(request.caller, request.params["target"], None, request.json_object())
    )


@route(bp, TARGET + "/commands", ["POST", "GET"])
def commands(request: KiiRequest) -> Reply:
    target = request.params["target"]
    if request.method == "POST":
        command = _tif().send_command(request.caller, target, request.json())
        return Reply(201, {"commandID": command.command_id})
    found, next_key = _tif().commands(request.caller, target, *_paging(request))
    return _listed("commands", [c.to_json() for c in found], next_key)


@route(bp, TARGET + "/commands/{commandID}", ["GET"])
def command(request: KiiRequest) -> Reply:
    found = _tif().command(request.caller, request.params["target"], request.params["commandID"])
    return Reply(200, found.to_json())


@route(bp, TARGET + "/commands/{commandID}/action-results", ["PUT"])
def action_results(request: KiiRequest) -> Reply:
    _tif().action_results(
        request.caller, request.params["target"], request.params["commandID"], request.json()
    )
    return no_content()


@route(bp, TARGET + "/triggers", ["POST", "GET"])
def triggers(request: KiiRequest) -> Reply:
    target = request.params["target"]
    if request.method == "POST":
        trigger = _tif().create_trigger(request.caller, target, request.json())
        return Reply(201, {"triggerID": trigger.trigger_id})
    found, next_key = _tif().triggers(request.caller, target, *_paging(request))
    return _listed("triggers", [t.to_json() for t in found], next_key)


@route(bp, TRIGGER, ["GET", "PATCH", "DELETE"])
def trigger(request: KiiRequest) -> Reply:
    target, trigger_id = request.params["target"], request.params["triggerID"]
    if request.method == "DELETE":
        _tif().delete_trigger(request.caller, target, trigger_id)
        return no_content()
    if request.method == "PATCH":
        _tif().patch_trigger(request.caller, target, trigger_id, request.json())
        return no_content()
    return Reply(200, _tif().trigger(request.caller, target, trigger_id).to_json())


@route(bp, TRIGGER + "/{switch}", ["PUT"])
def switch(request: KiiRequest) -> Reply:
    action = request.params["switch"]
    if action not in ("enable", "disable"):
        raise MethodNotAllowed("Use .../enable or .../disable")
    _tif().enable_trigger(
        request.caller, request.params["target"], request.params["triggerID"], action == "enable"
    )
    return no_content()


@route(bp, TRIGGER + "/results/server-code", ["GET"])
def results(request: KiiRequest) -> Reply:
    found, next_key = _tif().results(
        request.caller, request.params["target"], request.params["triggerID"], *_paging(request)
    )
    return _listed("triggerServerCodeResults", found, next_key)
