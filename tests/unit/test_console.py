"""The local stack's terminal: one line per finished execution, failures with their error."""

from __future__ import annotations

import json

from chalicelib.local.console import describe


def _record(status: str, **extra: object) -> dict[str, object]:
    return {
        "pk": {"S": "APP#app1#HOOKEXEC"},
        "sk": {"S": "e1#note"},
        "executionID": {"S": "x1"},
        "trigger": {"S": "USER_CREATED"},
        "endpoint": {"S": "note"},
        "status": {"S": status},
        "startedAt": {"N": "1000"},
        **extra,
    }


def test_a_finished_execution_is_one_line_with_trigger_endpoint_status_and_duration() -> None:
    line = describe(_record("SUCCESS", finishedAt={"N": "1012"}))
    assert line == "execution USER_CREATED -> note SUCCESS 12 ms app=app1 id=x1"


def test_a_failed_execution_names_its_error_and_is_highlighted_on_a_terminal() -> None:
    error = {"S": json.dumps({"errorCode": "EXECUTION_TIMEOUT", "message": "over 20 s"})}
    line = describe(_record("FAILED", finishedAt={"N": "21000"}, error=error), colour=True)
    assert line is not None and line.startswith("\033[31m")
    assert "FAILED 20000 ms" in line and "error=EXECUTION_TIMEOUT: over 20 s" in line


def test_running_executions_and_other_items_print_nothing() -> None:
    assert describe(_record("RUNNING")) is None
    assert describe({"pk": {"S": "APP#app1#USER#u"}, "status": {"S": "SUCCESS"}}) is None
