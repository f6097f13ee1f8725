// kii-cloud-sdk 2.4.19, unchanged: topics, subscriptions and messages (Push to User), bucket
// subscriptions (Push to App), and the deliveries the event pipeline makes to an MQTT installation.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const BASE = process.env.KARAKURI_BASE_URL;
const APP_ID = process.env.KARAKURI_APP_ID;
const APP_KEY = process.env.KARAKURI_APP_KEY;

async function adminToken() {
  const response = await fetch(`${BASE}/api/apps/${APP_ID}/oauth2/token`, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_id: process.env.KARAKURI_CLIENT_ID, client_secret: process.env.KARAKURI_CLIENT_SECRET}),
  });
  return (await response.json()).access_token;
}

// karakuri's record of deliveries (docs/push.md), read until `found` says it is there: delivery is
// asynchronous, from the event pipeline.
async function deliveryTo(mqttTopic, found) {
  const token = await adminToken();
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${BASE}/api/apps/${APP_ID}/push/deliveries`, {headers: {Authorization: `Bearer ${token}`}});
    const {deliveries} = await response.json();
    const mine = deliveries.filter((d) => d.detail === `mqtt:${mqttTopic}` && found(d));
    if (mine.length) return mine;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

function sdk() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(APP_ID, APP_KEY, BASE + '/api');
  return kii;
}

async function newUser(kii, prefix) {
  const user = kii.KiiUser.userWithUsername(`${prefix}_${Math.random().toString(36).slice(2, 10)}`, 'Passw0rd!');
  await user.register();
  return user;
}

test('a user topic: save, subscribe, send, and the MQTT installation gets the message', async () => {
  const kii = sdk();
  const user = await newUser(kii, 'pushed');
  const {installationRegistrationID: mqttTopic} = await user.pushInstallation().installMqtt(false);
  const topic = user.topicWithName('news');
  assert.equal(await topic.exists(), false);
  assert.equal(await topic.save(), topic);
  assert.equal(await topic.exists(), true);
  const [subscription, target] = await user.pushSubscription().subscribe(topic);
  assert.equal(target, topic);
  const [, , subscribed] = await subscription.isSubscribed(topic);
  assert.equal(subscribed, true);

  const message = new kii.KiiPushMessageBuilder({greeting: 'hello'}).enableApns(false).build();
  const [sentTo, sent] = await topic.sendMessage(message);
  assert.equal(sentTo, topic);
  assert.deepEqual(sent.data, {greeting: 'hello'});

  const [delivered] = await deliveryTo(mqttTopic, (d) => d.payload.greeting === 'hello');
  assert.ok(delivered, 'the message reached the MQTT installation');
  assert.equal(delivered.status, 'SENT');
  assert.deepEqual(delivered.payload, {
    greeting: 'hello', sender: user.getID(), topic: 'news', objectScopeType: 'APP_AND_USER', objectScopeUserID: user.getID(),
  });

  const [topics, next] = await user.listTopics();
  assert.deepEqual(topics.map((t) => t.getName()), ['news']);
  assert.equal(next, null);
  await user.pushSubscription().unsubscribe(topic);
  const [, , still] = await user.pushSubscription().isSubscribed(topic);
  assert.equal(still, false);
  assert.equal(await topic.deleteTopic(), topic);
  assert.equal(await topic.exists(), false);
});

test('an app topic is the admin\'s until its ACL lets users subscribe', async () => {
  const kii = sdk();
  const user = await newUser(kii, 'reader');
  const admin = await kii.Kii.authenticateAsAppAdmin(process.env.KARAKURI_CLIENT_ID, process.env.KARAKURI_CLIENT_SECRET);
  const name = `all_${Math.random().toString(36).slice(2, 8)}`;
  await assert.rejects(kii.Kii.topicWithName(name).save(), /403|UNAUTHORIZED/);
  const topic = admin.topicWithName(name);
  await topic.save();
  await assert.rejects(user.pushSubscription().subscribe(kii.Kii.topicWithName(name)), /UNAUTHORIZED|403/);
  const acl = topic.acl();
  acl.putACLEntry(kii.KiiACLEntry.entryWithSubject(new kii.KiiAnyAuthenticatedUser(), kii.KiiACLAction.KiiACLSubscribeToTopic));
  await acl.save();
  const [, entries] = await topic.acl().listACLEntries();
  assert.ok(entries.some((e) => e.getAction() === kii.KiiACLAction.KiiACLSubscribeToTopic));
  await user.pushSubscription().subscribe(kii.Kii.topicWithName(name));
  await assert.rejects(kii.Kii.topicWithName(name).sendMessage(new kii.KiiPushMessageBuilder({m: 1}).build()), /403|UNAUTHORIZED/);
  await topic.sendMessage(new kii.KiiPushMessageBuilder({m: 1}).build());
  await topic.deleteTopic();
});

test('an object saved in a subscribed bucket pushes to the subscriber (Push to App)', async () => {
  const kii = sdk();
  const user = await newUser(kii, 'watcher');
  const {installationRegistrationID: mqttTopic} = await user.pushInstallation().installMqtt(true);
  const bucket = user.bucketWithName('notes');
  await bucket.createObject().save();  // the bucket exists once it has an object
  await user.pushSubscription().subscribe(bucket);
  const [, , subscribed] = await user.pushSubscription().isSubscribed(bucket);
  assert.equal(subscribed, true);
  const object = bucket.createObject();
  object.set('text', 'remember');
  await object.save();

  const [delivered] = await deliveryTo(mqttTopic, (d) => d.payload.objectID === object.getID());
  assert.ok(delivered, 'the change reached the MQTT installation');
  assert.equal(delivered.payload.type, 'DATA_OBJECT_CREATED');
  assert.equal(delivered.payload.bucketID, 'notes');
  assert.equal(delivered.payload.objectScopeUserID, user.getID());
  await user.pushSubscription().unsubscribe(bucket);
});
