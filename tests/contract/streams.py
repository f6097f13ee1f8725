"""Reading the events table's stream in the contract tests, as the stack's reader does."""

from __future__ import annotations

from typing import Any

from chalicelib import wiring
from tests.conftest import TEST_SETTINGS


def first_page(stream_arn: str, client: Any = None, limit: int = 1000) -> dict[str, Any]:
    """The records of the stream's (only) shard from its start, through ``client`` (boto3's
    dynamodbstreams client by default)."""
    streams = wiring.aws_client("dynamodbstreams", TEST_SETTINGS)
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    reader = client or streams
    iterator = reader.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return dict(reader.get_records(ShardIterator=iterator, Limit=limit))
