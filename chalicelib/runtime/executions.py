"""Executions: the one owner of claiming, running, recording and command sending for every
kind of run — hook, scheduled job, Thing-IF trigger (server code or command) and manual.

An ``ExecutionOrder`` (what the dispatcher resolved) is claimed under its ``ClaimKey`` before
it runs: the claim is the execution record, so a redelivered event, an overlapping tick or a
repeated evaluation finds it instead of running again. With a queue (SQS in AWS, the local
stack's pool) ``submit`` claims the record QUEUED and sends the order; the executor's
``execute`` starts it (RUNNING) and runs it. Without one, ``submit`` claims it RUNNING and runs
it at once. An error of the app (its code, a version or endpoint that is gone) finishes the
record FAILED and is not retried; an infrastructure error marks it INTERRUPTED and
propagates, for the retry to take it over (``attempt`` counts). Manual executions (the REST
API) keep no record: the developer log has them.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Causation, CausationSource
from chalicelib.domain.hooks import FINISHED, Execution, ExecutionOrder
from chalicelib.domain.models import Principal
from chalicelib.domain.ports import Clock, ExecutionQueue, ExecutionStore
from chalicelib.domain.thingif import ThingTrigger
from chalicelib.errors import KiiError, TemporarilyUnavailable
from chalicelib.runtime.executor import Outcome
from chalicelib.services.auth import AuthService
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.executions")

MAX_LOG_LINES = 100
INVOCATION_FAILED = "Error found while executing the developer-defined code"
NO_VERSION = "-"
ENQUEUE_BUDGET_MS = 3_000  # a claim and a message, with retries of throttled calls
RECORD_MARGIN_MS = 5_000  # claim and finish writes, and the results of a trigger
STALE_MARGIN_MS = 10_000  # the record's version of a run without server code (a command)


class ServerCodeRunner(Protocol):
    """Runs an endpoint (``runtime.executor.Runner``; tests wire a fake through the container)."""

    def execute(
        self,
        caller: Caller,
        ref: str,
        endpoint: str,
        params: Any,
        base_url: str,
        source: CausationSource = "server_code",
        execution_id: str | None = None,
        quiet: bool = False,
        **record: Any,
    ) -> Outcome: ...


@dataclass
class Executions:
    store: ExecutionStore
    runner: ServerCodeRunner
    clock: Clock
    thingif: ThingIFService
    auth: AuthService
    base_url: str  # what Kii.getBaseURL() answers in hooks, schedules and triggers
    script_timeout_ms: int  # Kii's 20 s
    queue: ExecutionQueue | None = None  # None: run where submitted (inline)

    @property
    def stale_after_ms(self) -> int:
        """A RUNNING claim older than the script deadline (and a margin) belongs to a run that
        died."""
        return self.script_timeout_ms + STALE_MARGIN_MS

    @property
    def run_budget_ms(self) -> int:
        """The most one run may take: the script's deadline, its claim and its records."""
        return self.script_timeout_ms + RECORD_MARGIN_MS

    # --- manual ---------------------------------------------------------------------------------
    def manual(self, caller: Caller, ref: str, endpoint: str, params: Any, base_url: str) -> Outcome:
        """An execution through the REST API: run now, answered to the client."""
        return self.runner.execute(caller, ref, endpoint, params, base_url)

    # --- hooks, schedules, triggers -------------------------------------------------------------
    @property
    def submit_budget_ms(self) -> int:
        """The time one ``submit`` needs: an enqueue. Inline (no queue: tests and tools, never
        a deployed stage) no budget is kept, as before the queue existed."""
        return ENQUEUE_BUDGET_MS if self.queue is not None else 0

    def submit(self, order: ExecutionOrder) -> Execution | None:
        """Claims the order's execution and enqueues it for an executor (or, without a queue,
        runs it here); None when it already finished."""
        claimed = self._enqueue(order) if self.queue is not None else self.claim(order)
        if claimed is None:
            log.info("%s %s of app %s already ran", order.kind, order.key, order.app_id)
            return None
        return claimed if self.queue is not None else self.run(order, claimed)

    def _new(self, order: ExecutionOrder, status: str) -> Execution:
        now = self.clock.now_ms()
        return Execution(
            app_id=order.app_id,
            execution_id=ids.new_execution_id(now),
            event_id=str(order.key),
            trigger=order.trigger,
            path=order.path,
            endpoint=order.endpoint,
            version_id=order.version_id,
            attempt=1,
            started_at=now,
            status=status,
            name=order.name,
        )

    def _enqueue(self, order: ExecutionOrder) -> Execution | None:
        """Claims the execution QUEUED and sends its message. An unfinished claim found is
        sent again: its message may have been lost with a failed batch, and the executor
        drops the duplicate of a message that is still on its way."""
        assert self.queue is not None
        execution = self._new(order, "QUEUED")
        if not self.store.create(execution):
            found = self.store.find(order.app_id, execution.key)
            if found is None:
                raise TemporarilyUnavailable("The execution claim vanished; retry")
            if found.status in FINISHED:
                return None
            execution = found
        self.queue.send(order)
        return execution

    def execute(self, order: ExecutionOrder) -> Execution | None:
        """The executor's side of a queued execution: starts it and runs it; None when it
        finished already or runs elsewhere (a duplicate message)."""
        started = self.start(order)
        return None if started is None else self.run(order, started)

    def start(self, order: ExecutionOrder) -> Execution | None:
        """QUEUED becomes RUNNING (same attempt); an INTERRUPTED or stale RUNNING claim is
        taken over (next attempt); a finished one, a fresh RUNNING one (its own message is
        still in flight) or one another executor just took gives None."""
        now = self.clock.now_ms()
        found = self.store.find(order.app_id, f"{order.key}#{order.endpoint}")
        if found is None:
            return self.claim(order)  # the claim expired meanwhile: claim it afresh
        if found.status in FINISHED:
            return None
        if found.status == "RUNNING" and found.started_at >= now - self.stale_after_ms:
            return None
        return self.store.replace(
            replace(
                found,
                status="RUNNING",
                attempt=found.attempt if found.status == "QUEUED" else found.attempt + 1,
                started_at=now,
                finished_at=None,
            )
        )

    def claim(self, order: ExecutionOrder) -> Execution | None:
        """A new execution (first attempt, starting now), an interrupted or stale one taken
        over (next attempt), or None when it finished; a fresh RUNNING one raises
        TemporarilyUnavailable (its run is still going)."""
        execution = self._new(order, "RUNNING")
        now = execution.started_at
        if self.store.create(execution):
            return execution
        found = self.store.find(order.app_id, execution.key)
        if found is None:
            raise TemporarilyUnavailable("The execution claim vanished; retry")
        if found.status in FINISHED:
            return None
        if found.status == "RUNNING" and found.started_at >= now - self.stale_after_ms:
            raise TemporarilyUnavailable(f"Execution {found.execution_id} is still running")
        taken = self.store.replace(
            replace(
                execution,
                execution_id=found.execution_id,
                attempt=found.attempt + 1,
                revision=found.revision,
            )
        )
        if taken is None:
            raise TemporarilyUnavailable("Another worker took the execution over")
        return taken

    def run(self, order: ExecutionOrder, claimed: Execution) -> Execution:
        """Runs a claimed execution and finishes its record."""
        if order.kind in ("trigger", "command"):
            return self._trigger(order, claimed)
        if order.kind == "hook":
            return self._server_code(
                claimed,
                _hook_caller(order),
                order.params,
                "hook",
                quiet=True,
                hookTrigger=claimed.trigger,
                eventID=order.key.subject,
            )
        caller = Caller(Principal("anonymous", order.app_id), Causation("schedule"))
        finished = self._server_code(claimed, caller, order.params, "schedule", jobName=order.name)
        log.info("scheduled job %s of app %s: %s", order.name, order.app_id, finished.status)
        return finished

    def _server_code(
        self,
        claimed: Execution,
        caller: Caller,
        params: dict[str, Any],
        source: CausationSource,
        quiet: bool = False,
        **record: Any,
    ) -> Execution:
        try:
            outcome = self.runner.execute(
                caller,
                claimed.version_id,
                claimed.endpoint,
                dict(params),
                self.base_url,
                source=source,
                execution_id=claimed.execution_id,
                quiet=quiet,
                **record,
            )
        except TemporarilyUnavailable:
            self._interrupted(claimed)
            raise
        except KiiError as error:
            return self._finish(
                claimed, "FAILED", error={"errorCode": error.error_code, "message": error.message}
            )
        except Exception:
            self._interrupted(claimed)
            raise
        return self._finish(
            claimed,
            "SUCCESS" if outcome.succeeded else "FAILED",
            result=outcome.body,
            error=None
            if outcome.succeeded
            else {"errorCode": outcome.error_code, "message": outcome.error_message},
            logs=tuple(outcome.logs[:MAX_LOG_LINES]),
        )

    # --- Thing-IF triggers ----------------------------------------------------------------------
    def _trigger(self, order: ExecutionOrder, claimed: Execution) -> Execution:
        trigger = self.thingif.stored_trigger(order.app_id, order.thing_id or "", order.trigger_id or "")
        if trigger is None:
            return self._finish(
                claimed,
                "FAILED",
                error={"errorCode": "TRIGGER_NOT_FOUND", "message": "The trigger was deleted"},
            )
        if order.kind == "command":
            command = self.thingif.fire_command(trigger)
            return self._finish(
                claimed, "SUCCESS", result={"returnedValue": {"commandID": command.command_id}}
            )
        server_code = trigger.server_code or {}
        target_app = server_code.get("targetAppID")
        executed_at = self.clock.now_ms()
        if order.version_id == NO_VERSION:
            finished = self._finish(
                claimed,
                "FAILED",
                error={"errorCode": "SERVER_CODE_VERSION_NOT_FOUND", "message": "No server code is current"},
            )
        elif target_app not in (None, trigger.app_id):
            finished = self._finish(
                claimed,
                "FAILED",
                error={
                    "errorCode": "RUNTIME_ERROR",
                    "message": "Server code of another app (targetAppID) cannot be triggered here",
                },
            )
        else:
            finished = self._server_code(
                claimed,
                self._trigger_caller(trigger),
                dict(server_code.get("parameters") or {}),
                "trigger",
                triggerID=trigger.trigger_id,
            )
        self.thingif.add_result(
            trigger, f"{executed_at:013d}#{claimed.execution_id}", _result(finished, server_code, executed_at)
        )
        return finished

    def _trigger_caller(self, trigger: ThingTrigger) -> Caller:
        """The principal of the ``executorAccessToken`` the trigger was registered with, while
        that token stays valid, else anonymous."""
        causation = Causation("trigger")
        if trigger.executor is not None:
            principal = self.auth.by_reference(trigger.app_id, trigger.executor)
            if principal is not None:
                return Caller(principal, causation)
            log.warning("trigger %s: its executorAccessToken is no longer valid", trigger.trigger_id)
        return Caller(Principal("anonymous", trigger.app_id), causation)

    # --- records --------------------------------------------------------------------------------
    def _finish(self, claimed: Execution, status: str, **fields: Any) -> Execution:
        saved = self.store.replace(replace(claimed, status=status, finished_at=self.clock.now_ms(), **fields))
        if saved is None:
            raise TemporarilyUnavailable("The execution was taken over while it ran")
        return saved

    def _interrupted(self, claimed: Execution) -> None:
        """Leave the claim for the next attempt to take over at once."""
        try:
            self._finish(claimed, "INTERRUPTED")
        except Exception:  # the next attempt takes the claim over once it is stale
            log.exception("could not release execution %s", claimed.execution_id)


