/**
 * Per-client bounds in bytes and sizes, each answered with its reason code or a counted drop:
 * topic levels and filter length (SUBACK 0x8F / 0x80, DISCONNECT or CONNACK 0x90, 3.1.1 closed),
 * subscriptions per client (0x97), bytes queued per session online and offline, retained bytes per
 * identity.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type IConnackPacket, type IDisconnectPacket, type IPublishPacket } from 'mqtt-packet';
import { ALLOW_ALL_ACL, allow } from '../authorizers/static.js';
import { messageBytes } from '../routing/message.js';
import { subscriptionBytes } from '../routing/topic-tree.js';
import { closedWithin, rawClient, rawConnect, rawSubscribe, sleep, startBroker } from './helpers.js';

const deep = (levels: number) => Array.from({ length: levels }, () => 'a').join('/');

test('filters of more than maxTopicLevels levels or maxFilterLength bytes get 0x8F (3.1.1: 0x80); subscriptions beyond the quota 0x97', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxTopicLevels: 200, maxFilterLength: 1024, maxSubscriptionsPerSession: 3 } });
  const v5 = await rawConnect(t, h, 5, 'v5');
  assert.deepEqual(await rawSubscribe(v5, { [deep(200)]: 0, [deep(201)]: 0, [`x/${'b'.repeat(1100)}`]: 0, [`$share/g/${deep(201)}`]: 0 }), [0, 0x8f, 0x8f, 0x8f]);
  assert.deepEqual(await rawSubscribe(v5, { one: 0, two: 0, three: 0 }, 2), [0, 0, 0x97]);
  const v4 = await rawConnect(t, h, 4, 'v4');
  assert.deepEqual(await rawSubscribe(v4, { [deep(201)]: 1, ok: 1 }), [0x80, 1]);
  assert.equal(h.broker.stats().subscriptions, 4);
});

test('subscriptions beyond the session\'s subscription byte budget get 0x97; unsubscribing gives the bytes back', async (t) => {
  const filter = (i: number) => `${i}/${deep(100)}`; // about 16 KB of tree each
  const cost = subscriptionBytes(filter(0));
  const h = await startBroker(t, undefined, { limits: { maxSubscriptionBytesPerSession: cost * 3 + 10 } });
  const v5 = await rawConnect(t, h, 5, 'v5');
  assert.deepEqual(await rawSubscribe(v5, { [filter(0)]: 0, [filter(1)]: 0, [filter(2)]: 0, [filter(3)]: 0 }), [0, 0, 0, 0x97]);
  assert.deepEqual(await rawSubscribe(v5, { [filter(0)]: 1 }, 4), [1], 'replacing a subscription costs nothing more');
  v5.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: [filter(1)] });
  assert.equal((await v5.next()).cmd, 'unsuback');
  assert.deepEqual(await rawSubscribe(v5, { [filter(3)]: 0 }, 3), [0]);
});

test('a PUBLISH topic of more than maxTopicLevels levels: 5.0 DISCONNECT 0x90, 3.1.1 closed; a will topic: CONNACK 0x90', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxTopicLevels: 10 } });
  const v5 = await rawConnect(t, h, 5, 'pub5');
  v5.send({ cmd: 'publish', topic: deep(11), payload: Buffer.from('x'), qos: 0, retain: true, dup: false });
  assert.equal(((await v5.next()) as IDisconnectPacket).reasonCode, 0x90);
  const v4 = await rawConnect(t, h, 4, 'pub4');
  v4.send({ cmd: 'publish', topic: deep(11), payload: Buffer.from('x'), qos: 1, messageId: 1, retain: true, dup: false });
  await closedWithin(v4);
  const will = await rawClient(t, h, 5);
  will.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'w', clean: true, keepalive: 30, will: { topic: deep(11), payload: Buffer.from('x'), qos: 0, retain: false } });
  assert.equal(((await will.next()) as IConnackPacket).reasonCode, 0x90);
  assert.equal(h.broker.stats().retained, 0);
});

/** `count` QoS 1 PUBLISH frames of `bytes` each on `topic`, in one buffer. */
function publishes(topic: string, count: number, bytes: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) =>
    mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(bytes, i % 256), qos: 1, messageId: i + 1, retain: false, dup: false })));
}

