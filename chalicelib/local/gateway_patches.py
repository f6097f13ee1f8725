"""Kii answers where Chalice's local gateway answers on its own: an unknown path (API
Gateway's ``403 {"message":"Missing Authentication Token"}``) becomes ``404 NOT_FOUND``, a
method no route serves (Chalice's ``405 {"Code","Message"}``) ``405 OPERATION_NOT_SUPPORTED``
without a body for HEAD, and the HTTP server's HTML error pages (an unknown method, oversized
headers, a bad request line) Kii error bodies. API Gateway's own answers are mapped by the
gateway responses in ``infra/template.json`` (there, a method no route serves is an unknown
path: 404).

Installed by the local stack (``app.py`` with the embedded stack, ``LiveStack``) and by the
tests (the Chalice test client shares the local gateway), like ``moto_patches``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

_INSTALLED = False
# BaseHTTPRequestHandler's own errors, as Kii would name them. An unknown method is a client
# mistake, not a server failure: 405 rather than the server's 501.
_SERVER_ERRORS = {
    501: (405, "OPERATION_NOT_SUPPORTED", "The method is not supported"),
    431: (431, "INVALID_INPUT_DATA", "The request header fields are too large"),
    414: (414, "INVALID_INPUT_DATA", "The request URI is too long"),
    400: (400, "INVALID_INPUT_DATA", "The request is malformed"),
}


def _reply(method: str, status: int, error_code: str, message: str) -> dict[str, Any]:
    body = json.dumps({"errorCode": error_code, "message": message})
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
        "multiValueHeaders": {},
        "body": "" if method == "HEAD" else body,
    }


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from chalice import local

    handle_request = local.LocalGateway.handle_request

    def kii_handle_request(
        self: Any, method: str, path: str, headers: dict[str, Any], body: bytes | None
    ) -> Any:
        try:
            try:
                response = handle_request(self, method, path, headers, body)
            except local.ForbiddenError:
                route, query = path.partition("?")[::2]
                if "//" not in route:
                    raise
                # The official JS SDK asks for bucket push subscriptions at ``/apps/{app}//users/…``
                # (its KiiBucket._getHttpUri): repeated slashes count as one (docs/push.md).
                merged = re.sub("/{2,}", "/", route) + (f"?{query}" if query else "")
                response = handle_request(self, method, merged, headers, body)
        except local.ForbiddenError:
            # karakuri defines no Chalice authorizer: the gateway's 403 means "no such route".
            return _reply(method, 404, "NOT_FOUND", f"No resource at {path.split('?')[0]}")
        body = response.get("body")
        if response.get("isBase64Encoded") and isinstance(body, str):  # every type is binary (api/http.py)
            body = base64.b64decode(body)
        if response.get("statusCode") == 405 and "MethodNotAllowedError" in str(body):
            return _reply(method, 405, "OPERATION_NOT_SUPPORTED", f"{method} is not supported here")
        return response

    def kii_send_error(self: Any, code: int, message: str | None = None, explain: str | None = None) -> None:
        status, error_code, text = _SERVER_ERRORS.get(code, (code, "UNDEFINED_ERROR", message or ""))
        body = json.dumps({"errorCode": error_code, "message": text}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(status, text)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status >= 200 and status not in (204, 304):
            self.wfile.write(body)

    local.LocalGateway.handle_request = kii_handle_request  # type: ignore[method-assign]
    local.ChaliceRequestHandler.send_error = kii_send_error
    _INSTALLED = True
