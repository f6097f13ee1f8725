"""Scheduled tasks (docs/server-code.md, "Scheduled tasks"): the app admin registers, reads,
lists and cancels them; the scheduler tick claims each due one once, runs it as the app admin
with a token issued for that call alone, and records how the call answered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import Caller
from chalicelib.domain.ports import Clock, TaskStore
from chalicelib.domain.tasks import CANCELLED, SCHEDULED, TASK_ID, Task, parse_task
from chalicelib.errors import InvalidInputData, InvalidStatus, TaskNotFound
from chalicelib.services.access import require_admin
from chalicelib.services.auth import AuthService
from chalicelib.services.listing import page

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
CALL_TOKEN_MS = 5 * 60 * 1000  # a task's call is over long before its token expires


@dataclass
class TaskService:
    store: TaskStore
    auth: AuthService
    clock: Clock

    def create(self, caller: Caller, body: dict[str, Any]) -> Task:
        require_admin(caller.principal)
        now = self.clock.now_ms()
        task = parse_task(caller.app_id, ids.new_task_id(now), now, body)
        self.store.create(task)
        return task

    def get(self, caller: Caller, task_id: str) -> Task:
        require_admin(caller.principal)
        return self._existing(caller.app_id, task_id)

    def _existing(self, app_id: str, task_id: str) -> Task:
        task = self.store.get(app_id, task_id) if TASK_ID.match(task_id) else None
        if task is None:
            raise TaskNotFound(taskID=task_id[:64])
        return task

    def tasks(self, caller: Caller, limit: str | None, after: str | None) -> tuple[list[Task], str | None]:
        """One page in creation order (``bestEffortLimit``, ``paginationKey``), and the next key."""
        require_admin(caller.principal)
        try:
            size = min(max(int(limit), 1), MAX_LIMIT) if limit else DEFAULT_LIMIT
        except ValueError:
            raise InvalidInputData("bestEffortLimit must be a number", field="bestEffortLimit") from None
        return page(self.store.tasks(caller.app_id, after or None), size, lambda t: t.task_id)

    def cancel(self, caller: Caller, task_id: str) -> None:
        """A scheduled task will not run; cancelling a cancelled one again changes nothing."""
        require_admin(caller.principal)
        task = self._existing(caller.app_id, task_id)
        if task.status == CANCELLED:
            return
        if task.status != SCHEDULED or self.store.replace(task.cancelled(self.clock.now_ms())) is None:
            now = self._existing(caller.app_id, task_id).status
            raise InvalidStatus(f"The task is {now}: only a scheduled task can be cancelled", taskID=task_id)

    # --- the scheduler ------------------------------------------------------------------------------
    def due(self) -> Iterator[tuple[str, str]]:
        return self.store.due(self.clock.now_ms())

    def claim(self, app_id: str, task_id: str) -> Task | None:
        """The task, now RUNNING, when this caller took it; None when it was claimed or cancelled
        meanwhile (or is gone)."""
        task = self.store.get(app_id, task_id)
        if task is None or task.status != SCHEDULED:
            return None
        return self.store.replace(task.claimed(self.clock.now_ms()))

    @contextmanager
    def admin_token(self, task: Task) -> Iterator[str]:
        """An app-admin token for the task's call alone: never stored with the task, revoked
        after the call."""
        app = self.auth.app(task.app_id)
        issued = self.auth.issue(
            app.app_id, "admin", app.client_id, self.clock.now_ms() + CALL_TOKEN_MS, with_refresh=False
        )
        try:
            yield issued.access_token
        finally:
            self.auth.revoke(issued.access_token)

    def finish(self, task: Task, status_code: int, error_code: str | None) -> Task | None:
        return self.store.replace(task.finished(self.clock.now_ms(), status_code, error_code))
