// kii-cloud-sdk 2.4.19, unchanged: Kii.serverCodeEntry(name).execute(args), anonymous and as a user.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;

const CODE = `
function whoami(params, context) {
  return {app: context.getAppID(), user: context.userID || null, caller: context.getAccessToken() ? 'user' : 'anonymous',
          echo: params.echo};
}
function giftFor(params, context, done) {
  KiiUser.authenticateWithToken(context.getAccessToken()).then(function (user) {
    var gift = user.bucketWithName('gifts').createObject();
    gift.set('name', params.name);
    return gift.save();
  }).then(function (gift) { done({uri: gift.objectURI()}); }, function (e) { done({error: e.message}); });
}
function broken(params, context) { return params.missing.field; }
`;

function sdk() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  return kii;
}

async function adminToken() {
  const response = await fetch(`${BASE}/api/apps/${APP_ID}/oauth2/token`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_id: process.env.KARAKURI_CLIENT_ID, client_secret: process.env.KARAKURI_CLIENT_SECRET}),
  });
  return (await response.json()).access_token;
}

test.before(async () => {
  const token = await adminToken();
  const auth = {Authorization: `Bearer ${token}`};
  const deployed = await fetch(`${BASE}/api/apps/${APP_ID}/server-code`, {
    method: 'POST', headers: {...auth, 'Content-Type': 'application/javascript'}, body: CODE,
  });
  assert.equal(deployed.status, 201);
  const {versionID} = await deployed.json();
  const current = await fetch(`${BASE}/api/apps/${APP_ID}/server-code/versions/current`, {
    method: 'PUT', headers: {...auth, 'Content-Type': 'text/plain'}, body: versionID,
  });
  assert.equal(current.status, 204);
});

test('anonymous execution resolves [entry, argument, execResult]', async () => {
  const kii = sdk();
  const [entry, argument, result] = await kii.Kii.serverCodeEntry('whoami').execute({echo: 'hi'});
  assert.equal(entry.getEntryName(), 'whoami');
  assert.deepEqual(argument, {echo: 'hi'});
  assert.deepEqual(result.getReturnedValue(), {returnedValue: {app: APP_ID, user: null, caller: 'anonymous', echo: 'hi'}});
  assert.ok(result.getExecutedSteps() >= 1);
  assert.equal(result.getEnvironmentVersion(), '6');
});

test('a signed-in user executes with their token and writes as themselves', async () => {
  const kii = sdk();
  const user = kii.KiiUser.userWithUsername(`sc_${Date.now().toString(36)}`, 'Passw0rd!');
  await user.register();
  const [, , who] = await kii.Kii.serverCodeEntry('whoami').execute({echo: 1});
  assert.equal(who.getReturnedValue().returnedValue.user, user.getID());
  assert.equal(who.getReturnedValue().returnedValue.caller, 'user');
  const [, , gift] = await kii.Kii.serverCodeEntry('giftFor').execute({name: 'Battle Axe'});
  const uri = gift.getReturnedValue().returnedValue.uri;
  assert.ok(uri.startsWith(`kiicloud://users/${user.getID()}/buckets/gifts/objects/`), uri);
  const copy = kii.KiiObject.objectWithURI(uri);
  await copy.refresh();
  assert.equal(copy.get('name'), 'Battle Axe');
});

test('callbacks and a runtime error the SDK can parse', async () => {
  const kii = sdk();
  const outcome = await new Promise((resolve) => {
    kii.Kii.serverCodeEntry('broken').execute({x: 1}, {
      success: () => resolve('unexpected'),
      failure: (entry, argument, execResult, errorString) => resolve({entry, argument, errorString}),
    }).catch(() => {});
  });
  assert.equal(outcome.entry.getEntryName(), 'broken');
  const parsed = kii.KiiErrorParser.parse(outcome.errorString);
  assert.equal(parsed.status, 400);
  assert.equal(parsed.code, 'ENDPOINT_INVOCATION_ERROR');
  assert.match(outcome.errorString, /detailMessage: .*field/);
});
