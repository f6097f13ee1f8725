"""Conformance programs in the style of public Kii server code, deployed and run through the
REST API on both engines: ES5 with callbacks and promises mixed, ``$.ajax`` to a local server,
hooks that read ``params.objectScope``, query paging with ``nextQuery``, nested-field
clauses, and a webpack bundle whose endpoints are globals named by a hook config."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.security import ManualClock
from chalicelib.local.tables import table_definitions
from tests.conftest import TEST_EPOCH_MS, TEST_SETTINGS, Kii, MotoServices

REPORTS = r"""
// A sensor-report app, written as Kii apps were: helpers at the top, callbacks for paging,
// promises for writes, jQuery for the outside world.
var AUDIT_BUCKET = 'audit';

function collect(bucket, query, values, callbacks) {
  bucket.executeQuery(query, {
    success: function (q, results, nextQuery) {
      for (var i = 0; i < results.length; i++) { values.push(results[i].get('value')); }
      if (nextQuery) { collect(bucket, nextQuery, values, callbacks); }
      else { callbacks.success(values); }
    },
    failure: function (q, error) { callbacks.failure(error); }
  });
}

function seed(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('reports'), saves = [];
  for (var i = 0; i < params.count; i++) {
    var report = bucket.createObject();
    report.set('value', i);
    report.set('meta', { sensor: { id: 's' + (i % 2) } });
    saves.push(report.save());
  }
  Promise.all(saves).then(function (saved) { done({ seeded: saved.length }); },
                          function (error) { done({ error: error.message }); });
}

function summarize(params, context, done) {
  var admin = context.getAppAdminContext();
  var query = KiiQuery.queryWithClause(KiiClause.equals('meta.sensor.id', params.sensor));
  query.setLimit(2);
  query.sortByAsc('value');
  collect(admin.bucketWithName('reports'), query, [], {
    success: function (values) {
      $.ajax({
        url: params.base + '/echo', type: 'POST', contentType: 'application/json',
        data: JSON.stringify({ values: values }), dataType: 'json'
      }).done(function (echo) {
        var _ = require('underscore');
        done({
          values: values,
          total: _.reduce(values, function (a, b) { return a + b; }, 0),
          echoed: JSON.parse(echo.body).values.length,
          auth: new Buffer('kii:' + params.sensor).toString('base64')
        });
      }).fail(function (xhr, textStatus) { done({ error: textStatus }); });
    },
    failure: function (error) { done({ error: error }); }
  });
}

function onInboxObject(params, context, done) {
  var scope = params.objectScope, admin = context.getAppAdminContext();
  admin.objectWithURI(params.uri).refresh().then(function (message) {
    var entry = admin.bucketWithName(AUDIT_BUCKET).createObject();
    entry.set('owner', scope.userID || null);
    entry.set('scope', scope.type);
    entry.set('text', message.get('text'));
    return entry.save();
  }).then(function () { done('audited'); }, function (error) { done('failed: ' + error.message); });
}

