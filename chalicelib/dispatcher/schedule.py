"""Schedule-based hooks (kii-servercode.md §5): the ``kiicloud://scheduler`` jobs of each app's
current hook config, run by a tick every minute (Chalice ``schedule`` in AWS, a thread in the
local stack).

A tick looks at the minute it runs in and the one before (a late tick still runs what was
due), and claims each due (job, minute) before running it: ticks that overlap or repeat run a
job once per minute. Jobs run in UTC with their ``parameters`` as params,
``context.getAccessToken()`` null, and writes that fire no hooks (causation ``schedule``).
Two job names with the same schedule run twice, as in Kii. Missed minutes further back are not
caught up, and failed runs are not retried (Kii documents neither).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from chalicelib.dispatcher.runs import claim, parsed_config, run_claimed, send_command, stale_after_ms
from chalicelib.dispatcher.triggers import THING_IF, trigger_path
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.hooks import SCHEDULE_TRIGGER, SCHEDULER, ScheduledJob
from chalicelib.domain.models import Principal
from chalicelib.domain.thingif import ThingTrigger as Trigger
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.dispatcher.schedule")

MINUTE_MS = 60_000


def tick(services: Container, now_ms: int | None = None) -> dict[str, Any]:
    """Runs the jobs due in this minute and the previous one; returns what it did."""
    now_ms = services.clock.now_ms() if now_ms is None else now_ms
    this_minute = now_ms - now_ms % MINUTE_MS
    ran: list[str] = []
    for app_id, activation in services.hooks.scheduled():
        if activation.version_id is None or activation.config is None:
            continue
        for minute in (this_minute - MINUTE_MS, this_minute):
            if minute < activation.at - activation.at % MINUTE_MS:
                continue  # the config was not current yet in that minute
            due = datetime.fromtimestamp(minute / 1000, UTC)
            for job in parsed_config(activation.config).jobs:
                if job.cron.matches(due) and _run(services, app_id, activation.version_id, job, minute):
                    ran.append(f"{app_id}:{job.name}@{due.isoformat()}")
    ran.extend(_thing_if(services, this_minute))
    return {"ran": ran}


def _thing_if(services: Container, this_minute: int) -> list[str]:
    """Thing-IF SCHEDULE (cron) and SCHEDULE_ONCE (``scheduleAt``) triggers send their command;
    a SCHEDULE_ONCE trigger fires once, in the minute of its time (or the next tick after)."""
    fired: list[str] = []
    for trigger in services.thingif.store.scheduled_triggers():
        predicate = trigger.predicate
        for minute in (this_minute - MINUTE_MS, this_minute):
            if minute + MINUTE_MS <= trigger.created_at:
                continue  # before the trigger existed
            if predicate.cron is not None:
                due, key = (
                    predicate.cron.matches(datetime.fromtimestamp(minute / 1000, UTC)),
                    f"{minute:013d}",
                )
            else:
                at = predicate.schedule_at or 0
                due, key = minute <= at < minute + MINUTE_MS, "once"
            if due and _fire(services, trigger, key):
                fired.append(f"{trigger.app_id}:trigger {trigger.trigger_id}")
    return fired


def _fire(services: Container, trigger: Trigger, key: str) -> bool:
    claimed = claim(
        services.hooks,
        services.clock,
        stale_after_ms(services.settings),
        app_id=trigger.app_id,
        event_id=f"{key}-thing-if-{trigger.trigger_id}",
        trigger=THING_IF,
        path=trigger_path(trigger),
        endpoint="command",
        version_id="-",
    )
    if claimed is None:
        return False
    send_command(services.thingif, services.hooks, services.clock, claimed, trigger)
    return True


def _run(services: Container, app_id: str, version_id: str, job: ScheduledJob, minute: int) -> bool:
    claimed = claim(
        services.hooks,
        services.clock,
        stale_after_ms(services.settings),
        app_id=app_id,
        event_id=f"{minute:013d}-schedule-{job.name}",
        trigger=SCHEDULE_TRIGGER,
        path=SCHEDULER,
        endpoint=job.endpoint,
        version_id=version_id,
        name=job.name,
    )
    if claimed is None:
        return False
    finished = run_claimed(
        services.runner,
        services.hooks,
        services.clock,
        claimed,
        Caller(Principal("anonymous", app_id), Causation("schedule")),
        dict(job.parameters),
        services.settings.base_url,
        source="schedule",
        jobName=job.name,
    )
    log.info("scheduled job %s of app %s: %s", job.name, app_id, finished.status)
    return True
