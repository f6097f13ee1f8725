"""Scheduled tasks and their due index over the key-value table port (key layout: docs/data.md).

A task is written with its due-index item; claiming, cancelling and finishing it are
conditional on its revision and take the due-index item away in the same transaction, so a
task leaves the index exactly once and only the writer that took it out runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters.items import DATA, commit, committed, json_text, present
from chalicelib.adapters.table import Absent, Delete, Key, KeyValueTable, Put, VersionIs, Write
from chalicelib.domain.tasks import RestApiCall, Task

DUE = "SCHEDULER#TASKS"


def _pk(app_id: str) -> str:
    return f"APP#{app_id}#TASKS"


def _due_key(task: Task) -> Key:
    return Key(DUE, f"{task.when:013d}#{task.app_id}#{task.task_id}")


@dataclass
class TableTaskStore:
    table: KeyValueTable
    # Finished and cancelled tasks are kept this long (DynamoDB TTL), seconds.
    retention_seconds: int = 30 * 24 * 3600

    def _item(self, task: Task) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": _pk(task.app_id),
            "sk": task.task_id,
            "when": task.when,
            "params": json_text(task.call.to_json()),
            "status": task.status,
            "createdAt": task.created_at,
            "version": task.revision,
        }
        ttl = task.finished_at // 1000 + self.retention_seconds if task.finished_at is not None else None
        return present(
            item,
            description=task.description,
            startedAt=task.started_at,
            finishedAt=task.finished_at,
            statusCode=task.status_code,
            errorCode=task.error_code,
            ttl=ttl,
        )

    @staticmethod
    def _task(app_id: str, item: Mapping[str, Any]) -> Task:
        call = json.loads(item["params"])
        optional = {"startedAt": "started_at", "finishedAt": "finished_at", "statusCode": "status_code"}
        return Task(
            app_id=app_id,
            task_id=item["sk"],
            when=int(item["when"]),
            call=RestApiCall(call["uri"], call["method"], call.get("headers", {}), call.get("body")),
            created_at=int(item["createdAt"]),
            description=item.get("description"),
            status=item["status"],
            error_code=item.get("errorCode"),
            revision=int(item["version"]),
            **{field: int(item[name]) for name, field in optional.items() if item.get(name) is not None},
        )

    def create(self, task: Task) -> None:
        due = _due_key(task)
        index = {"pk": due.pk, "sk": due.sk, "appID": task.app_id, "taskID": task.task_id}
        commit(self.table, [Put(DATA, self._item(task), Absent()), Put(DATA, index)])

    def get(self, app_id: str, task_id: str) -> Task | None:
        item = self.table.get(DATA, Key(_pk(app_id), task_id))
        return self._task(app_id, item) if item else None

    def tasks(self, app_id: str, after: str | None = None) -> Iterator[Task]:
        for item in self.table.ordered(DATA, _pk(app_id), after=after):
            yield self._task(app_id, item)

    def due(self, now_ms: int) -> Iterator[tuple[str, str]]:
        # The index sorts by time first: read it in order and stop at the first one not due.
        limit = f"{now_ms:013d}$"  # after "{now}#…", before "{now + 1}…"
        for item in self.table.ordered(DATA, DUE):
            if item["sk"] > limit:
                return
            yield str(item["appID"]), str(item["taskID"])

    def replace(self, task: Task) -> Task | None:
        saved = replace(task, revision=task.revision + 1)
        writes: list[Write] = [
            Put(DATA, self._item(saved), VersionIs(task.revision)),
            Delete(DATA, _due_key(task)),
        ]
        return saved if committed(self.table, writes) else None
