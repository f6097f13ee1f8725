// thing-if 1.0.3 and kii-cloud-sdk 2.4.19, unchanged: onboarding, commands, server-code and command
// triggers, listing, results, enable/disable/delete, against a live karakuri.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const tif = require('thing-if');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;
const unique = (prefix) => `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
const CODE = 'function hot(params, context) { return {param: params.a, token: context.getAccessToken() !== null}; }';

async function deployCode() {
  const token = (await (await fetch(`${BASE}/api/apps/${APP_ID}/oauth2/token`, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_id: process.env.KARAKURI_CLIENT_ID, client_secret: process.env.KARAKURI_CLIENT_SECRET}),
  })).json()).access_token;
  const auth = {Authorization: `Bearer ${token}`};
  const {versionID} = await (await fetch(`${BASE}/api/apps/${APP_ID}/server-code`, {
    method: 'POST', headers: {...auth, 'Content-Type': 'application/javascript'}, body: CODE,
  })).json();
  await fetch(`${BASE}/api/apps/${APP_ID}/server-code/versions/current`, {
    method: 'PUT', headers: {...auth, 'Content-Type': 'text/plain'}, body: versionID,
  });
}

async function owner() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  const user = kii.KiiUser.userWithUsername(unique('tifowner'), 'Passw0rd!');
  await user.register();
  return {id: user.getID(), token: user.getAccessToken()};
}

async function putState(thingID, token, state) {
  const response = await fetch(`${BASE}/thing-if/apps/${APP_ID}/targets/thing:${thingID}/states`, {
    method: 'PUT', headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd.kii.MultipleTraitState+json'},
    body: JSON.stringify(state),
  });
  assert.ok(response.status === 201 || response.status === 204, `state: ${response.status}`);
}

test('the thing-if SDK onboards, commands, triggers and reads results', async () => {
  await deployCode();
  const me = await owner();
  const ownerID = new tif.TypedID(tif.Types.User, me.id);
  const api = new tif.ThingIFAPI(ownerID, me.token, new tif.App(APP_ID, APP_KEY, BASE));

  const onboarded = await api.onboardWithVendorThingID(
    new tif.OnboardWithVendorThingIDRequest(unique('vt'), 'thingPw', ownerID, 'thermometer', '1.0'));
  assert.ok(onboarded.thingID.startsWith('th.'));
  assert.ok(onboarded.accessToken);
  assert.equal(api.target.id, onboarded.thingID);
  assert.equal(await api.getThingType(), 'thermometer');

  const command = await api.postNewCommand(new tif.PostCommandRequest(
    [new tif.AliasAction('AirConditionerAlias', [new tif.Action('turnPower', true)])], ownerID, 'Power on'));
  assert.ok(command.commandID);
  const fetched = await api.getCommand(command.commandID);
  assert.equal(fetched.commandID, command.commandID);
  assert.equal(fetched.title, 'Power on');
  const listedCommands = await api.listCommands();
  assert.equal(listedCommands.results.length, 1);

  const hot = new tif.Condition(tif.RangeClauseInTrigger.greaterThan('AirConditionerAlias', 'temp', 30));
  const codeTrigger = await api.postServerCodeTrigger(new tif.PostServerCodeTriggerRequest(
    new tif.ServerCode('hot', me.token, null, {a: 1}), new tif.StatePredicate(hot, tif.TriggersWhen.CONDITION_FALSE_TO_TRUE), 'Hot'));
  assert.ok(codeTrigger.triggerID);
  assert.equal(codeTrigger.disabled, false);
  const commandTrigger = await api.postCommandTrigger(new tif.PostCommandTriggerRequest(
    new tif.TriggerCommandObject([new tif.AliasAction('FanAlias', [new tif.Action('turnOn', true)])], api.target, ownerID),
    new tif.StatePredicate(hot, tif.TriggersWhen.CONDITION_CHANGED)));
  const triggers = await api.listTriggers();
  assert.deepEqual(triggers.results.map((t) => t.triggerID).sort(), [codeTrigger.triggerID, commandTrigger.triggerID].sort());

  await putState(onboarded.thingID, onboarded.accessToken, {AirConditionerAlias: {temp: 20}});
  await putState(onboarded.thingID, onboarded.accessToken, {AirConditionerAlias: {temp: 35}});
  let results = [];
  for (let i = 0; i < 100 && results.length === 0; i++) {
    results = (await api.listServerCodeExecutionResults(codeTrigger.triggerID)).results;
    if (results.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(results.length, 1);
  assert.equal(results[0].succeeded, true);
  assert.deepEqual(results[0].returnedValue, {param: 1, token: true});
  assert.equal(results[0].endpoint, 'hot');

  let fired = [];
  for (let i = 0; i < 50 && fired.length === 0; i++) {
    fired = (await api.listCommands()).results.filter((c) => c.firedByTriggerID === commandTrigger.triggerID);
    if (fired.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(fired.length, 1);

  const disabled = await api.enableTrigger(commandTrigger.triggerID, false);
  assert.equal(disabled.disabled, true);
  assert.equal((await api.getTrigger(commandTrigger.triggerID)).disabled, true);
  assert.equal(await api.deleteTrigger(commandTrigger.triggerID), commandTrigger.triggerID);
  await assert.rejects(api.getTrigger(commandTrigger.triggerID));
});
