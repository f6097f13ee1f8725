"""The developer console's page and assets at ``/console`` (docs/console.md): static files
built from console/ by ``make console`` into chalicelib/console/, served from the API's own
origin. The console is a client of the REST API with the signed-in admin's token; nothing
here reads or writes an app's data."""

from __future__ import annotations

import re
from pathlib import Path

from chalice.app import Blueprint

from chalicelib.api.http import KiiRequest, Reply, route
from chalicelib.errors import NotFound

bp = Blueprint(__name__)

ASSETS = Path(__file__).resolve().parents[1] / "console"
NAME = re.compile(r"[A-Za-z0-9_-]+\.[a-z]+")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
# Only the project's own files: no inline script, no other origin (the page makes no
# external request), and no framing by other sites.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def asset(name: str) -> Reply:
    """A built file by its name (one path segment, a known type), or Kii's 404."""
    path = ASSETS / name if NAME.fullmatch(name) else None
    content_type = TYPES.get(path.suffix) if path else None
    if path is None or content_type is None or not path.is_file():
        raise NotFound(f"The console has no file {name!r} (built by `make console`)")
    return Reply(200, path.read_bytes(), HEADERS, content_type=content_type)


@route(bp, "/console", ["GET"])
def page(request: KiiRequest) -> Reply:
    return asset("index.html")


@route(bp, "/console/{asset}", ["GET"])
def console_asset(request: KiiRequest) -> Reply:
    return asset(request.params["asset"])
