"""DynamoDB table creation from infra/ definitions, and a stream reader for the local pump."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class StreamReader:
    """Reads new records from every shard of a stream, from TRIM_HORIZON on, remembering
    where it stopped. Records get ``eventSourceARN`` and an epoch-seconds
    ``ApproximateCreationDateTime``, as Lambda delivers them."""

    client: Any
    stream_arn: str
    _iterators: dict[str, str | None] = field(default_factory=dict)

    def _refresh_shards(self) -> None:
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.client.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def poll(self, limit: int = 100) -> list[dict[str, Any]]:
        self._refresh_shards()
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None or len(records) >= limit:
                continue
            page = self.client.get_records(ShardIterator=iterator, Limit=limit - len(records))
            self._iterators[shard_id] = page.get("NextShardIterator")
            for record in page.get("Records", []):
                record["eventSourceARN"] = self.stream_arn
                created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
                if hasattr(created, "timestamp"):
                    record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
                elif created is None:
                    record.setdefault("dynamodb", {})["ApproximateCreationDateTime"] = time.time()
                records.append(record)
        return records
