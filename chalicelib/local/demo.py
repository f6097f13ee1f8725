"""``GET /local/demo-app`` on the local stack only: the demo app's credentials (local-app.json),
for the console's "Sign in to the demo app" button. The banner prints the same credentials;
AWS never serves this route (app.py registers it only in the embedded stack). No CORS header:
another site's page cannot read it."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.local import stack

bp = Blueprint(__name__)


@bp.route("/local/demo-app", methods=["GET"])
def demo_app() -> Response:
    current = stack.current()
    if current is None or current.credentials is None:
        return Response({"errorCode": "NOT_FOUND", "message": "No local stack"}, status_code=404)
    c = current.credentials
    body = {"appID": c.app_id, "appKey": c.app_key, "clientID": c.client_id, "clientSecret": c.client_secret}
    return Response(body, status_code=200, headers={"Cache-Control": "no-store"})
