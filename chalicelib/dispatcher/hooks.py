"""Server hooks: an event becomes an execution of the endpoint its app's hook config names.

For each event (kii-servercode.md §4-6):

1. Kii's loop rule: an event caused by hook- or schedule-invoked server code fires nothing.
   Writes made by manually executed server code and by Thing-IF trigger executions do fire
   hooks (docs/hooks.md).
2. The hook config is the one in force when the event occurred (the app's activations), so a
   config change takes effect for the events after it, and only the current version counts.
3. The (event, endpoint) is claimed with a conditional write and enqueued for the executor
   (``Executions.submit``): a redelivered event does not run again once its execution
   finished. The claim is the execution record. Without a queue it runs here, inline.
4. The endpoint runs with Kii's params; ``context.getAccessToken()`` is a token for the user
   (or thing) that caused the event, minted when it runs, for that execution only: valid
   inside it, never stored, never in an event or a message.
5. A record that cannot be resolved, claimed or enqueued (the store, the queue) is reported in
   ``batchItemFailures`` and redelivered; so is one the invocation has no time left for.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.dispatcher.stream import RemainingMs, handle_batch, log_event
from chalicelib.dispatcher.triggers import TriggerEvaluator
from chalicelib.domain.events import Event
from chalicelib.domain.events import Trigger as EventTrigger
from chalicelib.domain.hooks import Activation, ClaimKey, ExecutionOrder, active_at, hook_path, parsed_config
from chalicelib.domain.ports import EventRecordParser, HookStore
from chalicelib.runtime.executions import Executions
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.dispatcher.hooks")

LOOP_SOURCES = ("hook", "schedule")


@dataclass
class HookDispatcher:
    """Lives for one batch: activations are read once per app and batch."""

    executions: Executions
    activations: HookStore
    _activations: dict[str, list[Activation]] = field(default_factory=dict)
    _latest: dict[str, Activation | None] = field(default_factory=dict)
    triggers: TriggerEvaluator | None = None

    def consume(self, event: Event) -> None:
        log_event(event)
        if event.trigger == EventTrigger.TIF_STATE_UPDATED:
            if self.triggers is not None:
                self.triggers.consume(event)
            return
        if event.causation.source in LOOP_SOURCES:
            return  # writes of hook-invoked server code fire no further hooks
        activation = self.activation_at(event.app_id, event.occurred_at)
        if activation is None or activation.version_id is None or activation.config is None:
            return
        path = hook_path(event.trigger, event.params)
        endpoint = parsed_config(activation.config).endpoint_for(path, event.trigger) if path else None
        if endpoint is None or path is None:
            return
        self.executions.submit(
            ExecutionOrder(
                kind="hook",
                app_id=event.app_id,
                key=ClaimKey.event(event.event_id),
                trigger=str(event.trigger),
                path=path,
                endpoint=endpoint,
                version_id=activation.version_id,
                params=dict(event.params),
                actor_kind=event.actor.kind,
                actor_id=event.actor.id,
                depth=event.causation.depth,
            )
        )

    def activation_at(self, app_id: str, at: int) -> Activation | None:
        """The newest activation usually is the one (one GetItem per app and batch); an event
        from before it looks through the history."""
        if app_id not in self._latest:
            self._latest[app_id] = self.activations.latest_activation(app_id)
        latest = self._latest[app_id]
        if latest is None or latest.at <= at:
            return latest
        if app_id not in self._activations:
            self._activations[app_id] = self.activations.activations(app_id)
        return active_at(self._activations[app_id], at)


def dispatch(
    batch: Mapping[str, Any],
    executions: Executions,
    activations: HookStore,
    thingif: ThingIFService,
    records: EventRecordParser,
    remaining_ms: RemainingMs | None = None,
) -> dict[str, Any]:
    """The dispatcher Lambda's work on one stream batch (also what a redrive runs): resolve,
    claim and enqueue each execution, while the invocation has time for one more."""
    consumer = HookDispatcher(executions, activations)
    consumer.triggers = TriggerEvaluator(executions, thingif, consumer.activation_at)
    return handle_batch(batch, records, consumer.consume, remaining_ms, executions.submit_budget_ms)
