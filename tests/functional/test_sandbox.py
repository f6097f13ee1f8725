"""Server code cannot hurt anyone else: each app's code runs in worker processes of its own,
nothing one execution changes is seen by the next (other apps, or its own), and every
execution ends at its deadline or memory cap with a Kii answer — on both engines."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.runtime.executor import Outcome
from tests.conftest import Kii
from tests.functional.test_hooks import deploy

JS = "application/javascript"
DEADLINE = 2.0  # for runaways
USUAL_DEADLINE = 20.0
HOOK_DEADLINE = 5.0
# A ceiling, not a speed expectation: the deadline plus room for a busy machine.
ENDS_WITHIN = DEADLINE + 15
PACE = 0.02  # seconds between a bystander's calls

ARITHMETIC = r"""
function mods(params, context) { return [-7 % 3, -1 % 5, 7 % -3, -4 % 2 === 0]; }
function looks(params, context) {
  var seen = [];
  seen.push([1, 2].length, JSON.parse('[2,4]'), 2 + 2, [].push === Array.prototype.push);
  var list = []; list.push('x');
  seen.push(list.length, ({a: 1}).hasOwnProperty('a'), Object.prototype.hasOwnProperty.call({b: 2}, 'b'));
  return seen;
}
function tamper(params, context) {
  var hits = [];
  function attempt(f) { try { f(); } catch (e) { hits.push(String(e.name)); } }
  attempt(function () { Object.prototype.hasOwnProperty.call = function () { return 'stolen'; }; });
  attempt(function () { Array.prototype.push = function () { return -1; }; });
  attempt(function () { JSON.parse = function () { return 'forged'; }; });
  attempt(function () { Object.prototype.polluted = true; });
  attempt(function () { Kii.getAppID = function () { return 'forged'; }; });
  attempt(function () { KiiUser.prototype.getID = function () { return 'forged'; }; });
  return 'tried';
}
var counter = 0;
var cache;
function bump(params, context) {
  counter += 1; leaked = (typeof leaked === 'number') ? leaked + 1 : 1;
  var first = cache === undefined; cache = 'filled';
  return [counter, leaked, first, Kii.getAppID() === context.getAppID()];
}
"""

RUNAWAYS = r"""
function regex(params, context) {
  var s = ''; for (var i = 0; i < 30; i++) { s += 'a'; }
  return /^(a+)+$/.test(s + 'b');
}
function finallyLoop(params, context) { try { while (true) {} } finally { while (true) {} } }
function promiseLoop(params, context, done) { Promise.resolve(1).then(function () { while (true) {} }); }
function memory(params, context) { var s = 'xxxxxxxx'; while (true) { s = s + s; } }
function hello(params, context) { return 'still here'; }
function surrogate(params, context) { return {lone: '\ud800', pair: '\ud83d\ude00'}; }
function replacesJson(params, context) {
  try { JSON.stringify = function () { return 'broken'; }; } catch (e) {}
  return {ok: true};
}
"""


def _deploy(kii: Kii, admin: str, code: str) -> None:
    version = kii.call("POST", "/server-code", code, admin, JS).body["versionID"]
    assert kii.call("PUT", "/server-code/versions/current", version, admin, "text/plain").status == 204


def _run(kii: Kii, endpoint: str, params: Any = None) -> Any:
    return kii.call("POST", f"/server-code/versions/current/{endpoint}", params or {})


@pytest.fixture(params=["js2py", "quickjs"])
def engine(request: pytest.FixtureRequest, kii: Kii) -> str:
    """Both engines, with Kii's usual deadline (the runner is rebuilt from the settings)."""
    _use_deadline(kii, USUAL_DEADLINE, engine=str(request.param))
    return str(request.param)


def _use_deadline(app: Kii, seconds: float, engine: str | None = None) -> None:
    """Runaway tests take a short deadline; code that must succeed gets the usual one, as a new
    worker's start (fork, loading the file) on a busy machine can take a good part of a second."""
    container = app.services.container
    container.settings = replace(
        container.settings,
        script_engine=engine or container.settings.script_engine,
        script_timeout_seconds=seconds,
    )
    container._runner = None


def test_one_apps_arithmetic_does_not_change_another_apps_numbers(
    kii: Kii, other_app: Kii, engine: str
) -> None:
    _deploy(kii, kii.admin_token(), ARITHMETIC)
    _deploy(other_app, other_app.admin_token(), ARITHMETIC)
    mods = _run(kii, "mods")
    assert mods.body == {"returnedValue": [-1, -1, 1, True]}
    expected = [2, [2, 4], 4, True, 1, True, True]
    assert _run(other_app, "looks").body["returnedValue"] == expected
    assert _run(kii, "looks").body["returnedValue"] == expected


def test_replaced_built_ins_and_sdk_are_never_seen_by_another_execution(
    kii: Kii, other_app: Kii, engine: str
) -> None:
    _deploy(kii, kii.admin_token(), ARITHMETIC)
    _deploy(other_app, other_app.admin_token(), ARITHMETIC)
    assert _run(kii, "tamper").body["returnedValue"] == "tried"
    expected = [2, [2, 4], 4, True, 1, True, True]
    assert _run(other_app, "looks").body["returnedValue"] == expected
    assert _run(kii, "looks").body["returnedValue"] == expected  # A's own next execution too
    assert _run(kii, "bump").body["returnedValue"][3] is True  # Kii.getAppID is the SDK's


