// kii-cloud-sdk 2.4.19, unchanged: an encrypted bucket (CRYPTO:{name}) in the user scope.
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

test('an encrypted user bucket stores, queries and deletes objects', async () => {
  const kii = sdk();
  const user = kii.KiiUser.userWithUsername(unique('u'), 'Passw0rd!');
  await user.register();
  const bucket = user.encryptedBucketWithName('diary');
  assert.equal(bucket.getBucketName(), 'diary');
  const saved = [];
  for (const mood of ['good', 'bad', 'good']) {
    const obj = bucket.createObject();
    obj.set('mood', mood);
    await obj.save();
    assert.match(obj.objectURI(), /\/buckets\/CRYPTO:diary\/objects\//);
    saved.push(obj);
  }
  const query = kii.KiiQuery.queryWithClause(kii.KiiClause.equals('mood', 'good'));
  const [, results] = await bucket.executeQuery(query);
  assert.equal(results.length, 2);
  assert.ok(results.every((o) => o.get('mood') === 'good'));
  const [, , count] = await bucket.countWithQuery(kii.KiiQuery.queryWithClause());
  assert.equal(count, 3);

  // a plain bucket of the same name is another bucket
  const [, plain] = await user.bucketWithName('diary').executeQuery(kii.KiiQuery.queryWithClause())
    .catch(() => [null, []]);
  assert.equal(plain.length, 0);

  const again = kii.KiiObject.objectWithURI(saved[1].objectURI());
  await again.refresh();
  assert.equal(again.get('mood'), 'bad');
  await again.delete();
  await assert.rejects(kii.KiiObject.objectWithURI(saved[1].objectURI()).refresh());
  await bucket.delete();
});
