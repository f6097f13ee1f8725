"""Events over the key-value table port: the item each entity write puts in the ``events``
table (in the same transaction as the change), and the parsers of its stream's records."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.items import EVENTS, json_text, present
from chalicelib.adapters.table import Absent, Item, Put, Write
from chalicelib.domain.events import Actor, Causation, Event, Trigger


@dataclass
class EventCodec:
    retention_ms: int

    def to_item(self, event: Event) -> Item:
        item: Item = {
            "pk": f"EVENT#{event.event_id}",
            "sk": "#EVENT",
            "eventID": event.event_id,
            "appID": event.app_id,
            "trigger": str(event.trigger),
            "params": json_text(event.params),
            "actorKind": event.actor.kind,
            "causationSource": event.causation.source,
            "depth": event.causation.depth,
            "occurredAt": event.occurred_at,
            "ttl": (event.occurred_at + self.retention_ms) // 1000,
        }
        return present(item, actorID=event.actor.id, executionID=event.causation.execution_id)

    @staticmethod
    def from_item(item: Mapping[str, Any]) -> Event:
        return Event(
            event_id=item["eventID"],
            app_id=item["appID"],
            trigger=Trigger(item["trigger"]),
            params=json.loads(item["params"]),
            actor=Actor(item["actorKind"], item.get("actorID")),
            causation=Causation(item["causationSource"], item.get("executionID"), int(item["depth"])),
            occurred_at=int(item["occurredAt"]),
        )

    def puts(self, events: Sequence[Event]) -> list[Write]:
        return [Put(EVENTS, self.to_item(e), Absent()) for e in events]


class StreamRecordParser:
    """Parses a DynamoDB stream record of the events table (Lambda's event shape)."""

    def __init__(self) -> None:
        from boto3.dynamodb.types import TypeDeserializer

        from chalicelib.adapters.table import decode_item

        self._decode = decode_item
        self._deserializer = TypeDeserializer()

    def parse(self, record: Mapping[str, Any]) -> Event | None:
        if record.get("eventName") != "INSERT":
            return None  # TTL expiry removes events; only insertions are news
        image = record.get("dynamodb", {}).get("NewImage")
        if not image:
            raise ValueError("stream record without NewImage")
        return EventCodec.from_item(self._decode(image, self._deserializer))


class MemoryRecordParser:
    """The in-memory twin: records are the event items themselves."""

    def parse(self, record: Mapping[str, Any]) -> Event | None:
        return EventCodec.from_item(record)
