"""JSON log lines and CloudWatch Embedded Metric Format lines (adapters/telemetry.py)."""

from __future__ import annotations

import json
import logging

from chalicelib.adapters import telemetry


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("karakuri.dispatcher", logging.INFO, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_log_line_is_one_json_object_with_the_invocations_and_the_records_ids() -> None:
    with telemetry.invocation({"function": "dev-executor", "requestId": "r-1", "apiRequestId": None}):
        line = telemetry.JsonFormatter().format(_record("ran", executionId="x-1", appId="a1", other="no"))
    entry = json.loads(line)
    assert entry["message"] == "ran" and entry["level"] == "INFO" and entry["logger"] == "karakuri.dispatcher"
    assert entry["requestId"] == "r-1" and entry["function"] == "dev-executor"
    assert entry["executionId"] == "x-1" and entry["appId"] == "a1"
    assert "other" not in entry and "apiRequestId" not in entry
    assert entry["time"].endswith("Z")


def test_outside_an_invocation_lines_carry_no_request_id() -> None:
    entry = json.loads(telemetry.JsonFormatter().format(_record("idle")))
    assert "requestId" not in entry


def test_an_error_carries_its_traceback_in_one_line() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = _record("failed")
        record.exc_info = sys.exc_info()
    line = telemetry.JsonFormatter().format(record)
    assert "\n" not in line and "ValueError: bad" in json.loads(line)["error"]


def test_metrics_are_one_emf_document_per_flush() -> None:
    lines: list[str] = []
    metrics = telemetry.Metrics("dev-executor", lines.append)
    metrics.add("Executions", 1)
    metrics.add("Duration", 12.5, "Milliseconds")
    metrics.add("Duration", 7.5, "Milliseconds")
    metrics.flush(1_000, {"requestId": "r-1"})
    metrics.flush(2_000, {})  # nothing new: nothing written
    (line,) = lines
    document = json.loads(line)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert document["_aws"]["Timestamp"] == 1_000
    assert directive["Namespace"] == "karakuri" and directive["Dimensions"] == [["Function"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Executions": "Count",
        "Duration": "Milliseconds",
    }
    assert document["Function"] == "dev-executor" and document["requestId"] == "r-1"
    assert document["Executions"] == 1 and document["Duration"] == [12.5, 7.5]


def test_a_queue_batch_counts_executions_failures_and_the_oldest_messages_age() -> None:
    lines: list[str] = []
    metrics = telemetry.Metrics("dev-executor", lines.append)
    event = {
        "Records": [
            {"eventSource": "aws:sqs", "messageId": "m1", "attributes": {"SentTimestamp": "9000"}},
            {"eventSource": "aws:sqs", "messageId": "m2", "attributes": {"SentTimestamp": "9500"}},
        ]
    }
    telemetry.batch_metrics(metrics, event, {"batchItemFailures": [{"itemIdentifier": "m2"}]}, 10_000)
    metrics.flush(10_000, {})
    document = json.loads(lines[0])
    assert (document["Executions"], document["ExecutionFailures"], document["QueueAge"]) == (2, 1, 1000)


def test_a_stream_batch_counts_events_and_the_oldest_records_age() -> None:
    lines: list[str] = []
    metrics = telemetry.Metrics("dev-dispatcher", lines.append)
    records = [{"eventSource": "aws:dynamodb", "dynamodb": {"ApproximateCreationDateTime": 7.0}}]
    telemetry.batch_metrics(metrics, {"Records": records}, {"batchItemFailures": []}, 10_000)
    metrics.flush(10_000, {})
    document = json.loads(lines[0])
    assert (document["Events"], document["EventFailures"], document["StreamAge"]) == (1, 0, 3000)


def test_an_event_that_is_no_batch_has_no_batch_metrics() -> None:
    lines: list[str] = []
    metrics = telemetry.Metrics("dev-device", lines.append)
    telemetry.batch_metrics(metrics, {"eventType": "connected"}, {}, 1)
    metrics.flush(1, {})
    assert lines == []


def test_a_one_message_batch_names_its_execution_event_and_app() -> None:
    message = {
        "eventSource": "aws:sqs",
        "body": json.dumps({"executionID": "x-1", "eventID": "e-1", "params": {"a": 1}}),
        "attributes": {"MessageGroupId": "app1"},
    }
    assert telemetry.record_ids({"Records": [message]}) == {
        "appId": "app1",
        "executionId": "x-1",
        "eventId": "e-1",
    }


def test_a_one_record_stream_batch_names_its_event_and_app() -> None:
    record = {
        "dynamodb": {"NewImage": {"eventID": {"S": "e-2"}, "appID": {"S": "app2"}, "depth": {"N": "0"}}}
    }
    assert telemetry.record_ids({"Records": [record]}) == {"eventId": "e-2", "appId": "app2"}


def test_a_larger_batch_or_an_opaque_body_names_nothing() -> None:
    message = {"body": "not json", "attributes": {}}
    assert telemetry.record_ids({"Records": [message]}) == {}
    assert telemetry.record_ids({"Records": [message, message]}) == {}
    assert telemetry.record_ids({"eventType": "connected"}) == {}