function audit(params, context, done) {
  context.getAppAdminContext().bucketWithName(AUDIT_BUCKET).executeQuery(KiiQuery.queryWithClause())
    .then(function (page) {
      done(page[1].map(function (o) { return [o.get('owner'), o.get('scope'), o.get('text')]; }));
    });
}
"""

BUNDLE = r"""
/******/ (function(modules) {
/******/   var installedModules = {};
/******/   function __webpack_require__(moduleId) {
/******/     if (installedModules[moduleId]) { return installedModules[moduleId].exports; }
/******/     var module = installedModules[moduleId] = { exports: {}, id: moduleId, loaded: false };
/******/     modules[moduleId].call(module.exports, module, module.exports, __webpack_require__);
/******/     module.loaded = true;
/******/     return module.exports;
/******/   }
/******/   return __webpack_require__(0);
/******/ })([
/* 0 */ function(module, exports, __webpack_require__) {
  (function(global) {
    'use strict';
    var greet = __webpack_require__(1).greet;
    global.sayHello = function (params, context) { return greet(params.name); };
    global.onUserCreated = function (params, context, done) { done(greet(params.userID ? 'user' : 'nobody')); };
  }.call(exports, (function() { return this; }())));
},
/* 1 */ function(module, exports) {
  exports.greet = function (name) { return 'hello ' + (name || 'kii'); };
}
/******/ ]);
"""


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        data = json.dumps({"body": body}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(params=["js2py", "quickjs"])
def kii(request: pytest.FixtureRequest, echo: tuple[str, int]) -> Iterator[Kii]:
    from chalice.test import Client
    from moto import mock_aws

    from app import app

    settings = replace(TEST_SETTINGS, script_engine=request.param, outbound_allow=f"127.0.0.1:{echo[1]}")
    with mock_aws():
        arns = wiring.provision_tables(settings, table_definitions())
        clock = ManualClock(TEST_EPOCH_MS)
        container = wiring.build_for_aws(settings, clock)
        wiring.use(container)
        services = MotoServices(container, arns["events"], clock)
        with Client(app) as client:
            yield Kii(client.http, container.apps.create("conformance"), services)
    wiring.reset()


def deploy(kii: Kii, admin: str, code: str, hooks: dict[str, Any] | None = None) -> Any:
    version = kii.call("POST", "/server-code", code, admin, "application/javascript").body["versionID"]
    if hooks is not None:
        put = kii.call(
            "PUT",
            f"/hooks/versions/{version}",
            json.dumps(hooks),
            admin,
            "application/vnd.kii.HooksDeploymentRequest+json",
        )
        if put.status != 204:
            return put
    assert kii.call("PUT", "/server-code/versions/current", version, admin, "text/plain").status == 204
    return version


def run(kii: Kii, endpoint: str, params: Any, token: str | None = None) -> Any:
    reply = kii.call("POST", f"/server-code/versions/current/{endpoint}", params, token)
    assert reply.status == 200, reply.body
    return reply.body["returnedValue"]


def test_report_app_pages_a_nested_field_query_and_calls_out_with_jquery(
    kii: Kii, echo: tuple[str, int]
) -> None:
    admin = kii.admin_token()
    deploy(kii, admin, REPORTS)
    assert run(kii, "seed", {"count": 7}) == {"seeded": 7}
    assert run(kii, "summarize", {"sensor": "s1", "base": echo[0]}) == {
        "values": [1, 3, 5],
        "total": 9,
        "echoed": 3,
        "auth": "a2lpOnMx",
    }


def test_hook_reads_the_object_scope_of_a_users_object(kii: Kii) -> None:
    admin = kii.admin_token()
    kii.services.dispatch()
    hooks = {
        "kiicloud://users/*/buckets/inbox": [
            {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "onInboxObject"}
        ]
    }
    deploy(kii, admin, REPORTS, hooks)
    user_id, token = kii.register("reporter")
    created = kii.call("POST", f"/users/{user_id}/buckets/inbox/objects", {"text": "hot"}, token)
    assert created.status == 201, created.body
    assert kii.services.dispatch() == {"batchItemFailures": []}
    assert run(kii, "audit", {}) == [[user_id, "APP_AND_USER", "hot"]]


def test_webpack_bundle_global_endpoints_run_and_a_hook_config_can_name_them(kii: Kii) -> None:
    admin = kii.admin_token()
    kii.services.dispatch()
    hooks = {
        "kiicloud://users": [
            {"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "onUserCreated"}
        ]
    }
    deploy(kii, admin, BUNDLE, hooks)
    assert run(kii, "sayHello", {"name": "bundle"}) == "hello bundle"
    kii.register("newcomer")
    assert kii.services.dispatch() == {"batchItemFailures": []}
    reply = kii.call("GET", "/hooks/executions?bestEffortLimit=10", token=admin)
    assert [e["returnedValue"] for e in reply.body["executions"]] == ["hello user"]


def test_a_hook_config_naming_a_global_that_is_not_a_function_is_refused(kii: Kii) -> None:
    admin = kii.admin_token()
    code = (
        "var settings = {}; settings.mode = 'x'; global.notAFunction = 3; function real(p, c) { return 1; }"
    )
    hooks = {
        "kiicloud://users": [
            {"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "notAFunction"}
        ]
    }
    reply = deploy(kii, admin, code, hooks)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
