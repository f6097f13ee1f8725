"""Events-table stream batches -> events -> a consumer, reporting failures per record.

The consumer (dispatcher/hooks.py) resolves each event's hooks and Thing-IF triggers into
executions. A record that fails is reported in ``batchItemFailures`` by its sequence number,
so one bad record never blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.events import Event
from chalicelib.domain.ports import EventRecordParser

log = logging.getLogger("karakuri.dispatcher")

Consumer = Callable[[Event], None]


def handle_batch(batch: Mapping[str, Any], parser: EventRecordParser, consume: Consumer) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in batch.get("Records", []):
        try:
            event = parser.parse(record)
            if event is not None:
                consume(event)
        except Exception:
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            log.exception("event record %s failed", sequence)
            failures.append({"itemIdentifier": sequence})
    return {"batchItemFailures": failures}


def log_event(event: Event) -> None:
    log.info(event.describe())
