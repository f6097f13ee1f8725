"""The HTTP edge: parse a Chalice request leniently, as Kii clients need, and shape replies.

Leniency rules (kii-rest-api.md §1, kii-sdk-requests.md §2): the app comes from the path;
``X-Kii-AppKey`` is not required; unknown query parameters (``disable_cache``) are ignored;
``Bearer`` is matched case-insensitively; content types are compared case-insensitively
without parameters, and ``application/vnd.kii.*+json`` bodies are parsed from the raw body
(Chalice's ``json_body`` is None for them). Errors become Kii's JSON in ``kii_error_reply``,
the one place that does so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint, CORSConfig, Response

from chalicelib import wiring
from chalicelib.domain import acl as acl_rules
from chalicelib.domain import values
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.errors import (
    InternalError,
    InvalidInputData,
    InvalidJson,
    KiiError,
    RequestTooLarge,
)

log = logging.getLogger("karakuri.api")

MAX_BODY_BYTES = 1024 * 1024
# Browser clients read ETag and the server-code headers, and send Kii's own headers
# (kii-rest-api.md §13.9); Chalice answers the preflight OPTIONS from this.
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=[
        "X-Kii-AppID",
        "X-Kii-AppKey",
        "X-Kii-SDK",
        "X-Kii-RequestID",
        "X-HTTP-Method-Override",
        "If-Match",
        "If-None-Match",
        "Accept",
    ],
    expose_headers=["ETag", "Location", "X-Step-count", "X-Environment-version"],
    max_age=600,
)


@dataclass
class KiiRequest:
    method: str
    params: dict[str, str]
    query: dict[str, str]
    headers: Mapping[str, str]
    raw_body: bytes
    _caller: Caller | None = field(default=None, repr=False)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def app_id(self) -> str:
        app_id = self.params.get("appID") or self.header("x-kii-appid")
        if not app_id:
            raise InvalidInputData("The app is not named: use /apps/{appID}/... or X-Kii-AppID")
        return app_id

    @property
    def caller(self) -> Caller:
        """The authenticated caller, resolved once; the app must exist."""
        if self._caller is None:
            services = wiring.container()
            services.auth.app(self.app_id)
            principal = services.auth.authenticate(self.app_id, self.header("authorization"))
            self._caller = Caller(principal, Causation("client"))
        return self._caller

    @property
    def principal(self) -> Principal:
        return self.caller.principal

    def text(self) -> str:
        try:
            return self.raw_body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInputData("The body is not UTF-8 text") from error

    def json(self) -> Any:
        if not self.raw_body.strip():
            raise InvalidJson("The request body is empty")
        return values.loads(self.text())

    def json_object(self, optional: bool = False) -> dict[str, Any]:
        """The body as a JSON object; ``optional`` bodies may be absent (``{}``)."""
        if optional and not self.raw_body.strip():
            return {}
        value = self.json()
        if not isinstance(value, dict):
            raise InvalidInputData("The body must be a JSON object")
        return value

    def form_or_json(self) -> dict[str, Any]:
        """Token requests come as JSON or as ``application/x-www-form-urlencoded``."""
        if self.media_type == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qsl

            return dict(parse_qsl(self.text(), keep_blank_values=True))
        return self.json_object()


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def to_chalice(self, method: str) -> Response:
        headers: dict[str, str | list[str]] = dict(self.headers)
        if self.body is None or method == "HEAD":
            if method == "HEAD" and isinstance(self.body, bytes):
                headers.setdefault("Content-Type", self.content_type)
            return Response(body=b"", status_code=self.status, headers=headers)
        if isinstance(self.body, bytes):  # an object body: sent as is (base64 through API Gateway)
            return Response(
                body=self.body,
                status_code=self.status,
                headers={"Content-Type": self.content_type, **headers},
            )
        payload = self.body if isinstance(self.body, str) else _json(self.body)
        return Response(
            body=payload.encode("utf-8"),  # bytes: every response is binary (binary_everywhere)
            status_code=self.status,
            headers={"Content-Type": self.content_type, **headers},
        )


def _json(body: Any) -> str:
    """JSON text that is valid UTF-8: a lone surrogate (JavaScript strings, e.g. a value server
    code returned, may hold one) is written as its escape, as JSON.stringify writes it."""
    text = json.dumps(body, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(body)
    return text


def no_content() -> Reply:
    return Reply(204)


def acl_reply(request: KiiRequest, acl: Mapping[str, list[str]], actions: Iterable[str]) -> Reply:
    """``GET {target}/acl``, ``…/acl/{ACTION}`` or ``…/acl/{ACTION}/{Subject}`` of any target."""
    params = request.params
    return Reply(200, acl_rules.read(acl, actions, params.get("action"), params.get("subject")))


def kii_error_reply(error: KiiError) -> Reply:
    headers = {"Retry-After": "1"} if error.status == 503 else {}
    return Reply(error.status, error.body(), headers)


Handler = Callable[[KiiRequest], Reply]


def _build_request(bp: Blueprint, params: dict[str, str], max_body: int) -> KiiRequest:
    current = bp.current_request
    raw = current.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > max_body:
        raise RequestTooLarge(f"At most {max_body} bytes per request")
    headers = {k.lower(): v for k, v in (current.headers or {}).items()}
    query = {k: v for k, v in (current.query_params or {}).items()}
    return KiiRequest(
        method=current.method,
        params={k: unquote(v) for k, v in params.items()},
        query=query,
        headers=headers,
        raw_body=raw,
    )


def route(
    bp: Blueprint, path: str, methods: list[str], name: str | None = None, max_body: int = MAX_BODY_BYTES
) -> Callable[[Handler], Handler]:
    """Register a Kii route: any content type is accepted (the handler decides), errors are
    translated here, and unexpected exceptions are logged and answered with a generic 500."""

    def decorator(handler: Handler) -> Handler:
        def view(**params: str) -> Response:
            method = bp.current_request.method
            try:
                reply = handler(_build_request(bp, params, max_body))
            except KiiError as error:
                reply = kii_error_reply(error)
            except Exception:
                log.exception("unhandled error on %s %s", method, path)
                reply = kii_error_reply(InternalError())
            return reply.to_chalice(method)

        view.__name__ = f"{handler.__module__.rsplit('.', 1)[-1]}_{name or handler.__name__}"
        bp.route(path, methods=methods, content_types=["*/*"], cors=CORS)(view)
        return handler

    return decorator


def binary_everywhere(app: Any) -> None:
    """Object bodies are arbitrary bytes of any content type, in and out (kii-rest-api.md
    §5.11). API Gateway passes bytes intact only for binary media types, so every type is one
    (``*/*``: requests arrive base64-encoded and Chalice decodes ``raw_body``; every response
    goes back base64-encoded and API Gateway decodes it). Chalice's own check that a binary
    response was asked for with a binary ``Accept`` would then refuse clients that send no
    ``Accept`` (most Kii SDKs); API Gateway with ``*/*`` has no such rule, so the check is
    turned off here."""
    from chalice.app import RestAPIEventHandler

    app.api.binary_types = ["*/*"]
    RestAPIEventHandler._validate_binary_response = _any_accept  # type: ignore[method-assign]


def _any_accept(self: Any, request_headers: Any, response_headers: Any) -> bool:
    return True
