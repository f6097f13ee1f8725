// kii-cloud-sdk 2.4.19 and thing-if 1.0.3, unchanged: an MQTT installation's endpoint, and the
// mqttEndpoint of onboarding (Kii's MQTT model, docs/devices.md).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const tif = require('thing-if');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;
const FIELDS = ['installationID', 'username', 'password', 'mqttTopic', 'host',
  'portTCP', 'portSSL', 'portWS', 'portWSS', 'X-MQTT-TTL'];
const unique = (prefix) => `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

test('a user installs MQTT and gets its endpoint; onboarding answers the thing\'s', async () => {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  const user = kii.KiiUser.userWithUsername(unique('mqttuser'), 'Passw0rd!');
  await user.register();
  const installed = await user.pushInstallation().installMqtt(false);
  const endpoint = await user.pushInstallation().getMqttEndpoint(installed.installationID);
  assert.deepEqual(Object.keys(endpoint).sort(), [...FIELDS].sort());
  assert.equal(endpoint.installationID, installed.installationID);
  assert.equal(endpoint.mqttTopic, installed.installationRegistrationID);
  assert.ok(endpoint['X-MQTT-TTL'] > 0 && endpoint.portTCP > 0);

  const ownerID = new tif.TypedID(tif.Types.User, user.getID());
  const api = new tif.ThingIFAPI(ownerID, user.getAccessToken(), new tif.App(APP_ID, APP_KEY, BASE));
  const onboarded = await api.onboardWithVendorThingID(
    new tif.OnboardWithVendorThingIDRequest(unique('vt'), 'thingPw', ownerID));
  assert.deepEqual(Object.keys(onboarded.mqttEndPoint).sort(), [...FIELDS].sort());
  assert.notEqual(onboarded.mqttEndPoint.mqttTopic, endpoint.mqttTopic);
});
