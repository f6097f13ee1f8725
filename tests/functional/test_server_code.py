"""Server code over REST: deploy, versions, current, hook configs, manual execution, logs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from tests.conftest import Kii

JS = "application/javascript"
HOOKS = "application/vnd.kii.HooksDeploymentRequest+json"

CODE = r"""
function hello(params, context) {
  return {greeting: 'hello ' + params.name, app: context.getAppID(), token: context.getAccessToken(),
          user: context.userID || null, round: Math.round(2.5), now: typeof Date.now()};
}
function later(params, context, done) {
  Promise.resolve(params.n).then(function (n) { done(n * 2); });
}
function fails(params, context) { null.boom(); }
function throwsLater(params, context, done) {
  Promise.resolve(1).then(function () { return Promise.reject(new Error('nope')); })
    .then(null, function (e) { done('caught ' + e.message); });
}
function loops(params, context) { while (true) {} }
function calls(params, context, done) {
  Kii.serverCodeEntry('hello').execute({}).then(function () { done('ran'); },
    function (e) { done(e.message); });
}
function logs(params, context) {
  console.log('plain', {a: 1}); console.error('bad', 2); console.debug('details');
  return 'logged';
}
function saveAsAdmin(params, context, done) {
  var obj = context.getAppAdminContext().bucketWithName('notes').createObject();
  obj.set('text', params.text);
  obj.save().then(function (saved) { done({id: saved.getID(), uri: saved.objectURI()}); },
                  function (e) { done('failed: ' + e.message); });
}
function saveAsCaller(params, context, done) {
  KiiUser.authenticateWithToken(context.getAccessToken()).then(function (user) {
    var obj = user.bucketWithName('mine').createObject();
    obj.set('v', 1);
    return obj.save();
  }).then(function (obj) { done(obj.objectURI()); }, function (e) { done('failed: ' + e.message); });
}
function saveAnonymously(params, context, done) {
  Kii.bucketWithName('notes').createObject().save({
    success: function () { done('saved'); },
    failure: function (obj, error) { done(error); }
  });
}
function noDone(params, context, done) {}
"""


def _deploy(kii: Kii, admin: str, code: str = CODE, current: bool = True) -> str:
    reply = kii.call("POST", "/server-code", code, admin, content_type=JS)
    assert reply.status == 201, reply.body
    version = str(reply.body["versionID"])
    if current:
        assert kii.call("PUT", "/server-code/versions/current", version, admin, "text/plain").status == 204
    return version


def _run(
    kii: Kii, endpoint: str, params: Any = None, token: str | None = None, version: str = "current"
) -> Any:
    return kii.call("POST", f"/server-code/versions/{version}/{endpoint}", params or {}, token)


@pytest.fixture
def admin(kii: Kii) -> str:
    return kii.admin_token()


# --- management -------------------------------------------------------------------------------------
def test_deploy_list_get_set_current_and_delete(kii: Kii, admin: str) -> None:
    first = _deploy(kii, admin, current=False)
    second = _deploy(kii, admin)
    listed = kii.call("GET", "/server-code/versions", token=admin)
    assert listed.status == 200
    flags = {v["versionID"]: v["current"] for v in listed.body["versions"]}
    assert flags == {first: False, second: True}
    assert all(v["environmentVersion"] == "6" and v["createdAt"] for v in listed.body["versions"])
    current = kii.call("GET", "/server-code/versions/current", token=admin)
    assert (current.status, current.body) == (200, second)
    source = kii.call("GET", f"/server-code/versions/{first}", token=admin)
    assert (
        source.status == 200
        and source.headers["content-type"].startswith(JS)
        and "function hello" in source.body
    )
    assert kii.call("DELETE", f"/server-code/versions/{first}", token=admin).status == 204
    gone = kii.call("GET", f"/server-code/versions/{first}", token=admin)
    assert (gone.status, gone.body["errorCode"]) == (404, "SERVER_CODE_VERSION_NOT_FOUND")
    assert kii.call("DELETE", "/server-code/versions/current", token=admin).status == 204
    unset = kii.call("GET", "/server-code/versions/current", token=admin)
    assert (unset.status, unset.body["errorCode"]) == (404, "SERVER_CODE_VERSION_NOT_FOUND")
    no_current = _run(kii, "hello")
    assert (no_current.status, no_current.body["errorCode"]) == (404, "SERVER_CODE_VERSION_NOT_FOUND")


def test_multipart_deploy_with_environment_version(kii: Kii, admin: str) -> None:
    boundary = "xYzBoundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
        'Content-Type: application/json\r\n\r\n{"environmentVersion": "0"}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="server-code"\r\n'
        f"Content-Type: application/javascript\r\n\r\nfunction ping(p, c) {{ return 'pong'; }}\r\n--{boundary}--\r\n"
    )
    reply = kii.call("POST", "/server-code", body, admin, f"multipart/form-data; boundary={boundary}")
    assert reply.status == 201, reply.body
    [listed] = kii.call("GET", "/server-code/versions", token=admin).body["versions"]
    assert listed["environmentVersion"] == "0"
    version = reply.body["versionID"]
    ran = _run(kii, "ping", version=version)
    assert (ran.status, ran.body, ran.headers["x-environment-version"]) == (
        200,
        {"returnedValue": "pong"},
        "0",
    )
    bad = body.replace('"0"', '"9"')
    refused = kii.call("POST", "/server-code", bad, admin, f"multipart/form-data; boundary={boundary}")
    assert (refused.status, refused.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("function f(p, c) {\n  return p +;\n}", "Line 2"),
        ("function f(p, c) { return eval('1'); }", "eval"),
        ("function f(p, c) { setTimeout(function(){}, 1); }", "setTimeout"),
        ("function f(p, c) { return new Array(3); }", "Array"),
        ("var __kii_x = 1; function f(p, c) { return __kii_x; }", "__kii_"),
        ("function f(p, c) { return __dirname; }", "__dirname"),
    ],
)
def test_bad_code_is_refused_with_a_precise_error(kii: Kii, admin: str, code: str, needle: str) -> None:
    reply = kii.call("POST", "/server-code", code, admin, content_type=JS)
    assert (reply.status, reply.body["errorCode"]) == (400, "SERVER_CODE_VERIFICATION_ERROR")
    assert needle in reply.body["message"]
    assert kii.call("GET", "/server-code/versions", token=admin).body["versions"] == []


def test_syntax_errors_carry_line_and_column(kii: Kii, admin: str) -> None:
    reply = kii.call("POST", "/server-code", "function f(p, c) {\n  var x = ;\n}", admin, content_type=JS)
    assert reply.status == 400 and (reply.body["line"], reply.body["column"]) == (2, 11)


def test_management_is_for_the_admin_only(kii: Kii, admin: str) -> None:
    version = _deploy(kii, admin)
    _, user = kii.register("alice")
    for method, path, body in [
        ("POST", "/server-code", "function f(p, c) {}"),
        ("GET", "/server-code/versions", None),
        ("GET", f"/server-code/versions/{version}", None),
        ("PUT", "/server-code/versions/current", version),
        ("DELETE", f"/server-code/versions/{version}", None),
        ("PUT", f"/hooks/versions/{version}", "{}"),
        ("GET", f"/hooks/versions/{version}", None),
        ("GET", "/server-code/logs", None),
    ]:
        as_user = kii.call(method, path, body, user, content_type="text/plain")
        assert (as_user.status, as_user.body["errorCode"]) == (403, "UNAUTHORIZED"), path
        anonymous = kii.call(method, path, body, None, content_type="text/plain")
        assert (anonymous.status, anonymous.body["errorCode"]) == (401, "UNAUTHORIZED"), path


def test_other_apps_admin_sees_nothing(kii: Kii, admin: str, other_app: Kii) -> None:
    version = _deploy(kii, admin)
    other_admin = other_app.admin_token()
    assert other_app.call("GET", "/server-code/versions", token=other_admin).body["versions"] == []
    missing = other_app.call("GET", f"/server-code/versions/{version}", token=other_admin)
    assert missing.status == 404
    foreign = kii.call("GET", "/server-code/versions", token=other_admin)
    assert (foreign.status, foreign.body["errorCode"]) == (403, "WRONG_TOKEN")


# --- hook configs --------------------------------------------------------------------------------------
def test_hook_config_put_get_head_delete(kii: Kii, admin: str) -> None:
    version = _deploy(kii, admin)
    config = {
        "kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "hello"}],
        "kiicloud://scheduler": {
            "nightly": {
                "what": "EXECUTE_SERVER_CODE",
                "cron": "0 3 * * *",
                "endpoint": "later",
                "parameters": {"n": 1},
            }
        },
    }
    import json

    assert kii.call("PUT", f"/hooks/versions/{version}", json.dumps(config), admin, HOOKS).status == 204
    got = kii.call("GET", "/hooks/versions/current", token=admin)
    assert (got.status, got.body) == (200, config)
    assert kii.call("HEAD", f"/hooks/versions/{version}", token=admin).status == 200
    assert kii.call("DELETE", f"/hooks/versions/{version}", token=admin).status == 204
    missing = kii.call("GET", f"/hooks/versions/{version}", token=admin)
    assert (missing.status, missing.body["errorCode"]) == (404, "SERVER_CODE_HOOK_VERSION_NOT_FOUND")
    assert kii.call("HEAD", f"/hooks/versions/{version}", token=admin).status == 404
    unknown = kii.call("PUT", "/hooks/versions/nosuchversion", "{}", admin, HOOKS)
    assert (unknown.status, unknown.body["errorCode"]) == (404, "SERVER_CODE_VERSION_NOT_FOUND")


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        (
            '{"kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "missing"}]}',
            "missing",
        ),
        (
            '{"kiicloud://users": [{"when": "GROUP_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "hello"}]}',
            "GROUP_CREATED",
        ),
        ('{"kiicloud://nowhere": []}', "kiicloud://nowhere"),
        (
            '{"kiicloud://users": [{"when": "USER_CREATED", "what": "SEND_EMAIL", "endpoint": "hello"}]}',
            "what",
        ),
        (
            '{"kiicloud://scheduler": {"j": {"what": "EXECUTE_SERVER_CODE", "cron": "61 * * * *", "endpoint": "hello"}}}',
            "cron",
        ),
        ('{"kiicloud://users": [', "not JSON"),
    ],
)
def test_bad_hook_configs_are_refused(kii: Kii, admin: str, config: str, needle: str) -> None:
    version = _deploy(kii, admin)
    reply = kii.call("PUT", f"/hooks/versions/{version}", config, admin, HOOKS)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA"), reply.body
    assert needle in reply.body["message"]
    assert kii.call("GET", f"/hooks/versions/{version}", token=admin).status == 404


# --- manual execution -------------------------------------------------------------------------------------
def test_sync_and_async_endpoints_for_anonymous_user_and_admin(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    anonymous = _run(kii, "hello", {"name": "kii"})
    assert anonymous.status == 200
    assert anonymous.body["returnedValue"] == {
        "greeting": "hello kii",
        "app": kii.app.app_id,
        "token": None,
        "user": None,
        "round": 3,
        "now": "number",
    }
    assert int(anonymous.headers["x-step-count"]) >= 1 and anonymous.headers["x-environment-version"] == "6"
    user_id, token = kii.register("bob")
    as_user = _run(kii, "hello", {"name": "bob"}, token).body["returnedValue"]
    # The script saw the caller's token; no result or record carries it.
    assert (as_user["token"], as_user["user"]) == ("<redacted>", user_id)
    assert _run(kii, "later", {"n": 21}, admin).body == {"returnedValue": 42}
    assert _run(kii, "throwsLater").body == {"returnedValue": "caught nope"}


def test_runtime_errors_and_missing_endpoints(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    failed = _run(kii, "fails")
    assert (failed.status, failed.body["errorCode"]) == (400, "ENDPOINT_INVOCATION_ERROR")
    assert failed.body["details"]["errorCode"] == "RUNTIME_ERROR"
    assert "boom" in failed.body["details"]["message"] and "x-step-count" in failed.headers
    missing = _run(kii, "nothere")
    assert (missing.status, missing.body["details"]["errorCode"]) == (400, "RUNTIME_ERROR")
    never = _run(kii, "noDone")
    assert (never.status, never.body["details"]["errorCode"]) == (400, "EXECUTION_TIMEOUT")
    bad_name = _run(kii, "bad-name")
    assert (bad_name.status, bad_name.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_params_must_be_an_object_under_100_kb(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    too_big = kii.call("POST", "/server-code/versions/current/hello", {"name": "x" * 110_000})
    assert (too_big.status, too_big.body["errorCode"]) == (413, "INVALID_INPUT_DATA")
    not_object = kii.call("POST", "/server-code/versions/current/hello", [1, 2])
    assert (not_object.status, not_object.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    broken = kii.call("POST", "/server-code/versions/current/hello", "{nope")
    assert (broken.status, broken.body["errorCode"]) == (400, "INVALID_JSON")
    wrong_token = _run(kii, "hello", {"name": "x"}, "not-a-token")
    assert (wrong_token.status, wrong_token.body["errorCode"]) == (403, "WRONG_TOKEN")


def test_infinite_loop_ends_at_the_deadline_and_the_server_keeps_serving(kii: Kii, admin: str) -> None:
    container = kii.services.container
    container.settings = replace(container.settings, script_timeout_seconds=0.5)
    container._runner = None
    _deploy(kii, admin)
    timed_out = _run(kii, "loops")
    assert (timed_out.status, timed_out.body["errorCode"]) == (400, "ENDPOINT_INVOCATION_ERROR")
    assert timed_out.body["details"]["errorCode"] == "EXECUTION_TIMEOUT"
    # the next execution gets a new worker: a usual deadline, so a busy machine cannot fail it
    container.settings = replace(container.settings, script_timeout_seconds=20)
    container._runner = None
    assert _run(kii, "hello", {"name": "again"}).body["returnedValue"]["greeting"] == "hello again"


def test_server_code_cannot_call_server_code(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    message = _run(kii, "calls").body["returnedValue"]
    assert "statusCode: 409" in message and "OPERATION_NOT_ALLOWED" in message


# --- the SDK acting through the same services --------------------------------------------------------
def test_admin_context_writes_emit_events_naming_the_execution(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    kii.services.new_events()
    saved = _run(kii, "saveAsAdmin", {"text": "hi"}).body["returnedValue"]
    assert saved["uri"] == f"kiicloud://buckets/notes/objects/{saved['id']}"
    read = kii.call("GET", f"/buckets/notes/objects/{saved['id']}", token=admin)
    assert read.status == 200 and read.body["text"] == "hi"
    [event] = kii.services.new_events()
    assert (event.trigger, event.actor.kind, event.causation.source) == (
        "DATA_OBJECT_CREATED",
        "admin",
        "server_code",
    )
    assert event.causation.execution_id and event.causation.depth == 1


def test_sdk_calls_are_authorized_like_rest_calls(kii: Kii, admin: str) -> None:
    _deploy(kii, admin)
    user_id, token = kii.register("carol")
    uri = _run(kii, "saveAsCaller", token=token).body["returnedValue"]
    assert uri.startswith(f"kiicloud://users/{user_id}/buckets/mine/objects/")
    anonymous = _run(kii, "saveAsCaller").body["returnedValue"]
    assert anonymous.startswith("failed:")
    denied = _run(kii, "saveAnonymously").body["returnedValue"]
    assert "statusCode: 401" in denied and "UNAUTHORIZED" in denied


def test_the_seed_autogift_runs_unchanged_for_a_user(kii: Kii, admin: str) -> None:
    from pathlib import Path

    seed = (Path(__file__).resolve().parents[1] / "data" / "autogift.js").read_text()
    _deploy(kii, admin, seed)
    user_id, token = kii.register("dave")
    reply = _run(kii, "autogift", {"userID": user_id}, token)
    assert reply.body == {"returnedValue": 0}
    gifts = kii.call(
        "POST",
        f"/users/{user_id}/buckets/gifts/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        token,
        "application/vnd.kii.QueryRequest+json",
    )
    [gift] = gifts.body["results"]
    assert (gift["name"], gift["imageUrl"]) == ("Battle Axe", "uri://axe_image_url_here")


# --- the developer log -------------------------------------------------------------------------------
def test_console_lines_deploys_and_invocations_reach_the_log(kii: Kii, admin: str) -> None:
    version = _deploy(kii, admin)
    assert _run(kii, "logs").body == {"returnedValue": "logged"}
    _run(kii, "fails")
    lines = kii.call("GET", "/server-code/logs", token=admin).body["logs"]
    keys = [(line["key"], line["level"]) for line in lines]
    assert keys[0] == ("servercode.file.deploy", "INFO") and version in lines[0]["message"]
    assert ("servercode.log", "INFO") in keys and ("servercode.log", "ERROR") in keys
    console = [line["message"] for line in lines if line["key"] == "servercode.log"]
    assert console == ['plain {"a":1}', "bad 2", "details"]
    invokes = [line for line in lines if line["key"] == "servercode.invoke"]
    assert [i["entryName"] for i in invokes] == ["logs", "fails"] and invokes[1]["level"] == "ERROR"
    errors = kii.call("GET", "/server-code/logs?level=ERROR", token=admin).body["logs"]
    assert {line["level"] for line in errors} == {"ERROR"} and len(errors) == 2
    last = kii.call("GET", "/server-code/logs", token=admin).body["last"]
    assert kii.call("GET", f"/server-code/logs?since={last}", token=admin).body["logs"] == []


def test_the_log_is_a_bounded_ring(kii: Kii, admin: str) -> None:
    log = kii.services.container.servercode.log
    log.capacity = 5  # type: ignore[attr-defined]
    for n in range(12):
        log.append(kii.app.app_id, {"time": n, "key": "servercode.log", "level": "INFO", "message": str(n)})
    kept = log.read(kii.app.app_id)
    assert [r["message"] for r in kept] == ["7", "8", "9", "10", "11"]
    assert wiring.container() is kii.services.container
