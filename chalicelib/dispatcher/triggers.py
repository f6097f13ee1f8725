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

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.events import Event
from chalicelib.domain.hooks import THING_IF, Activation, ClaimKey, ExecutionOrder
from chalicelib.domain.thingif import ThingTrigger
from chalicelib.runtime.executions import NO_VERSION, Executions
from chalicelib.services.thingif import ThingIFService

LOOP_SOURCES = ("hook", "schedule", "trigger")


@dataclass
class TriggerEvaluator:
    executions: Executions
    thingif: ThingIFService
    activation_at: Callable[[str, int], Activation | None]

    def consume(self, event: Event) -> None:
        if event.causation.source in LOOP_SOURCES:
            return
        thing_id = str(event.params["thingID"])
        previous, current = event.params.get("previous"), event.params["current"]
        for trigger in self.thingif.state_triggers(event.app_id, thing_id):
            if trigger.created_at > event.occurred_at:
                continue  # registered after the state changed
            if trigger.predicate.fires(previous, current):
                activation = self.activation_at(event.app_id, event.occurred_at)
                key = ClaimKey.state_trigger(event.event_id, trigger.trigger_id)
                self.executions.submit(
                    trigger_order(trigger, key, activation.version_id if activation else None)
                )


def trigger_order(trigger: ThingTrigger, key: ClaimKey, version_id: str | None = None) -> ExecutionOrder:
    """The execution of a fired trigger: its command, or its server code (of ``version_id``,
    the version current when it fired; none fails the execution)."""
    return ExecutionOrder(
        kind="command" if trigger.what == "COMMAND" else "trigger",
        app_id=trigger.app_id,
        key=key,
        trigger=THING_IF,
        path=trigger_path(trigger),
        endpoint=(trigger.server_code or {}).get("endpoint") or "command",
        version_id=version_id or NO_VERSION,
        thing_id=trigger.thing_id,
        trigger_id=trigger.trigger_id,
    )


def trigger_path(trigger: ThingTrigger) -> str:
    """How an execution record names the trigger that ran."""
    return f"thing:{trigger.thing_id}/triggers/{trigger.trigger_id}"
