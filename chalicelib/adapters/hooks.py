"""Hook activations and execution records over the key-value table port (key layout:
docs/data.md).

The execution item is both the idempotency claim (written with attribute_not_exists before
the endpoint runs) and the record the executions API reads, so an execution costs one
conditional write to claim, one to start when it was queued, and one to finish.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters.items import DATA, committed, json_text
from chalicelib.adapters.table import (
    Absent,
    Delete,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    key_of,
)
from chalicelib.domain.hooks import Activation, Execution

KEEP_ACTIVATIONS = 50


def _activation(item: Mapping[str, Any]) -> Activation:
    return Activation(int(item["at"]), item.get("versionID"), item.get("config"))


@dataclass
class TableHookStore:
    table: KeyValueTable

    def activate(self, app_id: str, activation: Activation, scheduled: bool = False) -> None:
        pk = f"APP#{app_id}#HOOKS"
        item: dict[str, Any] = {
            "pk": pk,
            "sk": f"ACTIVE#{activation.at:013d}#{secrets.token_hex(3)}",
            "at": activation.at,
        }
        if activation.version_id is not None:
            item["versionID"] = activation.version_id
        if activation.config is not None:
            item["config"] = activation.config
        schedule_key = Key("SCHEDULER", f"APP#{app_id}")
        index: Put | Delete = (
            Put(DATA, {**item, "pk": schedule_key.pk, "sk": schedule_key.sk, "appID": app_id})
            if scheduled
            else Delete(DATA, schedule_key)
        )
        self.table.transact([Put(DATA, item), Put(DATA, {**item, "sk": "#LATEST"}), index])
        old = self.table.query(DATA, pk, "ACTIVE#")[:-KEEP_ACTIVATIONS]
        for start in range(0, len(old), 25):
            self.table.transact([Delete(DATA, key_of(i)) for i in old[start : start + 25]])

    def activations(self, app_id: str) -> list[Activation]:
        items = self.table.query(DATA, f"APP#{app_id}#HOOKS", "ACTIVE#")
        return [_activation(i) for i in reversed(items)]

    def scheduled(self) -> list[tuple[str, Activation]]:
        return [(str(i["appID"]), _activation(i)) for i in self.table.query(DATA, "SCHEDULER", "APP#")]

    def latest_activation(self, app_id: str) -> Activation | None:
        item = self.table.get(DATA, Key(f"APP#{app_id}#HOOKS", "#LATEST"))
        return _activation(item) if item else None


@dataclass
class TableExecutionStore:
    table: KeyValueTable
    retention_seconds: int = 7 * 24 * 3600

    @staticmethod
    def _pk(app_id: str) -> str:
        return f"APP#{app_id}#HOOKEXEC"

    def _item(self, execution: Execution) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": self._pk(execution.app_id),
            "sk": execution.key,
            "gsi1pk": f"APP#{execution.app_id}#EXECUTION#{execution.execution_id}",
            "gsi1sk": "#",
            "executionID": execution.execution_id,
            "eventID": execution.event_id,
            "trigger": execution.trigger,
            "path": execution.path,
            "endpoint": execution.endpoint,
            "versionID": execution.version_id,
            "attempt": execution.attempt,
            "startedAt": execution.started_at,
            "status": execution.status,
            "version": execution.revision,
            "ttl": execution.started_at // 1000 + self.retention_seconds,
        }
        if execution.finished_at is not None:
            item["finishedAt"] = execution.finished_at
        if execution.result is not None:
            item["result"] = json_text(execution.result, str)
        if execution.error is not None:
            item["error"] = json_text(execution.error, str)
        if execution.logs:
            item["logs"] = json_text(list(execution.logs), str)
        if execution.name is not None:
            item["name"] = execution.name
        return item

    @staticmethod
    def _execution(app_id: str, item: Mapping[str, Any]) -> Execution:
        return Execution(
            app_id=app_id,
            execution_id=item["executionID"],
            event_id=item["eventID"],
            trigger=item["trigger"],
            path=item["path"],
            endpoint=item["endpoint"],
            version_id=item["versionID"],
            attempt=int(item["attempt"]),
            started_at=int(item["startedAt"]),
            status=item["status"],
            finished_at=int(item["finishedAt"]) if "finishedAt" in item else None,
            result=json.loads(item["result"]) if "result" in item else None,
            error=json.loads(item["error"]) if "error" in item else None,
            logs=tuple(json.loads(item["logs"])) if "logs" in item else (),
            revision=int(item["version"]),
            name=item.get("name"),
        )

    def create(self, execution: Execution) -> bool:
        return committed(self.table, [Put(DATA, self._item(execution), Absent())])

    def find(self, app_id: str, key: str) -> Execution | None:
        found = self.table.get(DATA, Key(self._pk(app_id), key))
        return self._execution(app_id, found) if found else None

    def replace(self, execution: Execution) -> Execution | None:
        saved = replace(execution, revision=execution.revision + 1)
        if not committed(self.table, [Put(DATA, self._item(saved), VersionIs(execution.revision))]):
            return None
        return saved

    def get(self, app_id: str, execution_id: str) -> Execution | None:
        found = self.table.query(DATA, f"APP#{app_id}#EXECUTION#{execution_id}", "#", index="gsi1")
        return self._execution(app_id, found[0]) if found else None

    def executions(
        self, app_id: str, after: str | None = None, descending: bool = True
    ) -> Iterator[tuple[str, Execution]]:
        for item in self.table.ordered(DATA, self._pk(app_id), descending=descending, after=after):
            yield item["sk"], self._execution(app_id, item)
