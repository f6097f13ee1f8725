"""Kii's server environment beyond the SDK, on both engines: jQuery's ``$`` with real outbound
HTTP (to a local server, under the egress policy), ``require('underscore')``, ``Buffer``,
``KiiAnalytics``, SDK methods bound to their instances, two-parameter endpoints whose work
completes, and records that never hold a token or the app key."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib import config, wiring
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.runtime.executor import Executor, Invocation, Outcome
from chalicelib.runtime.host import Host

CODE = r"""
function ajaxGetJson(params, context, done) {
  $.ajax({ url: params.base + '/json?x=1', type: 'GET', dataType: 'json', headers: { 'X-Probe': 'yes' } })
    .done(function (data, textStatus, jqXHR) {
      done([data.hello, data.query, data.probe, textStatus, jqXHR.status, jqXHR.responseJSON.hello]);
    })
    .fail(function (jqXHR, textStatus) { done('failed ' + textStatus); });
}

function ajaxPostCallbacks(params, context, done) {
  var seen = [];
  $.ajax({
    url: params.base + '/echo', type: 'POST', contentType: 'application/json',
    data: JSON.stringify({ n: 1 }), dataType: 'json',
    success: function (data, textStatus) { seen.push('success ' + data.method + ' ' + data.body + ' ' + data.type); },
    error: function () { seen.push('error'); },
    complete: function (jqXHR, textStatus) { seen.push('complete ' + textStatus); done(seen); }
  });
}

function ajaxFormAndThen(params, context, done) {
  $.post(params.base + '/echo', { a: 1, b: 'x y' }).then(function (data) {
    return $.getJSON(params.base + '/json', { page: 2 }).then(function (more) { return [data.body, more.query]; });
  }).then(function (both) { done(both); }, function () { done('failed'); });
}

function ajaxHttpError(params, context, done) {
  var seen = [];
  $.ajax({ url: params.base + '/missing', dataType: 'json', statusCode: { 404: function (xhr) { seen.push(xhr.status); } } })
    .done(function () { done('unexpected'); })
    .fail(function (jqXHR, textStatus, errorThrown) {
      done([jqXHR.status, textStatus, errorThrown, jqXHR.responseJSON.errorCode, seen]);
    });
}

function ajaxTimeout(params, context, done) {
  $.ajax({ url: params.base + '/slow', timeout: 300 })
    .fail(function (jqXHR, textStatus) { done([jqXHR.status, textStatus]); });
}

function ajaxRefused(params, context, done) {
  var out = [];
  $.ajax({ url: params.url, error: function (jqXHR, textStatus) { out.push(jqXHR.status + ' ' + textStatus); } })
    .always(function () { done(out); });
}

function deferredAndWhen(params, context, done) {
  var a = $.Deferred(), b = $.Deferred(), order = [];
  a.done(function (v) { order.push('a ' + v); });
  $.when(a, b, 3).done(function (x, y, z) {
    order.push('when ' + x + ' ' + y.join('+') + ' ' + z);
    $.when($.ajax({ url: params.base + '/json', dataType: 'json' })).then(function (data) {
      order.push('ajax ' + data.hello + ' ' + a.state());
      done(order);
    });
  });
  a.resolve(1);
  b.resolve(2, 'two');
}

function ajaxTogether(params, context, done) {
  var one = $.ajax({ url: params.base + '/together', dataType: 'json' });
  var two = $.ajax({ url: params.base + '/together', dataType: 'json' });
  $.when(one, two).then(function (a, b) { done([a[0].together, b[0].together]); },
                        function (xhr) { done('failed ' + xhr.status); });
}

function jqueryUtilities(params, context) {
  var doubled = $.map([1, 2, 3], function (v) { return v * 2; });
  var odd = $.grep([1, 2, 3, 4], function (v) { return v % 2 === 1; });
  var deep = $.extend(true, {}, { a: { b: 1, c: [1] } }, { a: { d: 2 } });
  var each = [];
  $.each({ x: 1, y: 2 }, function (k, v) { each.push(k + v); });
  return [doubled, odd, deep, each, $.isArray([]), $.isFunction($.noop), $.isPlainObject({}),
          $.isEmptyObject({}), $.trim('  t  '), $.param({ a: [1, 2], b: 'c d' }), $.inArray(2, [1, 2]),
          $.parseJSON('{"k":1}').k, typeof jQuery.ajax];
}

