"""Scheduled tasks run by the scheduler tick (docs/server-code.md, "Scheduled tasks"): each
due task is claimed once, then its REST call is served by the same Chalice routes as every
request (the API-over-MQTT path, in process), as the app admin, and its answer's status is
recorded. A failed call is recorded FAILED and not retried."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.dispatcher.mqtt_api import Api, ApiRequest, call
from chalicelib.domain.tasks import Task, path_and_query
from chalicelib.services.tasks import TaskService

log = logging.getLogger("karakuri.dispatcher.tasks")

MAX_PER_TICK = 100  # the rest wait for the next tick
# In Lambda, a task is started only while this much time is left: a call to server code may
# take the script timeout (20 s) and the scheduler function has 30 s.
RESERVE_MS = 25_000


def run_due(tasks: TaskService, api: Api, remaining: Callable[[], int] | None = None) -> list[str]:
    """Runs the tasks due now, each once; returns what ran (``app:task → status``)."""
    ran: list[str] = []
    for app_id, task_id in tasks.due():
        if len(ran) >= MAX_PER_TICK or (remaining is not None and remaining() < RESERVE_MS):
            break
        try:
            task = tasks.claim(app_id, task_id)
            if task is None:
                continue  # another tick took it, or it was cancelled meanwhile
            status, error_code = _perform(tasks, api, task)
            tasks.finish(task, status, error_code)
        except Exception:
            # Claimed but not recorded: it stays RUNNING and is not run again.
            log.exception("task %s of app %s could not be run", task_id, app_id)
            continue
        log.info("task %s of app %s answered %s", task_id, app_id, status)
        ran.append(f"{app_id}:{task_id} → {status}")
    return ran


def _perform(tasks: TaskService, api: Api, task: Task) -> tuple[int, str | None]:
    """The call's status and Kii errorCode; a call that raised is a 500."""
    path, query = path_and_query(task.call.uri)
    with tasks.admin_token(task) as token:
        headers = {
            "Content-Type": "application/json",
            **task.call.headers,
            "Authorization": f"Bearer {token}",
            "X-Kii-AppID": task.app_id,
        }
        request = ApiRequest(
            client="task",
            path=path,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            app_id=task.app_id,
            method=task.call.method,
            headers=headers,
            body=task.call.payload(),
        )
        try:
            status, _, body = call(api, request)
        except Exception:
            log.exception("task %s of app %s: the call raised", task.task_id, task.app_id)
            return 500, None
    return status, _error_code(body) if status >= 400 else None


def _error_code(body: bytes) -> str | None:
    try:
        answer: Any = json.loads(body)
    except ValueError:
        return None
    code = answer.get("errorCode") if isinstance(answer, dict) else None
    return code if isinstance(code, str) else None
