"""Structured logs and CloudWatch metrics of the Lambda functions, with the standard library only.

- Logs: one JSON object per line, with the invocation's Lambda request ID (and API Gateway's
  for HTTP) and the IDs a record carries: code logs them with ``extra={"eventId": ...,
  "executionId": ..., "appId": ...}``. CloudWatch Logs Insights queries the fields directly.
- Metrics: CloudWatch Embedded Metric Format, one JSON line per invocation on stdout, which
  CloudWatch Logs turns into metrics (namespace ``karakuri``, dimension ``Function``) without
  an API call or a client to import.

aws-lambda-powertools' Logger and Metrics do the same; importing them costs 31-50 ms of every
cold start and 7.6 MB of the package (docs/operations.md), for two formats this module writes
in a hundred lines.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "karakuri"
# `extra=` keys a log line carries into its JSON object.
RECORD_FIELDS = ("appId", "eventId", "executionId", "trigger", "endpoint", "status", "durationMs")
# What a batch's records are, by event source: the metrics of its count, failures and age.
BATCH_METRICS = {
    "aws:sqs": ("Executions", "ExecutionFailures", "QueueAge"),
    "aws:dynamodb": ("Events", "EventFailures", "StreamAge"),
}

# Keys of a queue message's JSON body (or a stream record's image) that name what it is about,
# and the log field each becomes.
RECORD_IDS = {
    "executionID": "executionId",
    "executionId": "executionId",
    "eventID": "eventId",
    "eventId": "eventId",
    "appID": "appId",
    "appId": "appId",
}

_invocation: ContextVar[Mapping[str, str] | None] = ContextVar("karakuri_invocation", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **(_invocation.get() or {}),
        }
        for name in RECORD_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def use_json_logs(logger: logging.Logger) -> None:
    """Every handler of the logger (Chalice's, on stdout) writes JSON lines."""
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stdout))
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())


@dataclass
class Metrics:
    """One invocation's metrics, written as one EMF line."""

    function: str
    write: Callable[[str], None]
    values: dict[str, tuple[str, list[float]]] = field(default_factory=dict)

    def add(self, name: str, value: float, unit: str = "Count") -> None:
        self.values.setdefault(name, (unit, []))[1].append(value)

    def flush(self, now_ms: int, properties: Mapping[str, Any]) -> None:
        if not self.values:
            return
        document: dict[str, Any] = {
            "_aws": {
                "Timestamp": now_ms,
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Function"]],
                        "Metrics": [{"Name": n, "Unit": unit} for n, (unit, _) in self.values.items()],
                    }
                ],
            },
            "Function": self.function,
            **properties,
        }
        for name, (_, found) in self.values.items():
            document[name] = found[0] if len(found) == 1 else found
        self.write(json.dumps(document, separators=(",", ":")) + "\n")
        self.values = {}


def batch_metrics(metrics: Metrics, event: Mapping[str, Any], result: Any, now_ms: int) -> None:
    """Count, failures and age of a batch of stream records or queue messages."""
    records = event.get("Records") or []
    if not records or not isinstance(records, list):
        return
    names = BATCH_METRICS.get(str(records[0].get("eventSource", "")))
    if names is None:
        return
    count, failures, age = names
    metrics.add(count, len(records))
    failed = result.get("batchItemFailures", []) if isinstance(result, Mapping) else []
    metrics.add(failures, len(failed))
    oldest = min((_enqueued_ms(r) for r in records), default=None)
    if oldest is not None:
        metrics.add(age, max(0, now_ms - oldest), "Milliseconds")


def _enqueued_ms(record: Mapping[str, Any]) -> int:
    sent = (record.get("attributes") or {}).get("SentTimestamp")
    if sent is not None:
        return int(sent)
    created = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
    return int(float(created) * 1000) if created is not None else sys.maxsize


def record_ids(event: Mapping[str, Any]) -> dict[str, str]:
    """The IDs of a one-record batch (the executor gets one execution per invocation): its
    lines then carry them, whatever code writes them."""
    records = event.get("Records")
    if not isinstance(records, list) or len(records) != 1 or not isinstance(records[0], Mapping):
        return {}
    record = records[0]
    found: dict[str, str] = {}
    group = (record.get("attributes") or {}).get("MessageGroupId")
    if group:
        found["appId"] = str(group)
    try:
        body = json.loads(record["body"]) if "body" in record else None
    except (TypeError, ValueError):
        body = None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    fields = (
        body
        if isinstance(body, Mapping)
        else {k: next(iter(v.values()), None) for k, v in image.items() if isinstance(v, Mapping)}
    )
    for key, name in RECORD_IDS.items():
        value = fields.get(key)
        if isinstance(value, (str, int)) and name not in found:
            found[name] = str(value)
    return found


@contextmanager
def invocation(fields: Mapping[str, str | None]) -> Iterator[None]:
    """Log lines written meanwhile carry these fields (the invocation's IDs)."""
    token = _invocation.set({k: v for k, v in fields.items() if v})
    try:
        yield
    finally:
        _invocation.reset(token)


def stdout(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()