function underscore(params, context) {
  var _ = require('underscore');
  return [_.map([1, 2, 3], function (v) { return v * 10; }), _.groupBy([1.5, 2.1, 2.6], Math.floor),
          _.pluck([{ n: 'a' }, { n: 'b' }], 'n'), _.chain([3, 1, 2]).sortBy(_.identity).first().value(),
          _.isEqual({ a: [1] }, { a: [1] }), _.uniq([1, 1, 2])];
}

function requireOther(params, context) { return require('lodash'); }

function buffers(params, context) {
  return [new Buffer('user:pass').toString('base64'), Buffer.from('aGVsbG8=', 'base64').toString(),
          Buffer.from('é☃', 'utf8').toString('hex'), Buffer.from('c3a9e29883', 'hex').toString('utf8'),
          Buffer.alloc(3).length, Buffer.isBuffer(Buffer.from('x')), new Buffer('ab')[1]];
}

function analytics(params, context) {
  KiiAnalytics.trackEventWithExtras('opened', { screen: 'home' });
  return [KiiAnalytics.getSDKVersion(), KiiSDKClientInfo.getSDKClientInfo()];
}

function unboundMethods(params, context, done) {
  var admin = context.getAppAdminContext(), bucket = admin.bucketWithName('bound');
  var obj = bucket.createObject(), save = obj.save, set = obj.set;
  set('k', 'v');
  save().then(function () {
    var acl = (obj.objectACL || obj.acl)();
    return acl.listACLEntries();
  }).then(function (result) {
    var list = (bucket.executeQuery)(KiiQuery.queryWithClause(KiiClause.equals('k', 'v')));
    return list.then(function (page) { return [result[1].length > 0, page[1].length]; });
  }).then(function (out) { done(out); }, function (e) { done('failed: ' + e.message); });
}

function sdkGetters(params, context, done) {
  var admin = context.getAppAdminContext(), user = KiiUser.userWithUsername('getter', 'secret123');
  user.register().then(function (u) {
    var bucket = u.encryptedBucketWithName('b'), q = KiiQuery.queryWithClause();
    q.setPaginationKey('k');
    var entry = KiiACLEntry.entryWithSubject(new KiiAnyAuthenticatedUser(), KiiACLAction.KiiACLBucketActionReadObjects);
    done([u.getCreated() > 0, u.getModified() > 0, u.disabled(), bucket.getUser() === u, bucket.getGroup(),
          q.getPaginationKey(), entry.getEntityString(), KiiObject.isValidObjectID('ok-1'),
          KiiObject.isValidObjectID('x')]);
  }, function (e) { done('failed: ' + e.message); });
}

function nestedQuery(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('lights');
  var a = bucket.createObject(), b = bucket.createObject();
  a.set('minutes', { '6': 30 }); b.set('minutes', { '6': 5 });
  Promise.all([a.save(), b.save()]).then(function () {
    return bucket.executeQuery(KiiQuery.queryWithClause(KiiClause.greaterThan('minutes.6', 10)));
  }).then(function (page) { done(page[1].length + ' ' + page[1][0].get('minutes')['6']); },
          function (e) { done('failed: ' + e.message); });
}

function saveAndReturn(params, context) {
  var bucket = context.getAppAdminContext().bucketWithName('late');
  var obj = bucket.createObject();
  obj.set('step', 1);
  obj.save().then(function (saved) {
    saved.set('step', 2);
    return saved.save();
  }).then(function () { console.log('saved after return'); });
  return 'started';
}

function countLate(params, context, done) {
  context.getAppAdminContext().bucketWithName('late')
    .executeQuery(KiiQuery.queryWithClause(KiiClause.equals('step', 2)))
    .then(function (page) { done(page[1].length); });
}

function returnsThenThrows(params, context) {
  var boom = function () { null.boom(); };
  context.getAppAdminContext().bucketWithName('late').count({ success: boom, failure: boom });
  return 'kept';
}

