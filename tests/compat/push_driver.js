// Driven by tests/functional/test_push_mqtt.py (not a suite of its own): kii-cloud-sdk 2.4.19,
// unchanged, registers a user, installs MQTT push, makes a topic and subscribes; prints the
// installation's mqttTopic; sends a message once told to (a line on stdin).
'use strict';

const readline = require('node:readline');

async function main() {
  const kii = require('kii-cloud-sdk').create();
  kii.Kii.initializeWithSite(process.env.KARAKURI_APP_ID, process.env.KARAKURI_APP_KEY, process.env.KARAKURI_BASE_URL + '/api');
  const user = kii.KiiUser.userWithUsername(`mqtt_${Math.random().toString(36).slice(2, 10)}`, 'Passw0rd!');
  await user.register();
  const {installationRegistrationID} = await user.pushInstallation().installMqtt(false);
  const topic = user.topicWithName('news');
  await topic.save();
  await user.pushSubscription().subscribe(topic);
  console.log(JSON.stringify({mqttTopic: installationRegistrationID, userID: user.getID()}));
  const lines = readline.createInterface({input: process.stdin});
  for await (const line of lines) {
    if (line.trim() === 'send') break;
  }
  await topic.sendMessage(new kii.KiiPushMessageBuilder({greeting: 'hello from node'}).build());
  console.log(JSON.stringify({sent: true}));
  lines.close();
}

main().catch((error) => { console.error(error); process.exit(1); });
