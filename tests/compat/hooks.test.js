// kii-cloud-sdk 2.4.19, unchanged: the seed's autogift hook gives a new user a Battle Axe.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;
// The seed's code, unchanged, with the getSignUpGift helper it calls defined beside it.
const AUTOGIFT = fs.readFileSync(path.join(__dirname, '..', 'data', 'autogift.js'), 'utf8');
const HOOKS = {'kiicloud://users': [{when: 'USER_CREATED', what: 'EXECUTE_SERVER_CODE', endpoint: 'autogift'}]};

async function admin(method, route, body, contentType) {
  const token = (await (await fetch(`${BASE}/api/apps/${APP_ID}/oauth2/token`, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_id: process.env.KARAKURI_CLIENT_ID, client_secret: process.env.KARAKURI_CLIENT_SECRET}),
  })).json()).access_token;
  const response = await fetch(`${BASE}/api/apps/${APP_ID}${route}`, {
    method, headers: {Authorization: `Bearer ${token}`, 'Content-Type': contentType}, body,
  });
  assert.ok(response.status < 300, `${method} ${route}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

test('a new user finds the Battle Axe the autogift hook put in their gifts bucket', async () => {
  const {versionID} = await admin('POST', '/server-code', AUTOGIFT, 'application/javascript');
  await admin('PUT', `/hooks/versions/${versionID}`, JSON.stringify(HOOKS), 'application/vnd.kii.HooksDeploymentRequest+json');
  await admin('PUT', '/server-code/versions/current', versionID, 'text/plain');

  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  const user = kii.KiiUser.userWithUsername(`gifted_${Date.now().toString(36)}`, 'Passw0rd!');
  await user.register();

  const query = kii.KiiQuery.queryWithClause(kii.KiiClause.equals('name', 'Battle Axe'));
  let gifts = [];
  for (let i = 0; i < 50 && gifts.length === 0; i++) {
    try {
      [, gifts] = await user.bucketWithName('gifts').executeQuery(query);
    } catch (e) {
      // the bucket does not exist until the hook has run
    }
    if (gifts.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(gifts.length, 1);
  assert.equal(gifts[0].get('imageUrl'), 'uri://axe_image_url_here');
});
