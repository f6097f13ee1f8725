"""Running a claimed execution and finishing its record: shared by hooks, schedules and
Thing-IF triggers."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from chalicelib.domain.events import Caller, CausationSource
from chalicelib.domain.hooks import HookExecution
from chalicelib.domain.ports import Clock, HookStore
from chalicelib.errors import KiiError, TemporarilyUnavailable
from chalicelib.runtime.executor import Runner

log = logging.getLogger("karakuri.dispatcher")

MAX_LOG_LINES = 100


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
