"""The dead-letter queues of a deployed stage: ``karakuri events dlq list | show | redrive``.

Two queues hold what the pipeline gave up on (docs/operations.md), each keeping a message 7 days,
as long as the events table keeps the event it stands for:

- ``stream`` (the stack's ``EventsDeadLetterQueue``): stream batches the dispatcher's event
  source mapping gave up on (retries or record age exhausted). A message names a stream range
  (``DDBStreamBatchInfo``), not the records; a redrive reads the range from the stream while it
  holds it (24 hours), then the events of its arrival window from the events table.
- ``executions`` (``ExecutionsDeadLetterQueue``): execution messages the executor failed three
  times. A redrive sends them back to the executions queue, in their app's message group; an
  execution that finished meanwhile does not run again (its claim says so).

Listing leaves the messages in place (they are received with no visibility timeout).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.dispatcher import redrive

# queue name -> the stack output that holds its URL
OUTPUTS = {"stream": "EventsDeadLetterQueueUrl", "executions": "ExecutionsDeadLetterQueueUrl"}
# an arrival window's slack: the stream's clock against the time the API wrote into the event
WINDOW_SLACK_MS = 5_000


@dataclass
class DeadLetter:
    queue: str
    message_id: str
    sent_at_ms: int
    receive_count: int
    group: str | None
    body: Any

    @staticmethod
    def of(queue: str, message: dict[str, Any]) -> DeadLetter:
        attributes = message.get("Attributes", {})
        try:
            body: Any = json.loads(message["Body"])
        except ValueError:
            body = message["Body"]
        return DeadLetter(
            queue,
            message["MessageId"],
            int(attributes.get("SentTimestamp", 0)),
            int(attributes.get("ApproximateReceiveCount", 0)),
            attributes.get("MessageGroupId"),
            body,
        )

    def summary(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "queue": self.queue,
            "messageId": self.message_id,
            "sentAt": self.sent_at_ms,
            "receiveCount": self.receive_count,
        }
        info = self.body.get("DDBStreamBatchInfo") if isinstance(self.body, dict) else None
        if info:
            found["condition"] = self.body.get("requestContext", {}).get("condition")
            found["records"] = info.get("batchSize")
            found["arrivals"] = [
                info.get("approximateArrivalOfFirstRecord"),
                info.get("approximateArrivalOfLastRecord"),
            ]
        elif isinstance(self.body, dict):
            found.update(
                {k: v for k, v in self.body.items() if isinstance(v, (str, int)) and len(str(v)) < 200}
            )
        if self.group:
            found["appID"] = self.group
        return found

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "body": self.body}


def arrival_window(info: dict[str, Any]) -> tuple[int, int] | None:
    """Epoch ms of a stream range's first and last arrivals, widened by the slack."""
    try:
        first = _epoch_ms(info["approximateArrivalOfFirstRecord"])
        last = _epoch_ms(info["approximateArrivalOfLastRecord"])
    except (KeyError, TypeError, ValueError):
        return None
    return first - WINDOW_SLACK_MS, last + WINDOW_SLACK_MS


def _epoch_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def peek(sqs: Any, queue: str, url: str, limit: int) -> list[DeadLetter]:
    """Up to ``limit`` messages of the queue, left in it."""
    found: dict[str, DeadLetter] = {}
    while len(found) < limit:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, limit - len(found)),
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in found]
        if not fresh:
            break
        for message in fresh:
            found[message["MessageId"]] = DeadLetter.of(queue, message)
    return sorted(found.values(), key=lambda d: d.sent_at_ms)


def depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def stream_records(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events-table items (DynamoDB JSON) as the INSERT stream records that carried them."""
    return [
        {
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": {"pk": item["pk"], "sk": item["sk"]},
                "NewImage": item,
                "SequenceNumber": f"events-table:{item['pk']['S']}",
                "StreamViewType": "NEW_IMAGE",
            },
        }
        for item in sorted(items, key=lambda i: int(i["occurredAt"]["N"]))
    ]


@dataclass
class MoveReport:
    moved: int = 0
    ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"moved": self.moved, "messageIds": self.ids}


def move(sqs: Any, source_url: str, target_url: str, limit: int) -> MoveReport:
    """Sends messages back to the queue they died from (same body, attributes and message
    group), deleting each from the dead-letter queue once sent."""
    report = MoveReport()
    while report.moved < limit:
        messages = sqs.receive_message(
            QueueUrl=source_url,
            MaxNumberOfMessages=min(10, limit - report.moved),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            request: dict[str, Any] = {"QueueUrl": target_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                request["MessageAttributes"] = message["MessageAttributes"]
            group = message.get("Attributes", {}).get("MessageGroupId")
            if group:
                request["MessageGroupId"] = group
            sqs.send_message(**request)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
            report.moved += 1
            report.ids.append(message["MessageId"])
    return report


def redrive_stream(
    sqs: Any,
    streams: Any,
    url: str,
    deliver: redrive.Deliver,
    events_between: Callable[[int, int], list[dict[str, Any]]],
    limit: int,
) -> redrive.RedriveReport:
    """The stream queue's messages to the dispatcher again: from the stream while it holds
    their range, then from the events table."""

    def from_events(info: dict[str, Any]) -> list[dict[str, Any]] | None:
        window = arrival_window(info)
        return stream_records(events_between(*window)) if window else None

    return redrive.redrive(sqs, streams, url, deliver, limit, from_events)
