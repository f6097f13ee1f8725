"""Patterns that public Kii server code relies on and karakuri once missed (the survey in
docs/server-code.md, "Measured against public server code"), each reproduced in a program of
our own and run on both engines: a user registered inside server code becomes the current
user; object bodies are published from server code; `KiiSite` names Kii's sites; transpiled
ES2015 code calls the library Node.js 6 had; errors print as Node prints them; and server code
calls its own app's REST and Thing-IF APIs with the admin context's token, which never leaves
for another origin."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chalicelib import config, wiring
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.domain.scopes import Scope
from chalicelib.runtime.executor import Invocation

PROGRAMS = r"""
function signUpAndFound(params, context, done) {
  // A sign-up endpoint: the new member founds a team, then files a note in the team's bucket.
  var member = KiiUser.userWithUsername(params.name, 'pass1234');
  member.register().then(function (registered) {
    var same = KiiUser.getCurrentUser() === registered;
    return KiiGroup.groupWithName('team-' + params.name).save().then(function (team) {
      var note = team.bucketWithName('notes').createObject();
      note.set('by', registered.getID());
      return note.save().then(function () { return [same, team, registered]; });
    });
  }).then(function (found) {
    return found[1].getOwner().then(function (groupAndOwner) {
      done({ current: found[0], ownedByMember: groupAndOwner[1].getID() === found[2].getID() });
    });
  }, function (error) { done({ error: error.message }); });
}

function makeLeaflet(params, context, done) {
  var leaflet = context.getAppAdminContext().bucketWithName('leaflets').createObject();
  leaflet.set('title', params.title);
  leaflet.save().then(function (saved) { done(saved.getID()); });
}

function publishLeaflet(params, context, done) {
  var admin = context.getAppAdminContext();
  var leaflet = admin.bucketWithName('leaflets').createObjectWithID(params.id);
  var seen = {};
  leaflet.publishBody({
    success: function (object, url) { seen.callback = [object === leaflet, url]; },
    failure: function (object, message) { seen.callback = ['failed', message]; }
  }).then(function (result) {
    seen.promise = [result[0] === leaflet, result[1]];
    return leaflet.publishBodyExpiresIn(60);
  }).then(function (result) {
    seen.expiring = result[1];
    done(seen);
  }, function (error) { done({ error: error.message, seen: seen }); });
}

function publishBare(params, context, done) {
  var leaflet = context.getAppAdminContext().bucketWithName('leaflets').createObjectWithID(params.id);
  leaflet.publishBody({
    success: function () { done('published'); },
    failure: function (object, message) { done([object === leaflet, message]); }
  });
}

function transpiled(params, context, done) {
  // What Babel leaves of ES2015 code: the syntax is gone, the library calls stay.
  var readings = [{ sensor: 'door', value: 3 }, { sensor: 'window', value: 7.5 }];
  var seen = [];
  for (var key in readings) { seen.push(key); }
  var window_ = readings.find(function (r) { return r.sensor === 'window'; });
  done({
    keys: seen,
    found: window_.value,
    at: readings.findIndex(function (r) { return r.value > 5; }),
    missing: readings.find(function (r) { return r.sensor === 'roof'; }) === undefined,
    includes: ['a', NaN].includes(NaN),
    names: Array.from({ length: 2, 0: 'x', 1: 'y' }, function (v, i) { return v + i; }),
    uri: 'kiicloud://groups/g1'.startsWith('kiicloud://groups/'),
    json: 'report.json'.endsWith('.json'),
    has: 'temperature'.includes('rat'),
    whole: [Number.isInteger(readings[0].value), Number.isInteger(readings[1].value)],
    trunc: Math.trunc(-7.9),
    sign: Math.sign(-2),
    filled: new Array(3).fill(0)
  });
}

function siteSetup(params, context) {
  // Code written for a Kii site initializes the SDK with it; the app stays the one it runs in.
  Kii.initializeWithSite(context.getAppID(), context.getAppKey(), KiiSite.JP);
  return [KiiSite.US, KiiSite.JP, Kii.getBaseURL(), Kii.getAppID() === context.getAppID()];
}

