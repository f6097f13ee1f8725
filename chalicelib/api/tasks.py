"""Scheduled-task routes (docs/server-code.md, "Scheduled tasks"): the app admin registers a
one-off REST call to the app's own API, reads it, lists them and cancels one."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.services.tasks import TaskService

bp = Blueprint(__name__)

TASKS = "/api/apps/{appID}/tasks"
TASK = TASKS + "/{taskID}"


def _tasks() -> TaskService:
    return wiring.container().tasks


@route(bp, TASKS, ["POST", "GET"])
def tasks(request: KiiRequest) -> Reply:
    if request.method == "POST":
        caller = request.caller
        task = _tasks().create(caller, request.json_object())
        return Reply(201, {"taskID": task.task_id})
    found, next_key = _tasks().tasks(
        request.caller, request.query.get("bestEffortLimit"), request.query.get("paginationKey")
    )
    body: dict[str, Any] = {"tasks": [t.to_json() for t in found]}
    if next_key:
        body["nextPaginationKey"] = next_key
    return Reply(200, body)


@route(bp, TASK, ["GET"])
def task(request: KiiRequest) -> Reply:
    return Reply(200, _tasks().get(request.caller, request.params["taskID"]).to_json())


@route(bp, TASK + "/status/CANCELLED", ["PUT"])
def cancel(request: KiiRequest) -> Reply:
    _tasks().cancel(request.caller, request.params["taskID"])
    return no_content()
