"""karakuri extension: what the recording notifier kept (admin only; docs/users-and-groups.md)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, route
from chalicelib.services.access import require_admin

bp = Blueprint(__name__)


@route(bp, "/api/apps/{appID}/notifications", ["GET"])
def notifications(request: KiiRequest) -> Reply:
    require_admin(request.principal)
    sent = wiring.container().sent_notifications.sent(request.app_id)
    return Reply(200, {"notifications": [n.to_json() for n in sent]})
