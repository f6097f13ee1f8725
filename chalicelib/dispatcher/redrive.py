"""Re-running what reached the dead-letter queue (``karakuri events redrive``).

When the dispatcher gives up on a batch (retries or record age exhausted), the event source
mapping sends the queue a message naming the stream range it could not process
(``DDBStreamBatchInfo``: stream, shard, first and last sequence numbers), not the records. A
redrive reads that range back from the stream — while the stream still holds it (24 hours) —
and hands it to the dispatcher again. Executions that finished meanwhile are not run twice:
their claims say so. A message is deleted once its records were all dispatched.

Once the stream has dropped the range, ``from_events`` (``karakuri events dlq redrive``) reads
the events written in the range's arrival window back from the events table, which keeps them
as long as the queue keeps its messages (7 days): a redrive after a weekend still finds them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("karakuri.dispatcher.redrive")

Deliver = Callable[[dict[str, Any]], dict[str, Any]]
# A message's DDBStreamBatchInfo -> stream-shaped records of its events, or None.
FromEvents = Callable[[dict[str, Any]], list[dict[str, Any]] | None]


@dataclass
class RedriveReport:
    messages: int = 0
    records: int = 0
    redriven: int = 0
    failed: list[str] = field(default_factory=list)
    expired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "records": self.records,
            "redriven": self.redriven,
            "failedRecords": self.failed,
            "expiredMessages": self.expired,
        }


def _records(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The records of the range, or None when the stream no longer holds it."""
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"],
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except streams.exceptions.TrimmedDataAccessException:
        return None
    except streams.exceptions.ResourceNotFoundException:
        return None
    last = int(info["endSequenceNumber"])
    found: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page.get("Records", []):
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return found
            found.append(record)
        if not page.get("Records"):
            return found
        iterator = page.get("NextShardIterator")
    return found


def redrive(
    sqs: Any,
    streams: Any,
    queue_url: str,
    deliver: Deliver,
    limit: int = 100,
    from_events: FromEvents | None = None,
) -> RedriveReport:
    report = RedriveReport()
    while report.messages < limit:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            break
        for message in messages:
            report.messages += 1
            info = json.loads(message["Body"]).get("DDBStreamBatchInfo")
            records = _records(streams, info) if info else None
            if records is None and info and from_events is not None:
                records = from_events(info)
            if records is None:
                report.expired += 1
                log.warning("message %s names a range the stream no longer holds", message["MessageId"])
                continue
            report.records += len(records)
            result = deliver({"Records": records}) if records else {"batchItemFailures": []}
            failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            report.failed.extend(failures)
            report.redriven += len(records) - len(failures)
            if not failures:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return report
