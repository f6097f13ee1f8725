"""Thing-IF triggers (kii-servercode.md §7): a state upload's event, carrying the previous and
the current state, is evaluated against the thing's enabled STATES triggers. An edge
(``CONDITION_FALSE_TO_TRUE``, ``CONDITION_CHANGED``) is decided from the two states in the event,
and each (event, trigger) is claimed before it acts, so concurrency and redelivery cannot
fire it twice.

``SERVER_CODE`` triggers run the endpoint of the version current when the state changed, with
``serverCode.parameters`` as params, as the principal of the ``executorAccessToken`` they were
registered with while that token stays valid (the trigger keeps only a reference to it; the
code's ``context.getAccessToken()`` is a token valid in that execution only), else
anonymously; each run is stored as a result of the trigger in Kii's shape.
``COMMAND`` triggers create the command (``firedByTriggerID``), as one sent through the API.
States written by hook-, schedule- or trigger-invoked server code evaluate no triggers (the
loop rule, extended to triggers so a trigger cannot re-fire itself through its own code).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.dispatcher.runs import claim, run_claimed, send_command
from chalicelib.domain.events import Caller, Causation, Event
from chalicelib.domain.hooks import Activation, HookExecution
from chalicelib.domain.models import Principal
from chalicelib.domain.ports import Clock, HookStore
from chalicelib.domain.thingif import ThingTrigger as Trigger
from chalicelib.runtime.executor import Runner
from chalicelib.services.auth import AuthService
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.dispatcher.triggers")

LOOP_SOURCES = ("hook", "schedule", "trigger")
THING_IF = "THING_IF"
INVOCATION_FAILED = "Error found while executing the developer-defined code"


@dataclass
class TriggerEvaluator:
    runner: Runner
    hooks: HookStore
    clock: Clock
    thingif: ThingIFService
    auth: AuthService
    base_url: str
    stale_after_ms: int
    activation_at: Callable[[str, int], Activation | None]

    def consume(self, event: Event) -> None:
        if event.causation.source in LOOP_SOURCES:
            return
        thing_id = str(event.params["thingID"])
        previous, current = event.params.get("previous"), event.params["current"]
        for trigger in self.thingif.store.triggers(event.app_id, thing_id):
            if trigger.disabled or trigger.predicate.event_source != "STATES":
                continue
            if trigger.created_at > event.occurred_at:
                continue  # registered after the state changed
            if trigger.predicate.fires(previous, current):
                self._fire(event, trigger)

    def _fire(self, event: Event, trigger: Trigger) -> None:
        activation = self.activation_at(event.app_id, event.occurred_at)
        claimed = claim(
            self.hooks,
            self.clock,
            self.stale_after_ms,
            app_id=event.app_id,
            event_id=f"{event.event_id}#{trigger.trigger_id}",  # one claim per (event, trigger)
            trigger=THING_IF,
            path=trigger_path(trigger),
            endpoint=(trigger.server_code or {}).get("endpoint") or "command",
            version_id=(activation.version_id if activation else None) or "-",
        )
        if claimed is None:
            return
        if trigger.what == "COMMAND":
            send_command(self.thingif, self.hooks, self.clock, claimed, trigger)
        else:
            self._server_code(claimed, trigger, activation)

    def _server_code(self, claimed: HookExecution, trigger: Trigger, activation: Activation | None) -> None:
        server_code = trigger.server_code or {}
        target_app = server_code.get("targetAppID")
        executed_at = self.clock.now_ms()
        if activation is None or activation.version_id is None:
            finished = _done(
                claimed,
                executed_at,
                "FAILED",
                error={"errorCode": "SERVER_CODE_VERSION_NOT_FOUND", "message": "No server code is current"},
            )
            self.hooks.finish(finished)
        elif target_app not in (None, trigger.app_id):
            finished = _done(
                claimed,
                executed_at,
                "FAILED",
                error={
                    "errorCode": "RUNTIME_ERROR",
                    "message": "Server code of another app (targetAppID) cannot be triggered here",
                },
            )
            self.hooks.finish(finished)
        else:
            finished = run_claimed(
                self.runner,
                self.hooks,
                self.clock,
                claimed,
                self._caller(trigger),
                dict(server_code.get("parameters") or {}),
                self.base_url,
                source="trigger",
                triggerID=trigger.trigger_id,
            )
        self.thingif.store.add_result(
            trigger.app_id,
            trigger.trigger_id,
            f"{executed_at:013d}#{claimed.execution_id}",
            _result(finished, server_code, executed_at),
        )

    def _caller(self, trigger: Trigger) -> Caller:
        causation = Causation("trigger")
        if trigger.executor is not None:
            principal = self.auth.by_reference(trigger.app_id, trigger.executor)
            if principal is not None:
                return Caller(principal, causation)
            log.warning("trigger %s: its executorAccessToken is no longer valid", trigger.trigger_id)
        return Caller(Principal("anonymous", trigger.app_id), causation)


def trigger_path(trigger: Trigger) -> str:
    """How an execution record names the trigger that ran."""
    return f"thing:{trigger.thing_id}/triggers/{trigger.trigger_id}"


def _done(claimed: HookExecution, at: int, status: str, **fields: Any) -> HookExecution:
    return replace(claimed, status=status, finished_at=at, **fields)


def _result(finished: HookExecution, server_code: dict[str, Any], executed_at: int) -> dict[str, Any]:
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
