"""Server hooks: an event becomes an execution of the endpoint its app's hook config names.

For each event (kii-servercode.md §4-6):

1. Kii's loop rule: an event caused by hook- or schedule-invoked server code fires nothing.
   Writes made by manually executed server code and by Thing-IF trigger executions do fire
   hooks (docs/hooks.md).
2. The hook config is the one in force when the event occurred (the app's activations), so a
   config change takes effect for the events after it, and only the current version counts.
3. The (event, endpoint) is claimed with a conditional write before it runs: a redelivered
   event does not run again once its execution finished. The claim is the execution record.
4. The endpoint runs with Kii's params; ``context.getAccessToken()`` is a token for the user
   (or thing) that caused the event, minted for this execution only: valid inside it, never
   stored, never in an event.
5. An error in the app's code is recorded as a failed execution and not retried; anything else
   (the store, the engine) propagates, so the record is reported in ``batchItemFailures`` and
   redelivered, and the interrupted claim is taken over by the next attempt.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.dispatcher import push
from chalicelib.dispatcher.runs import claim, parsed_config, run_claimed, stale_after_ms
from chalicelib.dispatcher.stream import handle_batch, log_event
from chalicelib.dispatcher.triggers import TriggerEvaluator
from chalicelib.domain.events import Caller, Causation, Event
from chalicelib.domain.events import Trigger as EventTrigger
from chalicelib.domain.hooks import (
    Activation,
    HookExecution,
    active_at,
    hook_path,
)
from chalicelib.domain.models import Principal
from chalicelib.domain.ports import Clock, HookStore
from chalicelib.runtime.executor import Runner
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.dispatcher.hooks")

LOOP_SOURCES = ("hook", "schedule")


@dataclass
class HookDispatcher:
    """Lives for one batch: activations are read once per app and batch."""

    runner: Runner
    hooks: HookStore
    clock: Clock
    base_url: str
    stale_after_ms: int
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
        claimed = claim(
            self.hooks,
            self.clock,
            self.stale_after_ms,
            app_id=event.app_id,
            event_id=event.event_id,
            trigger=str(event.trigger),
            path=path,
            endpoint=endpoint,
            version_id=activation.version_id,
        )
        if claimed is None:
            log.info("event %s: %s already ran", event.event_id, endpoint)
            return
        self._run(event, claimed)

    def _run(self, event: Event, claimed: HookExecution) -> None:
        run_claimed(
            self.runner,
            self.hooks,
            self.clock,
            claimed,
            _caller(event),
            dict(event.params),
            self.base_url,
            source="hook",
            quiet=True,
            hookTrigger=claimed.trigger,
            eventID=event.event_id,
        )

    def activation_at(self, app_id: str, at: int) -> Activation | None:
        """The newest activation usually is the one (one GetItem per app and batch); an event
        from before it looks through the history."""
        if app_id not in self._latest:
            self._latest[app_id] = self.hooks.latest_activation(app_id)
        latest = self._latest[app_id]
        if latest is None or latest.at <= at:
            return latest
        if app_id not in self._activations:
            self._activations[app_id] = self.hooks.activations(app_id)
        return active_at(self._activations[app_id], at)


def _caller(event: Event) -> Caller:
    """The principal the hook runs for: the user or thing that caused the event, with a token
    valid only inside this execution; anyone else gives no token (Kii: null)."""
    actor = event.actor
    if actor.kind in ("user", "thing") and actor.id:
        principal = Principal(actor.kind, event.app_id, actor.id, secrets.token_urlsafe(32))  # type: ignore[arg-type]
    else:
        principal = Principal("anonymous", event.app_id)
    return Caller(principal, Causation("hook", None, event.causation.depth))


def dispatch(batch: Mapping[str, Any], services: Container) -> dict[str, Any]:
    """The dispatcher Lambda's work on one stream batch (also what a redrive runs)."""
    settings = services.settings
    stale_ms = stale_after_ms(settings)
    consumer = HookDispatcher(services.runner, services.hooks, services.clock, settings.base_url, stale_ms)
    consumer.triggers = TriggerEvaluator(
        services.runner,
        services.hooks,
        services.clock,
        services.thingif,
        services.auth,
        settings.base_url,
        stale_ms,
        consumer.activation_at,
    )
    return handle_batch(batch, services.records, push.consumer(services, consumer.consume))