def _hook_caller(order: ExecutionOrder) -> Caller:
    """The principal a hook runs for: the user or thing that caused the event, with a token
    valid only inside this execution; anyone else gives no token (Kii: null)."""
    if order.actor_kind in ("user", "thing") and order.actor_id:
        principal = Principal(order.actor_kind, order.app_id, order.actor_id, secrets.token_urlsafe(32))  # type: ignore[arg-type]
    else:
        principal = Principal("anonymous", order.app_id)
    return Caller(principal, Causation("hook", None, order.depth))


def _result(finished: Execution, server_code: dict[str, Any], executed_at: int) -> dict[str, Any]:
    """One entry of ``triggerServerCodeResults``, in the seed document's shape."""
    endpoint = server_code.get("endpoint")
    if finished.status == "SUCCESS":
        result: dict[str, Any] = {"succeeded": True, "executedAt": executed_at, "endpoint": endpoint}
        if finished.result and "returnedValue" in finished.result:
            result["returnedValue"] = finished.result["returnedValue"]
        return result
    error = finished.error or {}
    return {
        "succeeded": False,
        "executedAt": executed_at,
        "endpoint": endpoint,
        "error": {
            "errorMessage": INVOCATION_FAILED,
            "details": {
                "errorCode": error.get("errorCode", "RUNTIME_ERROR"),
                "message": error.get("message", ""),
            },
        },
    }