function ajaxDoneThrows(params, context, done) {
  $.ajax({ url: params.base + '/json' }).done(function () { throw new Error('in done'); });
}

function leakContext(params, context) {
  console.log('admin token ' + context.getAppAdminContext().getAccessToken() + ' key ' + context.getAppKey());
  return context;
}
"""


@dataclass
class Site:
    base: str
    port: int
    release: threading.Event


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _reply(self, status: int, body: Any, kind: str = "application/json") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/json":
            self._reply(200, {"hello": "world", "query": query, "probe": self.headers.get("X-Probe")})
        elif path == "/slow":
            self.server.release.wait(3)  # type: ignore[attr-defined]
            with contextlib.suppress(OSError):  # the client gave up long ago
                self._reply(200, {"late": True})
        elif path == "/together":  # answers only once two requests wait at the same time
            try:
                self.server.together.wait()  # type: ignore[attr-defined]
                self._reply(200, {"together": True})
            except threading.BrokenBarrierError:
                self._reply(503, {"together": False})
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(404, {"errorCode": "NOT_FOUND"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self._reply(200, {"method": "POST", "body": body, "type": self.headers.get("Content-Type")})


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    release = threading.Event()
    server.release = release  # type: ignore[attr-defined]
    server.together = threading.Barrier(2, timeout=15)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield Site(f"http://127.0.0.1:{port}", port, release)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@dataclass
class Runner:
    execute: Any
    app_key: str
    container: Any


@pytest.fixture(params=["js2py", "quickjs"])
def env(request: pytest.FixtureRequest, site: Site) -> Runner:
    settings = replace(
        config.Settings(), script_engine=request.param, outbound_allow=f"127.0.0.1:{site.port}"
    )
    container = wiring.build_in_memory(settings)
    app = container.apps.create("env")
    host = Host(
        container.auth,
        container.users,
        container.groups,
        container.objects,
        container.things,
        wiring.outbound(settings),
    )
    executor = Executor(wiring.sandbox(settings), host, 10)

    def execute(endpoint: str, params: Any = None) -> Outcome:
        caller = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        invocation = Invocation(
            app.app_id, app.app_key, "http://localhost/api", "v1", CODE, endpoint, params or {}, caller
        )
        return executor.run(invocation)

    return Runner(execute, app.app_key, container)


def value(outcome: Outcome) -> Any:
    assert outcome.succeeded, (outcome.error_code, outcome.error_message)
    return outcome.body["returnedValue"] if outcome.body else None


def test_ajax_get_json_resolves_done_with_data_status_and_jqxhr(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxGetJson", {"base": site.base})) == [
        "world",
        "x=1",
        "yes",
        "success",
        200,
        "world",
    ]


def test_ajax_post_calls_success_then_complete_options(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxPostCallbacks", {"base": site.base})) == [
        'success POST {"n":1} application/json',
        "complete success",
    ]


def test_ajax_form_data_and_chained_get_json(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxFormAndThen", {"base": site.base})) == ["a=1&b=x+y", "page=2"]


def test_ajax_http_error_fails_with_the_status_and_the_parsed_body(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxHttpError", {"base": site.base})) == [
        404,
        "error",
        "Not Found",
        "NOT_FOUND",
        [404],  # the statusCode handler ran too
    ]


def test_ajax_timeout_fails_with_timeout(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxTimeout", {"base": site.base})) == [0, "timeout"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",  # loopback, a port the policy does not allow
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://10.0.0.1/",  # private
        "file:///etc/passwd",
    ],
)
def test_ajax_to_a_refused_destination_fails_as_a_network_error_and_is_logged(
    env: Runner, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="karakuri.outbound"):
        assert value(env.execute("ajaxRefused", {"url": url})) == ["0 error"]
    if url.startswith("http"):
        assert any("refused" in r.getMessage() for r in caplog.records)


def test_a_redirect_to_a_refused_destination_is_refused(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxRefused", {"url": site.base + "/redirect"})) == ["0 error"]


def test_deferred_and_when_resolve_in_jquery_order(env: Runner, site: Site) -> None:
    assert value(env.execute("deferredAndWhen", {"base": site.base})) == [
        "a 1",
        "when 1 2+two 3",
        "ajax world resolved",
    ]


def test_ajax_requests_of_one_turn_are_made_at_the_same_time(env: Runner, site: Site) -> None:
    assert value(env.execute("ajaxTogether", {"base": site.base})) == [True, True]


def test_jquery_utilities(env: Runner) -> None:
    assert value(env.execute("jqueryUtilities")) == [
        [2, 4, 6],
        [1, 3],
        {"a": {"b": 1, "c": [1], "d": 2}},
        ["x1", "y2"],
        True,
        True,
        True,
        True,
        "t",
        "a%5B%5D=1&a%5B%5D=2&b=c+d",
        1,
        1,
        "function",
    ]


def test_require_underscore_returns_the_real_underscore(env: Runner) -> None:
    assert value(env.execute("underscore")) == [
        [10, 20, 30],
        {"1": [1.5], "2": [2.1, 2.6]},
        ["a", "b"],
        1,
        True,
        [1, 2],
    ]


def test_require_of_another_module_fails_as_in_node(env: Runner) -> None:
    outcome = env.execute("requireOther")
    assert outcome.error_code == "RUNTIME_ERROR"
    assert "Cannot find module 'lodash'" in (outcome.error_message or "")


def test_buffer_converts_utf8_base64_and_hex(env: Runner) -> None:
    assert value(env.execute("buffers")) == ["dXNlcjpwYXNz", "hello", "c3a9e29883", "é☃", 3, True, 98]


def test_kii_analytics_accepts_events_into_the_log(env: Runner) -> None:
    outcome = env.execute("analytics")
    assert value(outcome) == ["2.4.19", "sn=jss;sv=2.4.19"]
    assert any("KiiAnalytics event opened" in line["message"] for line in outcome.logs)


def test_sdk_methods_work_detached_from_their_object(env: Runner) -> None:
    assert value(env.execute("unboundMethods")) == [True, 1]


def test_sdk_getters_of_the_official_sdk(env: Runner) -> None:
    assert value(env.execute("sdkGetters")) == [
        True,
        True,
        False,
        True,
        None,
        "k",
        "UserID:ANY_AUTHENTICATED_USER",
        True,
        False,
    ]


def test_query_on_a_nested_field_from_server_code(env: Runner) -> None:
    assert value(env.execute("nestedQuery")) == "1 30"


def test_two_parameter_endpoint_returns_its_value_and_its_save_completes(env: Runner) -> None:
    outcome = env.execute("saveAndReturn")
    assert value(outcome) == "started"
    assert [line["message"] for line in outcome.logs] == ["saved after return"]
    assert value(env.execute("countLate")) == 1


def test_an_error_thrown_after_a_synchronous_endpoint_returned_is_logged_and_the_result_stands(
    env: Runner,
) -> None:
    outcome = env.execute("returnsThenThrows")
    assert value(outcome) == "kept"
    [line] = outcome.logs
    assert line["level"] == "ERROR" and "Uncaught after the endpoint returned" in line["message"]


def test_an_error_thrown_in_an_ajax_callback_fails_the_execution(env: Runner, site: Site) -> None:
    outcome = env.execute("ajaxDoneThrows", {"base": site.base})
    assert (outcome.error_code, outcome.error_message) == ("RUNTIME_ERROR", "in done")


def test_a_refused_request_is_explained_in_the_developer_log(env: Runner) -> None:
    outcome = env.execute("ajaxRefused", {"url": "http://169.254.169.254/latest/meta-data/"})
    assert any(
        line["level"] == "WARN" and "not a public address" in line["message"] for line in outcome.logs
    ), outcome.logs


def test_returning_context_leaves_no_token_or_app_key_in_the_record(env: Runner) -> None:
    outcome = env.execute("leakContext")
    record = json.dumps([outcome.body, outcome.logs, outcome.error_message])
    assert value(outcome)["_run"]["adminToken"] == "<redacted>"
    assert env.app_key not in record
    assert "admin token <redacted> key <redacted>" in record
