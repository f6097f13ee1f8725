"""Schedule-based hooks: jobs of the current hook config run once per due minute (UTC), with
their parameters, no token, and Kii's execution history API. Time is driven explicitly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.dispatcher import schedule
from tests.conftest import Kii
from tests.functional.test_hooks import deploy

CODE = r"""
function nightly(params, context) {
  var obj = context.getAppAdminContext().bucketWithName('ticks').createObject();
  obj.set('n', params.n);
  return {params: params, token: context.getAccessToken(), seen: true};
}
function write(params, context, done) {
  context.getAppAdminContext().bucketWithName('ticks').createObject().save().then(function () { done('saved'); });
}
function fails(params, context) { throw new Error('scheduled boom'); }
"""
JOBS = {
    "kiicloud://scheduler": {
        "first": {
            "what": "EXECUTE_SERVER_CODE",
            "cron": "30 2 * * *",
            "endpoint": "nightly",
            "parameters": {"n": 1},
        },
        "second": {
            "what": "EXECUTE_SERVER_CODE",
            "cron": "30 2 * * *",
            "endpoint": "nightly",
            "parameters": {"n": 2},
        },
        "weekdays": {"what": "EXECUTE_SERVER_CODE", "cron": "0/15 9-17 * * MON-FRI", "endpoint": "write"},
        "broken": {"what": "EXECUTE_SERVER_CODE", "cron": "45 3 1 * *", "endpoint": "fails"},
    },
    "kiicloud://buckets/ticks": [
        {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "nightly"}
    ],
}


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def tick(kii: Kii, text: str) -> dict[str, Any]:
    """The scheduler's tick at ``text`` (UTC): the one clock is moved there first."""
    kii.services.clock.set(at(text))
    services = kii.services.container
    return schedule.tick(services.executions, services.hooks, services.thingif)


def history(kii: Kii, admin: str, clause: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "scheduleExecutionQuery": {
            "clause": clause or {"type": "all"},
            "orderBy": "startedAt",
            "descending": False,
        },
        **extra,
    }
    reply = kii.call(
        "POST",
        "/hooks/executions/query",
        body,
        admin,
        "application/vnd.kii.ScheduleExecutionQueryRequest+json",
    )
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.fixture
def admin(kii: Kii) -> str:
    kii.services.clock.set(at("2026-11-22T00:00:00"))  # the hook config is current from here on
    token = kii.admin_token()
    deploy(kii, token, JOBS, CODE)
    kii.services.dispatch()
    return token


def test_due_jobs_run_once_per_minute_even_when_ticks_repeat(kii: Kii, admin: str) -> None:
    assert tick(kii, "2026-11-23T02:29:10") == {"ran": []}
    first = tick(kii, "2026-11-23T02:30:01")
    assert sorted(r.split(":")[1].split("@")[0] for r in first["ran"]) == ["first", "second"]
    assert tick(kii, "2026-11-23T02:30:40") == {"ran": []}  # the same minute again
    assert tick(kii, "2026-11-23T02:31:05") == {"ran": []}  # looks back one minute: done
    results = history(kii, admin)["results"]
    assert sorted((r["name"], r["status"]) for r in results) == [("first", "SUCCESS"), ("second", "SUCCESS")]
    by_name = {r["name"]: r for r in results}
    assert json.loads(by_name["first"]["result"]) == {"params": {"n": 1}, "token": None, "seen": True}
    assert json.loads(by_name["second"]["result"])["params"] == {"n": 2}
    one = kii.call("GET", f"/hooks/executions/{by_name['first']['scheduleExecutionID']}", token=admin).body
    assert {"scheduleExecutionID", "name", "status", "startedAt", "finishedAt", "result"} <= set(one)


def test_a_late_tick_still_runs_the_previous_minute_and_weekday_ranges(kii: Kii, admin: str) -> None:
    ran = tick(kii, "2026-11-23T09:16:02")["ran"]  # a Monday; 09:15 was due
    assert [r.split(":")[1].split("@")[0] for r in ran] == ["weekdays"]
    assert tick(kii, "2026-11-29T09:15:00")["ran"] == []  # a Sunday


def test_writes_of_scheduled_code_fire_no_hooks_and_failures_are_recorded(kii: Kii, admin: str) -> None:
    tick(kii, "2026-11-23T09:30:00")
    tick(kii, "2026-12-01T03:45:00")
    events = kii.services.new_events()
    written = [e for e in events if e.trigger == "DATA_OBJECT_CREATED"]
    assert written and all(e.causation.source == "schedule" for e in written)
    assert kii.services.dispatch() == {"batchItemFailures": []}
    hook_runs = kii.call("GET", "/hooks/executions?trigger=DATA_OBJECT_CREATED", token=admin).body[
        "executions"
    ]
    assert hook_runs == []  # the scheduled write fired no hook
    failed = history(kii, admin, {"type": "prefix", "field": "name", "prefix": "bro"})["results"]
    assert [(r["name"], r["status"], r["result"]) for r in failed] == [("broken", "FAILED", "scheduled boom")]


def test_only_the_current_versions_jobs_run(kii: Kii, admin: str) -> None:
    assert kii.call("DELETE", "/server-code/versions/current", token=admin).status == 204
    assert tick(kii, "2026-11-23T02:30:00") == {"ran": []}


