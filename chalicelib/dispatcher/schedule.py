"""Schedule-based hooks (kii-servercode.md §5): the ``kiicloud://scheduler`` jobs of each app's
current hook config, run by a tick every minute (Chalice ``schedule`` in AWS, a thread in the
local stack).

A tick looks at the minute it runs in and the one before (a late tick still runs what was
due), and claims each due (job, minute) and enqueues it for the executor (runs it, without a
queue): ticks that overlap or repeat run a job once per minute, and one slow job or app
delays no other. Jobs run in UTC with their ``parameters`` as params,
``context.getAccessToken()`` null, and writes that fire no hooks (causation ``schedule``).
Two job names with the same schedule run twice, as in Kii. Missed minutes further back are not
caught up, and failed runs are not retried (Kii documents neither).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from chalicelib.dispatcher.triggers import trigger_order
from chalicelib.domain.hooks import SCHEDULE_TRIGGER, SCHEDULER, ClaimKey, ExecutionOrder, parsed_config
from chalicelib.domain.ports import HookStore
from chalicelib.runtime.executions import Executions
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.dispatcher.schedule")

MINUTE_MS = 60_000


def tick(
    executions: Executions, activations: HookStore, thingif: ThingIFService, now_ms: int | None = None
) -> dict[str, Any]:
    """Runs the jobs due in this minute and the previous one; returns what it did."""
    now_ms = executions.clock.now_ms() if now_ms is None else now_ms
    this_minute = now_ms - now_ms % MINUTE_MS
    ran: list[str] = []
    for app_id, activation in activations.scheduled():
        if activation.version_id is None or activation.config is None:
            continue
        for minute in (this_minute - MINUTE_MS, this_minute):
            if minute < activation.at - activation.at % MINUTE_MS:
                continue  # the config was not current yet in that minute
            due = datetime.fromtimestamp(minute / 1000, UTC)
            for job in parsed_config(activation.config).jobs:
                if not job.cron.matches(due):
                    continue
                order = ExecutionOrder(
                    kind="schedule",
                    app_id=app_id,
                    key=ClaimKey.job(minute, job.name),
                    trigger=SCHEDULE_TRIGGER,
                    path=SCHEDULER,
                    endpoint=job.endpoint,
                    version_id=activation.version_id,
                    params=dict(job.parameters),
                    name=job.name,
                )
                if _submit(executions, order):
                    ran.append(f"{app_id}:{job.name}@{due.isoformat()}")
    ran.extend(_thing_if(executions, activations, thingif, this_minute))
    return {"ran": ran}


def _thing_if(
    executions: Executions, activations: HookStore, thingif: ThingIFService, this_minute: int
) -> list[str]:
    """Thing-IF SCHEDULE (cron) and SCHEDULE_ONCE (``scheduleAt``) triggers send their command
    (or run the app's current server code); a SCHEDULE_ONCE trigger fires once, in the minute
    of its time (or the next tick after)."""
    fired: list[str] = []
    for trigger in thingif.scheduled_triggers():
        predicate = trigger.predicate
        for minute in (this_minute - MINUTE_MS, this_minute):
            if minute + MINUTE_MS <= trigger.created_at:
                continue  # before the trigger existed
            if predicate.cron is not None:
                due = predicate.cron.matches(datetime.fromtimestamp(minute / 1000, UTC))
                key = ClaimKey.scheduled_trigger(minute, trigger.trigger_id)
            else:
                at = predicate.schedule_at or 0
                due = minute <= at < minute + MINUTE_MS
                key = ClaimKey.scheduled_trigger(None, trigger.trigger_id)
            if not due:
                continue
            current = activations.latest_activation(trigger.app_id) if trigger.what == "SERVER_CODE" else None
            if _submit(executions, trigger_order(trigger, key, current.version_id if current else None)):
                fired.append(f"{trigger.app_id}:trigger {trigger.trigger_id}")
    return fired


def _submit(executions: Executions, order: ExecutionOrder) -> bool:
    """Whether the order was claimed now. A failure to claim or enqueue one job is logged and
    does not stop the tick: the next tick looks back a minute and claims it then."""
    try:
        return executions.submit(order) is not None
    except Exception:
        log.exception(
            "%s %s of app %s could not be started; the next tick retries", order.kind, order.key, order.app_id
        )
        return False