test('a subscriber that does not acknowledge holds at most its byte budget, online and offline; the rest is dropped and counted', async (t) => {
  const budget = 64 * 1024;
  const h = await startBroker(t, undefined, { limits: { maxQueuedBytesPerSession: budget, maxInflight: 1000, maxQueuedPerSession: 1000, maxThrottleMs: 0 } });
  const online = await rawConnect(t, h, 4, 'online');
  await rawSubscribe(online, { big: 1 });
  const offline = await rawConnect(t, h, 4, 'offline', { clean: false });
  await rawSubscribe(offline, { big: 1 });
  offline.socket.destroy();
  await sleep(100);
  const pub = await rawConnect(t, h, 4, 'pub');
  pub.send(publishes('big', 100, 8 * 1024));
  for (let acked = 0; acked < 100; ) if ((await pub.next()).cmd === 'puback') acked++;
  const stats = h.broker.stats();
  assert.ok(stats.queuedBytes <= 2 * budget, `held ${stats.queuedBytes} bytes for two sessions of ${budget}`);
  assert.ok(stats.queuedBytes > budget, 'both sessions hold what fits');
  assert.ok(stats.droppedMessages >= 2 * (100 - budget / (8 * 1024)), `dropped ${stats.droppedMessages}`);
  // The online one still gets what fitted, in order, and the bytes come back as it acknowledges.
  const first = (await online.next()) as IPublishPacket;
  assert.equal((first.payload as Buffer)[0], 0);
  online.send({ cmd: 'puback', messageId: first.messageId });
  await sleep(100);
  assert.ok(h.broker.stats().queuedBytes < stats.queuedBytes);
});

test('a client subscribed to its own topic that never reads cannot make the broker hold more than its budget', async (t) => {
  const budget = 256 * 1024;
  const h = await startBroker(t, undefined, { limits: { maxQueuedBytesPerSession: budget } });
  const self = await rawConnect(t, h, 4, 'self');
  await rawSubscribe(self, { mine: 1 });
  self.socket.pause();
  self.send(publishes('mine', 300, 16 * 1024));
  await sleep(1000);
  const stats = h.broker.stats();
  assert.ok(stats.queuedBytes <= budget, `held ${stats.queuedBytes}`);
  assert.ok(stats.droppedMessages > 0);
});

test('a device that changes client ids keeps one retained byte budget; anonymous clients have one each', async (t) => {
  const payload = Buffer.alloc(1000, 1);
  const cost = messageBytes({ topic: 'd/0', payload, qos: 0, retain: true });
  // The CONNECT's username names the device, as a verifier would decide it; no username: anonymous.
  const h = await startBroker(t, (request) => allow(ALLOW_ALL_ACL, request.username ? { deviceId: request.username, incarnation: 'one' } : {}), {
    limits: { maxRetainedBytesPerClient: cost * 2 + 10 },
  });
  const retainAs = async (clientId: string, topic: string, username?: string) => {
    const c = await rawConnect(t, h, 4, clientId, username ? { username } : {});
    c.send({ cmd: 'publish', topic, payload, qos: 1, messageId: 1, retain: true, dup: false });
    assert.equal((await c.next()).cmd, 'puback');
    c.socket.end();
  };
  for (const [i, clientId] of ['dev-a', 'dev-b', 'dev-c'].entries()) await retainAs(clientId, `d/${i}`, 'sensor');
  assert.equal(h.broker.stats().retained, 2, 'the third client id of the same device is over its budget');
  for (const [i, clientId] of ['anon-a', 'anon-b', 'anon-c'].entries()) await retainAs(clientId, `a/${i}`);
  assert.equal(h.broker.stats().retained, 5, 'each anonymous client id has its own budget');
});
