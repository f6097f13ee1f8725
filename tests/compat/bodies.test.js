// kii-cloud-sdk 2.4.19, unchanged: object bodies (upload, download, publish, move, delete).
// The SDK's body methods need a browser's XMLHttpRequest Level 2 and Blob: xhr2.js supplies it.
'use strict';

require('./xhr2');
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

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

test('a body uploads, downloads whole and by range, publishes, moves and is deleted', async () => {
  const kii = sdk();
  const user = await loggedIn(kii);
  const bytes = crypto.randomBytes(200 * 1024);
  const obj = user.bucketWithName('files').createObject();
  obj.set('name', 'photo');
  await obj.save();

  await obj.uploadBody(new Blob([bytes], {type: 'image/png'}));
  const [, blob] = await obj.downloadBody();
  assert.equal(blob.type, 'image/png');
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(bytes));

  // The JS SDK has no ranged download (Kii's Java client has): the same request by hand.
  const url = `${BASE}/api/apps/${APP_ID}/users/${user.getID()}/buckets/files/objects/${obj.getID()}/body`;
  const auth = {Authorization: `Bearer ${user.getAccessToken()}`};
  const ranged = await fetch(url, {headers: {...auth, Range: 'bytes=100-199'}});
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 200)));
  const outside = await fetch(url, {headers: {...auth, Range: `bytes=${bytes.length}-`}});
  assert.equal(outside.status, 416);
  assert.equal((await outside.json()).errorCode, 'OBJECT_BODY_RANGE_NOT_SATISFIABLE');

  const [, published] = await obj.publishBodyExpiresIn(3600);
  const fetched = await fetch(published);  // no token
  assert.equal(fetched.status, 200);
  assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(bytes));

  const target = user.bucketWithName('archive').createObject();
  await target.save();
  await obj.moveBody(target.objectURI());
  await assert.rejects(obj.downloadBody(), /OBJECT_BODY_NOT_FOUND|404/);
  const [, moved] = await target.downloadBody();
  assert.ok(Buffer.from(await moved.arrayBuffer()).equals(bytes));

  await target.deleteBody();
  await assert.rejects(target.downloadBody(), /OBJECT_BODY_NOT_FOUND|404/);
  await target.refresh();  // the object stays
});

test('deleting an object takes its body with it', async () => {
  const kii = sdk();
  await loggedIn(kii);
  const obj = kii.Kii.bucketWithName(unique('app')).createObject();
  await obj.save();
  await obj.uploadBody(new Blob(['hello'], {type: 'text/plain'}));
  const [, published] = await obj.publishBody();
  assert.equal(await (await fetch(published)).text(), 'hello');
  await obj.delete();
  assert.equal((await fetch(published)).status, 404);
});