def test_history_query_ranges_pages_and_refuses_bad_queries(kii: Kii, admin: str) -> None:
    for minute in ("09:00", "09:15", "09:30"):
        tick(kii, f"2026-11-24T{minute}:00")
    window = {
        "type": "range",
        "field": "startedAt",
        "lowerLimit": 0,
        "lowerIncluded": True,
        "upperLimit": 2**53,
        "upperIncluded": True,
    }
    page = history(kii, admin, window, bestEffortLimit=2)
    assert len(page["results"]) == 2 and page["nextPaginationKey"]
    rest = history(kii, admin, window, bestEffortLimit=2, paginationKey=page["nextPaginationKey"])
    assert len(rest["results"]) == 1 and "nextPaginationKey" not in rest
    started = [r["startedAt"] for r in page["results"] + rest["results"]]
    assert started == sorted(started)
    bad = kii.call("POST", "/hooks/executions/query", {"scheduleExecutionQuery": {"orderBy": "name"}}, admin)
    assert (bad.status, bad.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    _, user = kii.register("olga")
    denied = kii.call("POST", "/hooks/executions/query", {}, user)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_the_scheduler_lambda_handler_ticks_the_current_minute(kii: Kii, admin: str) -> None:
    from app import scheduler

    event = {
        "version": "0",
        "account": "000000000000",
        "region": "us-east-1",
        "detail": {},
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": "2026-11-23T02:30:00Z",
        "id": "e1",
        "resources": [],
    }
    kii.services.clock.set(at("2026-11-23T02:30:00"))
    result = scheduler(event, None)
    assert sorted(r.split(":")[1].split("@")[0] for r in result["ran"]) == ["first", "second"]


def test_thing_if_schedule_triggers_send_their_commands_once_per_due_minute(kii: Kii, admin: str) -> None:
    from tests.functional.test_thingif import BY_OWNER, tif

    user_id, token = kii.register("petra")
    onboarded = tif(
        kii,
        "POST",
        "/onboardings",
        {"vendorThingID": "clock-1", "thingPassword": "pw", "owner": f"user:{user_id}"},
        token,
        BY_OWNER,
    ).body
    target = f"thing:{onboarded['thingID']}"
    command = {"actions": [{"chime": {"times": 1}}], "issuer": f"user:{user_id}"}
    every_5 = {
        "triggersWhat": "COMMAND",
        "predicate": {"eventSource": "SCHEDULE", "schedule": "0/5 * * * *"},
        "command": command,
    }
    once = {
        "triggersWhat": "COMMAND",
        "predicate": {"eventSource": "SCHEDULE_ONCE", "scheduleAt": at("2026-11-23T05:07:30")},
        "command": command,
    }
    cron_id = tif(kii, "POST", f"/targets/{target}/triggers", every_5, token).body["triggerID"]
    once_id = tif(kii, "POST", f"/targets/{target}/triggers", once, token).body["triggerID"]
    for moment in ("05:05:01", "05:05:30", "05:06:02", "05:07:10", "05:08:01", "05:09:00", "05:10:02"):
        tick(kii, f"2026-11-23T{moment}")
    commands = tif(kii, "GET", f"/targets/{target}/commands", token=token).body["commands"]
    fired = sorted(c["firedByTriggerID"] for c in commands)
    assert fired == sorted([cron_id, cron_id, once_id])  # 05:05 and 05:10, and the one-off at 05:07
    assert tif(kii, "PUT", f"/targets/{target}/triggers/{cron_id}/disable", None, token).status == 204
    tick(kii, "2026-11-23T05:15:01")
    assert len(tif(kii, "GET", f"/targets/{target}/commands", token=token).body["commands"]) == 3


def test_schedules_lists_the_current_configs_jobs_with_their_next_runs(kii: Kii, admin: str) -> None:
    kii.services.clock.set(at("2026-11-27T17:46:30"))  # a Friday evening
    reply = kii.call("GET", "/hooks/schedules", token=admin)
    assert reply.status == 200, reply.body
    jobs = {job["name"]: job for job in reply.body["schedules"]}
    assert reply.body["versionID"]
    assert jobs["weekdays"] == {
        "name": "weekdays",
        "cron": "0/15 9-17 * * MON-FRI",
        "endpoint": "write",
        "parameters": {},
        "nextRunAt": at("2026-11-30T09:00:00"),
    }
    assert jobs["first"]["nextRunAt"] == at("2026-11-28T02:30:00")
    assert jobs["first"]["parameters"] == {"n": 1}
    assert jobs["broken"]["nextRunAt"] == at("2026-12-01T03:45:00")


def test_schedules_are_empty_when_no_version_is_current(kii: Kii, admin: str) -> None:
    assert kii.call("DELETE", "/server-code/versions/current", token=admin).status == 204
    reply = kii.call("GET", "/hooks/schedules", token=admin)
    assert reply.status == 200 and reply.body == {"versionID": None, "schedules": []}


def test_schedules_are_the_admins_of_their_own_app_only(kii: Kii, admin: str, other_app: Kii) -> None:
    _, user = kii.register("scheduser")
    refused = kii.call("GET", "/hooks/schedules", token=user)
    assert (refused.status, refused.body["errorCode"]) == (403, "UNAUTHORIZED")
    other_admin = other_app.admin_token()
    crossed = kii.call("GET", "/hooks/schedules", token=other_admin)
    assert (crossed.status, crossed.body["errorCode"]) == (403, "WRONG_TOKEN")
    own = other_app.call("GET", "/hooks/schedules", token=other_admin)
    assert own.status == 200 and own.body["schedules"] == []