function logError(params, context) {
  console.error(new TypeError('sensor offline'));
  console.log('while saving', new Error('quota exceeded'));
  return 'logged';
}
"""


@pytest.fixture(params=["js2py", "quickjs"])
def services(request: pytest.FixtureRequest) -> Iterator[Any]:
    container = wiring.build_in_memory(replace(config.Settings(), script_engine=request.param))
    app = container.apps.create("realworld")
    executor = container.script_executor()  # the host as wired for deployments: bodies, push, own API

    def execute(endpoint: str, params: Any = None) -> Any:
        caller = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        outcome = executor.run(
            Invocation(
                app.app_id,
                app.app_key,
                "http://localhost/api",
                "v1",
                PROGRAMS,
                endpoint,
                params or {},
                caller,
            )
        )
        assert outcome.succeeded, (outcome.error_code, outcome.error_message)
        return (outcome.body or {}).get("returnedValue"), outcome.logs

    yield container, app, execute


def test_a_user_registered_in_server_code_becomes_the_current_user(services: Any) -> None:
    _, _, execute = services
    value, _ = execute("signUpAndFound", {"name": "rika"})
    assert value == {"current": True, "ownedByMember": True}


def test_server_code_publishes_an_object_body_and_the_url_serves_it(services: Any) -> None:
    container, app, execute = services
    leaflet, _ = execute("makeLeaflet", {"title": "opening hours"})
    admin = Caller(Principal("admin", app.app_id, app.client_id), Causation("client"))
    container.bodies.put(admin, Scope(app.app_id, "app"), "leaflets", leaflet, b"open 9-17", "text/plain")

    seen, _ = execute("publishLeaflet", {"id": leaflet})

    same, url = seen["callback"]
    assert same is True and seen["promise"] == [True, url]
    prefix = f"/apps/{app.app_id}/published-bodies/"
    assert prefix in url and prefix in seen["expiring"] and seen["expiring"] != url
    download = container.bodies.published(app.app_id, url.rsplit("/", 1)[1], None, False)
    assert download.data == b"open 9-17"


def test_publishing_an_object_without_a_body_fails_with_kii_s_error(services: Any) -> None:
    _, _, execute = services
    leaflet, _ = execute("makeLeaflet", {"title": "draft"})
    (same, message), _ = execute("publishBare", {"id": leaflet})
    assert same is True
    assert "statusCode: 404" in message and "OBJECT_BODY_NOT_FOUND" in message


def test_transpiled_es2015_code_finds_includes_and_checks_integers(services: Any) -> None:
    _, _, execute = services
    value, _ = execute("transpiled")
    assert value == {
        "keys": ["0", "1"],
        "found": 7.5,
        "at": 1,
        "missing": True,
        "includes": True,
        "names": ["x0", "y1"],
        "uri": True,
        "json": True,
        "has": True,
        "whole": [True, False],
        "trunc": -7,
        "sign": -1,
        "filled": [0, 0, 0],
    }


def test_initializing_with_a_kii_site_keeps_the_app_and_its_base_url(services: Any) -> None:
    _, _, execute = services
    value, _ = execute("siteSetup")
    assert value == ["https://api.kii.com/api", "https://api-jp.kii.com/api", "http://localhost/api", True]


def test_a_logged_error_shows_its_name_and_message(services: Any) -> None:
    _, _, execute = services
    value, logs = execute("logError")
    assert value == "logged"
    assert logs[0]["level"] == "ERROR" and logs[0]["message"].startswith("TypeError: sensor offline")
    assert logs[1]["message"].startswith("while saving Error: quota exceeded")


# --- server code calling its own app's APIs over HTTP ----------------------------------------------
SELF_CALLS = r"""
function onboardAndReport(params, context, done) {
  // A device-cloud callback: onboard the device through Thing-IF, record its state, then list
  // the app's things through the REST API, all with the admin context's token.
  var api = Kii.getBaseURL(), root = api.substring(0, api.length - 3);
  var token = context.getAppAdminContext()._getToken();
  var headers = function (type) { return { 'Authorization': 'Bearer ' + token, 'Content-Type': type }; };
  $.ajax({
    url: root + 'thing-if/apps/' + context.getAppID() + '/onboardings', type: 'POST',
    headers: headers('application/vnd.kii.OnboardingWithVendorThingIDByThing+json'),
    data: JSON.stringify({ vendorThingID: params.device, thingPassword: 'device-pw', thingType: 'meter' })
  }).then(function (onboarded) {
    return $.ajax({
      url: root + 'thing-if/apps/' + context.getAppID() + '/targets/THING:' + onboarded.thingID + '/states',
      type: 'PUT', headers: headers('application/json'), data: JSON.stringify({ reading: params.reading })
    });
  }).then(function () {
    return $.ajax({
      url: api + '/apps/' + context.getAppID() + '/things/query', type: 'POST',
      headers: headers('application/vnd.kii.ThingQueryRequest+json'),
      data: JSON.stringify({ thingQuery: { clause: { type: 'all' } } })
    });
  }).done(function (found) {
    done(found.results.map(function (t) { return t._vendorThingID; }));
  }).fail(function (xhr) { done({ failed: xhr.status, body: xhr.responseText }); });
}

