// The official Kii JavaScript SDK (kii-cloud-sdk 2.4.19, unchanged) against a live karakuri.
// Started by tests/compat/test_official_sdk.py, which passes the server and app in the env.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;
const CLIENT_ID = process.env.KARAKURI_CLIENT_ID;
const CLIENT_SECRET = process.env.KARAKURI_CLIENT_SECRET;

function sdk() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  return kii;
}

const unique = (prefix) => `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

async function registered(kii, name) {
  const user = kii.KiiUser.userWithUsername(name, 'Passw0rd!');
  return user.register();
}

test('register, log in, refresh, update, change password, delete', async () => {
  const kii = sdk();
  const name = unique('user');
  const user = kii.KiiUser.userWithUsername(name, 'Passw0rd!');
  user.setDisplayName('Test User');
  user.set('age', 30);
  const created = await user.register();
  assert.match(created.getID(), /^[a-z0-9]{12}(-[a-z0-9]{4}){3}-[a-z0-9]{8}$/);
  assert.ok(created.getAccessToken(), 'register logs in');

  const loggedIn = await kii.KiiUser.authenticate(name, 'Passw0rd!');
  assert.equal(loggedIn.getID(), created.getID());
  const byToken = await kii.KiiUser.authenticateWithToken(loggedIn.getAccessToken());
  assert.equal(byToken.getUsername(), name);

  const fresh = kii.KiiUser.userWithID(created.getID());
  await fresh.refresh();
  assert.equal(fresh.getDisplayName(), 'Test User');
  assert.equal(fresh.get('age'), 30);

  fresh.setDisplayName('Renamed User');
  fresh.set('age', 31);
  await fresh.save();
  const again = kii.KiiUser.userWithID(created.getID());
  await again.refresh();
  assert.equal(again.getDisplayName(), 'Renamed User');
  assert.equal(again.get('age'), 31);

  await kii.KiiUser.getCurrentUser().updatePassword('Passw0rd!', 'N3wPassw0rd!');
  await assert.rejects(kii.KiiUser.authenticate(name, 'Passw0rd!'));
  const relogged = await kii.KiiUser.authenticate(name, 'N3wPassw0rd!');

  await relogged.delete();
  await assert.rejects(kii.KiiUser.authenticate(name, 'N3wPassw0rd!'));
});

test('wrong password and duplicate registration are rejected', async () => {
  const kii = sdk();
  const name = unique('dup');
  await registered(kii, name);
  await assert.rejects(kii.KiiUser.authenticate(name, 'wrong-password'));
  const other = sdk();
  await assert.rejects(other.KiiUser.userWithUsername(name, 'Passw0rd!').register(), /USER_ALREADY_EXISTS/);
});

test('groups: create with members, add and remove members, lists, rename, delete', async () => {
  const memberKii = sdk();
  const member = await registered(memberKii, unique('member'));
  const extraKii = sdk();
  const extra = await registered(extraKii, unique('extra'));

  const kii = sdk();
  const owner = await registered(kii, unique('owner'));
  const group = kii.KiiGroup.groupWithNameAndMembers(unique('grp'), [member]);
  await group.save();
  assert.ok(group.getID());

  const [, members] = await group.getMemberList();
  assert.deepEqual(members.map((u) => u.getID()).sort(), [owner.getID(), member.getID()].sort());

  group.addUser(extra);
  await group.save();
  group.removeUser(member);
  await group.save();
  const [, after] = await group.getMemberList();
  assert.deepEqual(after.map((u) => u.getID()).sort(), [owner.getID(), extra.getID()].sort());

  const [, owned] = await owner.ownerOfGroups();
  assert.deepEqual(owned.map((g) => g.getID()), [group.getID()]);
  const [, joined] = await extra.memberOfGroups();
  assert.deepEqual(joined.map((g) => g.getID()), [group.getID()]);

  await group.changeGroupName('renamed group');
  const loaded = kii.KiiGroup.groupWithID(group.getID());
  await loaded.refresh();
  assert.equal(loaded.getName(), 'renamed group');
  const [, groupOwner] = await loaded.getOwner();
  assert.equal(groupOwner.getID(), owner.getID());

  const withId = unique('fixed').toLowerCase().slice(0, 30);
  const registeredGroup = await kii.KiiGroup.registerGroupWithID(withId, 'fixed group', [extra]);
  assert.equal(registeredGroup.getID(), withId);

  await group.delete();
  await assert.rejects(kii.KiiGroup.groupWithID(group.getID()).refresh());
});

test('app admin authenticates with client credentials', async () => {
  const kii = sdk();
  const admin = await kii.Kii.authenticateAsAppAdmin(CLIENT_ID, CLIENT_SECRET);
  assert.ok(admin.getAccessToken());
  await assert.rejects(kii.Kii.authenticateAsAppAdmin(CLIENT_ID, 'wrong'));
});
