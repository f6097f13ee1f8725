// thing-if 1.0.3, unchanged: state history queried with a clause, grouped, and aggregated.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const tif = require('thing-if');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;
const unique = (prefix) => `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

async function owner() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  const user = kii.KiiUser.userWithUsername(unique('histowner'), 'Passw0rd!');
  await user.register();
  return {id: user.getID(), token: user.getAccessToken()};
}

test('the thing-if SDK queries, groups and aggregates state history', async () => {
  const me = await owner();
  const ownerID = new tif.TypedID(tif.Types.User, me.id);
  const api = new tif.ThingIFAPI(ownerID, me.token, new tif.App(APP_ID, APP_KEY, BASE));
  const onboarded = await api.onboardWithVendorThingID(
    new tif.OnboardWithVendorThingIDRequest(unique('vt'), 'thingPw', ownerID, 'thermometer', '1.0'));
  const from = new Date();
  for (const temperature of [18, 24, 27, 21]) {
    const response = await fetch(`${BASE}/thing-if/apps/${APP_ID}/targets/thing:${onboarded.thingID}/states`, {
      method: 'PUT',
      headers: {Authorization: `Bearer ${onboarded.accessToken}`, 'Content-Type': 'application/vnd.kii.MultipleTraitState+json'},
      body: JSON.stringify({AirConditionerAlias: {temperature, power: temperature > 20}}),
    });
    assert.ok(response.status === 201 || response.status === 204);
  }
  const to = new Date(Date.now() + 1000);

  const warm = await api.query(new tif.QueryHistoryStatesRequest(
    'AirConditionerAlias', new tif.RangeClauseInQuery('temperature', 100, true, 20, false)));
  assert.deepEqual(warm.results.map((h) => h.state.temperature), [24, 27, 21]);
  assert.ok(warm.results.every((h) => h.createdAt instanceof Date && h.createdAt >= from));
  assert.equal(warm.hasNext, false);

  const range = new tif.TimeRange(from, to);
  const grouped = await api.groupedQuery(new tif.QueryGroupedHistoryStatesRequest(
    'AirConditionerAlias', range, new tif.EqualsClauseInQuery('power', true)));
  const powered = grouped.flatMap((g) => g.states.map((h) => h.state.temperature));
  assert.deepEqual(powered, [24, 27, 21]);
  assert.ok(grouped.every((g) => g.range.from <= g.states[0].createdAt));

  const maximum = await api.aggregate(new tif.AggregateGroupedHistoryStatesRequest(
    new tif.QueryGroupedHistoryStatesRequest('AirConditionerAlias', range),
    new tif.Aggregation(tif.FunctionType.MAX, 'temperature', tif.FieldType.INTEGER)));
  assert.equal(Math.max(...maximum.map((r) => r.value)), 27);
  const counted = await api.aggregate(new tif.AggregateGroupedHistoryStatesRequest(
    new tif.QueryGroupedHistoryStatesRequest('AirConditionerAlias', range),
    new tif.Aggregation(tif.FunctionType.COUNT, 'temperature', tif.FieldType.INTEGER)));
  assert.equal(counted.reduce((sum, r) => sum + r.value, 0), 4);
});
