"""``GET /local/health`` on the local stack: is the stream pump alive and reading, how far
behind are the hooks, did a stream shard break (served only by the embedded stack)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.local import stack

bp = Blueprint(__name__)


@bp.route("/local/health", methods=["GET"])
def health() -> Response:
    current = stack.current()
    if current is None:
        return Response({"status": "stopped"}, status_code=503)
    report = current.health()
    return Response(report, status_code=200 if report["status"] == "ok" else 503)
