"""Kii answers where Chalice's local gateway answers on its own: an unknown path (API
Gateway's ``403 {"message":"Missing Authentication Token"}``) becomes ``404 NOT_FOUND``, a
method no route serves (Chalice's ``405 {"Code","Message"}``) ``405 OPERATION_NOT_SUPPORTED``
without a body for HEAD, and the HTTP server's HTML error pages (an unknown method, oversized
headers, a bad request line) Kii error bodies. API Gateway's own answers are mapped by the
gateway responses in ``infra/template.json`` (there, a method no route serves is an unknown
path: 404).

Request bodies sent with ``Transfer-Encoding: chunked`` (Kii's embedded C SDK sends every
body so) are read chunk by chunk here; Chalice's handler reads ``Content-Length`` only. API
Gateway assembles chunked bodies itself before the Lambda sees them (docs/devices.md).

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


MAX_CHUNKED_BODY = 16 * 1024 * 1024  # well above any route's own limit, which answers 413


class _BadChunk(ValueError):
    pass


def read_chunked(rfile: Any, limit: int = MAX_CHUNKED_BODY) -> bytes:
    """A chunked body (RFC 9112 §7.1): sizes in hex (extensions ignored), each chunk followed
    by CRLF, a zero chunk, then trailer lines up to an empty line."""
    body = bytearray()
    while True:
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise _BadChunk("chunk size line")
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise _BadChunk("chunk size") from None
        if size < 0 or len(body) + size > limit:
            raise _BadChunk("chunked body too large")
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.read(2) not in (b"\r\n", b"\n"):
            raise _BadChunk("truncated chunk")
        body += chunk
    while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
        pass  # trailers
    return bytes(body)


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

    parse_payload = local.ChaliceRequestHandler._parse_payload

    def kii_parse_payload(self: Any) -> Any:
        if "chunked" not in self.headers.get("transfer-encoding", "").lower():
            return parse_payload(self)
        try:
            body = read_chunked(self.rfile)
        except _BadChunk:
            self.close_connection = True
            raise
        headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
        headers["Content-Length"] = str(len(body))
        return headers, body or None

    def kii_generic_handle(self: Any) -> None:
        try:
            generic_handle(self)
        except _BadChunk:
            self.send_error(400, "bad chunked body")

    def kii_send_with_body(self: Any, code: int, headers: dict[str, Any], body: str | bytes) -> None:
        """One Content-Length: Chalice adds the body's own, and a HEAD answer names the size of
        what a GET would send (object bodies) — two headers that browsers refuse."""
        named = [k for k in headers if k.lower() == "content-length"]
        if self.command != "HEAD" or not named:
            for key in named:
                del headers[key]
            return send_with_body(self, code, headers, body)
        self.send_response(code)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)

    handler_class = local.ChaliceRequestHandler
    generic_handle = handler_class._generic_handle
    send_with_body = handler_class._send_http_response_with_body
    handler_class._send_http_response_with_body = kii_send_with_body  # type: ignore[method-assign]
    local.LocalGateway.handle_request = kii_handle_request  # type: ignore[method-assign]
    handler_class._parse_payload = kii_parse_payload  # type: ignore[method-assign]
    # The do_METHOD attributes are the original function, bound when the class was made.
    for name in [n for n in vars(handler_class) if n.startswith("do_")]:
        if getattr(handler_class, name) is generic_handle:
            setattr(handler_class, name, kii_generic_handle)
    handler_class._generic_handle = kii_generic_handle  # type: ignore[method-assign]
    local.ChaliceRequestHandler.send_error = kii_send_error
    _INSTALLED = True
