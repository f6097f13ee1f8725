"""`karakuri events dlq list | show | redrive` against the queues of a stack created in moto's
CloudFormation (tests/functional/test_deploy.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import cli
from tests.conftest import TEST_EPOCH_MS
from tests.functional.test_deploy import Stack, stack  # noqa: F401  (the fixture)


def karakuri(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _event_item(event_id: str, occurred_at: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"EVENT#{event_id}"},
        "sk": {"S": "#EVENT"},
        "eventID": {"S": event_id},
        "appID": {"S": "app1"},
        "trigger": {"S": "USER_CREATED"},
        "params": {"S": json.dumps({"userID": "u1", "uri": "kiicloud://users/u1"})},
        "actorKind": {"S": "anonymous"},
        "causationSource": {"S": "client"},
        "depth": {"N": "0"},
        "occurredAt": {"N": str(occurred_at)},
    }


def test_a_stream_batch_the_stream_no_longer_holds_is_redriven_from_the_events_table(
    stack: Stack,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")
    table = stack.outputs["EventsTableName"]
    dynamodb.put_item(TableName=table, Item=_event_item("e-in", TEST_EPOCH_MS))
    dynamodb.put_item(TableName=table, Item=_event_item("e-later", TEST_EPOCH_MS + 3_600_000))
    # A range the stream no longer holds. (moto finds a stream by its table's name and cannot
    # trim one: the range is on the stream of a table that is gone, which AWS answers alike.)
    stream = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"].replace(
        table, "gone-events"
    )
    failure = {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "DDBStreamBatchInfo": {
            "streamArn": stream,
            "shardId": "shardId-00000001793491200000-0a1b2c3d",
            "startSequenceNumber": "100000000000000000001",
            "endSequenceNumber": "100000000000000000001",
            "approximateArrivalOfFirstRecord": _iso(TEST_EPOCH_MS),
            "approximateArrivalOfLastRecord": _iso(TEST_EPOCH_MS),
            "batchSize": 1,
        },
    }
    url = stack.outputs["EventsDeadLetterQueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody=json.dumps(failure))["MessageId"]

    listed = karakuri(capsys, "events", "dlq", "list", "--stage", "dev")
    assert listed["executions"] == {"depth": 0, "messages": []}
    [message] = listed["stream"]["messages"]
    assert listed["stream"]["depth"] == 1
    assert message["messageId"] == sent and message["condition"] == "RetryAttemptsExhausted"
    assert message["records"] == 1

    shown = karakuri(capsys, "events", "dlq", "show", sent, "--stage", "dev", "--queue", "stream")
    assert [e["eventID"] for e in shown["events"]] == ["e-in"]
    assert shown["body"] == failure

    done = karakuri(capsys, "events", "dlq", "redrive", "--stage", "dev", "--queue", "stream")
    assert done["stream"]["redriven"] == 1 and done["stream"]["expiredMessages"] == 0
    assert done["stream"]["failedRecords"] == []
    assert karakuri(capsys, "events", "dlq", "list", "--stage", "dev")["stream"]["messages"] == []


def test_failed_executions_go_back_to_the_executions_queue_in_their_apps_group(
    stack: Stack,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqs = stack.client("sqs")
    dead = stack.outputs["ExecutionsDeadLetterQueueUrl"]
    body = json.dumps({"eventID": "e1", "endpoint": "record"})
    sent = sqs.send_message(QueueUrl=dead, MessageBody=body, MessageGroupId="app1")["MessageId"]

    [message] = karakuri(capsys, "events", "dlq", "list", "--stage", "dev", "--queue", "executions")[
        "executions"
    ]["messages"]
    assert message["messageId"] == sent and message["appID"] == "app1" and message["endpoint"] == "record"

    done = karakuri(capsys, "events", "dlq", "redrive", "--stage", "dev", "--queue", "executions")
    assert done == {"executions": {"moved": 1, "messageIds": [sent]}}
    [back] = sqs.receive_message(QueueUrl=stack.outputs["ExecutionsQueueUrl"], AttributeNames=["All"])[
        "Messages"
    ]
    assert back["Body"] == body and back["Attributes"]["MessageGroupId"] == "app1"
    assert sqs.receive_message(QueueUrl=dead).get("Messages", []) == []


def test_the_local_stack_has_no_dead_letter_queues(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="pass --stage"):
        cli.main(["events", "dlq", "list"])


def test_an_unknown_dead_letter_is_named(
    stack: Stack,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit, match="no dead letter nope"):
        cli.main(["events", "dlq", "show", "nope", "--stage", "dev"])
