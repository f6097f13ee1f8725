"""A DynamoDB client for the embedded stack that calls moto's DynamoDB request handler
directly: same methods, arguments, results and errors as a boto3 client, without the HTTP
round trip that the in-process mock still makes (botocore building and signing a request,
moto parsing it, moto's botocore-shaped response serializer, botocore parsing that).

What stays moto's: everything from its request handler down — the handler's validation
(empty keys, expression syntax and unused names/values, ...), conditions, transactions, the
item store and the streams (and the locking and rollback of local/moto_patches.py). Kept from
botocore: its parameter validation against the DynamoDB model, and its error parsing (a
moto error is turned into the ``ClientError`` boto3 would raise, from the same body).

Requests pass to the handler as the dict that moto's own parser makes of the JSON that boto3
sends: for the attribute types the table port stores (S, N, BOOL, NULL) they are the same
values. ``tests/contract/test_moto_direct.py`` runs the same requests through both clients
and compares answers and errors; the store contract tests run on this client too.
"""

from __future__ import annotations

import functools
import json
from typing import Any

_TARGET = "DynamoDB_20120810"
# The operations the table port (adapters/table.py) uses; others go through boto3.
OPERATIONS = {
    "get_item": "GetItem",
    "query": "Query",
    "put_item": "PutItem",
    "delete_item": "DeleteItem",
    "transact_write_items": "TransactWriteItems",
}


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("dynamodb")


class _Direct:
    """A boto3 client's stand-in on the embedded moto of ``region``; ``fallback`` (a real
    boto3 client on the same moto) answers what the stand-in does not."""

    def __init__(self, region: str, fallback: Any, account: str | None = None) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID

        self.region = region
        self.account = account or DEFAULT_ACCOUNT_ID
        self.fallback = fallback
        self.exceptions = fallback.exceptions
        self.meta = fallback.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fallback, name)


class MotoDynamoDB(_Direct):
    """Looks like ``boto3.client("dynamodb")`` for :data:`OPERATIONS`; the fallback answers
    anything else."""

    def __getattr__(self, name: str) -> Any:
        if name in OPERATIONS:
            return functools.partial(self._call, OPERATIONS[name])
        return super().__getattr__(name)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.validate import validate_parameters
        from moto.dynamodb.responses import DynamoHandler
        from werkzeug.exceptions import HTTPException  # moto's JsonRESTError

        operation_model = _model().operation_model(operation)
        validate_parameters(params, operation_model.input_shape)
        handler = DynamoHandler()
        handler.body = json.loads(json.dumps(params))  # the handler may keep or alter parts
        handler.region = self.region
        handler.current_account = self.account
        handler.querystring = {}
        handler.headers = {
            "X-Amz-Target": f"{_TARGET}.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        }
        try:
            result = getattr(handler, _snake(operation))()
        except HTTPException as error:
            raise _client_error(
                self.fallback, operation_model, error.code or 500, error.get_headers(), error.get_body()
            ) from None
        members = operation_model.output_shape.members  # what moto's serializer keeps
        body = {name: value for name, value in result.result.items() if name in members}
        body["ResponseMetadata"] = {"HTTPStatusCode": 200}
        return body


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _client_error(client: Any, operation_model: Any, status: int, headers: Any, body: Any) -> Exception:
    """The exception boto3 raises for this moto error response: parsed by botocore's own parser,
    with the error's modeled fields (CancellationReasons), as the client's modeled class."""
    from botocore.parsers import create_parser

    response = {
        "status_code": status,
        "headers": dict(headers or []),
        "body": body.encode("utf-8") if isinstance(body, str) else body,
    }
    parser = create_parser("json")
    parsed = parser.parse(response, operation_model.output_shape)
    code = parsed.get("Error", {}).get("Code")
    shape = operation_model.service_model.shape_for_error_code(code) if code else None
    if shape is not None:
        parsed.update(parser.parse(response, shape))
    from botocore.exceptions import ClientError

    error_class: type[Exception] = (client.exceptions.from_code(code) if code else None) or ClientError
    return error_class(parsed, operation_model.name)


class MotoDynamoDBStreams(_Direct):
    """Looks like ``boto3.client("dynamodbstreams")``: ``get_records`` (the stream pump's
    every poll) through moto's DynamoDB Streams handler directly; the rest (describing the
    stream, opening iterators: rare) through ``fallback``. Records come back as boto3 gives
    them: copies (moto keeps its own), with an aware ``ApproximateCreationDateTime``."""

    def get_records(self, **params: Any) -> dict[str, Any]:
        import copy
        import datetime

        from botocore.validate import validate_parameters
        from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

        operation_model = self.fallback.meta.service_model.operation_model("GetRecords")
        validate_parameters(params, operation_model.input_shape)
        handler = DynamoDBStreamsHandler()
        handler.body = json.dumps(params)
        handler.region = self.region
        handler.current_account = self.account
        handler.querystring = {}
        result: dict[str, Any] = copy.deepcopy(handler.get_records().result)  # type: ignore[arg-type]
        for record in result.get("Records", []):
            created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
            if isinstance(created, datetime.datetime) and created.tzinfo is None:
                record["dynamodb"]["ApproximateCreationDateTime"] = created.replace(tzinfo=datetime.UTC)
        result["ResponseMetadata"] = {"HTTPStatusCode": 200}
        return result
