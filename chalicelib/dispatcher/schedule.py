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
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.dispatcher.runs import run_claimed
from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.hooks import SCHEDULE_TRIGGER, SCHEDULER, HookConfig, HookExecution, parse_hook_config
from chalicelib.domain.models import Principal
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.dispatcher.schedule")

MINUTE_MS = 60_000
_CONFIGS: dict[str, HookConfig] = {}


def _config(text: str) -> HookConfig:
    config = _CONFIGS.get(text)
    if config is None:
        if len(_CONFIGS) > 256:
            _CONFIGS.clear()
        config = _CONFIGS[text] = parse_hook_config(text, None)
    return config


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
            for job in _config(activation.config).jobs:
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


def _fire(services: Container, trigger: Any, key: str) -> bool:
    now = services.clock.now_ms()
    claimed = services.hooks.claim(
        HookExecution(
            app_id=trigger.app_id,
            execution_id=ids.new_event_id(now),
            event_id=f"{key}-thing-if-{trigger.trigger_id}",
            trigger="THING_IF",
            path=f"thing:{trigger.thing_id}/triggers/{trigger.trigger_id}",
            endpoint="command",
            version_id="-",
            attempt=1,
            started_at=now,
        ),
        stale_before=now - int((services.settings.script_timeout_seconds + 10) * 1000),
    )
    if claimed is None:
        return False
    command = services.thingif.fire_command(trigger)
    services.hooks.finish(
        replace(
            claimed,
            status="SUCCESS",
            finished_at=services.clock.now_ms(),
            result={"returnedValue": {"commandID": command.command_id}},
        )
    )
    return True


def _run(services: Container, app_id: str, version_id: str, job: Any, minute: int) -> bool:
    now = services.clock.now_ms()
    claimed = services.hooks.claim(
        HookExecution(
            app_id=app_id,
            execution_id=ids.new_event_id(now),
            event_id=f"{minute:013d}-schedule-{job.name}",
            trigger=SCHEDULE_TRIGGER,
            path=SCHEDULER,
            endpoint=job.endpoint,
            version_id=version_id,
            attempt=1,
            started_at=now,
            name=job.name,
        ),
        stale_before=now - int((services.settings.script_timeout_seconds + 10) * 1000),
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
