// kii-cloud-sdk 2.4.19, unchanged: objects in app, user and thing scope, queries, ACLs, things.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;

function sdk() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  return kii;
}

const unique = (prefix) => `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

async function loggedIn(kii) {
  const user = kii.KiiUser.userWithUsername(unique('u'), 'Passw0rd!');
  await user.register();
  return user;
}

async function objectLifecycle(kii, bucket) {
  const obj = bucket.createObject();
  obj.set('score', 10);
  obj.set('tags', ['a', 'b']);
  obj.set('nested', {k: 1});
  await obj.save();
  assert.ok(obj.getID());
  assert.ok(obj.getCreated() > 0);

  const copy = kii.KiiObject.objectWithURI(obj.objectURI());
  await copy.refresh();
  assert.equal(copy.get('score'), 10);
  assert.deepEqual(copy.get('nested'), {k: 1});

  obj.set('extra', true);
  await obj.save();  // partial update (POST + X-HTTP-Method-Override: PATCH)
  await copy.refresh();
  assert.equal(copy.get('extra'), true);
  assert.equal(copy.get('score'), 10);

  copy.set('score', 20);
  await copy.saveAllFields(null, false);  // full update guarded by If-Match
  obj.set('score', 30);
  await assert.rejects(obj.saveAllFields(null, false), /OBJECT_VERSION_IS_STALE|409/);  // stale version

  const replaced = kii.KiiObject.objectWithURI(obj.objectURI());
  replaced.set('only', 1);
  await replaced.saveAllFields();  // overwrite: fields not sent disappear
  await replaced.refresh();
  assert.equal(replaced.get('score'), undefined);
  assert.equal(replaced.get('only'), 1);

  await replaced.delete();
  await assert.rejects(kii.KiiObject.objectWithURI(obj.objectURI()).refresh());
}

test('objects in the app scope', async () => {
  const kii = sdk();
  await loggedIn(kii);
  await objectLifecycle(kii, kii.Kii.bucketWithName(unique('app')));
});

test('objects in the user scope', async () => {
  const kii = sdk();
  const user = await loggedIn(kii);
  await objectLifecycle(kii, user.bucketWithName('notes'));
});

test('create with an ID refuses to overwrite', async () => {
  const kii = sdk();
  await loggedIn(kii);
  const bucket = kii.Kii.bucketWithName(unique('ids'));
  const first = bucket.createObjectWithID('fixed-id');
  first.set('v', 1);
  await first.saveAllFields(null, false);
  const second = bucket.createObjectWithID('fixed-id');
  second.set('v', 2);
  await assert.rejects(second.saveAllFields(null, false));
});

test('queries: clauses, sort, paging and count', async () => {
  const kii = sdk();
  await loggedIn(kii);
  const bucket = kii.Kii.bucketWithName(unique('q'));
  for (let i = 0; i < 9; i++) {
    const o = bucket.createObject();
    o.set('score', i * 10);
    o.set('kind', i % 2 === 0 ? 'even' : 'odd');
    await o.save();
  }
  const clause = kii.KiiClause.and(
    kii.KiiClause.equals('kind', 'even'),
    kii.KiiClause.greaterThanOrEqual('score', 20),
    kii.KiiClause.lessThan('score', 80));
  const query = kii.KiiQuery.queryWithClause(clause);
  query.sortByDesc('score');
  query.setLimit(2);
  const seen = [];
  let next = query;
  while (next) {
    const [, results, nextQuery] = await bucket.executeQuery(next);
    seen.push(...results.map((o) => o.get('score')));
    next = nextQuery;
  }
  assert.deepEqual(seen, [60, 40, 20]);

  const inQuery = kii.KiiQuery.queryWithClause(kii.KiiClause.inClause('score', [0, 10, 999]));
  const [, inResults] = await bucket.executeQuery(inQuery);
  assert.equal(inResults.length, 2);

  const [, , count] = await bucket.countWithQuery(kii.KiiQuery.queryWithClause(kii.KiiClause.equals('kind', 'odd')));
  assert.equal(count, 4);
  const [, , all] = await bucket.count();
  assert.equal(all, 9);
});

test('ACL changes on an object', async () => {
  const ownerKii = sdk();
  const owner = await loggedIn(ownerKii);
  const obj = owner.bucketWithName('private').createObject();
  obj.set('secret', 42);
  await obj.save();

  const otherKii = sdk();
  await loggedIn(otherKii);
  await assert.rejects(otherKii.KiiObject.objectWithURI(obj.objectURI()).refresh());

  const acl = obj.objectACL();
  acl.putACLEntry(ownerKii.KiiACLEntry.entryWithSubject(new ownerKii.KiiAnyAuthenticatedUser(),
    ownerKii.KiiACLAction.KiiACLObjectActionRead));
  await acl.save();
  const [, entries] = await obj.objectACL().listACLEntries();
  assert.ok(entries.length >= 3);

  const visible = otherKii.KiiObject.objectWithURI(obj.objectURI());
  await visible.refresh();
  assert.equal(visible.get('secret'), 42);

  const revoke = obj.objectACL();
  const entry = ownerKii.KiiACLEntry.entryWithSubject(new ownerKii.KiiAnyAuthenticatedUser(),
    ownerKii.KiiACLAction.KiiACLObjectActionRead);
  entry.setGrant(false);
  revoke.putACLEntry(entry);
  await revoke.save();
  await assert.rejects(otherKii.KiiObject.objectWithURI(obj.objectURI()).refresh());
});

test('things: register, owner, load, update, thing-scope objects, thing login, delete', async () => {
  const kii = sdk();
  const owner = await loggedIn(kii);
  const vendorThingID = unique('vt');
  const thing = await kii.KiiThing.register({
    _vendorThingID: vendorThingID, _password: 'thingPass1', _thingType: 'thermometer',
    _firmwareVersion: '1.0', location: 'lab'});
  assert.match(thing.getThingID(), /^th\./);
  assert.ok(thing.getAccessToken());

  // requirePasswordForThingOwnership is on by default: the deprecated registerOwner (no
  // password) is refused, registerOwnerWithPassword succeeds.
  await assert.rejects(thing.registerOwner(owner));
  await thing.registerOwnerWithPassword(owner, 'thingPass1');
  const ownership = await thing.isOwner(owner);
  assert.equal(ownership[ownership.length - 1], true);

  const loaded = await kii.KiiThing.loadWithVendorThingID(vendorThingID);
  assert.equal(loaded.getThingID(), thing.getThingID());
  assert.equal(loaded.fields.location, 'lab');
  loaded.fields.location = 'office';
  await loaded.update();
  const again = await kii.KiiThing.loadWithThingID(thing.getThingID());
  assert.equal(again.fields.location, 'office');

  await objectLifecycle(kii, again.bucketWithName('readings'));

  const thingKii = sdk();
  const context = await thingKii.Kii.authenticateAsThing(vendorThingID, 'thingPass1');
  const reading = context.bucketWithName('readings').createObject();
  reading.set('t', 21.5);
  await reading.save();
  assert.ok(reading.getID());

  await again.deleteThing();
  await assert.rejects(kii.KiiThing.loadWithThingID(thing.getThingID()));
});
