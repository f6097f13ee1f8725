"""The executions queue on SQS: one message per claimed execution, for the executor Lambda;
and its dead-letter queue, read one app at a time (SQS, or in memory for the local stack).

Fairness per app comes from SQS fair queues: a *standard* queue whose messages carry a
``MessageGroupId`` (the app ID). When one group (an app's flood, or its slow code holding
messages in flight) builds a backlog, SQS delivers the other groups' messages first, so their
dwell time stays low; a standard queue keeps its throughput and needs no ordering (a FIFO
queue would serialise each app). The message body is the ``ExecutionOrder`` as JSON: no token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.table import _aws_errors
from chalicelib.domain.dead_letters import DeadLetter
from chalicelib.domain.hooks import ExecutionOrder
from chalicelib.domain.ports import Clock

# How long a redrive holds the messages it looks through (they are let go at once after).
REDRIVE_HOLD_SECONDS = 30


@dataclass
class SqsExecutionQueue:
    client: Any  # boto3 SQS client
    url: str

    def send(self, order: ExecutionOrder) -> None:
        body = order.to_text()
        with _aws_errors():
            self.client.send_message(QueueUrl=self.url, MessageBody=body, MessageGroupId=order.app_id)


def _letter(message: dict[str, Any]) -> DeadLetter | None:
    """A dead-letter message as a letter; None for a body that is no execution order (the
    operator's `karakuri events dlq` sees those)."""
    try:
        order = ExecutionOrder.from_text(message["Body"])
    except ValueError:
        return None
    return DeadLetter(message["MessageId"], order, int(message.get("Attributes", {}).get("SentTimestamp", 0)))


@dataclass
class SqsDeadLetters:
    """The executions dead-letter queue of a deployed stage. Letters are told apart by the
    app ID of their order (the message body), so an app's admin reads and redrives only the
    app's own; the queue holds every app's."""

    client: Any  # boto3 SQS client
    url: str
    executions_url: str  # where a redriven letter goes back to

    def _receive(self, visibility: int) -> list[dict[str, Any]]:
        with _aws_errors():
            return list(
                self.client.receive_message(
                    QueueUrl=self.url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=visibility,
                    WaitTimeSeconds=0,
                    AttributeNames=["SentTimestamp"],
                ).get("Messages", [])
            )

    def letters(self, app_id: str, limit: int) -> list[DeadLetter]:
        found: dict[str, DeadLetter] = {}
        seen: set[str] = set()
        while len(found) < limit:
            fresh = [m for m in self._receive(0) if m["MessageId"] not in seen]  # left in place
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                letter = _letter(message)
                if letter is not None and letter.order.app_id == app_id and len(found) < limit:
                    found[letter.letter_id] = letter
        return sorted(found.values(), key=lambda letter: letter.sent_at)

    def redrive(self, app_id: str, letter_id: str) -> bool:
        held: list[dict[str, Any]] = []  # looked through: let go when done
        try:
            while (messages := self._receive(REDRIVE_HOLD_SECONDS)) and not any(
                self._is(message, app_id, letter_id) for message in messages
            ):
                held.extend(messages)
            found = next((m for m in messages if self._is(m, app_id, letter_id)), None)
            held.extend(m for m in messages if m is not found)
            if found is None:
                return False
            with _aws_errors():
                self.client.send_message(
                    QueueUrl=self.executions_url, MessageBody=found["Body"], MessageGroupId=app_id
                )
                self.client.delete_message(QueueUrl=self.url, ReceiptHandle=found["ReceiptHandle"])
            return True
        finally:
            with _aws_errors():
                for message in held:
                    self.client.change_message_visibility(
                        QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )

    @staticmethod
    def _is(message: dict[str, Any], app_id: str, letter_id: str) -> bool:
        """The letter asked for, and the app's own (another app's ID is no letter of this one)."""
        if message["MessageId"] != letter_id:
            return False
        letter = _letter(message)
        return letter is not None and letter.order.app_id == app_id


@dataclass
class MemoryDeadLetters:
    """The local stack's dead-letter queue: the orders its executor pool gave up on, kept in
    memory (until the stack stops), redriven to ``resend`` (the pool)."""

    clock: Clock
    resend: Callable[[ExecutionOrder], None]
    _letters: dict[str, DeadLetter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0

    def put(self, order: ExecutionOrder) -> DeadLetter:
        with self._lock:
            self._count += 1
            letter = DeadLetter(f"local-{self._count}", order, self.clock.now_ms())
            self._letters[letter.letter_id] = letter
            return letter

    def letters(self, app_id: str, limit: int) -> list[DeadLetter]:
        with self._lock:
            return [letter for letter in self._letters.values() if letter.order.app_id == app_id][:limit]

    def redrive(self, app_id: str, letter_id: str) -> bool:
        with self._lock:
            letter = self._letters.get(letter_id)
            if letter is None or letter.order.app_id != app_id:
                return False
            del self._letters[letter_id]
        self.resend(letter.order)
        return True
