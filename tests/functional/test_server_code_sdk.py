"""The Kii SDK surface of the prelude, on both engines, against the in-memory services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib import config, wiring
from chalicelib.domain.events import Caller, Causation
from chalicelib.domain.models import Principal
from chalicelib.runtime.executor import Executor, Invocation
from chalicelib.runtime.host import Host

SDK = r"""
function objects(params, context, done) {
  var admin = context.getAppAdminContext(), bucket = admin.bucketWithName('items'), saved = [];
  var steps = [];
  for (var i = 0; i < 5; i++) {
    var o = bucket.createObject(); o.set('n', i); o.set('tag', i % 2 ? 'odd' : 'even'); steps.push(o.save());
  }
  Promise.all(steps).then(function (objs) {
    var first = objs[0];
    first._customInfo.extra = 'direct';       // real code writes _customInfo directly
    first.set('n', 100);
    return first.save();                      // PATCH: n changes, extra was not set() so it is not sent
  }).then(function (first) {
    return admin.objectWithURI(first.objectURI()).refresh();
  }).then(function (fresh) {
    saved.push(fresh.get('n'), fresh.get('extra') === undefined, fresh.getCreated() > 0, fresh.getID().length > 0);
    fresh.set('extra', 'now');
    return fresh.saveAllFields();
  }).then(function (whole) {
    var q = KiiQuery.queryWithClause(KiiClause.equals('tag', 'even'));
    q.sortByAsc('n'); q.setLimit(2);
    return bucket.executeQuery(q);
  }).then(function (page) {
    saved.push(page[1].length, page[2] !== null, page[0] instanceof KiiQuery);
    return bucket.executeQuery(page[2]);
  }).then(function (page) {
    saved.push(page[1].length, page[2] === null, page[1][0].get('n'));
    return bucket.countWithQuery(KiiQuery.queryWithClause(KiiClause.greaterThanOrEqual('n', 2)));
  }).then(function (counted) {
    saved.push(counted[2], counted[0] === bucket);
    return bucket.count();
  }).then(function (counted) {
    saved.push(counted[2]);
    done(saved);
  }, function (e) { done('failed: ' + e.message); });
}

function callbacks(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('cb'), order = [];
  bucket.createObject().save({
    success: function (obj) {
      order.push('saved ' + (obj instanceof KiiObject));
      bucket.executeQuery(KiiQuery.queryWithClause(), {
        success: function (query, results, next) {
          order.push('query ' + results.length + ' ' + (next === null));
          KiiObject.objectWithURI('kiicloud://buckets/cb/objects/missing').refresh({
            success: function () { done('unexpected'); },
            failure: function (target, error) {
              order.push('failure ' + (target instanceof KiiObject) + ' ' + (error.indexOf('OBJECT_NOT_FOUND') >= 0));
              done(order);
            }
          });
        },
        failure: function (query, error) { done('query failed ' + error); }
      });
    },
    failure: function (obj, error) { done('save failed ' + error); }
  });
}

function usersAndGroups(params, context, done) {
  var admin = context.getAppAdminContext(), out = [];
  var user = KiiUser.userWithUsername('sdkuser', 'secret123');
  user.register().then(function (registered) {
    out.push(registered.getUsername(), registered.getID() !== null, registered.getAccessToken() !== null);
    return admin.findUserByUsername('sdkuser');
  }).then(function (found) {
    out.push(found[0] === admin || found[0] instanceof KiiAppAdminContext, found[1].getID() === user.getID());
    var group = admin.groupWithName('crew');
    group.addUser(user);
    return group.saveWithOwner(user.getID());
  }).then(function (group) {
    out.push(group.getName(), group.getID() !== null);
    return group.getMemberList();
  }).then(function (members) {
    out.push(members[1].length, members[1][0].getID() === user.getID());
    return KiiUser.authenticate('sdkuser', 'secret123');
  }).then(function (me) {
    out.push(KiiUser.getCurrentUser() === me);
    return me.memberOfGroups();
  }).then(function (groups) {
    out.push(groups[1].length, groups[1][0].getName());
    return KiiUser.authenticate('sdkuser', 'wrong');
  }).then(function () { done('unexpected'); }, function (e) {
    out.push(e.message.indexOf('invalid_grant') >= 0);
    done(out);
  });
}

