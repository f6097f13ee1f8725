"""Kii scope ACLs: who may create buckets and topics in the app, a user, a group or a thing
(kii-rest-api.md §5.10; docs/data.md)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.buckets import SCOPES, ScopeOf
from chalicelib.api.http import KiiRequest, Reply, acl_reply, no_content, route
from chalicelib.domain.acl import SCOPE_ACTIONS
from chalicelib.services.objects import ObjectService

bp = Blueprint(__name__)


def _objects() -> ObjectService:
    return wiring.container().objects


def _register(prefix: str, name: str, scope_of: ScopeOf) -> None:
    @route(bp, prefix + "/acl", ["GET"], f"{name}_scope_acl")
    def whole(request: KiiRequest) -> Reply:
        return acl_reply(request, _objects().scope_acl(request.caller, scope_of(request)), SCOPE_ACTIONS)

    @route(bp, prefix + "/acl/{action}", ["GET"], f"{name}_scope_acl_action")
    def action(request: KiiRequest) -> Reply:
        return whole(request)

    @route(bp, prefix + "/acl/{action}/{subject}", ["GET", "PUT", "DELETE"], f"{name}_scope_acl_entry")
    def entry(request: KiiRequest) -> Reply:
        """GET asks, PUT grants, DELETE revokes."""
        if request.method == "GET":
            return whole(request)
        params, grant = request.params, request.method == "PUT"
        _objects().change_scope_acl(
            request.caller, scope_of(request), params["action"], params["subject"], grant
        )
        return no_content()


for _prefix, _name, _scope_of in SCOPES:
    _register(_prefix, _name, _scope_of)
