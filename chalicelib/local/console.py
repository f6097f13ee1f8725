"""What the terminal of `make run` shows: karakuri's own lines, one line per finished
execution, and no third-party chatter (amqtt, botocore, …) unless KARAKURI_LOG_LEVEL=DEBUG.

Executions are followed as their records are written to the embedded DynamoDB
(moto_patches.on_change): the hook execution records of adapters/hooks.py
(``APP#{app}#HOOKEXEC``), once they reach a final status.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from chalicelib.local import moto_patches

log = logging.getLogger("karakuri.local.executions")

THIRD_PARTY = (
    "amqtt",
    "transitions",
    "botocore",
    "boto3",
    "urllib3",
    "werkzeug",
    "moto",
    "asyncio",
    "passlib",
)
FINAL = {"SUCCESS", "FAILED"}
_RED, _GREEN, _RESET = "\033[31m", "\033[32m", "\033[0m"


def quiet_third_party(level: str) -> None:
    """Third-party loggers say only warnings and errors, unless karakuri's level is DEBUG."""
    if level.upper() == "DEBUG":
        return
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.WARNING)


def _value(attribute: dict[str, Any] | None) -> str:
    if not attribute:
        return ""
    return str(next(iter(attribute.values())))


def describe(item: dict[str, Any], colour: bool = False) -> str | None:
    """One line for a finished execution record (DynamoDB JSON), or None."""
    if not _value(item.get("pk")).endswith("#HOOKEXEC"):
        return None
    status = _value(item.get("status"))
    if status not in FINAL:
        return None
    started, finished = _value(item.get("startedAt")), _value(item.get("finishedAt"))
    took = f"{int(finished) - int(started)} ms" if started and finished else "-"
    line = (
        f"execution {_value(item.get('trigger'))} -> {_value(item.get('endpoint'))} "
        f"{status} {took} app={_value(item.get('pk')).split('#')[1]} id={_value(item.get('executionID'))}"
    )
    if status != "SUCCESS":
        error = _value(item.get("error"))
        try:
            details = json.loads(error) if error else {}
            error = f"{details.get('errorCode', '')}: {details.get('message', '')}".strip(": ")
        except (ValueError, AttributeError):
            pass
        line += f" error={error or '-'}"
        return f"{_RED}{line}{_RESET}" if colour else line
    return f"{_GREEN}{line}{_RESET}" if colour else line


class ExecutionLines:
    """Logs one line per finished execution (failures at ERROR, highlighted on a terminal)."""

    def __init__(self, data_table: str, colour: bool | None = None) -> None:
        self.data_table = data_table
        self.colour = sys.stdout.isatty() if colour is None else colour

    def __call__(self, change: moto_patches.Change) -> None:
        table, _, item = change
        if table != self.data_table or item is None:
            return
        line = describe(item, self.colour)
        if line is not None:
            ok = _value(item.get("status")) == "SUCCESS"
            log.log(logging.INFO if ok else logging.ERROR, "%s", line)

    def start(self) -> ExecutionLines:
        moto_patches.on_change(self)
        return self

    def stop(self) -> None:
        moto_patches.forget_changes(self)
