"""A dead letter: an execution the executor gave up on (it failed every delivery the
executions queue allows), as the executions dead-letter queue keeps it (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.hooks import ExecutionOrder

SHOWN = ("kind", "trigger", "path", "endpoint", "versionID", "params", "name", "thingID", "triggerID")


@dataclass(frozen=True)
class DeadLetter:
    letter_id: str  # the queue's message ID
    order: ExecutionOrder
    # epoch ms: when its message was first sent (SQS keeps that time through the move to the
    # dead-letter queue); locally, when the pool gave it up
    sent_at: int

    def to_json(self) -> dict[str, Any]:
        order = self.order.to_json()
        body: dict[str, Any] = {
            "letterID": self.letter_id,
            "sentAt": self.sent_at,
            "claim": str(self.order.key),
        }
        for name in SHOWN:
            if name in order:
                body[name] = order[name]
        return body
