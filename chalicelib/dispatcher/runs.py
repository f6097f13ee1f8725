"""Claiming an execution, running it and finishing its record: shared by hooks, schedules and
Thing-IF triggers."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from chalicelib import config
from chalicelib.domain import ids
from chalicelib.domain.events import Caller, CausationSource
from chalicelib.domain.hooks import HookConfig, HookExecution, parse_hook_config
from chalicelib.domain.ports import Clock, HookStore
from chalicelib.domain.thingif import ThingTrigger as Trigger
from chalicelib.errors import KiiError, TemporarilyUnavailable
from chalicelib.runtime.executor import Runner
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.dispatcher")

MAX_LOG_LINES = 100
# Parsed hook configs by their text, shared by the batches and ticks of a warm process.
_CONFIGS: dict[str, HookConfig] = {}


def parsed_config(text: str) -> HookConfig:
    """A hook config already checked at upload, parsed once per process."""
    found = _CONFIGS.get(text)
    if found is None:
        if len(_CONFIGS) > 256:
            _CONFIGS.clear()
        found = _CONFIGS[text] = parse_hook_config(text, None)
    return found


def stale_after_ms(settings: config.Settings) -> int:
    """A RUNNING claim older than the script deadline (and a margin) belongs to a run that died."""
    return int((settings.script_timeout_seconds + 10) * 1000)


def claim(hooks: HookStore, clock: Clock, stale_ms: int, **fields: Any) -> HookExecution | None:
    """Claims a new execution (first attempt, starting now); None when it already finished."""
    now = clock.now_ms()
    execution = HookExecution(execution_id=ids.new_event_id(now), attempt=1, started_at=now, **fields)
    return hooks.claim(execution, stale_before=now - stale_ms)


def send_command(
    thingif: ThingIFService, hooks: HookStore, clock: Clock, claimed: HookExecution, trigger: Trigger
) -> None:
    """A COMMAND trigger's claimed run: the command is sent and the run records its ID."""
    command = thingif.fire_command(trigger)
    result = {"returnedValue": {"commandID": command.command_id}}
    hooks.finish(replace(claimed, status="SUCCESS", finished_at=clock.now_ms(), result=result))


def run_claimed(
    runner: Runner,
    hooks: HookStore,
    clock: Clock,
    claimed: HookExecution,
    caller: Caller,
    params: dict[str, Any],
    base_url: str,
    source: CausationSource,
    quiet: bool = False,
    **record: Any,
) -> HookExecution:
    """Runs a claimed execution and finishes its record. An error of the app (its code, a
    version or endpoint that is gone) finishes it FAILED; an infrastructure error marks it
    INTERRUPTED, for the retry to take over, and propagates."""
    try:
        outcome = runner.execute(
            caller,
            claimed.version_id,
            claimed.endpoint,
            params,
            base_url,
            source=source,
            execution_id=claimed.execution_id,
            quiet=quiet,
            **record,
        )
    except TemporarilyUnavailable:
        _interrupted(hooks, clock, claimed)
        raise
    except KiiError as error:
        failed = replace(
            claimed,
            status="FAILED",
            finished_at=clock.now_ms(),
            error={"errorCode": error.error_code, "message": error.message},
        )
        hooks.finish(failed)
        return failed
    except Exception:
        _interrupted(hooks, clock, claimed)
        raise
    finished = replace(
        claimed,
        status="SUCCESS" if outcome.succeeded else "FAILED",
        finished_at=clock.now_ms(),
        result=outcome.body,
        error=None
        if outcome.succeeded
        else {"errorCode": outcome.error_code, "message": outcome.error_message},
        logs=tuple(outcome.logs[:MAX_LOG_LINES]),
    )
    hooks.finish(finished)
    return finished


def _interrupted(hooks: HookStore, clock: Clock, claimed: HookExecution) -> None:
    """Leave the claim for the next attempt to take over at once."""
    try:
        hooks.finish(replace(claimed, status="INTERRUPTED", finished_at=clock.now_ms()))
    except Exception:  # the next attempt takes the claim over once it is stale
        log.exception("could not release execution %s", claimed.execution_id)
