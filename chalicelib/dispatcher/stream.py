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
RemainingMs = Callable[[], int]  # the Lambda context's get_remaining_time_in_millis


def handle_batch(
    batch: Mapping[str, Any],
    parser: EventRecordParser,
    consume: Consumer,
    remaining_ms: RemainingMs | None = None,
    budget_ms: int = 0,
) -> dict[str, Any]:
    """``budget_ms``: the most one record may take; a record that would not finish before
    the invocation's time is up is not started but reported, with the rest, for the retry."""
    failures: list[dict[str, str]] = []
    records = list(batch.get("Records", []))
    for index, record in enumerate(records):
        if remaining_ms is not None and remaining_ms() < budget_ms:
            left = [_sequence(r) for r in records[index:]]
            log.warning("time is nearly up: %d records left for the retry", len(left))
            failures.extend({"itemIdentifier": sequence} for sequence in left)
            break
        try:
            event = parser.parse(record)
            if event is not None:
                consume(event)
        except Exception:
            log.exception("event record %s failed", _sequence(record))
            failures.append({"itemIdentifier": _sequence(record)})
    return {"batchItemFailures": failures}


def _sequence(record: Mapping[str, Any]) -> str:
    return str(record.get("dynamodb", {}).get("SequenceNumber", ""))


def log_event(event: Event) -> None:
    log.info(event.describe())
