"""Kii group routes under /api/apps/{appID}/groups (kii-rest-api.md §4)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.services.groups import GroupService, group_json

bp = Blueprint(__name__)

GROUPS = "/api/apps/{appID}/groups"
GROUP = GROUPS + "/{groupID}"


def _groups() -> GroupService:
    return wiring.container().groups


def _created(group_id: str, app_id: str, not_found: list[str]) -> Reply:
    return Reply(
        201,
        {"groupID": group_id, "notFoundUsers": not_found},
        {"Location": f"/api/apps/{app_id}/groups/{group_id}"},
        content_type="application/vnd.kii.GroupCreationResponse+json",
    )


@route(bp, GROUPS, ["POST", "GET"])
def groups(request: KiiRequest) -> Reply:
    if request.method == "GET":
        found = _groups().of_user(request.caller, request.query)
        return Reply(
            200,
            {"groups": [group_json(g) for g in found]},
            content_type="application/vnd.kii.GroupsRetrievalResponse+json",
        )
    group, not_found = _groups().create(request.caller, request.json_object())
    return _created(group.group_id, group.app_id, not_found)


@route(bp, GROUP, ["PUT", "GET", "DELETE"])
def group(request: KiiRequest) -> Reply:
    group_id = request.params["groupID"]
    if request.method == "GET":
        return Reply(
            200,
            group_json(_groups().get(request.caller, group_id)),
            content_type="application/vnd.kii.GroupRetrievalResponse+json",
        )
    if request.method == "DELETE":
        _groups().delete(request.caller, group_id)
        return no_content()
    created, not_found = _groups().create(request.caller, request.json_object(), group_id)
    return _created(created.group_id, created.app_id, not_found)


@route(bp, GROUP + "/name", ["PUT"])
def rename(request: KiiRequest) -> Reply:
    # The JS SDK sends the new name as raw text/plain; a JSON string is accepted too.
    name: object = request.text()
    if request.media_type.endswith("json"):
        body = request.json()
        name = body.get("groupName") if isinstance(body, dict) else body
    _groups().rename(request.caller, request.params["groupID"], name)
    return no_content()


@route(bp, GROUP + "/owner", ["PUT"])
def change_owner(request: KiiRequest) -> Reply:
    _groups().change_owner(request.caller, request.params["groupID"], request.json_object())
    return no_content()


@route(bp, GROUP + "/members", ["GET"])
def members(request: KiiRequest) -> Reply:
    found = _groups().members(request.caller, request.params["groupID"])
    return Reply(
        200,
        {"members": [{"userID": u} for u in found]},
        content_type="application/vnd.kii.MembersRetrievalResponse+json",
    )


@route(bp, GROUP + "/members/{userID}", ["PUT", "DELETE"])
def member(request: KiiRequest) -> Reply:
    group_id, user_id = request.params["groupID"], request.params["userID"]
    if request.method == "DELETE":
        _groups().remove_member(request.caller, group_id, user_id)
        return no_content()
    _groups().add_member(request.caller, group_id, user_id)
    return Reply(201, {})
