"""Kii scope ACLs: who may create buckets and topics in the app, a user, a group or a thing
(kii-rest-api.md §5.10; docs/data.md)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.buckets import SCOPES, ScopeOf
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.domain import acl as acl_rules
from chalicelib.services.objects import ObjectService

bp = Blueprint(__name__)


def _objects() -> ObjectService:
    return wiring.container().objects


def _register(prefix: str, name: str, scope_of: ScopeOf) -> None:
    @route(bp, prefix + "/acl", ["GET"], f"{name}_scope_acl")
    def whole(request: KiiRequest) -> Reply:
        return Reply(200, acl_rules.to_json(_objects().scope_acl(request.caller, scope_of(request))))

    @route(bp, prefix + "/acl/{action}", ["GET"], f"{name}_scope_acl_action")
    def action(request: KiiRequest) -> Reply:
        verb = acl_rules.check_action(request.params["action"], acl_rules.SCOPE_ACTIONS)
        found = _objects().scope_acl(request.caller, scope_of(request))
        return Reply(200, [acl_rules.subject_json(s) for s in found.get(verb, [])])

    @route(bp, prefix + "/acl/{action}/{subject}", ["GET", "PUT", "DELETE"], f"{name}_scope_acl_entry")
    def entry(request: KiiRequest) -> Reply:
        """GET asks, PUT grants, DELETE revokes."""
        params, scope = request.params, scope_of(request)
        if request.method != "GET":
            grant = request.method == "PUT"
            _objects().change_scope_acl(request.caller, scope, params["action"], params["subject"], grant)
            return no_content()
        verb = acl_rules.check_action(params["action"], acl_rules.SCOPE_ACTIONS)
        subject = acl_rules.parse_subject(params["subject"])
        found = _objects().scope_acl(request.caller, scope)
        return Reply(200, acl_rules.subject_json(acl_rules.entry(found, verb, subject)))


for _prefix, _name, _scope_of in SCOPES:
    _register(_prefix, _name, _scope_of)
