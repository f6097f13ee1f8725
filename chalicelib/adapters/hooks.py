"""Hook activations and hook executions over the key-value table port.

Key layout of the ``data`` table:

    APP#{app}#HOOKS     ACTIVE#{at:013d}#{rnd}   an activation (the newest 50 are kept)
    APP#{app}#HOOKS     #LATEST                  a copy of the newest (one GetItem per batch)
    SCHEDULER           APP#{app}                the newest, for apps whose config has jobs
    APP#{app}#HOOKEXEC  {eventID}#{endpoint}     an execution, time-ordered by its event
                                                  gsi1: APP#{app}#EXECUTION#{executionID}

The execution item is both the idempotency claim (written with attribute_not_exists before
the endpoint runs) and the record the executions API reads, so a hook costs one conditional
write to claim and one to finish.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters.table import (
    Absent,
    ConditionFailed,
    Delete,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    key_of,
)
from chalicelib.domain.hooks import Activation, HookExecution
from chalicelib.errors import TemporarilyUnavailable

DATA = "data"
KEEP_ACTIVATIONS = 50


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _activation(item: Mapping[str, Any]) -> Activation:
    return Activation(int(item["at"]), item.get("versionID"), item.get("config"))


@dataclass
class TableHookStore:
    table: KeyValueTable
    retention_seconds: int = 7 * 24 * 3600

    # --- activations --------------------------------------------------------------------------
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

    # --- executions ---------------------------------------------------------------------------
    def _item(self, execution: HookExecution) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": f"APP#{execution.app_id}#HOOKEXEC",
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
            item["result"] = _json(execution.result)
        if execution.error is not None:
            item["error"] = _json(execution.error)
        if execution.logs:
            item["logs"] = _json(list(execution.logs))
        if execution.name is not None:
            item["name"] = execution.name
        return item

    @staticmethod
    def _execution(app_id: str, item: Mapping[str, Any]) -> HookExecution:
        return HookExecution(
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

    def claim(self, execution: HookExecution, stale_before: int) -> HookExecution | None:
        try:
            self.table.transact([Put(DATA, self._item(execution), Absent())])
            return execution
        except ConditionFailed:
            pass
        existing = self.table.get(DATA, Key(f"APP#{execution.app_id}#HOOKEXEC", execution.key))
        if existing is None:
            raise TemporarilyUnavailable("The execution claim vanished; retry")
        found = self._execution(execution.app_id, existing)
        if found.status in ("SUCCESS", "FAILED"):
            return None
        if found.status == "RUNNING" and found.started_at >= stale_before:
            raise TemporarilyUnavailable(f"Execution {found.execution_id} is still running")
        retry = replace(
            execution,
            execution_id=found.execution_id,
            attempt=found.attempt + 1,
            started_at=execution.started_at,
            revision=found.revision + 1,
        )
        try:
            self.table.transact([Put(DATA, self._item(retry), VersionIs(found.revision))])
        except ConditionFailed:
            raise TemporarilyUnavailable("Another worker took the execution over") from None
        return retry

    def finish(self, execution: HookExecution) -> None:
        done = replace(execution, revision=execution.revision + 1)
        try:
            self.table.transact([Put(DATA, self._item(done), VersionIs(execution.revision))])
        except ConditionFailed:
            raise TemporarilyUnavailable("The execution was taken over while it ran") from None

    def get(self, app_id: str, execution_id: str) -> HookExecution | None:
        found = self.table.query(DATA, f"APP#{app_id}#EXECUTION#{execution_id}", "#", index="gsi1")
        return self._execution(app_id, found[0]) if found else None

    def executions(
        self, app_id: str, after: str | None = None, descending: bool = True
    ) -> Iterator[tuple[str, HookExecution]]:
        for item in self.table.ordered(DATA, f"APP#{app_id}#HOOKEXEC", descending=descending, after=after):
            yield item["sk"], self._execution(app_id, item)