function aclAndThings(params, context, done) {
  var admin = context.getAppAdminContext(), out = [];
  var obj = admin.bucketWithName('shared').createObject();
  obj.save().then(function () {
    var acl = obj.objectACL();
    acl.removeACLEntry(KiiACLEntry.entryWithSubject(new KiiAnonymousUser(), KiiACLAction.KiiACLObjectActionRead));
    acl.putACLEntry(KiiACLEntry.entryWithSubject(new KiiAnonymousUser(), KiiACLAction.KiiACLObjectActionWrite));
    return acl.save();
  }).then(function (acl) {
    return obj.objectACL().listACLEntries();
  }).then(function (listed) {
    var names = [];
    for (var i = 0; i < listed[1].length; i++) {
      var e = listed[1][i];
      if (e.getSubject() instanceof KiiAnonymousUser) { names.push(e.getAction()); }
    }
    out.push(names.join());
    return admin.registerThing({_vendorThingID: 'sdk-dev', _password: 'thingpass', _thingType: 'sensor'});
  }).then(function (thing) {
    out.push(thing.getVendorThingID(), thing.getThingID().indexOf('th.') === 0);
    return admin.loadThingWithVendorThingID('sdk-dev');
  }).then(function (thing) {
    out.push(thing.fields._thingType);
    return thing.bucketWithName('readings').createObject().save();
  }).then(function (reading) {
    out.push(reading.objectURI().indexOf('kiicloud://things/th.') === 0);
    done(out);
  }, function (e) { done('failed: ' + e.message); });
}

function thingLogin(params, context, done) {
  KiiUser.authenticate('VENDOR_THING_ID:dev', 'pw').then(function () { done('unexpected'); },
    function (e) { done(e.message); });
}

function badValues(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('bad');
  var out = [];
  var lone = bucket.createObject();
  lone.set('v', String.fromCharCode(0xD800));
  lone.save().then(function () { out.push('saved'); }, function (e) { out.push(e.message); }).then(function () {
    var nan = bucket.createObject();
    nan.set('v', NaN);
    nan.set('w', Infinity);
    return nan.save();
  }).then(function (saved) {
    return saved.refresh();
  }).then(function (read) {
    out.push(read.get('v'), read.get('w'));
    done(out);
  }, function (e) { done('failed: ' + e.message); });
}

function wrongTypes(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('xx');
  var obj = bucket.createObjectWithID('fixed-id');
  obj.set('v', 1);
  obj.saveAllFields(null, false).then(function () {
    var again = bucket.createObjectWithID('fixed-id');
    return again.saveAllFields(null, false);
  }).then(function () { done('unexpected'); }, function (e) { done(e.message); });
}
"""


@pytest.fixture(params=["js2py", "quickjs"])
def run(request: pytest.FixtureRequest) -> Any:
    container = wiring.build_in_memory()
    app = container.apps.create("sdk")
    host = Host(container.auth, container.users, container.groups, container.objects, container.things)
    executor = Executor(wiring.sandbox(replace(config.Settings(), script_engine=request.param)), host, 10)

    def execute(endpoint: str, params: Any = None) -> Any:
        caller = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        outcome = executor.run(
            Invocation(
                app.app_id, app.app_key, "http://localhost/api", "v1", SDK, endpoint, params or {}, caller
            )
        )
        assert outcome.succeeded, (outcome.error_code, outcome.error_message)
        return outcome.body["returnedValue"] if outcome.body else None

    return execute


def test_objects_patch_refresh_query_paging_and_count(run: Any) -> None:
    assert run("objects") == [100, True, True, True, 2, True, True, 1, True, 100, 4, True, 5]


def test_callbacks_use_kii_argument_orders(run: Any) -> None:
    assert run("callbacks") == ["saved true", "query 1 true", "failure true true"]


def test_users_groups_and_sign_in(run: Any) -> None:
    assert run("usersAndGroups") == [
        "sdkuser",
        True,
        True,
        True,
        True,
        "crew",
        True,
        1,
        True,
        True,
        1,
        "crew",
        True,
    ]


def test_acls_and_things(run: Any) -> None:
    assert run("aclAndThings") == ["WRITE_EXISTING_OBJECT", "sdk-dev", True, "sensor", True]


def test_conditional_saves_report_kii_errors(run: Any) -> None:
    message = run("wrongTypes")
    assert "statusCode: 409" in message and "OBJECT_ALREADY_EXISTS" in message


def test_values_that_are_not_json_never_reach_the_store(run: Any) -> None:
    lone, nan, infinity = run("badValues")
    assert "statusCode: 400" in lone and "INVALID_INPUT_DATA" in lone
    assert (nan, infinity) == (None, None)  # JSON.stringify turns them into null


def test_user_sign_in_refuses_thing_credentials(run: Any) -> None:
    source_check = run("thingLogin")
    assert "statusCode: 400" in source_check and "INVALID_INPUT_DATA" in source_check
