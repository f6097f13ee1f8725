"""The executions queue on SQS: one message per claimed execution, for the executor Lambda.

Fairness per app comes from SQS fair queues: a *standard* queue whose messages carry a
``MessageGroupId`` (the app ID). When one group (an app's flood, or its slow code holding
messages in flight) builds a backlog, SQS delivers the other groups' messages first, so their
dwell time stays low; a standard queue keeps its throughput and needs no ordering (a FIFO
queue would serialise each app). The message body is the ``ExecutionOrder`` as JSON: no token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.table import _aws_errors
from chalicelib.domain.hooks import ExecutionOrder


@dataclass
class SqsExecutionQueue:
    client: Any  # boto3 SQS client
    url: str

    def send(self, order: ExecutionOrder) -> None:
        body = order.to_text()
        with _aws_errors():
            self.client.send_message(QueueUrl=self.url, MessageBody=body, MessageGroupId=order.app_id)
