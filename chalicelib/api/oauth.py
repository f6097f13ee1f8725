"""OAuth2 token endpoint: POST /api/oauth2/token (app from X-Kii-AppID) and the app-scoped one."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, route

bp = Blueprint(__name__)


def _token(request: KiiRequest) -> Reply:
    auth = wiring.container().auth
    body = request.form_or_json()
    app_id = request.params.get("appID") or request.header("x-kii-appid")
    app = auth.app(app_id) if app_id else auth.app_for_client(body.get("client_id"))
    return Reply(200, auth.grant(app, body).to_json())


@route(bp, "/api/oauth2/token", ["POST"])
def token(request: KiiRequest) -> Reply:
    return _token(request)


@route(bp, "/api/apps/{appID}/oauth2/token", ["POST"])
def app_token(request: KiiRequest) -> Reply:
    return _token(request)