function tellBase(params, context, done) {
  $.ajax({
    url: Kii.getBaseURL() + '/whoami', type: 'POST',
    headers: { 'Authorization': 'Bearer ' + context.getAppAdminContext()._getToken() }, data: '{}'
  }).done(function (answer) { done(answer); }).fail(function (xhr) { done({ failed: xhr.status }); });
}
"""


class _Recorder(BaseHTTPRequestHandler):
    """Answers with the Authorization header it received."""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.dumps({"authorization": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def recorder() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, recorder: int) -> Iterator[Any]:
    from app import app, dispatcher
    from chalicelib.local.server import LiveStack

    settings = replace(config.settings(), outbound_allow=f"127.0.0.1:{recorder}")
    stack = LiveStack(
        app, lambda batch: dispatcher(batch, None), Path(tmp_path_factory.mktemp("self")), settings=settings
    )
    try:
        yield stack
    finally:
        stack.stop()
        wiring.reset()


def _call(port: int, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        raw = body if isinstance(body, str) else json.dumps(body)
        connection.request(method, path, body=raw.encode(), headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def _deploy(live: Any, source: str) -> tuple[str, dict[str, str]]:
    credentials = live.stack.credentials
    base = f"/api/apps/{credentials.app_id}"
    keys = {
        "X-Kii-AppID": credentials.app_id,
        "X-Kii-AppKey": credentials.app_key,
        "Content-Type": "application/json",
    }
    status, token = _call(
        live.port,
        "POST",
        "/api/oauth2/token",
        {"client_id": credentials.client_id, "client_secret": credentials.client_secret},
        keys,
    )
    assert status == 200, token
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    status, version = _call(
        live.port, "POST", f"{base}/server-code", source, {**admin, "Content-Type": "application/javascript"}
    )
    assert status == 201, version
    status, _ = _call(
        live.port,
        "PUT",
        f"{base}/server-code/versions/current",
        version["versionID"],
        {**admin, "Content-Type": "text/plain"},
    )
    assert status == 204
    return base, admin


def test_server_code_calls_its_own_rest_and_thing_if_apis_with_the_admin_token(live: Any) -> None:
    base, admin = _deploy(live, SELF_CALLS)
    status, reply = _call(
        live.port,
        "POST",
        f"{base}/server-code/versions/current/onboardAndReport",
        {"device": "meter-7", "reading": 42},
        {**admin, "Content-Type": "application/json"},
    )
    assert status == 200, reply
    assert reply["returnedValue"] == ["meter-7"]


def test_the_admin_token_is_not_made_real_for_an_origin_a_host_header_names(live: Any, recorder: int) -> None:
    """A caller's Host header decides Kii.getBaseURL() for a manual execution; the admin token
    a request there carries stays the execution's own, which no API accepts."""
    base, admin = _deploy(live, SELF_CALLS)
    status, reply = _call(
        live.port,
        "POST",
        f"{base}/server-code/versions/current/tellBase",
        {},
        {**admin, "Content-Type": "application/json", "Host": f"127.0.0.1:{recorder}"},
    )
    assert status == 200, reply
    sent = reply["returnedValue"]["authorization"]
    assert sent.startswith("Bearer ")
    status, answer = _call(live.port, "GET", f"{base}/users/me", "", {"Authorization": sent})
    assert (status, answer["errorCode"]) == (403, "WRONG_TOKEN")


# --- server code scheduling a task on its own app's API ----------------------------------------------
SCHEDULING = r"""
function schedulePublish(params, context, done) {
  // A content-publishing app: flip an object's ACL at its publish time, from a task.
  var app = context.getAppID();
  $.ajax({
    url: Kii.getBaseURL() + '/apps/' + app + '/tasks', type: 'POST',
    headers: {
      'Authorization': 'Bearer ' + context.getAppAdminContext()._getToken(),
      'Content-Type': 'application/vnd.kii.TaskCreationRequest+json',
      'X-Kii-AppID': app, 'X-Kii-AppKey': 'key'
    },
    data: JSON.stringify({
      description: 'publish', what: 'REST_API_CALL', when: params.when,
      params: {
        uri: '/api/apps/' + app + '/server-code/versions/current/updateACL', method: 'POST',
        headers: { 'Content-Type': 'application/json' }, body: { object_uri: params.uri }
      }
    })
  }).done(function (data) { done(data.taskID); })
    .fail(function (xhr) { done({ failed: xhr.status, body: xhr.responseText }); });
}

function updateACL(params, context, done) {
  var log = context.getAppAdminContext().bucketWithName('published').createObject();
  log.set('uri', params.object_uri);
  log.save().then(function () { done('published'); });
}
"""


def test_server_code_schedules_a_task_on_its_own_api_and_the_tick_runs_it(live: Any) -> None:
    from app import tick

    base, admin = _deploy(live, SCHEDULING)
    status, reply = _call(
        live.port,
        "POST",
        f"{base}/server-code/versions/current/schedulePublish",
        {"when": 0, "uri": "kiicloud://buckets/news/objects/o1"},
        {**admin, "Content-Type": "application/json"},
    )
    assert status == 200, reply
    task_id = reply["returnedValue"]
    assert isinstance(task_id, str), reply
    status, task = _call(live.port, "GET", f"{base}/tasks/{task_id}", "", admin)
    assert (status, task["status"], task["description"]) == (200, "SCHEDULED", "publish")

    ran = tick()["tasks"]
    assert [r for r in ran if task_id in r] == [f"{live.stack.credentials.app_id}:{task_id} → 200"]
    status, task = _call(live.port, "GET", f"{base}/tasks/{task_id}", "", admin)
    assert (task["status"], task["statusCode"]) == ("DONE", 200)
    status, found = _call(
        live.port,
        "POST",
        f"{base}/buckets/published/query",
        {"bucketQuery": {"clause": {"type": "all"}}},
        {**admin, "Content-Type": "application/vnd.kii.QueryRequest+json"},
    )
    assert status == 200, found
    assert [o["uri"] for o in found["results"]] == ["kiicloud://buckets/news/objects/o1"]
