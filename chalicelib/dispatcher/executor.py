"""The executor Lambda: messages of the executions queue -> runs, failures reported per message.

Each message is one ``ExecutionOrder`` the stream consumer or the scheduler claimed and
enqueued. A message is started only while the invocation has time for a whole execution (Kii's
20 s limit and the record writes); the rest are reported in ``batchItemFailures`` untouched and
come back. An error of the app's code finishes its record FAILED and the message is done; an
infrastructure error marks the record INTERRUPTED and reports the message, so SQS delivers it
again and the next attempt takes the claim over. A message that is not an order fails until
the queue moves it to its dead-letter queue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chalicelib.dispatcher.stream import RemainingMs
from chalicelib.domain.hooks import ExecutionOrder
from chalicelib.runtime.executions import Executions

log = logging.getLogger("karakuri.dispatcher.executor")


def run_messages(
    event: Mapping[str, Any], executions: Executions, remaining_ms: RemainingMs | None = None
) -> dict[str, Any]:
    needed = executions.run_budget_ms
    failures: list[dict[str, str]] = []
    messages = list(event.get("Records", []))
    for index, message in enumerate(messages):
        if remaining_ms is not None and remaining_ms() < needed:
            left = [str(m.get("messageId", "")) for m in messages[index:]]
            log.warning("time is nearly up: %d executions go back to the queue", len(left))
            failures.extend({"itemIdentifier": message_id} for message_id in left)
            break
        message_id = str(message.get("messageId", ""))
        try:
            order = ExecutionOrder.from_text(str(message.get("body", "")))
        except ValueError:
            log.exception("message %s is not an execution order", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            finished = executions.execute(order)
        except Exception:
            log.exception("execution %s of app %s was interrupted", order.key, order.app_id)
            failures.append({"itemIdentifier": message_id})
            continue
        if finished is None:
            log.info("execution %s of app %s: already finished or running", order.key, order.app_id)
    return {"batchItemFailures": failures}