def test_each_execution_starts_with_fresh_top_level_state(kii: Kii, engine: str) -> None:
    _deploy(kii, kii.admin_token(), ARITHMETIC)
    first = _run(kii, "bump").body["returnedValue"]
    second = _run(kii, "bump").body["returnedValue"]
    assert first == second == [1, 1, True, True]


@pytest.mark.parametrize(
    ("endpoint", "codes"),
    [
        ("regex", {"EXECUTION_TIMEOUT"}),
        ("finallyLoop", {"EXECUTION_TIMEOUT"}),
        ("promiseLoop", {"EXECUTION_TIMEOUT"}),
        ("memory", {"EXECUTION_TIMEOUT", "RUNTIME_ERROR"}),
    ],
)
def test_runaway_code_ends_at_its_deadline_or_memory_cap_and_the_server_keeps_answering(
    kii: Kii, engine: str, endpoint: str, codes: set[str]
) -> None:
    _deploy(kii, kii.admin_token(), RUNAWAYS)
    _, token = kii.register("bystander")
    _use_deadline(kii, DEADLINE)
    container = kii.services.container
    from chalicelib.domain.events import Caller, Causation
    from chalicelib.domain.models import Principal

    caller = Caller(Principal("anonymous", kii.app.app_id), Causation("client"))
    outcome: list[Outcome] = []
    started = time.monotonic()
    runaway = threading.Thread(
        target=lambda: outcome.append(
            container.runner.execute(caller, "current", endpoint, {}, "http://localhost/api")
        )
    )
    runaway.start()
    answered = []
    while runaway.is_alive() and time.monotonic() - started < ENDS_WITHIN:
        asked = time.monotonic()
        assert kii.call("GET", "/users/me", token=token).status == 200
        answered.append(time.monotonic() - asked)
        # A client's pace, not a wait for anything: back-to-back calls from this very process
        # release the GIL only for microseconds, which starves the runaway's supervising thread
        # for seconds (CPython re-grants the GIL to the releasing thread; stack-notes).
        time.sleep(PACE)
    runaway.join(ENDS_WITHIN)
    took = time.monotonic() - started
    assert not runaway.is_alive() and took < ENDS_WITHIN, f"{endpoint} ran {took:.1f}s"
    [result] = outcome
    assert result.error_code in codes, (result.error_code, result.error_message)
    if result.error_code == "RUNTIME_ERROR":
        assert "memory" in str(result.error_message)
    assert answered and statistics.median(answered) < DEADLINE  # the server was not frozen
    _use_deadline(kii, USUAL_DEADLINE)
    assert _run(kii, "hello").body["returnedValue"] == "still here"
    zygote = wiring.sandbox(container.settings)._zygote
    assert zygote is not None and _spinning_workers(zygote.process.pid) == []


def _spinning_workers(zygote: int) -> list[int]:
    """This sandbox's worker processes (the zygote's children) still running on a CPU: none may
    outlive its deadline."""
    spinning = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(parent) == zygote and state == "R":
            spinning.append(int(stat.parent.name))
    if not spinning:
        return []
    time.sleep(0.5)  # a worker that just answered may still be finishing its reset
    return [pid for pid in spinning if _state(pid) == "R"]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_lone_surrogates_and_replaced_json_still_get_a_kii_answer(kii: Kii, engine: str) -> None:
    _deploy(kii, kii.admin_token(), RUNAWAYS)
    lone = _run(kii, "surrogate")
    assert lone.status == 200
    assert lone.body["returnedValue"]["pair"] == "\U0001f600"
    assert lone.body["returnedValue"]["lone"] in ("\ud800", "\ufffd")
    replaced = _run(kii, "replacesJson")
    assert (replaced.status, replaced.body) == (200, {"returnedValue": {"ok": True}})


def test_a_hook_that_loops_is_recorded_as_a_timeout_and_the_next_event_still_runs(
    kii: Kii, engine: str
) -> None:
    admin = kii.admin_token()
    code = RUNAWAYS + "function onGroup(params, context) { return params.groupID; }"
    hooks = {
        "kiicloud://users": [
            {"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "finallyLoop"},
        ],
        "kiicloud://groups": [
            {"when": "GROUP_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "onGroup"}
        ],
    }
    deploy(kii, admin, hooks, code)
    _use_deadline(kii, HOOK_DEADLINE)  # the loop's and onGroup's both: room for a new worker's start
    kii.services.dispatch()
    _, token = kii.register("hooked")
    kii.create_group(token)
    assert kii.services.dispatch() == {"batchItemFailures": []}
    runs = kii.call("GET", "/hooks/executions", token=admin).body["executions"]
    by_endpoint = {r["endpoint"]: r for r in runs}
    assert set(by_endpoint) == {"finallyLoop", "onGroup"}, runs
    assert by_endpoint["finallyLoop"]["status"] == "FAILED"
    assert "EXECUTION_TIMEOUT" in json.dumps(by_endpoint["finallyLoop"])
    assert by_endpoint["onGroup"]["status"] == "SUCCESS"
