"""DynamoDB table creation from infra/ definitions, whole-table reads and writes (the local
stack's export and import), and a stream reader for the local pump."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("karakuri.local.stream")

_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


def create_table(client: Any, name: str, properties: Mapping[str, Any]) -> str | None:
    """Create a table from a CloudFormation ``AWS::DynamoDB::Table`` resource's properties;
    returns its stream ARN (or None). An existing table is kept."""
    request: dict[str, Any] = {k: properties[k] for k in _TABLE_KEYS if k in properties}
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, **stream}
    try:
        description = client.create_table(TableName=name, **request)["TableDescription"]
    except client.exceptions.ResourceInUseException:
        description = client.describe_table(TableName=name)["Table"]
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    arn = description.get("LatestStreamArn")
    return str(arn) if arn else None


def scan_items(client: Any, name: str, between: tuple[str, int, int] | None = None) -> list[dict[str, Any]]:
    """Every item of a table, as DynamoDB JSON (with ``between``: those whose numeric
    attribute lies in the closed range)."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": name}
    if between is not None:
        attribute, low, high = between
        request["FilterExpression"] = "#a BETWEEN :low AND :high"
        request["ExpressionAttributeNames"] = {"#a": attribute}
        request["ExpressionAttributeValues"] = {":low": {"N": str(low)}, ":high": {"N": str(high)}}
    while True:
        page = client.scan(**request)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def put_items(client: Any, name: str, items: list[dict[str, Any]]) -> int:
    """Writes items (DynamoDB JSON) in batches of 25, retrying what DynamoDB leaves unprocessed."""
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(items)


@dataclass
class StreamHealth:
    """What the reader has seen go wrong, for the local stack's health report."""

    records: int = 0
    errors: int = 0
    stuck: int = 0
    last_problem: str | None = None
    last_problem_at: float | None = None

    def problem(self, message: str) -> None:
        self.last_problem, self.last_problem_at = message, time.time()
        log.error("%s", message)


@dataclass
class StreamReader:
    """Reads new records from every shard of a stream, from TRIM_HORIZON on, remembering
    where it stopped. Records get ``eventSourceARN`` and an epoch-seconds
    ``ApproximateCreationDateTime``, as Lambda delivers them.

    The reader does not trust its iterators blindly. A failing ``GetRecords`` reopens the
    shard after the last record read, and ``poll(verify=True)`` first peeks with a fresh
    iterator: when that one sees a record the kept iterator does not, the kept one is stuck
    (moto's cancelled transactions once left iterators on a dead shard) and is replaced.
    Either way ``health`` counts it and the error is logged, instead of idling silently."""

    client: Any
    stream_arn: str
    shard_refresh_seconds: float = 5.0
    health: StreamHealth = field(default_factory=StreamHealth)
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _last_sequence: dict[str, str] = field(default_factory=dict)
    _shards_read_at: float | None = None

    def _refresh_shards(self) -> None:
        now = time.monotonic()
        if self._shards_read_at is not None and now - self._shards_read_at < self.shard_refresh_seconds:
            return
        self._shards_read_at = now
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._open(shard["ShardId"])

    def _open(self, shard_id: str) -> str:
        """An iterator just after the last record read from the shard (its start if none)."""
        last = self._last_sequence.get(shard_id)
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            if last
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        return str(
            self.client.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **position)[
                "ShardIterator"
            ]
        )

    def poll(self, limit: int = 100, verify: bool = False) -> list[dict[str, Any]]:
        self._refresh_shards()
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None or len(records) >= limit:
                continue
            waiting = self._peek(shard_id) if verify else False
            try:
                page = self.client.get_records(ShardIterator=iterator, Limit=limit - len(records))
            except Exception as error:  # any failure: reopen at the last record read, report it
                self.health.errors += 1
                self.health.problem(f"stream shard {shard_id}: GetRecords failed ({error}); reopened")
                self._iterators[shard_id] = self._open(shard_id)
                continue
            found = page.get("Records", [])
            if waiting and not found:
                self.health.stuck += 1
                self.health.problem(
                    f"stream shard {shard_id} was stuck: records wait after sequence number "
                    f"{self._last_sequence.get(shard_id)} but its iterator returned none; reopened"
                )
                page = self.client.get_records(ShardIterator=self._open(shard_id), Limit=limit - len(records))
                found = page.get("Records", [])
            self._iterators[shard_id] = page.get("NextShardIterator")
            for record in found:
                self._last_sequence[shard_id] = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
                records.append(self._lambda_shaped(record))
        self.health.records += len(records)
        return records

    def _peek(self, shard_id: str) -> bool:
        """Whether a fresh iterator finds a record after the last one read."""
        try:
            fresh = self._open(shard_id)
            return bool(self.client.get_records(ShardIterator=fresh, Limit=1).get("Records"))
        except Exception as error:
            self.health.errors += 1
            self.health.problem(f"stream shard {shard_id}: cannot open an iterator ({error})")
            return False

    def _lambda_shaped(self, record: dict[str, Any]) -> dict[str, Any]:
        record["eventSourceARN"] = self.stream_arn
        created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
        if hasattr(created, "timestamp"):
            record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
        elif created is None:
            record.setdefault("dynamodb", {})["ApproximateCreationDateTime"] = time.time()
        return record
